#include "server/config_overrides.h"

#include <cmath>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

extern char** environ;

namespace persona::server {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr char kEnvPrefix[] = "PERSONA_";

// Debian's abseil has its own string_view, not an alias of std's.
absl::string_view Av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::string EnvName(std::string_view path) {
  std::string name(kEnvPrefix);
  for (char c : path) name.push_back(c == '.' ? '_' : absl::ascii_toupper(c));
  return name;
}

// Adds the settings under message `d`, reached through `chain`.
void Walk(const Descriptor* d, const std::string& prefix,
          const std::vector<const FieldDescriptor*>& chain, bool in_list,
          std::vector<ConfigSetting>& out) {
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    std::vector<const FieldDescriptor*> next = chain;
    next.push_back(f);
    const std::string path = prefix + f->name();
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !f->is_map()) {
      if (f->is_repeated()) {
        Walk(f->message_type(), path + "[].", next, true, out);
      } else {
        Walk(f->message_type(), path + ".", next, in_list, out);
      }
      continue;
    }
    const bool file_only = in_list || f->is_repeated();
    out.push_back({path, file_only ? "" : EnvName(path), std::move(next)});
  }
}

const absl::flat_hash_map<std::string, const ConfigSetting*>& SettingIndex() {
  static const auto* index = [] {
    auto* m = new absl::flat_hash_map<std::string, const ConfigSetting*>();
    for (const ConfigSetting& s : ConfigSettings()) m->emplace(s.path, &s);
    return m;
  }();
  return *index;
}

// Returns why `value` does not fit `f`, or "" after setting it.
std::string SetScalar(Message& msg, const FieldDescriptor* f, std::string_view value) {
  const Reflection* r = msg.GetReflection();
  const std::string v(absl::StripAsciiWhitespace(Av(value)));
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t x;
      if (!absl::SimpleAtoi(v, &x)) return "is not an int32";
      r->SetInt32(&msg, f, x);
      return "";
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t x;
      if (!absl::SimpleAtoi(v, &x)) return "is not an int64";
      r->SetInt64(&msg, f, x);
      return "";
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t x;
      if (!absl::SimpleAtoi(v, &x)) return "is not a uint32";
      r->SetUInt32(&msg, f, x);
      return "";
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t x;
      if (!absl::SimpleAtoi(v, &x)) return "is not a uint64";
      r->SetUInt64(&msg, f, x);
      return "";
    }
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT: {
      double x;
      if (!absl::SimpleAtod(v, &x) || !std::isfinite(x)) return "is not a finite number";
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE) {
        r->SetDouble(&msg, f, x);
      } else {
        r->SetFloat(&msg, f, static_cast<float>(x));
      }
      return "";
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      const std::string lower = absl::AsciiStrToLower(v);
      if (lower == "true" || lower == "1") {
        r->SetBool(&msg, f, true);
      } else if (lower == "false" || lower == "0") {
        r->SetBool(&msg, f, false);
      } else {
        return "is not a bool (true, false, 1 or 0)";
      }
      return "";
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const auto* e = f->enum_type();
      const auto* value_desc = e->FindValueByName(absl::AsciiStrToUpper(v));
      int number;
      if (value_desc == nullptr && absl::SimpleAtoi(v, &number)) {
        value_desc = e->FindValueByNumber(number);
      }
      if (value_desc == nullptr) {
        std::string names;
        for (int i = 0; i < e->value_count(); ++i) {
          if (e->value(i)->number() == 0) continue;  // the unspecified default
          absl::StrAppend(&names, names.empty() ? "" : ", ", e->value(i)->name());
        }
        return absl::StrCat("is not one of ", names);
      }
      r->SetEnum(&msg, f, value_desc);
      return "";
    }
    case FieldDescriptor::CPPTYPE_STRING:
      r->SetString(&msg, f, std::string(value));
      return "";
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return "cannot be set from text";
}

}  // namespace

const std::vector<ConfigSetting>& ConfigSettings() {
  static const auto* settings = [] {
    auto* out = new std::vector<ConfigSetting>();
    Walk(cfg::Config::descriptor(), "", {}, false, *out);
    return out;
  }();
  return *settings;
}

