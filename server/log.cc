#include "server/log.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace persona::server {
namespace {

std::atomic<LogFormat> g_format{LogFormat::kText};

// Debian's abseil has its own string_view, not an alias of std's.
absl::string_view Av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Where lines go; guarded so that whole lines are written one at a time.
struct Output {
  absl::Mutex mu;
  std::function<void(std::string_view)> sink ABSL_GUARDED_BY(mu);
};

Output& TheOutput() {
  static Output* output = new Output();
  return *output;
}

void WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere left to report it
    data.remove_prefix(static_cast<size_t>(n));
  }
}

// Returns the length of the valid UTF-8 sequence at the start of `s`, or 0.
size_t Utf8SequenceLength(std::string_view s) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = byte(0);
  size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // no overlong forms
    if (lead == 0xED) high = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;  // up to U+10FFFF
  } else {
    return 0;
  }
  if (s.size() < length || byte(1) < low || byte(1) > high) return 0;
  for (size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  }
  return length;
}

// Appends `text` JSON-escaped, without quotes.
void AppendEscaped(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  while (!text.empty()) {
    const unsigned char c = static_cast<unsigned char>(text[0]);
    size_t used = 1;
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out.append("\\n");
    } else if (c == '\r') {
      out.append("\\r");
    } else if (c == '\t') {
      out.append("\\t");
    } else if (c < 0x20) {
      out.append("\\u00");
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    } else if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (size_t n = Utf8SequenceLength(text); n > 0) {
      out.append(text.substr(0, n));
      used = n;
    } else {
      out.append("\xEF\xBF\xBD");  // U+FFFD for a byte that is not UTF-8
    }
    text.remove_prefix(used);
  }
}

// Whether a text-format value must be quoted to stay one token.
bool NeedsQuotes(std::string_view value) {
  if (value.empty()) return true;
  for (char c : value) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      return true;
    }
  }
  return false;
}

std::string_view UpperLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarning:
      return "WARNING";
    case LogLevel::kError:
      return "ERROR";
  }
  return "INFO";
}

}  // namespace

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

LogField::LogField(std::string_view key, const absl::Status& status)
    : key_(key), kind_(Kind::kOwned), owned_(status.ok() ? "OK" : status.ToString()) {}

bool LogField::raw() const {
  return kind_ == Kind::kInt || kind_ == Kind::kBool ||
         (kind_ == Kind::kDouble && std::isfinite(double_));
}

void LogField::AppendText(std::string& out) const {
  switch (kind_) {
    case Kind::kString:
      out.append(str_);
      return;
    case Kind::kOwned:
      out.append(owned_);
      return;
    case Kind::kInt:
      absl::StrAppend(&out, int_);
      return;
    case Kind::kDouble:
      absl::StrAppend(&out, double_);
      return;
    case Kind::kBool:
      out.append(int_ != 0 ? "true" : "false");
      return;
  }
}

void AppendJsonString(std::string_view text, std::string& out) {
  out.push_back('"');
  AppendEscaped(text, out);
  out.push_back('"');
}

std::string FormatLogLine(LogFormat format, absl::Time time, LogLevel level, std::string_view msg,
                          absl::Span<const LogField> fields) {
  const std::string ts = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone());
  std::string line;
  line.reserve(96 + msg.size() + 24 * fields.size());
  std::string value;
  if (format == LogFormat::kJson) {
    absl::StrAppend(&line, "{\"ts\":\"", ts, "\",\"level\":\"", Av(LogLevelName(level)),
                    "\",\"msg\":");
    AppendJsonString(msg, line);
    for (const LogField& field : fields) {
      line.push_back(',');
      AppendJsonString(field.key(), line);
      line.push_back(':');
      value.clear();
      field.AppendText(value);
      if (field.raw()) {
        line.append(value);
      } else {
        AppendJsonString(value, line);
      }
    }
    line.append("}\n");
    return line;
  }
  absl::StrAppend(&line, ts, " ", Av(UpperLevelName(level)), " ");
  AppendEscaped(msg, line);
  for (const LogField& field : fields) {
    line.push_back(' ');
    AppendEscaped(field.key(), line);
    line.push_back('=');
    value.clear();
    field.AppendText(value);
    if (NeedsQuotes(value)) {
      AppendJsonString(value, line);
    } else {
      line.append(value);
    }
  }
  line.push_back('\n');
  return line;
}

void Log(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields) {
  LogFields(level, msg, absl::MakeConstSpan(fields.begin(), fields.size()));
}

void LogFields(LogLevel level, std::string_view msg, absl::Span<const LogField> fields) {
  const std::string line =
      FormatLogLine(g_format.load(std::memory_order_relaxed), absl::Now(), level, msg, fields);
  Output& output = TheOutput();
  absl::MutexLock lock(&output.mu);
  if (output.sink) {
    output.sink(line);
  } else {
    WriteAll(STDERR_FILENO, line);
  }
}

void SetLogFormat(LogFormat format) { g_format.store(format, std::memory_order_relaxed); }

LogFormat AutoLogFormat() { return ::isatty(STDERR_FILENO) ? LogFormat::kText : LogFormat::kJson; }

void SetLogSinkForTesting(std::function<void(std::string_view)> sink) {
  Output& output = TheOutput();
  absl::MutexLock lock(&output.mu);
  output.sink = std::move(sink);
}

}  // namespace persona::server
