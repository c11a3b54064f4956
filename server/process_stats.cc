#include "server/process_stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace persona::server {
namespace {

// Fields of /proc/<pid>/stat, counted from the state field (field 3) as 0.
constexpr size_t kUtime = 11, kStime = 12, kThreads = 17, kStartTime = 19, kVsize = 20, kRss = 21;

std::optional<std::string> ReadFile(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::optional<ProcessStats> ParseProcStat(std::string_view stat, double boot_time_seconds,
                                          double ticks_per_second, double page_bytes) {
  const size_t paren = stat.rfind(')');
  if (paren == std::string_view::npos || ticks_per_second <= 0) return std::nullopt;
  const std::string rest(stat.substr(paren + 1));
  std::vector<absl::string_view> fields = absl::StrSplit(rest, ' ', absl::SkipEmpty());
  if (fields.size() <= kRss) return std::nullopt;
  double v[kRss + 1] = {};
  for (size_t i : {kUtime, kStime, kThreads, kStartTime, kVsize, kRss}) {
    if (!absl::SimpleAtod(absl::StripAsciiWhitespace(fields[i]), &v[i])) return std::nullopt;
  }
  ProcessStats s;
  s.cpu_seconds = (v[kUtime] + v[kStime]) / ticks_per_second;
  s.threads = v[kThreads];
  s.start_time_seconds = boot_time_seconds + v[kStartTime] / ticks_per_second;
  s.virtual_bytes = v[kVsize];
  s.resident_bytes = v[kRss] * page_bytes;
  return s;
}

std::optional<double> ParseBootTime(std::string_view proc_stat) {
  const std::string text(proc_stat);
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line.substr(0, 6) != "btime ") continue;
    double t;
    if (absl::SimpleAtod(absl::StripAsciiWhitespace(line.substr(6)), &t)) return t;
  }
  return std::nullopt;
}

std::optional<ProcessStats> ReadProcessStats() {
  static const double boot_time = [] {
    std::optional<std::string> text = ReadFile("/proc/stat");
    std::optional<double> t = text ? ParseBootTime(*text) : std::nullopt;
    return t.value_or(0);
  }();
  std::optional<std::string> stat = ReadFile("/proc/self/stat");
  if (!stat) return std::nullopt;
  std::optional<ProcessStats> s =
      ParseProcStat(*stat, boot_time, static_cast<double>(sysconf(_SC_CLK_TCK)),
                    static_cast<double>(sysconf(_SC_PAGESIZE)));
  if (!s) return std::nullopt;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++s->open_fds;
  }
  rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) s->max_fds = static_cast<double>(limit.rlim_cur);
  return s;
}

}  // namespace persona::server
