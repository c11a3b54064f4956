#include "tests/bench/soak_phase.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "persona/v1/admin.grpc.pb.h"
#include "persona/v1/events.grpc.pb.h"
#include "persona/v1/recommend.grpc.pb.h"

namespace persona::bench {
namespace {

enum class Outcome { kOk, kOverload, kFailed };

// Starts one call of the mix and reports how it ended. Thread-safe; each
// caller passes its own random engine.
class Mixer {
 public:
  using Done = std::function<void(Outcome, const std::string& error)>;

  Mixer(const std::shared_ptr<grpc::Channel>& channel, const ShopData& shop,
        const SoakOptions& options)
      : options_(options),
        recommend_(v1::RecommendService::NewStub(channel)),
        events_(v1::EventService::NewStub(channel)),
        requests_(shop),
        factory_(shop, 10000, 2000, absl::StrFormat("soak%x", options.seed)) {}

  void Start(std::mt19937_64& rng, Done done) {
    if (std::bernoulli_distribution(options_.track_share)(rng)) {
      auto* call = new Call<v1::TrackEventsRequest, v1::TrackEventsResponse>(
          options_.deadline_s);
      factory_.Batch(rng, options_.track_batch, "", &call->request);
      events_->async()->TrackEvents(
          &call->context, &call->request, &call->response,
          [call, done = std::move(done)](grpc::Status status) {
            const bool right =
                call->response.accepted() == call->request.events_size() &&
                call->response.rejected_size() == 0;
            Finish(status, right, "TrackEvents did not accept every event",
                   done);
            delete call;
          });
      return;
    }
    auto* call = new Call<v1::RecommendRequest, v1::RecommendResponse>(
        options_.deadline_s);
    requests_.Next(rng, &call->request);
    recommend_->async()->Recommend(
        &call->context, &call->request, &call->response,
        [call, done = std::move(done)](grpc::Status status) {
          Finish(status, call->response.items_size() > 0,
                 "Recommend answered no item", done);
          delete call;
        });
  }

 private:
  template <typename Req, typename Resp>
  struct Call {
    explicit Call(double deadline_s) {
      context.set_deadline(
          std::chrono::system_clock::now() +
          std::chrono::duration_cast<std::chrono::system_clock::duration>(
              std::chrono::duration<double>(deadline_s)));
    }
    grpc::ClientContext context;
    Req request;
    Resp response;
  };

  static void Finish(const grpc::Status& status, bool right, const char* wrong,
                     const Done& done) {
    switch (status.error_code()) {
      case grpc::StatusCode::OK:
        return right ? done(Outcome::kOk, "") : done(Outcome::kFailed, wrong);
      case grpc::StatusCode::DEADLINE_EXCEEDED:
      case grpc::StatusCode::RESOURCE_EXHAUSTED:
      case grpc::StatusCode::UNAVAILABLE:
        return done(Outcome::kOverload, status.error_message());
      default:
        return done(Outcome::kFailed,
                    absl::StrCat("call failed: ", status.error_code(), " ",
                                 status.error_message()));
    }
  }

