// gRPC services of the marketing side: CampaignService and SegmentService.
// Synchronous services (gRPC's sync thread pool): campaigns and member
// streams run for seconds to minutes and block on flow control, which the
// callback services' reactors must never do. Thread-safe.
#ifndef PERSONA_SERVER_GRPC_MARKETING_H_
#define PERSONA_SERVER_GRPC_MARKETING_H_

#include <memory>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "server/call_gate.h"
#include "server/campaign_api.h"

namespace persona::server {

class SegmentsApi;

// Creates the services; null APIs are left out. None owned; every call
// passes `gate`.
std::vector<std::unique_ptr<grpc::Service>> MakeMarketingServices(CampaignApi* campaigns,
                                                                  SegmentsApi* segments,
                                                                  const CallGate* gate);

}  // namespace persona::server

#endif  // PERSONA_SERVER_GRPC_MARKETING_H_
