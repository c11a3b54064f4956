// The privacy section of the config (retention, backups): defaults,
// validation, and the options the operations runner takes from it.
// Pure functions; thread-safe.
#ifndef PERSONA_SERVER_PRIVACY_CONFIG_H_
#define PERSONA_SERVER_PRIVACY_CONFIG_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "persona/config/v1/config.pb.h"

namespace persona::server {

// Fills unset privacy fields with their defaults (config.proto).
void ApplyPrivacyDefaults(persona::config::v1::Config& config);

// INVALID_ARGUMENT naming the first privacy field out of range.
absl::Status ValidatePrivacyConfig(const persona::config::v1::Config& config);

// What OperationsApi does, from a validated config.
struct OperationsOptions {
  // Backups go here; empty: off.
  std::string backup_dir;
  // Backups kept (default 7).
  int backups_kept = 7;
  // Between automatic backups, in ms; 0: only on request (default 0).
  int64_t backup_interval_ms = 0;
  // Events older than this are deleted, in ms; 0: kept forever (default 0).
  int64_t retention_ms = 0;
  // Between retention passes, in ms (default 1 hour).
  int64_t retention_interval_ms = 3'600'000;
};
OperationsOptions OperationsOptionsFrom(const persona::config::v1::Config& config);

}  // namespace persona::server

#endif  // PERSONA_SERVER_PRIVACY_CONFIG_H_
