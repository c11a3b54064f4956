// gRPC callback services over PersonaApi. Reactions do their (short) storage
// and scoring work inline and never sleep. Thread-safe.
#ifndef PERSONA_SERVER_GRPC_SERVICES_H_
#define PERSONA_SERVER_GRPC_SERVICES_H_

#include <functional>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/impl/service_type.h"
#include "persona/v1/admin.pb.h"
#include "server/api.h"
#include "server/call_gate.h"
#include "server/metrics_api.h"
#include "server/page_api.h"
#include "server/training_worker.h"

namespace persona::server {

// Maps an absl::Status to a grpc::Status with the same code. Messages of
// internal errors (INTERNAL, UNKNOWN, DATA_LOSS) are logged, not sent.
grpc::Status ToGrpcStatus(const absl::Status& status);

// What the services call; none owned, all must outlive the services.
struct ServiceDeps {
  // Every call passes it (auth, limits, metrics); required.
  const CallGate* gate = nullptr;
  PersonaApi* api = nullptr;
  PageApi* page = nullptr;
  MetricsApi* metrics = nullptr;
  // Training requests run on the worker's thread, never on gRPC's.
  TrainingWorker* worker = nullptr;
  // Re-reads and applies the config (AdminService.ReloadConfig).
  std::function<absl::Status(v1::ReloadConfigResponse*)> reload_config;
};

// Creates every Persona service.
std::vector<std::unique_ptr<grpc::Service>> MakeServices(const ServiceDeps& deps);

}  // namespace persona::server

#endif  // PERSONA_SERVER_GRPC_SERVICES_H_
