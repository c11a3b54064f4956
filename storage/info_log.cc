// RocksDB's info log written with stdio, ignoring write failures (see
// NewInfoLog in maintenance_internal.h for why).
#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include <sys/time.h>

#include "absl/strings/str_cat.h"
#include "rocksdb/env.h"
#include "storage/maintenance_internal.h"

namespace persona::storage::internal {
namespace {

constexpr int kOldLogsKept = 5;
constexpr size_t kMaxLineBytes = 4096;

const char* LevelName(rocksdb::InfoLogLevel level) {
  switch (level) {
    case rocksdb::InfoLogLevel::DEBUG_LEVEL: return "DEBUG";
    case rocksdb::InfoLogLevel::WARN_LEVEL: return "WARN";
    case rocksdb::InfoLogLevel::ERROR_LEVEL: return "ERROR";
    case rocksdb::InfoLogLevel::FATAL_LEVEL: return "FATAL";
    default: return "INFO";
  }
}

class StdioInfoLog : public rocksdb::Logger {
 public:
  // Takes `file` (may be null: then only warnings reach stderr).
  explicit StdioInfoLog(FILE* file) : rocksdb::Logger(rocksdb::InfoLogLevel::INFO_LEVEL), file_(file) {
    if (file_ != nullptr) setvbuf(file_, nullptr, _IOLBF, 1 << 16);
  }
  ~StdioInfoLog() override {
    if (file_ != nullptr) std::fclose(file_);
  }

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap);
  }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel()) return;
    char message[kMaxLineBytes];
    std::vsnprintf(message, sizeof(message), format, ap);
    size_t length = std::strlen(message);
    while (length > 0 && message[length - 1] == '\n') message[--length] = '\0';
    timeval now{};
    gettimeofday(&now, nullptr);
    tm utc{};
    gmtime_r(&now.tv_sec, &utc);
    char stamp[32];
    std::strftime(stamp, sizeof(stamp), "%Y/%m/%d-%H:%M:%S", &utc);
    const bool warning = level >= rocksdb::InfoLogLevel::WARN_LEVEL &&
                         level <= rocksdb::InfoLogLevel::FATAL_LEVEL;
    // Failures (a full disk) are ignored: stdio keeps no error state that
    // would stop later lines once space returns.
    if (file_ != nullptr) {
      std::fprintf(file_, "%s.%06ld [%s] %s\n", stamp, static_cast<long>(now.tv_usec),
                   LevelName(level), message);
      std::clearerr(file_);
    }
    if (warning) std::fprintf(stderr, "rocksdb [%s] %s\n", LevelName(level), message);
  }
  void Flush() override {
    if (file_ != nullptr) std::fflush(file_);
  }
  rocksdb::Status Close() override { return rocksdb::Status::OK(); }

 private:
  FILE* const file_;
};

// Renames path/LOG to LOG.old.<µs> and deletes all but the newest old ones.
void RotateLogs(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code error;
  const fs::path log = fs::path(path) / "LOG";
  if (fs::exists(log, error)) {
    timeval now{};
    gettimeofday(&now, nullptr);
    const int64_t micros = int64_t{now.tv_sec} * 1'000'000 + now.tv_usec;
    fs::rename(log, fs::path(path) / absl::StrCat("LOG.old.", micros), error);
  }
  std::vector<std::string> old;
  for (fs::directory_iterator it(path, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.rfind("LOG.old.", 0) == 0) old.push_back(name);
  }
  // Same-length timestamps sort by time; older names are shorter or smaller.
  std::sort(old.begin(), old.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  for (size_t i = 0; i + kOldLogsKept < old.size(); ++i) fs::remove(fs::path(path) / old[i], error);
}

}  // namespace

std::shared_ptr<rocksdb::Logger> NewInfoLog(const std::string& path) {
  RotateLogs(path);
  FILE* file = std::fopen((std::filesystem::path(path) / "LOG").c_str(), "a");
  return std::make_shared<StdioInfoLog>(file);
}

}  // namespace persona::storage::internal
