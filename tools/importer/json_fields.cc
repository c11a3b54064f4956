#include "tools/importer/json_fields.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "google/protobuf/util/json_util.h"
#include "tools/importer/values.h"

namespace persona::importer {
namespace {

absl::Status Bad(absl::string_view field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}

}  // namespace

absl::Status ParseJsonObject(absl::string_view text, JsonObject* object) {
  google::protobuf::util::JsonParseOptions options;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(text.data(), text.size()), object, options);
  if (status.ok()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("not a JSON object: ", std::string(status.message()).substr(0, 200)));
}

const JsonValue* Find(const JsonObject& object, std::initializer_list<absl::string_view> path) {
  const JsonObject* at = &object;
  const JsonValue* value = nullptr;
  for (absl::string_view step : path) {
    if (at == nullptr) return nullptr;
    const auto it = at->fields().find(std::string(step));
    if (it == at->fields().end()) return nullptr;
    value = &it->second;
    at = value->has_struct_value() ? &value->struct_value() : nullptr;
  }
  if (value == nullptr || value->kind_case() == JsonValue::kNullValue ||
      value->kind_case() == JsonValue::KIND_NOT_SET) {
    return nullptr;
  }
  return value;
}

const JsonObject* FindObject(const JsonObject& object,
                             std::initializer_list<absl::string_view> path) {
  const JsonValue* value = Find(object, path);
  return value != nullptr && value->has_struct_value() ? &value->struct_value() : nullptr;
}

absl::StatusOr<std::string> AsText(const JsonValue& value, absl::string_view field) {
  switch (value.kind_case()) {
    case JsonValue::kStringValue:
      return value.string_value();
    case JsonValue::kNumberValue: {
      const double v = value.number_value();
      if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9.007199254740992e15) {
        return absl::StrCat(static_cast<int64_t>(v));
      }
      return absl::StrCat(v);
    }
    case JsonValue::kBoolValue:
      return std::string(value.bool_value() ? "true" : "false");
    default:
      return Bad(field, "must be a string or a number");
  }
}

absl::StatusOr<double> AsNumber(const JsonValue& value, absl::string_view field) {
  if (value.kind_case() == JsonValue::kNumberValue) {
    if (!std::isfinite(value.number_value())) return Bad(field, "must be a finite number");
    return value.number_value();
  }
  if (value.kind_case() == JsonValue::kStringValue) {
    auto parsed = ParseNumber(value.string_value());
    if (parsed.ok()) return *parsed;
    return Bad(field, parsed.status().message());
  }
  return Bad(field, "must be a number");
}

absl::StatusOr<int64_t> AsInteger(const JsonValue& value, absl::string_view field) {
  if (value.kind_case() == JsonValue::kNumberValue) {
    const double v = value.number_value();
    if (!std::isfinite(v) || v != std::floor(v) || std::fabs(v) > 9.007199254740992e15) {
      return Bad(field, "must be an integer");
    }
    return static_cast<int64_t>(v);
  }
  if (value.kind_case() == JsonValue::kStringValue) {
    auto parsed = ParseInteger(value.string_value());
    if (parsed.ok()) return *parsed;
    return Bad(field, parsed.status().message());
  }
  return Bad(field, "must be an integer");
}

absl::StatusOr<bool> AsBool(const JsonValue& value, absl::string_view field) {
  if (value.kind_case() == JsonValue::kBoolValue) return value.bool_value();
  if (value.kind_case() == JsonValue::kStringValue) {
    auto parsed = ParseBool(value.string_value());
    if (parsed.ok()) return *parsed;
    return Bad(field, parsed.status().message());
  }
  return Bad(field, "must be true or false");
}

absl::StatusOr<std::optional<std::string>> TextAt(const JsonObject& object,
                                                  std::initializer_list<absl::string_view> path,
                                                  absl::string_view field) {
  const JsonValue* value = Find(object, path);
  if (value == nullptr) return std::nullopt;
  ASSIGN_OR_RETURN(std::string text, AsText(*value, field));
  if (text.empty()) return std::nullopt;
  return text;
}

absl::StatusOr<std::optional<double>> NumberAt(const JsonObject& object,
                                               std::initializer_list<absl::string_view> path,
                                               absl::string_view field) {
  const JsonValue* value = Find(object, path);
  if (value == nullptr) return std::nullopt;
  if (value->has_string_value() && value->string_value().empty()) return std::nullopt;
  ASSIGN_OR_RETURN(double number, AsNumber(*value, field));
  return number;
}

absl::StatusOr<std::optional<bool>> BoolAt(const JsonObject& object,
                                           std::initializer_list<absl::string_view> path,
                                           absl::string_view field) {
  const JsonValue* value = Find(object, path);
  if (value == nullptr) return std::nullopt;
  if (value->has_string_value() && value->string_value().empty()) return std::nullopt;
  ASSIGN_OR_RETURN(bool flag, AsBool(*value, field));
  return flag;
}

}  // namespace persona::importer