const ConfigSetting* FindConfigSetting(std::string_view path) {
  auto it = SettingIndex().find(std::string(path));
  return it == SettingIndex().end() ? nullptr : it->second;
}

absl::Status SetConfigField(cfg::Config& config, std::string_view path, std::string_view value,
                            std::string_view source) {
  const ConfigSetting* setting = FindConfigSetting(path);
  if (setting == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        Av(source), ": unknown config setting \"", Av(path), "\" (persona-server --help lists them)"));
  }
  if (!setting->overridable()) {
    return absl::InvalidArgumentError(absl::StrCat(
        Av(source), ": config ", Av(path), " is part of a list or map; set it in the config file"));
  }
  Message* msg = &config;
  for (size_t i = 0; i + 1 < setting->chain.size(); ++i) {
    msg = msg->GetReflection()->MutableMessage(msg, setting->chain[i]);
  }
  if (std::string problem = SetScalar(*msg, setting->chain.back(), value); !problem.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("config ", Av(path), " (from ", Av(source), "): \"", Av(value), "\" ", problem));
  }
  return absl::OkStatus();
}

absl::Status ApplySetOverrides(cfg::Config& config, absl::Span<const std::string> assignments) {
  for (const std::string& assignment : assignments) {
    const size_t eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--set=", assignment, ": expected section.field=value, e.g. --set=storage.block_cache_mb=512"));
    }
    const absl::string_view path = absl::StripAsciiWhitespace(Av(assignment).substr(0, eq));
    absl::Status s = SetConfigField(config, std::string_view(path.data(), path.size()),
                                    std::string_view(assignment).substr(eq + 1), "--set");
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status ApplyEnvironmentOverrides(cfg::Config& config,
                                       absl::Span<const std::string> environment,
                                       std::vector<std::string>* unknown) {
  static const auto* by_env = [] {
    auto* m = new absl::flat_hash_map<std::string, const ConfigSetting*>();
    for (const ConfigSetting& s : ConfigSettings()) {
      if (s.overridable()) m->emplace(s.env_var, &s);
    }
    return m;
  }();
  static const auto* section_prefixes = [] {
    auto* prefixes = new std::vector<std::string>();
    const Descriptor* root = cfg::Config::descriptor();
    for (int i = 0; i < root->field_count(); ++i) {
      if (root->field(i)->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        prefixes->push_back(EnvName(root->field(i)->name()) + "_");
      }
    }
    return prefixes;
  }();
  for (const std::string& entry : environment) {
    if (!absl::StartsWith(entry, kEnvPrefix)) continue;
    const size_t eq = entry.find('=');
    if (eq == std::string::npos) continue;
    const std::string name = entry.substr(0, eq);
    const std::string_view value = std::string_view(entry).substr(eq + 1);
    auto it = by_env->find(name);
    if (it == by_env->end()) {
      if (unknown == nullptr) continue;
      for (const std::string& prefix : *section_prefixes) {
        if (absl::StartsWith(name, prefix)) {
          unknown->push_back(name);
          break;
        }
      }
      continue;
    }
    if (value.empty()) continue;
    absl::Status s = SetConfigField(config, it->second->path, value, name);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

std::vector<std::string> ProcessEnvironment() {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) out.emplace_back(*e);
  return out;
}

std::vector<std::string> TakeSetArguments(int& argc, char** argv) {
  std::vector<std::string> values;
  int kept = 1;
  bool done = false;  // after "--" everything is positional
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (!done && arg == "--") done = true;
    if (!done && (arg == "--set" || arg == "-set") && i + 1 < argc) {
      values.emplace_back(argv[++i]);
      continue;
    }
    if (!done && (absl::StartsWith(arg, "--set=") || absl::StartsWith(arg, "-set="))) {
      values.emplace_back(std::string(arg.substr(arg.find('=') + 1)));
      continue;
    }
    argv[kept++] = argv[i];
  }
  argc = kept;
  argv[argc] = nullptr;
  return values;
}

}  // namespace persona::server
