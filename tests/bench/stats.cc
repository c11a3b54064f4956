#include "tests/bench/stats.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
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

SteadyClock::duration ToDuration(double seconds) {
  return std::chrono::duration_cast<SteadyClock::duration>(
      std::chrono::duration<double>(seconds));
}

CpuUse MeasureCpu(SteadyClock::time_point from, SteadyClock::time_point to,
                  pid_t server_pid) {
  std::this_thread::sleep_until(from);
  const auto start = SteadyClock::now();
  const double client = ProcessCpuSeconds(getpid());
  const double server = server_pid > 0 ? ProcessCpuSeconds(server_pid) : -1;
  std::this_thread::sleep_until(to);
  CpuUse use;
  use.client_s = ProcessCpuSeconds(getpid()) - client;
  if (server >= 0) use.server_s = ProcessCpuSeconds(server_pid) - server;
  use.seconds = Seconds(start, SteadyClock::now());
  return use;
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

namespace {

// Adds the current size of every *.log file of `dir` to `sizes`, keeping the
// larger size of a file already there.
void ListWal(const std::string& dir, std::map<std::string, int64_t>& sizes) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".log") continue;
    const auto size = static_cast<int64_t>(entry.file_size(ec));
    if (ec) continue;  // deleted meanwhile
    int64_t& known = sizes[entry.path().filename().string()];
    known = std::max(known, size);
  }
}

}  // namespace

WalWatcher::WalWatcher(std::string dir) : dir_(std::move(dir)) {
  ListWal(dir_, initial_);
  last_ = initial_;
  thread_ = std::thread([this] {
    while (!stop_.load(std::memory_order_relaxed)) {
      ListWal(dir_, last_);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ListWal(dir_, last_);
  });
}

WalWatcher::~WalWatcher() { Stop(); }

int64_t WalWatcher::Stop() {
  stop_.store(true, std::memory_order_relaxed);
  if (thread_.joinable()) thread_.join();
  int64_t bytes = 0;
  for (const auto& [name, size] : last_) bytes += size;
  for (const auto& [name, size] : initial_) bytes -= size;
  return bytes;
}

void SetPercentiles(LatencySamples& samples, PhaseResult& result) {
  result.p50_us = samples.PercentileUs(0.50);
  result.p99_us = samples.PercentileUs(0.99);
  result.p999_us = samples.PercentileUs(0.999);
}

}  // namespace persona::bench
