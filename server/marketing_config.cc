#include "server/marketing_config.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/email_links.h"

namespace persona::server {
namespace {

absl::Status Invalid(std::string_view field, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(std::string(field), ": ", std::string(what)));
}

}  // namespace

absl::StatusOr<SegmentSettings> ToSegmentSettings(const config::v1::Config& config) {
  const config::v1::SegmentsConfig& c = config.segments();
  SegmentSettings s;
  if (c.has_personas()) s.personas = c.personas();
  if (s.personas < 0 || s.personas > 64) return Invalid("segments.personas", "must be 0..64");
  if (c.has_pass_interval_minutes()) {
    if (c.pass_interval_minutes() < 0) return Invalid("segments.pass_interval_minutes", "must be >= 0");
    s.pass_interval_ms = int64_t{c.pass_interval_minutes()} * 60'000;
  }
  seg::LifecycleThresholds& l = s.thresholds.lifecycle;
  if (c.has_new_days()) l.new_days = c.new_days();
  if (c.has_active_days()) l.active_days = c.active_days();
  if (c.has_loyal_min_orders()) l.loyal_min_orders = c.loyal_min_orders();
  if (c.has_lost_days()) l.lost_days = c.lost_days();
  if (c.has_viewed_not_bought_days()) l.viewed_not_bought_days = c.viewed_not_bought_days();
  if (c.has_abandoned_cart_after_minutes()) {
    l.abandoned_cart_after_minutes = c.abandoned_cart_after_minutes();
  }
  if (c.has_abandoned_cart_max_days()) l.abandoned_cart_max_days = c.abandoned_cart_max_days();
  seg::FeedbackThresholds& f = s.thresholds.feedback;
  if (c.has_low_csat_days()) f.low_csat_days = c.low_csat_days();
  if (c.has_high_return_rate()) f.high_return_rate = c.high_return_rate();
  if (absl::Status st = seg::ValidateThresholds(s.thresholds); !st.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("segments.", st.message()));
  }
  s.affinity_half_life_ms = config.popularity().affinity_half_life_days() > 0
                                ? config.popularity().affinity_half_life_days() * 86'400'000.0
                                : s.affinity_half_life_ms;
  s.personalize_without_consent =
      !config.has_personalize_without_consent() || config.personalize_without_consent();
  return s;
}

absl::StatusOr<CampaignSettings> ToCampaignSettings(const config::v1::Config& config) {
  const config::v1::CampaignConfig& c = config.campaigns();
  CampaignSettings s;
  if (c.has_max_emails_per_period()) s.max_emails_per_period = c.max_emails_per_period();
  if (s.max_emails_per_period < 1) return Invalid("campaigns.max_emails_per_period", "must be >= 1");
  if (c.has_cap_period_days()) s.cap_period_days = c.cap_period_days();
  if (s.cap_period_days < 1 || s.cap_period_days > 90) {
    return Invalid("campaigns.cap_period_days", "must be 1..90");
  }
  if (c.has_no_repeat_days()) s.no_repeat_days = c.no_repeat_days();
  if (s.no_repeat_days < -1 || s.no_repeat_days > 90) {
    return Invalid("campaigns.no_repeat_days", "must be -1..90");
  }
  const config::v1::HttpConfig& h = config.http();
  s.public_base_url = h.public_base_url();
  if (!s.public_base_url.empty() && !IsSafeRedirectUrl(s.public_base_url)) {
    return Invalid("http.public_base_url", "must be an absolute http(s) URL");
  }
  if (h.has_link_ttl_days()) {
    if (h.link_ttl_days() < 1 || h.link_ttl_days() > 3650) {
      return Invalid("http.link_ttl_days", "must be 1..3650");
    }
    s.link_ttl_ms = int64_t{h.link_ttl_days()} * 86'400'000;
  }
  for (const auto& [field, url] : {std::pair{"http.fallback_image_url", h.fallback_image_url()},
                                   std::pair{"http.fallback_click_url", h.fallback_click_url()}}) {
    if (!url.empty() && !IsSafeRedirectUrl(url)) return Invalid(field, "must be an absolute http(s) URL");
  }
  return s;
}

}  // namespace persona::server
