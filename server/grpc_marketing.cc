#include "server/grpc_marketing.h"

#include "persona/v1/campaigns.grpc.pb.h"
#include "server/grpc_services.h"

namespace persona::server {
namespace {

class CampaignService final : public v1::CampaignService::Service {
 public:
  explicit CampaignService(CampaignApi* api) : api_(api) {}

  grpc::Status RunCampaign(grpc::ServerContext* ctx, const v1::RunCampaignRequest* request,
                           grpc::ServerWriter<v1::CampaignRow>* writer) override {
    return ToGrpcStatus(api_->Run(*request, [&](const v1::CampaignRow& row) {
      return !ctx->IsCancelled() && writer->Write(row);
    }));
  }

 private:
  CampaignApi* const api_;
};

}  // namespace

std::vector<std::unique_ptr<grpc::Service>> MakeMarketingServices(CampaignApi* campaigns,
                                                                  SegmentsApi* segments) {
  std::vector<std::unique_ptr<grpc::Service>> out;
  if (campaigns != nullptr) out.push_back(std::make_unique<CampaignService>(campaigns));
  (void)segments;
  return out;
}

}  // namespace persona::server
