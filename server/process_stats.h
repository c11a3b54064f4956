// The process's own figures for the standard Prometheus process_* metrics,
// read from Linux's /proc. Pure parsing functions plus one reader; all
// thread-safe.
#ifndef PERSONA_SERVER_PROCESS_STATS_H_
#define PERSONA_SERVER_PROCESS_STATS_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace persona::server {

struct ProcessStats {
  double cpu_seconds = 0;          // user + system time
  double resident_bytes = 0;       // RSS
  double virtual_bytes = 0;
  double start_time_seconds = 0;   // since the epoch
  double threads = 0;
  double open_fds = 0;
  double max_fds = 0;              // the soft limit
};

// Parses /proc/<pid>/stat text into cpu, memory, threads and the start time
// (in clock ticks after boot, converted with `boot_time_seconds`,
// `ticks_per_second` and `page_bytes`). Returns nullopt when the text is
// malformed. The command name may hold spaces and parentheses: fields are
// counted after its last ')'.
std::optional<ProcessStats> ParseProcStat(std::string_view stat, double boot_time_seconds,
                                          double ticks_per_second, double page_bytes);

// Returns the "btime" of /proc/stat text (boot time, seconds since the
// epoch), or nullopt.
std::optional<double> ParseBootTime(std::string_view proc_stat);

// Reads this process's figures from /proc/self; nullopt when /proc is not
// readable.
std::optional<ProcessStats> ReadProcessStats();

}  // namespace persona::server

#endif  // PERSONA_SERVER_PROCESS_STATS_H_
