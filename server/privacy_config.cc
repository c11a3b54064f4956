#include "server/privacy_config.h"

#include "absl/strings/str_cat.h"

namespace persona::server {
namespace {

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kDayMs = 86'400'000;

absl::Status Field(const char* name, const char* reason) {
  return absl::InvalidArgumentError(absl::StrCat("config privacy.", name, ": ", reason));
}

}  // namespace

void ApplyPrivacyDefaults(persona::config::v1::Config& config) {
  auto* p = config.mutable_privacy();
  if (!p->has_event_retention_days()) p->set_event_retention_days(0);
  if (!p->has_retention_interval_minutes()) p->set_retention_interval_minutes(60);
  if (!p->has_backups_kept()) p->set_backups_kept(7);
  if (!p->has_backup_interval_minutes()) p->set_backup_interval_minutes(0);
}

absl::Status ValidatePrivacyConfig(const persona::config::v1::Config& config) {
  const auto& p = config.privacy();
  if (p.event_retention_days() < 0 || p.event_retention_days() > 36500) {
    return Field("event_retention_days", "must be between 0 (keep forever) and 36500");
  }
  if (p.retention_interval_minutes() < 1 || p.retention_interval_minutes() > 10080) {
    return Field("retention_interval_minutes", "must be between 1 and 10080");
  }
  if (p.backups_kept() < 1 || p.backups_kept() > 1000) {
    return Field("backups_kept", "must be between 1 and 1000");
  }
  if (p.backup_interval_minutes() < 0 || p.backup_interval_minutes() > 10080) {
    return Field("backup_interval_minutes", "must be between 0 (only on request) and 10080");
  }
  if (p.backup_interval_minutes() > 0 && p.backup_dir().empty()) {
    return Field("backup_interval_minutes", "needs privacy.backup_dir");
  }
  if (!p.backup_dir().empty() && p.backup_dir() == config.storage().data_dir()) {
    return Field("backup_dir", "must not be storage.data_dir");
  }
  return absl::OkStatus();
}

OperationsOptions OperationsOptionsFrom(const persona::config::v1::Config& config) {
  const auto& p = config.privacy();
  OperationsOptions o;
  o.backup_dir = p.backup_dir();
  o.backups_kept = p.backups_kept() > 0 ? p.backups_kept() : 7;
  o.backup_interval_ms = int64_t{p.backup_interval_minutes()} * kMinuteMs;
  o.retention_ms = int64_t{p.event_retention_days()} * kDayMs;
  o.retention_interval_ms =
      int64_t{p.retention_interval_minutes() > 0 ? p.retention_interval_minutes() : 60} * kMinuteMs;
  return o;
}

}  // namespace persona::server
