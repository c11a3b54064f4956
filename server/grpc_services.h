// gRPC callback services over PersonaApi. Reactions do their (short) storage
// and scoring work inline and never sleep. Thread-safe.
#ifndef PERSONA_SERVER_GRPC_SERVICES_H_
#define PERSONA_SERVER_GRPC_SERVICES_H_

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/impl/service_type.h"
#include "server/api.h"
#include "server/training_worker.h"

namespace persona::server {

// Maps an absl::Status to a grpc::Status with the same code. Messages of
// internal errors (INTERNAL, UNKNOWN, DATA_LOSS) are logged, not sent.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Creates every Persona service; `api` and `worker` must outlive them.
// Training requests run on the worker's thread, never on gRPC's.
std::vector<std::unique_ptr<grpc::Service>> MakeServices(PersonaApi* api, TrainingWorker* worker);

}  // namespace persona::server

#endif  // PERSONA_SERVER_GRPC_SERVICES_H_
