// Helpers the `persona` sub-commands that call a server share: flag parsing
// with the usual exits, error reporting, and JSON output.
// Not thread-safe (they print).
#ifndef PERSONA_TOOLS_CLI_COMMON_H_
#define PERSONA_TOOLS_CLI_COMMON_H_

#include <string>

#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "tools/cli_flags.h"

namespace persona::tools {

// Parses the flags; returns an exit code >= 0 when the command should stop
// there (help: 0, usage error: 2), or -1 to go on. Positional arguments are
// refused unless `positional_ok`.
int ParseOrExit(Flags& flags, const char* command, int argc, char** argv,
                bool positional_ok = false);
// Prints "persona <command>: <message>" and returns 1.
int Fail(const char* command, const absl::Status& status);
// Prints the usage error and returns 2.
int Usage(const char* command, const absl::Status& status);
// The message as indented JSON with the proto's field names.
std::string ToJson(const google::protobuf::Message& message, bool indent = true);

}  // namespace persona::tools

#endif  // PERSONA_TOOLS_CLI_COMMON_H_
