#include "tests/bench/stats.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace persona::bench {

double LatencySamples::PercentileUs(double q) {
  if (samples_.empty()) return 0;
  if (!sorted_) {
    std::sort(samples_.begin(), samples_.end());
    sorted_ = true;
  }
  // Nearest rank: the smallest sample with at least q of all samples at or
  // below it.
  size_t rank =
      static_cast<size_t>(std::ceil(q * static_cast<double>(samples_.size())));
  rank = std::clamp<size_t>(rank, 1, samples_.size());
  return static_cast<double>(samples_[rank - 1]) / 1000.0;
}

double ProcessCpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return -1;
  // The command name is in parentheses and may hold spaces; fields resume after
  // ")".
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(line.substr(close + 2));
  std::string field;
  long long utime = -1, stime = -1;
  // After ")", field 1 is the state (stat field 3); utime and stime are stat
  // fields 14 and 15.
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::atoll(field.c_str());
    if (i == 15) stime = std::atoll(field.c_str());
  }
  if (utime < 0 || stime < 0) return -1;
  return static_cast<double>(utime + stime) /
         static_cast<double>(sysconf(_SC_CLK_TCK));
}

pid_t FindChild(const std::string& comm) {
  const pid_t self = getpid();
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return -1;
  pid_t found = -1;
  while (dirent* entry = readdir(proc)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
    if (pid <= 0) continue;
    std::ifstream in(std::string("/proc/") + entry->d_name + "/stat");
    std::string line;
    if (!std::getline(in, line)) continue;
    const size_t open = line.find('('), close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    std::string state;
    pid_t ppid = -1;
    rest >> state >> ppid;
    if (ppid == self &&
        line.substr(open + 1, close - open - 1) == comm.substr(0, 15)) {
      found = pid;
      break;
    }
  }
  closedir(proc);
  return found;
}

WalFiles ListWal(const std::string& dir) {
  WalFiles wal;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".log" || !entry.is_regular_file(ec)) {
      continue;
    }
    wal.files.emplace_back(entry.path().filename().string(),
                           static_cast<int64_t>(entry.file_size(ec)));
  }
  std::sort(wal.files.begin(), wal.files.end());
  return wal;
}

int64_t WalGrowth(const WalFiles& before, const WalFiles& after) {
  int64_t growth = 0;
  for (const auto& [name, size] : after.files) growth += size;
  for (const auto& [name, size] : before.files) {
    const auto it =
        std::lower_bound(after.files.begin(), after.files.end(),
                         std::pair<std::string, int64_t>(name, INT64_MIN));
    if (it == after.files.end() || it->first != name || it->second < size) {
      return -1;
    }
    growth -= size;
  }
  return growth;
}

void SetPercentiles(LatencySamples& samples, PhaseResult& result) {
  result.p50_us = samples.PercentileUs(0.50);
  result.p99_us = samples.PercentileUs(0.99);
  result.p999_us = samples.PercentileUs(0.999);
}

}  // namespace persona::bench
