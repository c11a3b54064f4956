// Parsing of single cell values shared by the importer's formats: numbers,
// booleans, times and enum names. Pure functions; thread-safe.
#ifndef PERSONA_TOOLS_IMPORTER_VALUES_H_
#define PERSONA_TOOLS_IMPORTER_VALUES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "persona/v1/common.pb.h"

namespace persona::importer {

// Each returns INVALID_ARGUMENT with a readable reason for a bad value;
// surrounding spaces are ignored.
absl::StatusOr<double> ParseNumber(absl::string_view text);
absl::StatusOr<int64_t> ParseInteger(absl::string_view text);
// true/false, yes/no, 1/0, y/n (any case).
absl::StatusOr<bool> ParseBool(absl::string_view text);

// Parses epoch milliseconds (digits only) or an ISO 8601 / RFC 3339 time:
// "2011-12-09T12:50:00Z", "2011-12-09 12:50:00+01:00", "2011-12-09 12:50"
// or "2011-12-09", or Shopify's "2011-12-09 12:50:00 +0100". Times without an
// offset are UTC.
absl::StatusOr<int64_t> ParseTimeMs(absl::string_view text);

// Fast path for "YYYY-MM-DD HH:MM:SS" (UTC); falls back to ParseTimeMs.
absl::StatusOr<int64_t> ParseSqlTimeMs(absl::string_view text);

// Enum names, case-insensitive, spaces or dashes read as underscores.
absl::StatusOr<persona::v1::EventType> ParseEventType(absl::string_view text);
absl::StatusOr<persona::v1::Channel> ParseChannel(absl::string_view text);
absl::StatusOr<persona::v1::Availability> ParseAvailability(absl::string_view text);

// Splits a category path written "Home/Lighting" or "Home > Lighting" into
// its trimmed, non-empty parts.
std::vector<std::string> SplitCategoryPath(absl::string_view text);

// Splits a '|'-separated list into trimmed, non-empty elements.
std::vector<std::string> SplitList(absl::string_view text);

}  // namespace persona::importer

#endif  // PERSONA_TOOLS_IMPORTER_VALUES_H_
