// The --help listing of every config setting and the comments it quotes
// from config.proto (embedded at build time as a descriptor set with source
// info, since generated C++ carries no comments).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/strings/escaping.h"
#include "google/protobuf/descriptor.pb.h"
#include "server/config.h"
#include "server/config_overrides.h"

namespace persona::server {

// Defined in the generated config_docs.cc: config.proto's FileDescriptorSet
// with source info.
extern const unsigned char kConfigProtoDescriptor[];
extern const size_t kConfigProtoDescriptorSize;

namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::SourceLocation;

// The pool built from the embedded descriptors, or null when they do not
// parse (then no comments are shown).
const DescriptorPool* DocumentedPool() {
  static const DescriptorPool* pool = []() -> const DescriptorPool* {
    google::protobuf::FileDescriptorSet set;
    if (!set.ParseFromArray(kConfigProtoDescriptor, static_cast<int>(kConfigProtoDescriptorSize))) {
      return nullptr;
    }
    auto* built = new DescriptorPool();
    for (const auto& file : set.file()) {
      if (built->BuildFile(file) == nullptr) return nullptr;
    }
    return built;
  }();
  return pool;
}

// Returns the comment lines of a location: one leading space dropped per
// line, trailing blank lines removed.
std::string Clean(const std::string& comment) {
  std::vector<std::string> lines = absl::StrSplit(comment, '\n');
  while (!lines.empty() && absl::StripAsciiWhitespace(lines.back()).empty()) lines.pop_back();
  std::string out;
  for (const std::string& line : lines) {
    absl::string_view l = absl::StripTrailingAsciiWhitespace(line);
    absl::ConsumePrefix(&l, " ");
    absl::StrAppend(&out, out.empty() ? "" : "\n", l);
  }
  return out;
}

std::string OwnComment(const FieldDescriptor* documented) {
  SourceLocation location;
  if (!documented->GetSourceLocation(&location)) return "";
  if (!location.leading_comments.empty()) return Clean(location.leading_comments);
  return Clean(location.trailing_comments);
}

std::string MessageComment(const Descriptor* generated) {
  const DescriptorPool* pool = DocumentedPool();
  if (pool == nullptr) return "";
  const Descriptor* documented = pool->FindMessageTypeByName(generated->full_name());
  SourceLocation location;
  if (documented == nullptr || !documented->GetSourceLocation(&location)) return "";
  return Clean(location.leading_comments);
}

// Returns the field's comment; for a field without one, its enum type's
// comment, else the comment over the group of same-typed fields it closes
// (`// Lifecycle stages, in days.` over new_days, active_days, ...), else
// its message's comment.
std::string FieldComment(const FieldDescriptor* generated) {
  const DescriptorPool* pool = DocumentedPool();
  if (pool == nullptr) return "";
  const FieldDescriptor* documented = pool->FindFieldByName(generated->full_name());
  if (documented == nullptr) return "";
  if (std::string own = OwnComment(documented); !own.empty()) return own;
  SourceLocation location;
  if (documented->enum_type() != nullptr && documented->enum_type()->GetSourceLocation(&location) &&
      !location.leading_comments.empty()) {
    return Clean(location.leading_comments);
  }
  const Descriptor* message = documented->containing_type();
  for (int i = documented->index() - 1; i >= 0; --i) {
    const FieldDescriptor* earlier = message->field(i);
    if (earlier->type() != documented->type() || earlier->is_repeated() != documented->is_repeated()) {
      break;
    }
    if (std::string comment = OwnComment(earlier); !comment.empty()) return comment;
  }
  return MessageComment(generated->containing_type());
}

// Returns the comment of a message-typed field of Config, or of its message.
std::string SectionComment(const FieldDescriptor* generated) {
  const DescriptorPool* pool = DocumentedPool();
  const FieldDescriptor* documented =
      pool == nullptr ? nullptr : pool->FindFieldByName(generated->full_name());
  std::string comment = documented == nullptr ? "" : OwnComment(documented);
  return comment.empty() ? MessageComment(generated->message_type()) : comment;
}

std::string TypeName(const FieldDescriptor* f) {
  std::string type;
  if (f->is_map()) {
    type = absl::StrCat("map<", f->message_type()->map_key()->type_name(), ", ",
                        f->message_type()->map_value()->type_name(), ">");
  } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
    for (int i = 0; i < f->enum_type()->value_count(); ++i) {
      const auto* v = f->enum_type()->value(i);
      if (v->number() != 0) absl::StrAppend(&type, type.empty() ? "" : "|", v->name());
    }
  } else {
    type = f->type_name();
  }
  return f->is_repeated() && !f->is_map() ? absl::StrCat("list of ", type) : type;
}

