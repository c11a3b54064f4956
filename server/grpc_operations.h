// OperationsService (backups, retention) over OperationsApi, for
// main.cc to register. Handlers are thin: each call passes the gate (admin
// only, server-wide: server/call_gate.cc), is queued on the operations
// thread, and finishes its reactor when done, so gRPC's threads never wait
// for a backup. Thread-safe.
#ifndef PERSONA_SERVER_GRPC_OPERATIONS_H_
#define PERSONA_SERVER_GRPC_OPERATIONS_H_

#include <memory>

#include "grpcpp/grpcpp.h"
#include "grpcpp/impl/service_type.h"
#include "server/call_gate.h"
#include "server/operations_api.h"

namespace persona::server {

// Returns the service; `ops` and `gate` are not owned and must outlive it.
std::unique_ptr<grpc::Service> MakeOperationsService(OperationsApi* ops, const CallGate* gate);

}  // namespace persona::server

#endif  // PERSONA_SERVER_GRPC_OPERATIONS_H_
