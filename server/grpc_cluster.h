// The gRPC ClusterService over ClusterApi. A synchronous service (gRPC's
// sync thread pool): exports stream a shard's whole event log and publishes
// stream a whole model, blocking on flow control, which the callback
// services' reactors must never do. Thread-safe.
#ifndef PERSONA_SERVER_GRPC_CLUSTER_H_
#define PERSONA_SERVER_GRPC_CLUSTER_H_

#include <memory>

#include "grpcpp/grpcpp.h"
#include "server/call_gate.h"
#include "server/cluster_api.h"

namespace persona::server {

// Creates the service; `api` and `gate` are not owned. Every call passes `gate`.
std::unique_ptr<grpc::Service> MakeClusterService(ClusterApi* api, const CallGate* gate);

}  // namespace persona::server

#endif  // PERSONA_SERVER_GRPC_CLUSTER_H_
