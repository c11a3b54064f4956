// The observability section of persona-server's config: defaults and checks
// (called from ApplyDefaults and ValidateConfig), and its translation into
// the log format and access-log options. Pure functions apart from
// ApplyLogConfig, which sets the process's log format; thread-safe.
#ifndef PERSONA_SERVER_OBSERVABILITY_CONFIG_H_
#define PERSONA_SERVER_OBSERVABILITY_CONFIG_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "persona/config/v1/config.pb.h"
#include "server/http_server.h"
#include "server/log.h"
#include "server/observability_hooks.h"

namespace persona::server {

// Fills the observability section's unset fields with their defaults:
// log_format AUTO, access_log ERRORS, slow_call_ms 1000,
// access_log_max_per_second 100.
void ApplyObservabilityDefaults(persona::config::v1::Config& config);

// Checks the observability section; INVALID_ARGUMENT naming the field.
absl::Status ValidateObservabilityConfig(const persona::config::v1::Config& config);

// Returns the listener options of "host:port" (port 0..65535, 0 picks
// one); INVALID_ARGUMENT naming `field` otherwise.
absl::StatusOr<HttpServerOptions> ParseListenAddress(const std::string& address,
                                                     const std::string& field);

// Returns the log format the section asks for (AUTO resolved for stderr).
LogFormat LogFormatOf(const persona::config::v1::ObservabilityConfig& config);

// Sets the process's log format from the section.
void ApplyLogConfig(const persona::config::v1::ObservabilityConfig& config);

// Returns the access-log options of the section (defaults applied).
AccessLogOptions AccessLogOptionsOf(const persona::config::v1::ObservabilityConfig& config);

}  // namespace persona::server

#endif  // PERSONA_SERVER_OBSERVABILITY_CONFIG_H_