// Returns the value of the setting in `config` as the config file spells it.
std::string ValueText(const Message& config, const ConfigSetting& setting) {
  const Message* msg = &config;
  for (size_t i = 0; i + 1 < setting.chain.size(); ++i) {
    msg = &msg->GetReflection()->GetMessage(*msg, setting.chain[i]);
  }
  const FieldDescriptor* f = setting.chain.back();
  const auto* r = msg->GetReflection();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(r->GetInt32(*msg, f));
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(r->GetInt64(*msg, f));
    case FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(r->GetUInt32(*msg, f));
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(r->GetUInt64(*msg, f));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return absl::StrCat(r->GetDouble(*msg, f));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return absl::StrCat(r->GetFloat(*msg, f));
    case FieldDescriptor::CPPTYPE_BOOL:
      return r->GetBool(*msg, f) ? "true" : "false";
    case FieldDescriptor::CPPTYPE_ENUM:
      return std::string(r->GetEnum(*msg, f)->name());
    case FieldDescriptor::CPPTYPE_STRING:
      return absl::StrCat("\"", absl::CHexEscape(r->GetString(*msg, f)), "\"");
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return "";
}

// Whether the setting holds a value in `config`: false for an unset field
// with presence (proto3 `optional`), whose default the server applies
// elsewhere (its comment states it).
bool IsSet(const Message& config, const ConfigSetting& setting) {
  const Message* msg = &config;
  for (size_t i = 0; i + 1 < setting.chain.size(); ++i) {
    msg = &msg->GetReflection()->GetMessage(*msg, setting.chain[i]);
  }
  const FieldDescriptor* f = setting.chain.back();
  return !f->has_presence() || msg->GetReflection()->HasField(*msg, f);
}

void AppendIndented(const std::string& text, absl::string_view indent, std::string& out) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    absl::StrAppend(&out, indent, line, "\n");
  }
}

}  // namespace

std::string ConfigFieldComment(const ConfigSetting& setting) {
  return FieldComment(setting.chain.back());
}

std::string ConfigHelp() {
  cfg::Config defaults;
  ApplyDefaults(defaults);
  std::string out =
      "\nSettings. Each is a field of the config file (--config, protobuf text format; "
      "deploy/persona.textproto\nshows them all). Precedence, lowest first: the file, "
      "PERSONA_* environment variables,\nthe named flags (--listen, ...), then "
      "--set=path=value in order (repeatable). Lists and\nmaps are set in the file only.\n";
  const FieldDescriptor* section = nullptr;
  for (const ConfigSetting& setting : ConfigSettings()) {
    const FieldDescriptor* top = setting.chain.front();
    if (top != section && setting.chain.size() > 1) {
      std::string about = SectionComment(top);
      absl::StrAppend(&out, "\n", top->name(), top->is_repeated() ? "[]" : "", ":\n");
      if (!about.empty()) AppendIndented(about, "  # ", out);
    } else if (setting.chain.size() == 1 && section != nullptr && section->message_type()) {
      out.push_back('\n');
    }
    section = top;
    const FieldDescriptor* f = setting.chain.back();
    absl::StrAppend(&out, "  ", setting.path, "  (", TypeName(f));
    if (setting.overridable()) {
      absl::StrAppend(&out, "; default ",
                      IsSet(defaults, setting) ? ValueText(defaults, setting) : "as described",
                      "; env ", setting.env_var);
    } else {
      absl::StrAppend(&out, "; config file only");
    }
    out.append(")\n");
    const std::string comment = FieldComment(f);
    if (!comment.empty()) AppendIndented(comment, "      ", out);
  }
  return out;
}

}  // namespace persona::server
