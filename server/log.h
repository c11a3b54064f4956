// persona-server's log: one line per message on stderr, either a JSON object
// ({"ts":"2025-01-31T12:00:00.123Z","level":"info","msg":"serving",
// "port":50051}) or human-readable text (time, level, message, key=value).
// Messages are short fixed phrases ("model trained"); what varies goes into
// fields, so that log pipelines can group and filter by them.
//
// The log is process-wide (like stderr itself): main() configures it once at
// start-up; every thread may log at any time. Thread-safe: a line is
// written with one write(2) under a mutex, so lines never interleave.
#ifndef PERSONA_SERVER_LOG_H_
#define PERSONA_SERVER_LOG_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace persona::server {

enum class LogLevel { kDebug, kInfo, kWarning, kError };
enum class LogFormat { kJson, kText };

// Returns "debug", "info", "warning" or "error".
std::string_view LogLevelName(LogLevel level);

// One key and value of a log line. String values are referenced, not
// copied: a LogField must not outlive them (use it inside the Log call's
// braces). Copyable.
class LogField {
 public:
  LogField(std::string_view key, std::string_view value)
      : key_(key), kind_(Kind::kString), str_(value) {}
  LogField(std::string_view key, const char* value)
      : key_(key), kind_(Kind::kString), str_(value) {}
  LogField(std::string_view key, const std::string& value)
      : key_(key), kind_(Kind::kString), str_(value) {}
#ifndef ABSL_USES_STD_STRING_VIEW  // Debian's abseil: a string_view of its own
  LogField(std::string_view key, absl::string_view value)
      : key_(key), kind_(Kind::kString), str_(value.data(), value.size()) {}
#endif
  LogField(std::string_view key, bool value) : key_(key), kind_(Kind::kBool), int_(value) {}
  LogField(std::string_view key, double value)
      : key_(key), kind_(Kind::kDouble), double_(value) {}
  template <typename Int, std::enable_if_t<std::is_integral_v<Int> &&
                                               !std::is_same_v<Int, bool>, int> = 0>
  LogField(std::string_view key, Int value)
      : key_(key), kind_(Kind::kInt), int_(static_cast<int64_t>(value)) {}
  // A status: its ToString(), or "OK".
  LogField(std::string_view key, const absl::Status& status);

  std::string_view key() const { return key_; }
  // Whether the value is a JSON number or boolean (written without quotes).
  // Non-finite doubles are written as strings.
  bool raw() const;
  // Appends the value as text: numbers formatted, strings as given.
  void AppendText(std::string& out) const;

 private:
  enum class Kind { kString, kOwned, kInt, kDouble, kBool };

  std::string_view key_;
  Kind kind_;
  std::string_view str_;
  std::string owned_;
  int64_t int_ = 0;
  double double_ = 0;
};

// Writes one line at `level` with `fields` (in order) to the log.
void Log(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields = {});
// As Log, for fields gathered at run time.
void LogFields(LogLevel level, std::string_view msg, absl::Span<const LogField> fields);
inline void LogInfo(std::string_view msg, std::initializer_list<LogField> fields = {}) {
  Log(LogLevel::kInfo, msg, fields);
}
inline void LogWarning(std::string_view msg, std::initializer_list<LogField> fields = {}) {
  Log(LogLevel::kWarning, msg, fields);
}
inline void LogError(std::string_view msg, std::initializer_list<LogField> fields = {}) {
  Log(LogLevel::kError, msg, fields);
}

// Sets the format of later lines (default: text until main() decides).
void SetLogFormat(LogFormat format);
// Returns kText when stderr is a terminal, else kJson.
LogFormat AutoLogFormat();

// Sends lines (each with its newline) to `sink` instead of stderr; an empty
// function restores stderr. For tests.
void SetLogSinkForTesting(std::function<void(std::string_view)> sink);

// Formats one line, ending in '\n'. JSON: keys ts, level, msg, then the
// fields; strings escaped (control characters as \u00XX, invalid UTF-8 as
// U+FFFD). Text: "<ts> <LEVEL> <msg> key=value ...", values quoted when they
// hold spaces, quotes, '=' or control characters, or are empty. Pure.
std::string FormatLogLine(LogFormat format, absl::Time time, LogLevel level, std::string_view msg,
                          absl::Span<const LogField> fields);

// Appends `text` to `out` as a JSON string (with the quotes). Pure.
void AppendJsonString(std::string_view text, std::string& out);

}  // namespace persona::server

#endif  // PERSONA_SERVER_LOG_H_
