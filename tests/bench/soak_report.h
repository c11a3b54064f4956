// What the soak phase records (one row per window of a few seconds:
// achieved rate, latency percentiles, errors, the server's resident memory),
// the summary that says whether memory and p99 stayed flat, and the CSV and
// SVG files written from the rows (the plot is drawn here, without any
// plotting dependency).
//
// Thread-safety: pure functions over values.
#ifndef PERSONA_TESTS_BENCH_SOAK_REPORT_H_
#define PERSONA_TESTS_BENCH_SOAK_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace persona::bench {

struct SoakWindow {
  double end_s = 0;   // seconds since the soak started, at the window's end
  double rate = 0;    // calls completed OK per second in the window
  double p50_ms = 0;  // latency from the call's scheduled start
  double p99_ms = 0;
  int64_t ok = 0;
  int64_t errors = 0;  // calls that ended with an error status
  double rss_mib = 0;  // the server's VmRSS at the window's end
};

struct SoakSummary {
  double minutes = 0;
  double mean_rate = 0;
  int64_t calls = 0, errors = 0;
  // Least-squares slope of RSS over the last 80% of the run (the last 8 of
  // 10 minutes), in MiB per minute, and the RSS at its start and end.
  double rss_slope_mib_per_min = 0;
  double rss_first_mib = 0, rss_last_mib = 0;
  // Median of the windows' p99 over the first and the last minute (a fifth
  // of the run when shorter than five minutes).
  double p99_first_ms = 0, p99_last_ms = 0;
};

// Summarises `windows` (in order); all zero when empty.
SoakSummary Summarize(const std::vector<SoakWindow>& windows);

// One line per window, with a header:
// end_s,rate,p50_ms,p99_ms,ok,errors,rss_mib
std::string SoakCsv(const std::vector<SoakWindow>& windows);

// An SVG image (three panels over minutes: achieved rate, p50/p99 latency,
// server RSS) titled `title`.
std::string SoakSvg(const std::vector<SoakWindow>& windows,
                    const std::string& title);

// Writes `text` to `path`; UNAVAILABLE naming the path on failure.
absl::Status WriteTextFile(const std::string& path, const std::string& text);

}  // namespace persona::bench

#endif  // PERSONA_TESTS_BENCH_SOAK_REPORT_H_
