#include "tools/cli_common.h"

#include <cstdio>

#include "google/protobuf/util/json_util.h"

namespace persona::tools {

int ParseOrExit(Flags& flags, const char* command, int argc, char** argv, bool positional_ok) {
  if (absl::Status s = flags.Parse(argc, argv); !s.ok()) {
    std::fprintf(stderr, "persona %s: %s\n\n%s", command, std::string(s.message()).c_str(),
                 flags.HelpText().c_str());
    return 2;
  }
  if (flags.help()) {
    std::printf("%s", flags.HelpText().c_str());
    return 0;
  }
  if (!positional_ok && !flags.positional().empty()) {
    std::fprintf(stderr, "persona %s: unexpected argument '%s' (see --help)\n", command,
                 flags.positional()[0].c_str());
    return 2;
  }
  return -1;
}

int Fail(const char* command, const absl::Status& status) {
  std::fprintf(stderr, "persona %s: %s\n", command, std::string(status.message()).c_str());
  return 1;
}

int Usage(const char* command, const absl::Status& status) {
  std::fprintf(stderr, "persona %s: %s (see --help)\n", command,
               std::string(status.message()).c_str());
  return 2;
}

std::string ToJson(const google::protobuf::Message& message, bool indent) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = indent;
  options.preserve_proto_field_names = true;
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

}  // namespace persona::tools
