#include "server/grpc_cluster.h"

#include "persona/v1/cluster.grpc.pb.h"
#include "server/grpc_services.h"

namespace persona::server {
namespace {

class ClusterService final : public v1::ClusterService::Service {
 public:
  ClusterService(ClusterApi* api, const CallGate* gate) : api_(api), gate_(gate) {}

  grpc::Status ExportInteractions(grpc::ServerContext* ctx,
                                  const v1::ExportInteractionsRequest* request,
                                  grpc::ServerWriter<v1::ExportInteractionsResponse>* writer) override {
    GatedCall gated =
        gate_->Begin(ctx, "/persona.v1.ClusterService/ExportInteractions", request->shop());
    if (!gated.admitted().ok()) return ToGrpcStatus(gated.Finish(gated.admitted()));
    return ToGrpcStatus(gated.Finish(api_->ExportInteractions(
        *request, [&](const v1::ExportInteractionsResponse& m) {
          return !ctx->IsCancelled() && writer->Write(m);
        })));
  }

  grpc::Status PublishModel(grpc::ServerContext* ctx,
                            grpc::ServerReader<v1::PublishModelRequest>* reader,
                            v1::ModelInfo* response) override {
    GatedCall gated = gate_->BeginStream(ctx, "/persona.v1.ClusterService/PublishModel");
    if (!gated.admitted().ok()) return ToGrpcStatus(gated.Finish(gated.admitted()));
    return ToGrpcStatus(gated.Finish(api_->PublishModel(
        [&](v1::PublishModelRequest* m) { return !ctx->IsCancelled() && reader->Read(m); },
        [&](const std::string& shop) { return gated.CheckShop(shop); }, response)));
  }

 private:
  ClusterApi* const api_;
  const CallGate* const gate_;
};

}  // namespace

std::unique_ptr<grpc::Service> MakeClusterService(ClusterApi* api, const CallGate* gate) {
  return std::make_unique<ClusterService>(api, gate);
}

}  // namespace persona::server
