// Reading loosely typed JSON rows (GA4's BigQuery export, Segment calls) as
// google.protobuf.Struct: lookups by path, and values read as text, numbers
// or integers whether the source wrote them as strings or numbers (BigQuery
// writes INT64 as strings). Errors name the field. Pure functions; thread-safe.
#ifndef PERSONA_TOOLS_IMPORTER_JSON_FIELDS_H_
#define PERSONA_TOOLS_IMPORTER_JSON_FIELDS_H_

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/struct.pb.h"

namespace persona::importer {

using JsonObject = google::protobuf::Struct;
using JsonValue = google::protobuf::Value;

// Parses one line holding a JSON object. INVALID_ARGUMENT with the parser's
// reason otherwise.
absl::Status ParseJsonObject(absl::string_view text, JsonObject* object);

// Returns the value at `path` (object keys, outermost first), or nullptr when
// a step is missing, null or not an object.
const JsonValue* Find(const JsonObject& object, std::initializer_list<absl::string_view> path);

// Returns the object at `path`, or nullptr.
const JsonObject* FindObject(const JsonObject& object,
                             std::initializer_list<absl::string_view> path);

// Reads a value as text: strings as they are, integral numbers without a
// fraction, other numbers shortest round-trip, booleans "true"/"false".
// INVALID_ARGUMENT "<field>: ..." for lists and objects.
absl::StatusOr<std::string> AsText(const JsonValue& value, absl::string_view field);
// Reads a finite number, from a number or a numeric string.
absl::StatusOr<double> AsNumber(const JsonValue& value, absl::string_view field);
// Reads an integer (a number without fraction within +-2^53, or digits in a
// string).
absl::StatusOr<int64_t> AsInteger(const JsonValue& value, absl::string_view field);
// Reads a boolean, or a string ParseBool accepts.
absl::StatusOr<bool> AsBool(const JsonValue& value, absl::string_view field);

// The same at a path of `object`: std::nullopt when absent or null (or an
// empty string), an error when present but unreadable. `field` names it.
absl::StatusOr<std::optional<std::string>> TextAt(const JsonObject& object,
                                                  std::initializer_list<absl::string_view> path,
                                                  absl::string_view field);
absl::StatusOr<std::optional<double>> NumberAt(const JsonObject& object,
                                               std::initializer_list<absl::string_view> path,
                                               absl::string_view field);
absl::StatusOr<std::optional<bool>> BoolAt(const JsonObject& object,
                                           std::initializer_list<absl::string_view> path,
                                           absl::string_view field);

}  // namespace persona::importer

#endif  // PERSONA_TOOLS_IMPORTER_JSON_FIELDS_H_
