#include "tests/bench/event_stream.h"

#include <deque>
#include <memory>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace persona::bench {
namespace {

using Reactor =
    grpc::ClientBidiReactor<v1::TrackEventsRequest, v1::TrackEventsResponse>;

class IngestStream final : public Reactor {
 public:
  IngestStream(const StreamOptions& options, const BatchMaker& make_batch,
               uint64_t seed, SteadyClock::time_point from,
               SteadyClock::time_point to)
      : options_(options),
        make_batch_(make_batch),
        rng_(seed),
        from_(from),
        to_(to) {
    context_.set_deadline(
        std::chrono::system_clock::now() +
        std::chrono::seconds(static_cast<int64_t>(options.stream_timeout_s)));
  }

  void Begin(v1::EventService::Stub* stub) {
    stub->async()->StreamEvents(&context_, this);
    StartRead(&response_);
    MaybeWrite();
    StartCall();
  }

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      // A failed write means the stream is broken; OnDone reports why.
      if (!ok) return;
    }
    MaybeWrite();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // the server finished the stream; OnDone follows
    const auto now = SteadyClock::now();
    {
      absl::MutexLock lock(&mu_);
      const Pending sent =
          pending_.empty() ? Pending{-1, 0, now} : pending_.front();
      if (!pending_.empty()) pending_.pop_front();
      if (response_.sequence() != sent.sequence ||
          response_.accepted() != sent.events || response_.duplicates() != 0 ||
          response_.rejected_size() != 0) {
        if (error_.empty()) {
          error_ = "stream ack for sequence " + std::to_string(sent.sequence) +
                   " reads sequence " + std::to_string(response_.sequence()) +
                   ", accepted " + std::to_string(response_.accepted()) +
                   ", duplicates " + std::to_string(response_.duplicates()) +
                   ", rejected " + std::to_string(response_.rejected_size());
        }
        context_.TryCancel();
        return;
      }
      all_events_ += sent.events;
      if (sent.started >= from_ && now <= to_) {
        samples_.Add(now - sent.started);
        ++batches_;
        events_ += sent.events;
      }
    }
    StartRead(&response_);
    MaybeWrite();
  }

  void OnDone(const grpc::Status& status) override {
    absl::MutexLock lock(&mu_);
    if (!status.ok() && error_.empty()) {
      error_ = "stream failed: " + std::to_string(status.error_code()) + " " +
               status.error_message();
    }
    done_ = true;
  }

  // Waits for OnDone and adds what was measured to `result`.
  void Collect(LatencySamples& samples, PhaseResult& result) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&done_));
    samples.Merge(samples_);
    result.calls += batches_;
    result.units += events_;
    result.all_units += all_events_;
    if (result.error.empty()) result.error = error_;
  }

 private:
  struct Pending {
    int64_t sequence;
    int64_t events;
    SteadyClock::time_point started;
  };

  // Starts the next write when the window allows, or half-closes once the
  // window has passed and every batch is acknowledged.
  void MaybeWrite() {
    bool half_close = false;
    {
      absl::MutexLock lock(&mu_);
      if (writing_ || closing_ || !error_.empty()) return;
      const bool more =
          SteadyClock::now() < to_ && sent_ < options_.max_batches;
      if (more && static_cast<int>(pending_.size()) >= options_.window) return;
      if (!more) {
        if (!pending_.empty()) return;
        closing_ = half_close = true;
      } else {
        writing_ = true;
        request_.Clear();
        make_batch_(rng_, &request_);
        request_.set_sequence(++sent_);
        pending_.push_back({sent_, request_.events_size(), SteadyClock::now()});
      }
    }
    if (half_close) {
      StartWritesDone();
    } else {
      StartWrite(&request_);
    }
  }

  const StreamOptions& options_;
  const BatchMaker& make_batch_;
  grpc::ClientContext context_;
  v1::TrackEventsRequest request_;    // owned by the write in flight
  v1::TrackEventsResponse response_;  // owned by the read in flight
  absl::Mutex mu_;
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
  const SteadyClock::time_point from_, to_;
  std::deque<Pending> pending_ ABSL_GUARDED_BY(mu_);
  int64_t sent_ ABSL_GUARDED_BY(mu_) = 0;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  LatencySamples samples_ ABSL_GUARDED_BY(mu_);
  int64_t batches_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t events_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t all_events_ ABSL_GUARDED_BY(mu_) = 0;
  std::string error_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

PhaseResult RunStreamIngest(v1::EventService::Stub* stub,
                            const StreamOptions& options,
                            const BatchMaker& make_batch, pid_t server_pid) {
  const auto from = SteadyClock::now() + ToDuration(options.warmup_s);
  const auto to = from + ToDuration(options.duration_s);
  std::vector<std::unique_ptr<IngestStream>> streams;
  for (int i = 0; i < std::max(1, options.streams); ++i) {
    streams.push_back(std::make_unique<IngestStream>(
        options, make_batch, options.seed * 7919 + i, from, to));
  }
  for (auto& stream : streams) stream->Begin(stub);

  const CpuUse cpu = MeasureCpu(from, to, server_pid);

  PhaseResult result;
  result.name = "persona StreamEvents x100";
  result.unit = "events/s";
  LatencySamples samples;
  for (auto& stream : streams) stream->Collect(samples, result);
  result.seconds = Seconds(from, to);
  result.client_cpu_s = cpu.client_s;
  result.server_cpu_s = cpu.server_s;
  SetPercentiles(samples, result);
  if (result.error.empty() && result.units == 0) {
    result.error = "no batch was acknowledged inside the measurement window";
  }
  return result;
}

}  // namespace persona::bench
