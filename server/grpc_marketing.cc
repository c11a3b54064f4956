#include "server/grpc_marketing.h"

#include "persona/v1/campaigns.grpc.pb.h"
#include "persona/v1/segments.grpc.pb.h"
#include "server/grpc_services.h"
#include "server/segments_api.h"

namespace persona::server {
namespace {

class CampaignService final : public v1::CampaignService::Service {
 public:
  CampaignService(CampaignApi* api, const CallGate* gate)
      : api_(api), gate_(gate) {}

  grpc::Status RunCampaign(
      grpc::ServerContext* ctx, const v1::RunCampaignRequest* request,
      grpc::ServerWriter<v1::CampaignRow>* writer) override {
    GatedCall gated = gate_->Begin(
        ctx, "/persona.v1.CampaignService/RunCampaign", request->shop());
    if (!gated.admitted().ok())
      return ToGrpcStatus(gated.Finish(gated.admitted()));
    return ToGrpcStatus(
        gated.Finish(api_->Run(*request, [&](const v1::CampaignRow& row) {
          return !ctx->IsCancelled() && writer->Write(row);
        })));
  }

 private:
  CampaignApi* const api_;
  const CallGate* const gate_;
};

#define PERSONA_UNARY(Rpc, Request, Response)                               \
  grpc::Status Rpc(grpc::ServerContext* ctx, const v1::Request* request,    \
                   v1::Response* response) override {                       \
    GatedCall gated = gate_->Begin(ctx, "/persona.v1.SegmentService/" #Rpc, \
                                   request->shop());                        \
    if (!gated.admitted().ok())                                             \
      return ToGrpcStatus(gated.Finish(gated.admitted()));                  \
    return ToGrpcStatus(gated.Finish(api_->Rpc(*request, response)));       \
  }

class SegmentService final : public v1::SegmentService::Service {
 public:
  SegmentService(SegmentsApi* api, const CallGate* gate)
      : api_(api), gate_(gate) {}

  PERSONA_UNARY(ListSegments, ListSegmentsRequest, ListSegmentsResponse)
  PERSONA_UNARY(GetCustomerSegments, GetCustomerSegmentsRequest,
                CustomerSegments)
  PERSONA_UNARY(PutSegment, PutSegmentRequest, SegmentInfo)
  PERSONA_UNARY(DeleteSegment, DeleteSegmentRequest, DeleteSegmentResponse)
  PERSONA_UNARY(GetSegmentHistory, GetSegmentHistoryRequest,
                GetSegmentHistoryResponse)
  PERSONA_UNARY(ListPersonas, ListPersonasRequest, ListPersonasResponse)
  PERSONA_UNARY(RefreshSegments, RefreshSegmentsRequest,
                RefreshSegmentsResponse)
  PERSONA_UNARY(TargetCustomers, TargetCustomersRequest,
                TargetCustomersResponse)

  grpc::Status StreamSegmentMembers(
      grpc::ServerContext* ctx, const v1::StreamSegmentMembersRequest* request,
      grpc::ServerWriter<v1::SegmentMember>* writer) override {
    GatedCall gated =
        gate_->Begin(ctx, "/persona.v1.SegmentService/StreamSegmentMembers",
                     request->shop());
    if (!gated.admitted().ok())
      return ToGrpcStatus(gated.Finish(gated.admitted()));
    return ToGrpcStatus(gated.Finish(
        api_->StreamSegmentMembers(*request, [&](const v1::SegmentMember& m) {
          return !ctx->IsCancelled() && writer->Write(m);
        })));
  }

 private:
  SegmentsApi* const api_;
  const CallGate* const gate_;
};

#undef PERSONA_UNARY

}  // namespace

std::vector<std::unique_ptr<grpc::Service>> MakeMarketingServices(
    CampaignApi* campaigns, SegmentsApi* segments, const CallGate* gate) {
  std::vector<std::unique_ptr<grpc::Service>> out;
  if (campaigns != nullptr)
    out.push_back(std::make_unique<CampaignService>(campaigns, gate));
  if (segments != nullptr)
    out.push_back(std::make_unique<SegmentService>(segments, gate));
  return out;
}

}  // namespace persona::server
