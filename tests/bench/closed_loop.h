// A closed-loop driver of unary calls over gRPC's callback client API: it
// keeps `concurrency` calls outstanding, starting the next call of a slot from
// the completion of the previous one, until the measurement window ends.
// Calls completing inside the window [start + warmup, start + warmup +
// duration] are counted; their latencies give the percentiles. The same
// driver runs the echo reference, Recommend and unary ingest, so their
// figures compare like for like.
//
// Thread-safety: Run blocks its caller; the hooks are called from gRPC's
// threads, concurrently for different slots but never for the same slot.
#ifndef PERSONA_TESTS_BENCH_CLOSED_LOOP_H_
#define PERSONA_TESTS_BENCH_CLOSED_LOOP_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "tests/bench/stats.h"

namespace persona::bench {

struct LoopOptions {
  int concurrency = 16;            // calls kept outstanding
  double warmup_s = 1.0;           // not measured
  double duration_s = 5.0;         // the measurement window
  int64_t max_calls = 50'000'000;  // stops earlier when reached
  double call_timeout_s = 30.0;    // deadline of each call
  uint64_t seed = 1;
};

template <typename Req, typename Resp>
class ClosedLoop {
 public:
  using Done = std::function<void(grpc::Status)>;
  struct Hooks {
    // Fills the next request of a slot (the request is cleared before).
    std::function<void(std::mt19937_64& rng, Req* request)> make_request;
    // Starts the call, e.g. stub->async()->Method(ctx, request, response,
    // done).
    std::function<void(grpc::ClientContext*, const Req*, Resp*, Done)> start;
    // Returns the units an OK response completed (>= 0), or -1 with `error` set
    // when the response is wrong.
    std::function<int64_t(const Req&, const Resp&, std::string* error)> check;
  };

  // Runs the loop and returns what the window measured; `server_pid` (or -1)
  // is the process whose CPU time is reported. Sets `error` on the first
  // failed call or wrong response, after which no new calls start.
  static PhaseResult Run(const std::string& name, const std::string& unit,
                         const LoopOptions& options, const Hooks& hooks,
                         pid_t server_pid) {
    ClosedLoop loop(options, hooks);
    return loop.Execute(name, unit, server_pid);
  }

 private:
  struct Slot {
    std::mt19937_64 rng;
    Req request;
    Resp response;
    std::unique_ptr<grpc::ClientContext> context;
    SteadyClock::time_point started;
    LatencySamples samples;
    int64_t calls = 0;
    int64_t units = 0;
    int64_t all_units = 0;  // including warm-up and tail
  };

  ClosedLoop(const LoopOptions& options, const Hooks& hooks)
      : options_(options),
        hooks_(hooks),
        slots_(std::max(1, options.concurrency)) {
    for (size_t i = 0; i < slots_.size(); ++i)
      slots_[i].rng.seed(options.seed * 1000003 + i);
  }

  PhaseResult Execute(const std::string& name, const std::string& unit,
                      pid_t server_pid) {
    measure_from_ = SteadyClock::now() + ToDuration(options_.warmup_s);
    measure_to_ = measure_from_ + ToDuration(options_.duration_s);
    {
      absl::MutexLock lock(&mu_);
      active_ = static_cast<int>(slots_.size());
    }
    for (Slot& slot : slots_) Issue(slot);
    const CpuUse cpu = MeasureCpu(measure_from_, measure_to_, server_pid);

    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](int* active) { return *active == 0; }, &active_));
    PhaseResult result;
    result.name = name;
    result.unit = unit;
    result.error = error_;
    LatencySamples all;
    for (Slot& slot : slots_) {
      all.Merge(slot.samples);
      result.calls += slot.calls;
      result.units += slot.units;
      result.all_units += slot.all_units;
    }
    SetPercentiles(all, result);
    const auto window_end = std::min(measure_to_, finished_);
    result.seconds = std::max(0.0, Seconds(measure_from_, window_end));
    // CPU was sampled over the whole window; scale when the loop stopped early.
    const double share =
        cpu.seconds > 0 ? std::min(1.0, result.seconds / cpu.seconds) : 1.0;
    result.client_cpu_s = cpu.client_s * share;
    result.server_cpu_s = cpu.server_s >= 0 ? cpu.server_s * share : -1;
    if (result.error.empty() && result.calls == 0) {
      result.error = "no call completed inside the measurement window";
    }
    return result;
  }

  void Issue(Slot& slot) {
    const auto now = SteadyClock::now();
    if (stop_.load(std::memory_order_relaxed) || now >= measure_to_ ||
        issued_.fetch_add(1, std::memory_order_relaxed) >= options_.max_calls) {
      Retire(now);
      return;
    }
    slot.context = std::make_unique<grpc::ClientContext>();
    slot.context->set_deadline(
        std::chrono::system_clock::now() +
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::duration<double>(options_.call_timeout_s)));
    slot.request.Clear();
    slot.response.Clear();
    hooks_.make_request(slot.rng, &slot.request);
    slot.started = SteadyClock::now();
    hooks_.start(slot.context.get(), &slot.request, &slot.response,
                 [this, &slot](grpc::Status status) {
                   OnDone(slot, std::move(status));
                 });
  }

  void OnDone(Slot& slot, grpc::Status status) {
    const auto now = SteadyClock::now();
    // The finished call's context stays alive until this reaction returns.
    std::unique_ptr<grpc::ClientContext> finished = std::move(slot.context);
    std::string error;
    int64_t units = -1;
    if (!status.ok()) {
      error = "call failed: " + std::to_string(status.error_code()) + " " +
              status.error_message();
    } else {
      units = hooks_.check(slot.request, slot.response, &error);
      if (units < 0 && error.empty()) error = "wrong response";
    }
    if (units < 0) {
      Fail(error);
      Retire(now);
      return;
    }
    slot.all_units += units;
    if (slot.started >= measure_from_ && now <= measure_to_) {
      slot.samples.Add(now - slot.started);
      ++slot.calls;
      slot.units += units;
    }
    Issue(slot);
  }

  void Fail(const std::string& error) {
    stop_.store(true, std::memory_order_relaxed);
    absl::MutexLock lock(&mu_);
    if (error_.empty()) error_ = error;
  }

  void Retire(SteadyClock::time_point now) {
    absl::MutexLock lock(&mu_);
    if (--active_ == 0) finished_ = now;
  }

  const LoopOptions options_;
  const Hooks hooks_;
  std::vector<Slot> slots_;
  SteadyClock::time_point measure_from_, measure_to_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> issued_{0};
  absl::Mutex mu_;
  int active_ ABSL_GUARDED_BY(mu_) = 0;
  SteadyClock::time_point finished_ ABSL_GUARDED_BY(mu_);
  std::string error_ ABSL_GUARDED_BY(mu_);
};

}  // namespace persona::bench

#endif  // PERSONA_TESTS_BENCH_CLOSED_LOOP_H_
