// The soak phase of the load generator (issue 6): a mix of tracking and
// recommending, first measured closed loop (`capacity`: calls kept
// outstanding, as fast as the server answers), then driven open loop at a
// fraction of that capacity (calls started on a Poisson schedule whatever
// the server does, latency counted from the scheduled start so a stalled
// server shows) for minutes, recording every window of a few seconds: the
// achieved rate, p50/p99 latency of the window, errors and the server's
// resident memory (VmRSS). The rows go to a CSV and an SVG plot
// (soak_report.h); the summary says whether memory and p99 stayed flat.
//
// Each call is a Recommend (count 10, the workload's mix of visitors and
// placements) or, with probability `track_share`, a TrackEvents of
// `track_batch` events.
//
// Thread-safety: blocks its caller; the server must be started and loaded.
#ifndef PERSONA_TESTS_BENCH_SOAK_PHASE_H_
#define PERSONA_TESTS_BENCH_SOAK_PHASE_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "grpcpp/grpcpp.h"
#include "tests/bench/soak_report.h"
#include "tests/bench/stats.h"
#include "tests/bench/workload.h"

namespace persona::bench {

struct SoakOptions {
  double track_share = 0.5;  // share of calls that are TrackEvents
  int track_batch = 1;       // events per TrackEvents (a page-view beacon)
  int capacity_concurrency = 16;
  double capacity_warmup_s = 2;
  double capacity_s = 20;       // the closed-loop measurement window
  double load = 0.8;            // open-loop rate as a share of capacity
  double minutes = 10;          // length of the open-loop run
  double window_s = 5;          // one recorded row per window
  double deadline_s = 2;        // of each call
  int max_outstanding = 20000;  // calls beyond are counted as errors, not sent
  uint64_t seed = 1;
};

struct SoakResult {
  PhaseResult capacity;  // "soak capacity (mixed, closed loop)", calls/s
  PhaseResult soak;      // "soak mixed at 80% ...", calls/s over the whole run
  std::vector<SoakWindow> windows;
  SoakSummary summary;
};

// Measures the capacity, then soaks. `server_pid` (> 0) is whose RSS and CPU
// are read. The capacity result fails on an error status or a wrong answer;
// the soak result fails on a wrong answer, an unexpected status (anything
// but OK and the overload answers DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED and
// UNAVAILABLE, which are counted as errors in the windows) or no call done.
SoakResult RunSoak(const std::shared_ptr<grpc::Channel>& channel,
                   const ShopData& shop, const SoakOptions& options,
                   pid_t server_pid);

// Trains the default shop's model now (AdminService.TrainModel), so the
// soak measures the model that will serve; a shop too small to train
// (FAILED_PRECONDITION) is fine.
absl::Status TrainDefaultShop(const std::shared_ptr<grpc::Channel>& channel);

// The process's VmRSS in MiB from /proc/<pid>/status, or -1.
double ProcessRssMib(pid_t pid);

}  // namespace persona::bench

#endif  // PERSONA_TESTS_BENCH_SOAK_PHASE_H_
