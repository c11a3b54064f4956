#include "tools/cli_flags.h"

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace persona::tools {

void Flags::Value(const std::string& name, const std::string& default_value,
                  const std::string& help) {
  specs_[name] = Spec{default_value, help, false, default_value, false};
  order_.push_back(name);
}

void Flags::Bool(const std::string& name, const std::string& help) {
  specs_[name] = Spec{"false", help, true, "false", false};
  order_.push_back(name);
}

absl::Status Flags::Set(const std::string& name, const std::string* value, int argc, char** argv,
                        int* i) {
  auto it = specs_.find(name);
  if (it == specs_.end() && name.rfind("no", 0) == 0 && value == nullptr) {
    auto negated = specs_.find(name.substr(2));
    if (negated != specs_.end() && negated->second.is_bool) {
      negated->second.value = "false";
      negated->second.given = true;
      return absl::OkStatus();
    }
  }
  if (it == specs_.end()) return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
  Spec& spec = it->second;
  spec.given = true;
  if (spec.is_bool) {
    const std::string v = value == nullptr ? "true" : absl::AsciiStrToLower(*value);
    if (v != "true" && v != "false" && v != "1" && v != "0") {
      return absl::InvalidArgumentError(absl::StrCat("--", name, " takes true or false"));
    }
    spec.value = (v == "true" || v == "1") ? "true" : "false";
    return absl::OkStatus();
  }
  if (value != nullptr) {
    spec.value = *value;
    return absl::OkStatus();
  }
  if (*i + 1 >= argc) return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
  spec.value = argv[++*i];
  return absl::OkStatus();
}

absl::Status Flags::Parse(int argc, char** argv) {
  bool flags_done = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (flags_done || arg.size() < 2 || arg[0] != '-' || arg == "-") {
      positional_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_done = true;
      continue;
    }
    if (arg == "-h" || arg == "--help" || arg == "-help") {
      help_ = true;
      continue;
    }
    const size_t start = arg[1] == '-' ? 2 : 1;
    const size_t eq = arg.find('=');
    const std::string name = arg.substr(start, eq == std::string::npos ? eq : eq - start);
    if (eq == std::string::npos) {
      if (absl::Status s = Set(name, nullptr, argc, argv, &i); !s.ok()) return s;
    } else {
      const std::string value = arg.substr(eq + 1);
      if (absl::Status s = Set(name, &value, argc, argv, &i); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

std::string Flags::HelpText() const {
  std::string text = absl::StrCat("usage: ", usage_, "\n\nflags:\n");
  for (const std::string& name : order_) {
    const Spec& spec = specs_.at(name);
    std::string left = absl::StrCat("  --", name, spec.is_bool ? "" : "=VALUE");
    if (left.size() < 24) left.resize(24, ' ');
    absl::StrAppend(&text, left, " ", spec.help);
    if (!spec.is_bool && !spec.default_value.empty()) {
      absl::StrAppend(&text, " (default: ", spec.default_value, ")");
    }
    absl::StrAppend(&text, "\n");
  }
  absl::StrAppend(&text, "  --help                 show this help\n");
  return text;
}

const std::string& Flags::Get(const std::string& name) const { return specs_.at(name).value; }

bool Flags::GetBool(const std::string& name) const { return specs_.at(name).value == "true"; }

bool Flags::Given(const std::string& name) const { return specs_.at(name).given; }

absl::StatusOr<double> Flags::GetDouble(const std::string& name) const {
  double v = 0;
  if (!absl::SimpleAtod(Get(name), &v)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, " takes a number, not '", Get(name), "'"));
  }
  return v;
}

absl::StatusOr<int64_t> Flags::GetInt(const std::string& name) const {
  int64_t v = 0;
  if (!absl::SimpleAtoi(Get(name), &v)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, " takes an integer, not '", Get(name), "'"));
  }
  return v;
}

std::vector<std::string> Flags::GetList(const std::string& name) const {
  std::vector<std::string> parts;
  for (absl::string_view part : absl::StrSplit(Get(name), ',')) {
    part = absl::StripAsciiWhitespace(part);
    if (!part.empty()) parts.emplace_back(part);
  }
  return parts;
}

}  // namespace persona::tools
