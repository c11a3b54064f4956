// Every setting of persona-server's config (persona.config.v1.Config) by its
// path, "storage.block_cache_mb", derived from the proto descriptor: setting
// one from text (environment variables PERSONA_STORAGE_BLOCK_CACHE_MB and
// repeatable --set=storage.block_cache_mb=512 flags, typed and checked), and
// the --help listing of every setting with its type, default, environment
// variable and the comment config.proto gives it.
//
// Precedence, lowest first: the config file, then PERSONA_* environment
// variables, then flags (the named ones such as --listen, then --set in
// command-line order). Lists and maps (placements, reason templates) are set
// in the file only.
//
// Pure functions over the config message; thread-safe.
#ifndef PERSONA_SERVER_CONFIG_OVERRIDES_H_
#define PERSONA_SERVER_CONFIG_OVERRIDES_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "google/protobuf/descriptor.h"
#include "persona/config/v1/config.pb.h"

namespace persona::server {

namespace cfg = ::persona::config::v1;

// One field of the config, scalar or not, reached from Config.
struct ConfigSetting {
  // "storage.block_cache_mb"; fields inside list entries read
  // "placements[].strategy[].weight".
  std::string path;
  // "PERSONA_STORAGE_BLOCK_CACHE_MB"; empty when the setting lives in a list
  // or is a list or map itself (file only).
  std::string env_var;
  // The fields from Config down to this one; the last is the setting.
  std::vector<const google::protobuf::FieldDescriptor*> chain;
  // Whether the environment and --set can set it (a scalar outside lists).
  bool overridable() const { return !env_var.empty(); }
};

// Returns every setting in the order of config.proto (message-typed fields
// are not settings themselves; their fields are).
const std::vector<ConfigSetting>& ConfigSettings();

// Returns the setting at `path`, or nullptr.
const ConfigSetting* FindConfigSetting(std::string_view path);

// Sets the overridable setting `path` in `config` from `value`: integers and
// doubles in range, bools as true/false/1/0, enums by value name (any case)
// or number, strings as given. INVALID_ARGUMENT naming `source` (e.g.
// "--set" or the variable's name) and the path when the path is unknown or
// file-only, or the value does not fit its type.
absl::Status SetConfigField(cfg::Config& config, std::string_view path, std::string_view value,
                            std::string_view source);

// Applies "path=value" assignments (--set arguments) in order.
absl::Status ApplySetOverrides(cfg::Config& config, absl::Span<const std::string> assignments);

// Applies the PERSONA_<PATH> variables among `environment` ("NAME=VALUE"
// entries, as in environ); empty values are ignored (unset). Names that
// start like a setting's (PERSONA_<SECTION>_...) but match none are added to
// `unknown` (when not null) so the caller can warn about typos.
absl::Status ApplyEnvironmentOverrides(cfg::Config& config,
                                       absl::Span<const std::string> environment,
                                       std::vector<std::string>* unknown);

// Returns the process environment as "NAME=VALUE" entries.
std::vector<std::string> ProcessEnvironment();

// Returns the comment config.proto gives the setting's field (its own, or
// the comment of the group of fields it follows), one line per line, "" when
// there is none.
std::string ConfigFieldComment(const ConfigSetting& setting);

// Returns the --help listing: every setting with its type, default (after
// ApplyDefaults), environment variable and comment, grouped by section.
std::string ConfigHelp();

// Removes every --set=VALUE / --set VALUE (also with one dash) before a
// "--" from argv, returning the values in order: absl's flags keep only the
// last of a repeated flag, and values may hold commas.
std::vector<std::string> TakeSetArguments(int& argc, char** argv);

}  // namespace persona::server

#endif  // PERSONA_SERVER_CONFIG_OVERRIDES_H_
