// Prints the load generator's results: a table of phases, the ratios to the
// references with their targets, and the same as JSON. Not thread-safe.
#ifndef PERSONA_TESTS_BENCH_REPORT_H_
#define PERSONA_TESTS_BENCH_REPORT_H_

#include <cstdio>
#include <string>
#include <vector>

#include "tests/bench/stats.h"

namespace persona::bench {

// A figure divided by its reference, with the target.
struct Ratio {
  std::string name;
  double value = 0;   // NaN when a side is missing or failed
  double target = 0;  // the ratio must be at least this (0: no target)
  bool pass() const { return value >= target; }
};

// Where and how the run happened, printed above the table.
struct RunInfo {
  std::string machine;                  // e.g. "2 CPUs, AMD EPYC"
  std::string load_before, load_after;  // /proc/loadavg
  std::string settings;                 // the flags that shape the figures
  std::string shop;                     // what the shop holds
};

// Returns "<nproc> CPUs, <model name>" from /proc/cpuinfo.
std::string DescribeMachine();
// Returns the first three fields of /proc/loadavg.
std::string LoadAverage();

// Returns result / reference rates, or NaN when either failed or is missing.
Ratio MakeRatio(const std::string& name, const PhaseResult* result,
                const PhaseResult* reference, double target);

void PrintTable(std::FILE* out, const RunInfo& info,
                const std::vector<PhaseResult>& phases,
                const std::vector<Ratio>& ratios);
void PrintJson(std::FILE* out, const RunInfo& info,
               const std::vector<PhaseResult>& phases,
               const std::vector<Ratio>& ratios);

}  // namespace persona::bench

#endif  // PERSONA_TESTS_BENCH_REPORT_H_
