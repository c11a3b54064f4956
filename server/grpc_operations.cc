#include "server/grpc_operations.h"

#include <memory>
#include <string_view>

#include "persona/v1/operations.grpc.pb.h"
#include "server/grpc_services.h"

namespace persona::server {
namespace {

namespace v1 = ::persona::v1;
using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;

class OperationsService final : public v1::OperationsService::CallbackService {
 public:
  OperationsService(OperationsApi* ops, const CallGate* gate) : ops_(ops), gate_(gate) {}

  ServerUnaryReactor* CreateBackup(CallbackServerContext* ctx, const v1::CreateBackupRequest* req,
                                   v1::CreateBackupResponse* resp) override {
    return Queue(ctx, "/persona.v1.OperationsService/CreateBackup",
                 [this, req, resp] { return ops_->CreateBackup(*req, resp); });
  }
  ServerUnaryReactor* ListBackups(CallbackServerContext* ctx, const v1::ListBackupsRequest* req,
                                  v1::ListBackupsResponse* resp) override {
    return Queue(ctx, "/persona.v1.OperationsService/ListBackups",
                 [this, req, resp] { return ops_->ListBackups(*req, resp); });
  }
  ServerUnaryReactor* PurgeExpiredEvents(CallbackServerContext* ctx,
                                         const v1::PurgeExpiredEventsRequest* req,
                                         v1::PurgeExpiredEventsResponse* resp) override {
    return Queue(ctx, "/persona.v1.OperationsService/PurgeExpiredEvents",
                 [this, req, resp] { return ops_->PurgeExpiredEvents(*req, resp); });
  }

 private:
  // Passes the gate, then runs `call` on the operations thread; the request
  // and response live until the reactor finishes.
  template <typename Call>
  ServerUnaryReactor* Queue(CallbackServerContext* ctx, std::string_view method, Call call) {
    ServerUnaryReactor* reactor = ctx->DefaultReactor();
    auto gated = std::make_shared<GatedCall>(gate_->Begin(ctx, method, ""));
    if (!gated->admitted().ok()) {
      reactor->Finish(ToGrpcStatus(gated->Finish(gated->admitted())));
      return reactor;
    }
    ops_->Submit(std::move(call), [reactor, gated](absl::Status status) {
      reactor->Finish(ToGrpcStatus(gated->Finish(std::move(status))));
    });
    return reactor;
  }

  OperationsApi* const ops_;
  const CallGate* const gate_;
};

}  // namespace

std::unique_ptr<grpc::Service> MakeOperationsService(OperationsApi* ops, const CallGate* gate) {
  return std::make_unique<OperationsService>(ops, gate);
}

}  // namespace persona::server
