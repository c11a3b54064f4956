#include "server/config.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/keys.h"
#include "google/protobuf/text_format.h"
#include "server/cluster_config.h"
#include "server/privacy_config.h"
#include "server/observability_config.h"
#include "server/overload.h"
#include "server/security.h"

namespace persona::server {
namespace {

absl::Status Field(const std::string& name, const std::string& reason) {
  return absl::InvalidArgumentError(absl::StrCat("config ", name, ": ", reason));
}

}  // namespace

absl::StatusOr<cfg::Config> ReadConfigFile(const std::string& path) {
  cfg::Config config;
  if (path.empty()) return config;
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(absl::StrCat("cannot read config file ", path));
  std::stringstream text;
  text << in.rdbuf();
  if (!google::protobuf::TextFormat::ParseFromString(text.str(), &config)) {
    return absl::InvalidArgumentError(
        absl::StrCat("config file ", path, " is not a valid persona.config.v1.Config in text "
                     "format (the parser's message is on stderr)"));
  }
  return config;
}

void ApplyDefaults(cfg::Config& c) {
  auto* server = c.mutable_server();
  if (server->listen_address().empty()) server->set_listen_address("127.0.0.1:50051");
  if (server->default_shop().empty()) server->set_default_shop("default");
  auto* storage = c.mutable_storage();
  if (storage->data_dir().empty()) storage->set_data_dir("var/data");
  if (storage->sync() == cfg::SYNC_POLICY_UNSPECIFIED) storage->set_sync(cfg::PROCESS_CRASH_SAFE);
  if (storage->max_events_per_subject() == 0) storage->set_max_events_per_subject(500);
  if (storage->block_cache_mb() == 0) storage->set_block_cache_mb(256);
  auto* pop = c.mutable_popularity();
  if (pop->popularity_half_life_days() == 0) pop->set_popularity_half_life_days(14);
  if (pop->trending_half_life_days() == 0) pop->set_trending_half_life_days(2);
  if (pop->affinity_half_life_days() == 0) pop->set_affinity_half_life_days(30);
  auto* limits = c.mutable_limits();
  if (limits->max_message_bytes() == 0) limits->set_max_message_bytes(8 << 20);
  if (limits->max_batch() == 0) limits->set_max_batch(1000);
  if (limits->max_future_skew_seconds() == 0) limits->set_max_future_skew_seconds(300);
  auto* demo = c.mutable_demo();
  if (demo->shop().empty()) demo->set_shop(server->default_shop());
  if (!demo->has_shift_to_now()) demo->set_shift_to_now(true);
  if (!c.has_personalize_without_consent()) c.set_personalize_without_consent(true);
  auto* training = c.mutable_training();
  if (training->interval_minutes() == 0 && !training->has_interval_minutes()) {
    training->set_interval_minutes(60);
  }
  if (training->factors() == 0) training->set_factors(64);
  if (training->iterations() == 0) training->set_iterations(15);
  if (training->threads() == 0) {
    training->set_threads(static_cast<int32_t>(std::max(1u, std::thread::hardware_concurrency())));
  }
  if (training->min_interactions() == 0) training->set_min_interactions(100);
  if (!training->has_exploration_share()) training->set_exploration_share(0.1);
  if (!training->has_ann_min_items()) training->set_ann_min_items(100000);
  auto* attribution = c.mutable_attribution();
  if (attribution->attribution_window_hours() == 0) attribution->set_attribution_window_hours(168);
  ApplyClusterDefaults(c);
  ApplyPrivacyDefaults(c);
  ApplyObservabilityDefaults(c);
  ApplyOverloadDefaults(c);
  ApplySecurityDefaults(c);
}

absl::Status ValidateConfig(const cfg::Config& c) {
  if (auto p = NameProblem(c.server().default_shop()); !p.empty()) {
    return Field("server.default_shop", std::string(p));
  }
  if (c.server().listen_address().find(':') == std::string::npos) {
    return Field("server.listen_address", "must be host:port");
  }
  if (c.server().threads() < 0 || c.server().threads() > 256) {
    return Field("server.threads", "must be between 0 and 256");
  }
  const auto& s = c.storage();
  if (s.max_events_per_subject() < 10 || s.max_events_per_subject() > 100000) {
    return Field("storage.max_events_per_subject", "must be between 10 and 100000");
  }
  if (s.block_cache_mb() < 8 || s.block_cache_mb() > 65536) {
    return Field("storage.block_cache_mb", "must be between 8 and 65536");
  }
  const auto& p = c.popularity();
  for (auto [name, v] : {std::pair{"popularity.popularity_half_life_days", p.popularity_half_life_days()},
                         std::pair{"popularity.trending_half_life_days", p.trending_half_life_days()},
                         std::pair{"popularity.affinity_half_life_days", p.affinity_half_life_days()}}) {
    if (!(v >= 0.01 && v <= 3650)) return Field(name, "must be between 0.01 and 3650 days");
  }
  const auto& l = c.limits();
  if (l.max_message_bytes() < 4096 || l.max_message_bytes() > (256 << 20)) {
    return Field("limits.max_message_bytes", "must be between 4096 and 268435456");
  }
  if (l.max_batch() < 1 || l.max_batch() > 10000) {
    return Field("limits.max_batch", "must be between 1 and 10000");
  }
  if (l.max_future_skew_seconds() < 0 || l.max_future_skew_seconds() > 86400 * 7) {
    return Field("limits.max_future_skew_seconds", "must be between 0 and 604800");
  }
  const auto& t = c.training();
  if (t.interval_minutes() < 0 || t.interval_minutes() > 7 * 24 * 60) {
    return Field("training.interval_minutes", "must be between 0 and 10080");
  }
  if (t.factors() < 8 || t.factors() > 256) return Field("training.factors", "must be between 8 and 256");
  if (t.regularization() < 0 || t.regularization() > 1e4) {
    return Field("training.regularization", "must be between 0 (default) and 10000");
  }
  if (t.alpha() < 0 || t.alpha() > 1e3) return Field("training.alpha", "must be between 0 (default) and 1000");
  if (t.iterations() < 1 || t.iterations() > 100) {
    return Field("training.iterations", "must be between 1 and 100");
  }
  if (t.threads() < 1 || t.threads() > 256) return Field("training.threads", "must be between 1 and 256");
  if (t.min_interactions() < 1) return Field("training.min_interactions", "must be >= 1");
  if (t.ann_min_items() < 0) return Field("training.ann_min_items", "must be >= 0");
  if (!(t.validation_fraction() >= 0 && t.validation_fraction() <= 0.5)) {
    return Field("training.validation_fraction", "must be between 0 and 0.5");
  }
  if (!(t.exploration_share() >= 0 && t.exploration_share() <= 1)) {
    return Field("training.exploration_share", "must be between 0 and 1");
  }
  if (auto problem = NameProblem(c.demo().shop()); !problem.empty()) {
    return Field("demo.shop", std::string(problem));
  }
  const int32_t window = c.attribution().attribution_window_hours();
  if (window < 1 || window > 8760) {
    return Field("attribution.attribution_window_hours", "must be between 1 and 8760");
  }
  if (absl::Status s = ValidateClusterConfig(c); !s.ok()) return s;
  if (absl::Status s = ValidatePrivacyConfig(c); !s.ok()) return s;
  if (absl::Status s = ValidateObservabilityConfig(c); !s.ok()) return s;
  if (absl::Status s = ValidateOverloadConfig(c); !s.ok()) return s;
  if (absl::Status s = ValidateSecurityConfig(c); !s.ok()) return s;
  return absl::OkStatus();
}

absl::Status WritePortFile(const std::string& path, int port) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << "\n";
    if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", tmp));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot rename ", tmp, ": ", ec.message()));
  return absl::OkStatus();
}

}  // namespace persona::server
