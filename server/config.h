// Loading and validating persona-server's one typed configuration
// (persona.config.v1.Config, text format). Pure functions; thread-safe.
#ifndef PERSONA_SERVER_CONFIG_H_
#define PERSONA_SERVER_CONFIG_H_

#include <string>

#include "absl/status/statusor.h"
#include "persona/config/v1/config.pb.h"

namespace persona::server {

namespace cfg = ::persona::config::v1;

// Reads a text-format Config from `path`; an empty path gives the defaults.
// Fails with INVALID_ARGUMENT naming the file and the parse error.
absl::StatusOr<cfg::Config> ReadConfigFile(const std::string& path);

// Fills every unset field with its documented default.
void ApplyDefaults(cfg::Config& config);

// Checks every field's range; the error names the field, e.g.
// "storage.max_events_per_subject: must be between 10 and 100000".
absl::Status ValidateConfig(const cfg::Config& config);

// Writes `port` to `path` atomically (a temporary file, then a rename), so a
// reader never sees a partial number.
absl::Status WritePortFile(const std::string& path, int port);

}  // namespace persona::server

#endif  // PERSONA_SERVER_CONFIG_H_