  const SoakOptions options_;
  std::unique_ptr<v1::RecommendService::Stub> recommend_;
  std::unique_ptr<v1::EventService::Stub> events_;
  RecommendFactory requests_;
  EventFactory factory_;
};

// Keeps `capacity_concurrency` calls of the mix outstanding and counts
// those completing inside the window after the warm-up.
PhaseResult MeasureCapacity(Mixer& mixer, const SoakOptions& o, pid_t pid) {
  const auto from = SteadyClock::now() + ToDuration(o.capacity_warmup_s);
  const auto to = from + ToDuration(o.capacity_s);
  absl::Mutex mu;
  LatencySamples samples;
  int64_t calls = 0;
  int active = o.capacity_concurrency;
  std::string error;
  std::atomic<bool> stop{false};
  std::vector<std::mt19937_64> rngs;
  for (int i = 0; i < o.capacity_concurrency; ++i)
    rngs.emplace_back(o.seed * 7919 + i);
  std::function<void(int)> issue = [&](int slot) {
    const auto started = SteadyClock::now();
    if (stop.load() || started >= to) {
      absl::MutexLock lock(&mu);
      --active;
      return;
    }
    mixer.Start(rngs[slot], [&, slot, started](Outcome outcome,
                                               const std::string& why) {
      const auto now = SteadyClock::now();
      {
        absl::MutexLock lock(&mu);
        if (outcome != Outcome::kOk && error.empty())
          error = why.empty() ? "overloaded" : why;
        if (outcome == Outcome::kOk && started >= from && now <= to) {
          samples.Add(now - started);
          ++calls;
        }
      }
      if (outcome != Outcome::kOk) stop = true;
      issue(slot);
    });
  };
  for (int i = 0; i < o.capacity_concurrency; ++i) issue(i);
  const CpuUse cpu = MeasureCpu(from, to, pid);
  absl::MutexLock lock(&mu);
  mu.Await(absl::Condition(
      +[](int* n) { return *n == 0; }, &active));
  PhaseResult r;
  r.name = absl::StrFormat("soak capacity (mixed, closed loop x%d)",
                           o.capacity_concurrency);
  r.unit = "calls/s";
  r.calls = r.units = r.all_units = calls;
  r.seconds = o.capacity_s;
  r.client_cpu_s = cpu.client_s;
  r.server_cpu_s = cpu.server_s;
  r.error = error;
  SetPercentiles(samples, r);
  if (r.error.empty() && calls == 0) r.error = "no call completed";
  return r;
}

struct WindowAcc {
  LatencySamples latency;
  int64_t ok = 0, errors = 0;
};

// Starts calls on a Poisson schedule at `rate` for o.minutes and records
// each window; `rss` gets the server's RSS at each window's end.
PhaseResult OpenLoop(Mixer& mixer, const SoakOptions& o, double rate, pid_t pid,
                     std::vector<SoakWindow>& windows) {
  const int n =
      std::max(1, static_cast<int>(std::ceil(o.minutes * 60 / o.window_s)));
  const auto start = SteadyClock::now();
  const auto end = start + ToDuration(n * o.window_s);
  absl::Mutex mu;
  std::vector<WindowAcc> acc(n);
  int64_t outstanding = 0;
  std::string error;
  const auto window_of = [&](SteadyClock::time_point t) {
    return std::clamp(static_cast<int>(Seconds(start, t) / o.window_s), 0,
                      n - 1);
  };
  std::vector<double> rss(n, -1);
  std::thread sampler([&] {
    for (int w = 0; w < n; ++w) {
      std::this_thread::sleep_until(start + ToDuration((w + 1) * o.window_s));
      rss[w] = ProcessRssMib(pid);
    }
  });
  const double cpu_before = ProcessCpuSeconds(pid),
               client_before = ProcessCpuSeconds(getpid());
  std::mt19937_64 rng(o.seed * 104729);
  std::exponential_distribution<double> gap(rate);
  for (auto t = start; t < end; t += ToDuration(gap(rng))) {
    std::this_thread::sleep_until(t);
    {
      absl::MutexLock lock(&mu);
      if (outstanding >= o.max_outstanding) {
        ++acc[window_of(t)].errors;  // the client itself is saturated
        continue;
      }
      ++outstanding;
    }
    mixer.Start(rng, [&, t](Outcome outcome, const std::string& why) {
      const auto now = SteadyClock::now();
      absl::MutexLock lock(&mu);
      WindowAcc& a = acc[window_of(now)];
      if (outcome == Outcome::kOk) {
        a.latency.Add(now - t);
        ++a.ok;
      } else {
        ++a.errors;
      }
      if (outcome == Outcome::kFailed && error.empty()) error = why;
      --outstanding;
    });
  }
  sampler.join();
  absl::MutexLock lock(&mu);
  mu.Await(absl::Condition(
      +[](int64_t* k) { return *k == 0; }, &outstanding));
  PhaseResult r;
  r.name = absl::StrFormat("soak mixed at %.0f%% (open loop, %.1f min)",
                           o.load * 100, o.minutes);
  r.unit = "calls/s";
  r.seconds = n * o.window_s;
  r.server_cpu_s = cpu_before >= 0 ? ProcessCpuSeconds(pid) - cpu_before : -1;
  r.client_cpu_s = ProcessCpuSeconds(getpid()) - client_before;
  LatencySamples all;
  for (int w = 0; w < n; ++w) {
    WindowAcc& a = acc[w];
    SoakWindow row;
    row.end_s = (w + 1) * o.window_s;
    row.ok = a.ok;
    row.errors = a.errors;
    row.rate = a.ok / o.window_s;
    row.p50_ms = a.latency.PercentileUs(0.5) / 1000;
    row.p99_ms = a.latency.PercentileUs(0.99) / 1000;
    row.rss_mib = rss[w];
    windows.push_back(row);
    all.Merge(a.latency);
    r.calls += a.ok;
  }
  r.units = r.all_units = r.calls;
  SetPercentiles(all, r);
  r.error = error;
  if (r.error.empty() && r.calls == 0) r.error = "no call completed";
  return r;
}

}  // namespace

absl::Status TrainDefaultShop(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = v1::AdminService::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(10));
  v1::ModelInfo info;
  const grpc::Status s = stub->TrainModel(&ctx, v1::TrainModelRequest(), &info);
  if (s.ok() || s.error_code() == grpc::StatusCode::FAILED_PRECONDITION)
    return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                      absl::StrCat("TrainModel: ", s.error_message()));
}

double ProcessRssMib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) != 0) continue;
    std::istringstream fields(line.substr(6));
    double kib = -1;
    fields >> kib;
    return kib >= 0 ? kib / 1024 : -1;
  }
  return -1;
}

SoakResult RunSoak(const std::shared_ptr<grpc::Channel>& channel,
                   const ShopData& shop, const SoakOptions& options,
                   pid_t server_pid) {
  Mixer mixer(channel, shop, options);
  SoakResult result;
  std::fprintf(
      stderr,
      "persona-loadgen: soak: measuring capacity (%.0f s closed loop)\n",
      options.capacity_s);
  result.capacity = MeasureCapacity(mixer, options, server_pid);
  if (!result.capacity.ok()) {
    result.soak.name = "soak (not run)";
    result.soak.error = "the capacity measurement failed";
    return result;
  }
  const double rate = result.capacity.rate() * options.load;
  std::fprintf(stderr,
               "persona-loadgen: soak: capacity %.0f calls/s; %.1f minutes at "
               "%.0f calls/s\n",
               result.capacity.rate(), options.minutes, rate);
  result.soak = OpenLoop(mixer, options, rate, server_pid, result.windows);
  result.summary = Summarize(result.windows);
  return result;
}

}  // namespace persona::bench
