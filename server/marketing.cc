#include "server/marketing.h"

#include "server/tls.h"

#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/config.h"
#include "server/email_links.h"
#include "server/grpc_marketing.h"
#include "server/log.h"
#include "server/marketing_config.h"

namespace persona::server {
namespace {

constexpr std::string_view kLinkSecretName = "email-links";

// Splits "host:port" (the port may be 0).
absl::StatusOr<HttpServerOptions> ParseListen(const std::string& address) {
  const size_t colon = address.rfind(':');
  HttpServerOptions options;
  int port = 0;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("http.listen_address: \"", address, "\" is not host:port"));
  }
  options.host = address.substr(0, colon);
  options.port = port;
  return options;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Marketing>> Marketing::Create(const config::v1::Config& config,
                                                             PersonaApi* api, PageApi* page,
                                                             storage::Database* db,
                                                             ShopRegistry* shops,
                                                             const Clock* clock) {
  ASSIGN_OR_RETURN(SegmentSettings segment_settings, ToSegmentSettings(config));
  ASSIGN_OR_RETURN(CampaignSettings campaign_settings, ToCampaignSettings(config));
  if (!config.http().listen_address().empty()) {
    RETURN_IF_ERROR(ParseListen(config.http().listen_address()).status());
  }
  std::unique_ptr<Marketing> m(new Marketing());
  m->clock_ = clock;
  m->engine_ = std::make_unique<SegmentEngine>(db, shops, clock, std::move(segment_settings));
  m->segments_api_ = std::make_unique<SegmentsApi>(api, db, shops, m->engine_.get(), clock);
  ASSIGN_OR_RETURN(std::string fresh, NewLinkSecret());
  ASSIGN_OR_RETURN(std::string secret,
                   db->marketing().GetOrCreateSecret(kLinkSecretName, [&] { return fresh; }));
  ASSIGN_OR_RETURN(LinkSigner signer, LinkSigner::Create(std::move(secret)));
  m->signer_.emplace(std::move(signer));
  SegmentsApi* segments_api = m->segments_api_.get();
  TargetFn target = [segments_api](const std::string& shop, const v1::TargetCustomersRequest& r)
      -> absl::StatusOr<std::vector<std::string>> {
    ASSIGN_OR_RETURN(std::vector<v1::TargetedCustomer> found, segments_api->Target(shop, r));
    std::vector<std::string> ids;
    ids.reserve(found.size());
    for (const auto& c : found) ids.push_back(c.customer_id());
    return ids;
  };
  page->SetSegments(m->engine_.get());
  m->campaigns_ = std::make_unique<CampaignApi>(api, page, db, shops, m->engine_.get(),
                                                std::move(target), &*m->signer_, clock,
                                                std::move(campaign_settings));
  return m;
}

Marketing::~Marketing() { Stop(); }

std::vector<std::unique_ptr<grpc::Service>> Marketing::Services(const CallGate* gate) {
  return MakeMarketingServices(campaigns_.get(), segments_api_.get(), gate);
}

absl::Status Marketing::Start(const config::v1::Config& config) {
  const config::v1::HttpConfig& h = config.http();
  if (!h.listen_address().empty()) {
    ASSIGN_OR_RETURN(HttpServerOptions options, ParseListen(h.listen_address()));
    ApplyHttpTls(config.security().tls(), options);  // HTTPS with the gRPC certificate
    ASSIGN_OR_RETURN(http_, HttpServer::Start(options));
    RETURN_IF_ERROR(RegisterEmailLinks(*http_, *signer_, campaigns_.get(), clock_,
                                       {.fallback_image_url = h.fallback_image_url(),
                                        .fallback_click_url = h.fallback_click_url()}));
    LogInfo("HTTP (email links) listening",
            {{"address", absl::StrCat(options.host, ":", http_->port())}});
  }
  engine_->Start();
  return absl::OkStatus();
}

void Marketing::Stop() {
  if (http_ != nullptr) http_->Stop();
  if (engine_ != nullptr) engine_->Stop();
}

}  // namespace persona::server
