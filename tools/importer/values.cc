#include "tools/importer/values.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace persona::importer {
namespace {

absl::Status Bad(absl::string_view what, absl::string_view text) {
  return absl::InvalidArgumentError(absl::StrCat("'", text.substr(0, 64), "' is not ", what));
}

// Upper-cases and turns spaces and dashes into underscores.
std::string EnumKey(absl::string_view text) {
  std::string key = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(text));
  for (char& c : key) {
    if (c == ' ' || c == '-') c = '_';
  }
  return key;
}

bool AllDigits(absl::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Reads `n` digits at `text[pos]` into `*out`.
bool Digits(absl::string_view text, size_t pos, size_t n, int* out) {
  if (pos + n > text.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    v = v * 10 + (text[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

absl::StatusOr<double> ParseNumber(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  double v = 0;
  if (!absl::SimpleAtod(text, &v) || !std::isfinite(v)) return Bad("a finite number", text);
  return v;
}

absl::StatusOr<int64_t> ParseInteger(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  int64_t v = 0;
  if (!absl::SimpleAtoi(text, &v)) return Bad("an integer", text);
  return v;
}

absl::StatusOr<bool> ParseBool(absl::string_view text) {
  const std::string key = EnumKey(text);
  if (key == "TRUE" || key == "YES" || key == "Y" || key == "1") return true;
  if (key == "FALSE" || key == "NO" || key == "N" || key == "0") return false;
  return Bad("a boolean (true/false)", text);
}

absl::StatusOr<int64_t> ParseTimeMs(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  if (AllDigits(text)) {
    int64_t ms = 0;
    if (absl::SimpleAtoi(text, &ms)) return ms;
    return Bad("a time", text);
  }
  static constexpr const char* kFormats[] = {
      "%Y-%m-%d%ET%H:%M:%E*S%Ez", "%Y-%m-%d %H:%M:%E*S%Ez", "%Y-%m-%d%ET%H:%M:%E*S",
      "%Y-%m-%d %H:%M:%E*S",      "%Y-%m-%d%ET%H:%M%Ez",    "%Y-%m-%d %H:%M%Ez",
      "%Y-%m-%d%ET%H:%M",         "%Y-%m-%d %H:%M",         "%Y-%m-%d",
      "%Y-%m-%d %H:%M:%E*S %z",  // Shopify's exports: "2024-05-01 10:00:00
                                 // +0100".
  };
  for (const char* format : kFormats) {
    absl::Time t;
    std::string err;
    if (absl::ParseTime(format, text, absl::UTCTimeZone(), &t, &err)) {
      return absl::ToUnixMillis(t);
    }
  }
  return Bad("epoch milliseconds or an ISO 8601 time", text);
}

absl::StatusOr<int64_t> ParseSqlTimeMs(absl::string_view text) {
  int y, mo, d, h, mi, s;
  if (text.size() == 19 && Digits(text, 0, 4, &y) && text[4] == '-' && Digits(text, 5, 2, &mo) &&
      text[7] == '-' && Digits(text, 8, 2, &d) && text[10] == ' ' && Digits(text, 11, 2, &h) &&
      text[13] == ':' && Digits(text, 14, 2, &mi) && text[16] == ':' && Digits(text, 17, 2, &s) &&
      mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h < 24 && mi < 60 && s < 60) {
    const absl::CivilSecond civil(y, mo, d, h, mi, s);
    if (civil.day() == d) {  // Rejects 2011-02-30, which CivilSecond would normalise.
      return absl::ToUnixMillis(absl::FromCivil(civil, absl::UTCTimeZone()));
    }
  }
  return ParseTimeMs(text);
}

absl::StatusOr<persona::v1::EventType> ParseEventType(absl::string_view text) {
  persona::v1::EventType type;
  if (!persona::v1::EventType_Parse(EnumKey(text), &type) ||
      type == persona::v1::EVENT_TYPE_UNSPECIFIED) {
    return Bad("an event type (e.g. PURCHASE, product_view)", text);
  }
  return type;
}

absl::StatusOr<persona::v1::Channel> ParseChannel(absl::string_view text) {
  persona::v1::Channel channel;
  if (!persona::v1::Channel_Parse(EnumKey(text), &channel)) {
    return Bad("a channel (WEB, APP, EMAIL, STORE, SUPPORT)", text);
  }
  return channel;
}

absl::StatusOr<persona::v1::Availability> ParseAvailability(absl::string_view text) {
  persona::v1::Availability availability;
  if (!persona::v1::Availability_Parse(EnumKey(text), &availability)) {
    return Bad("an availability (IN_STOCK, OUT_OF_STOCK, PREORDER, DISCONTINUED)", text);
  }
  return availability;
}

std::vector<std::string> SplitCategoryPath(absl::string_view text) {
  const bool arrows = text.find('>') != absl::string_view::npos;
  std::vector<std::string> parts;
  for (absl::string_view part : absl::StrSplit(text, arrows ? '>' : '/')) {
    part = absl::StripAsciiWhitespace(part);
    if (!part.empty()) parts.emplace_back(part);
  }
  return parts;
}

std::vector<std::string> SplitList(absl::string_view text) {
  std::vector<std::string> parts;
  for (absl::string_view part : absl::StrSplit(text, '|')) {
    part = absl::StripAsciiWhitespace(part);
    if (!part.empty()) parts.emplace_back(part);
  }
  return parts;
}

}  // namespace persona::importer
