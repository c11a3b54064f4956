#include "server/grpc_marketing.h"

#include "persona/v1/campaigns.grpc.pb.h"
#include "persona/v1/segments.grpc.pb.h"
#include "server/segments_api.h"
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

#define PERSONA_UNARY(Rpc, Request, Response)                                          \
  grpc::Status Rpc(grpc::ServerContext*, const v1::Request* request, v1::Response* response) \
      override {                                                                       \
    return ToGrpcStatus(api_->Rpc(*request, response));                                \
  }

class SegmentService final : public v1::SegmentService::Service {
 public:
  explicit SegmentService(SegmentsApi* api) : api_(api) {}

  PERSONA_UNARY(ListSegments, ListSegmentsRequest, ListSegmentsResponse)
  PERSONA_UNARY(GetCustomerSegments, GetCustomerSegmentsRequest, CustomerSegments)
  PERSONA_UNARY(PutSegment, PutSegmentRequest, SegmentInfo)
  PERSONA_UNARY(DeleteSegment, DeleteSegmentRequest, DeleteSegmentResponse)
  PERSONA_UNARY(GetSegmentHistory, GetSegmentHistoryRequest, GetSegmentHistoryResponse)
  PERSONA_UNARY(ListPersonas, ListPersonasRequest, ListPersonasResponse)
  PERSONA_UNARY(RefreshSegments, RefreshSegmentsRequest, RefreshSegmentsResponse)
  PERSONA_UNARY(TargetCustomers, TargetCustomersRequest, TargetCustomersResponse)

  grpc::Status StreamSegmentMembers(grpc::ServerContext* ctx,
                                    const v1::StreamSegmentMembersRequest* request,
                                    grpc::ServerWriter<v1::SegmentMember>* writer) override {
    return ToGrpcStatus(api_->StreamSegmentMembers(*request, [&](const v1::SegmentMember& m) {
      return !ctx->IsCancelled() && writer->Write(m);
    }));
  }

 private:
  SegmentsApi* const api_;
};

#undef PERSONA_UNARY

}  // namespace

std::vector<std::unique_ptr<grpc::Service>> MakeMarketingServices(CampaignApi* campaigns,
                                                                  SegmentsApi* segments) {
  std::vector<std::unique_ptr<grpc::Service>> out;
  if (campaigns != nullptr) out.push_back(std::make_unique<CampaignService>(campaigns));
  if (segments != nullptr) out.push_back(std::make_unique<SegmentService>(segments));
  return out;
}

}  // namespace persona::server
