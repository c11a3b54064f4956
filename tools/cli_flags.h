// Hand-parsed flags for one `persona` sub-command. absl flags are global to a
// binary, so sub-commands with flags of the same name (--server, --shop)
// each declare and parse their own here. Accepts --name=value, --name value,
// --flag / --flag=true|false / --noflag for booleans, "--" to end flags, and
// --help / -h. Not thread-safe.
#ifndef PERSONA_TOOLS_CLI_FLAGS_H_
#define PERSONA_TOOLS_CLI_FLAGS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace persona::tools {

class Flags {
 public:
  // `usage` is the first line of --help, e.g. "persona stats [flags]".
  explicit Flags(std::string usage) : usage_(std::move(usage)) {}

  // Declares a flag taking a value, with its default and a one-line help.
  void Value(const std::string& name, const std::string& default_value, const std::string& help);
  // Declares a boolean flag (default false).
  void Bool(const std::string& name, const std::string& help);

  // Parses argv[1..argc-1] (argv[0] is the sub-command's name).
  // INVALID_ARGUMENT naming an unknown flag, a missing value or a bad boolean.
  absl::Status Parse(int argc, char** argv);

  // Whether --help or -h was given.
  bool help() const { return help_; }
  // The --help text: usage line, then each flag with its default and help.
  std::string HelpText() const;

  // The value of a declared flag (its default when not given).
  const std::string& Get(const std::string& name) const;
  bool GetBool(const std::string& name) const;
  // Whether the flag was given on the command line.
  bool Given(const std::string& name) const;
  // Typed values; INVALID_ARGUMENT naming the flag for a bad number.
  absl::StatusOr<double> GetDouble(const std::string& name) const;
  absl::StatusOr<int64_t> GetInt(const std::string& name) const;
  // Splits a comma-separated value into non-empty, trimmed parts.
  std::vector<std::string> GetList(const std::string& name) const;

  // Arguments that are not flags, in order.
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  struct Spec {
    std::string default_value;
    std::string help;
    bool is_bool = false;
    std::string value;
    bool given = false;
  };
  absl::Status Set(const std::string& name, const std::string* value, int argc, char** argv,
                   int* i);

  const std::string usage_;
  std::map<std::string, Spec> specs_;
  std::vector<std::string> order_;
  std::vector<std::string> positional_;
  bool help_ = false;
};

}  // namespace persona::tools

#endif  // PERSONA_TOOLS_CLI_FLAGS_H_
