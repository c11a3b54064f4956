// Measurement helpers of the load generator: latency samples with
// percentiles, CPU time of a process from /proc, and the result of one phase.
// LatencySamples is not thread-safe (keep one per caller and Merge them);
// the free functions are.
#ifndef PERSONA_TESTS_BENCH_STATS_H_
#define PERSONA_TESTS_BENCH_STATS_H_

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace persona::bench {

using SteadyClock = std::chrono::steady_clock;

// Seconds between two steady-clock points.
inline double Seconds(SteadyClock::time_point from,
                      SteadyClock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

// Latencies in nanoseconds, kept whole so percentiles are exact.
class LatencySamples {
 public:
  void Add(SteadyClock::duration d) {
    samples_.push_back(
        std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
  }
  void Merge(const LatencySamples& other) {
    samples_.insert(samples_.end(), other.samples_.begin(),
                    other.samples_.end());
  }
  size_t size() const { return samples_.size(); }
  // Returns the q-quantile (0 < q < 1) in microseconds, or 0 when empty. Sorts.
  double PercentileUs(double q);

 private:
  std::vector<int64_t> samples_;
  bool sorted_ = false;
};

// Returns the user+system CPU seconds used so far by process `pid` (all its
// threads), or -1 when /proc cannot be read.
double ProcessCpuSeconds(pid_t pid);

// Returns `seconds` as a steady-clock duration.
SteadyClock::duration ToDuration(double seconds);

// CPU seconds used by this process and by a server during a window.
struct CpuUse {
  double client_s = -1;
  double server_s = -1;  // -1 without a server
  double seconds = 0;    // the window actually sampled
};
// Sleeps until `from`, samples both processes, sleeps until `to` and samples
// them again (the sleeps are the measurement, not synchronisation).
// `server_pid` may be -1.
CpuUse MeasureCpu(SteadyClock::time_point from, SteadyClock::time_point to,
                  pid_t server_pid);

// Returns the pid of a running child of this process whose command name is
// `comm` (as in /proc/<pid>/comm, at most 15 characters), or -1.
pid_t FindChild(const std::string& comm);

// What one phase measured. `units` are what the rate counts: calls for the
// call phases, events for the ingest phases.
struct PhaseResult {
  std::string name;
  // "calls/s" or "events/s".
  std::string unit;
  // Calls (or batches) and units completed in the measurement window.
  int64_t calls = 0;
  int64_t units = 0;
  // Units completed in the whole phase, warm-up and tail included.
  int64_t all_units = 0;
  // Length of the measurement window, in seconds.
  double seconds = 0;
  // Latency of a call (or from a batch's write to its acknowledgement).
  double p50_us = 0, p99_us = 0, p999_us = 0;
  // Growth of the RocksDB write-ahead log per unit over the whole phase; -1
  // when not measured (a call phase, or a flush recycled a log file).
  double wal_bytes_per_unit = -1;
  // CPU seconds of this process and of persona-server during the window; -1:
  // n/a.
  double client_cpu_s = -1;
  double server_cpu_s = -1;
  // Non-empty when the phase failed.
  std::string error;

  double rate() const { return seconds > 0 ? units / seconds : 0; }
  bool ok() const { return error.empty() && units > 0; }
};

// Measures what is appended to a RocksDB directory's write-ahead log (its
// *.log files) while it lives, by polling the files' sizes every 10 ms from
// its own thread. A log deleted after a flush counts with the last size seen
// (a log stops growing when RocksDB switches to a new one, long before it is
// deleted). Thread-safe: Stop may be called from any one thread.
class WalWatcher {
 public:
  explicit WalWatcher(std::string dir);
  ~WalWatcher();
  WalWatcher(const WalWatcher&) = delete;
  WalWatcher& operator=(const WalWatcher&) = delete;

  // Stops polling and returns the bytes appended since construction.
  int64_t Stop();

 private:
  void Poll();

  const std::string dir_;
  std::map<std::string, int64_t> initial_;  // written before the thread starts
  std::map<std::string, int64_t> last_;  // only the polling thread touches it
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Fills p50/p99/p999 of `result` from `samples`.
void SetPercentiles(LatencySamples& samples, PhaseResult& result);

}  // namespace persona::bench

#endif  // PERSONA_TESTS_BENCH_STATS_H_
