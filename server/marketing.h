// The marketing side of a running server, built from the config: the
// segment engine (periodic passes), SegmentsApi, CampaignApi, the signer of
// email links (its secret kept once in the database, so links survive
// restarts), and the HTTP listener serving the open-time email links.
// Thread-safe once built; Stop before destroying what it points to.
#ifndef PERSONA_SERVER_MARKETING_H_
#define PERSONA_SERVER_MARKETING_H_

#include <memory>
#include <optional>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/service_type.h>

#include "absl/status/statusor.h"
#include "persona/config/v1/config.pb.h"
#include "server/call_gate.h"
#include "server/campaign_api.h"
#include "server/http_server.h"
#include "server/link_token.h"
#include "server/segment_engine.h"
#include "server/segments_api.h"

namespace persona::server {

class Marketing {
 public:
  // INVALID_ARGUMENT names a bad config field (start-up stops with exit 2).
  static absl::StatusOr<std::unique_ptr<Marketing>> Create(const config::v1::Config& config,
                                                           PersonaApi* api, PageApi* page,
                                                           storage::Database* db,
                                                           ShopRegistry* shops, const Clock* clock);
  ~Marketing();

  // The gRPC services (CampaignService, SegmentService).
  std::vector<std::unique_ptr<grpc::Service>> Services(const CallGate* gate);
  // Starts the HTTP listener when http.listen_address is set, with the email
  // links' routes, and the periodic segment passes. The caller adds its routes
  // to http() and then writes http.port_file.
  absl::Status Start(const config::v1::Config& config);
  // Stops the listener and the passes.
  void Stop();
  // The HTTP listener once started (null when http.listen_address is empty),
  // for the other HTTP routes (the JSON API, the dashboard).
  HttpServer* http() const { return http_.get(); }

  SegmentEngine& segments() { return *engine_; }
  CampaignApi& campaigns() { return *campaigns_; }

 private:
  Marketing() = default;

  std::unique_ptr<SegmentEngine> engine_;
  std::unique_ptr<SegmentsApi> segments_api_;
  std::optional<LinkSigner> signer_;
  std::unique_ptr<CampaignApi> campaigns_;
  std::unique_ptr<HttpServer> http_;
  const Clock* clock_ = nullptr;
};

}  // namespace persona::server

#endif  // PERSONA_SERVER_MARKETING_H_
