// Admission control: the call-gate hook that bounds the work the server
// takes on. Every rpc belongs to a class (frontend, stream, heavy, other)
// with its own limit of calls in flight; a call over the limit is refused at
// once with RESOURCE_EXHAUSTED naming the limit, so an overloaded server
// answers quickly instead of queueing without bound. Calls of the
// synchronous services (campaigns, segments, cluster: their handlers may
// block) may instead wait a short, bounded time for a slot; callback
// handlers never wait (their reactions must not block). Before any slot is
// taken, a call with too little time left before its deadline is refused
// with DEADLINE_EXCEEDED, and once shutdown began every new call is refused
// with UNAVAILABLE.
//
// An admitted call whose handler runs on the thread that started it gets
// its deadline and cancellation as that thread's CallContext
// (server/call_context.h) until it finishes.
//
// Thread-safety: thread-safe; OnStart/OnFinish run on gRPC's threads.
#ifndef PERSONA_SERVER_ADMISSION_H_
#define PERSONA_SERVER_ADMISSION_H_

#include <array>
#include <cstdint>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "server/call_gate.h"

namespace persona::server {

enum class CallClass {
  // What a storefront calls per page view: Recommend, RecommendPage,
  // RankItems, TrackEvents.
  kFrontend = 0,
  // Client streams, held for their whole life: StreamEvents,
  // StreamUpsertItems.
  kStream = 1,
  // Calls that run for seconds or more: campaigns, segment member streams,
  // segment refresh and targeting, training, customer export, the cluster
  // transfers.
  kHeavy = 2,
  // Everything else (catalog and profile reads and writes, segment
  // definitions, stats, config).
  kOther = 3,
};
inline constexpr int kCallClasses = 4;

// "frontend", "stream", "heavy", "other".
std::string_view CallClassName(CallClass c);
// The class of a full method path; kOther for unknown methods, except the
// cluster and operations services, which are heavy.
CallClass ClassOf(std::string_view method);

struct AdmissionOptions {
  // Calls in flight at once, per class (index: CallClass).
  std::array<int, kCallClasses> max_in_flight = {64, 64, 2, 32};
  // Calls of synchronous services that may wait for a slot, per class.
  int max_queued = 8;
  // The longest such a wait (shortened by the call's deadline).
  absl::Duration max_queue_wait = absl::Milliseconds(200);
  // Calls with less time left before their deadline are refused.
  absl::Duration min_deadline = absl::Milliseconds(2);
};

// What admission control did for one class; counts since start-up.
struct AdmissionClassStats {
  int64_t in_flight = 0;  // admitted calls not finished yet
  int64_t queued = 0;     // calls waiting for a slot now
  int64_t admitted = 0;
  int64_t shed = 0;     // refused with RESOURCE_EXHAUSTED (limit reached)
  int64_t expired = 0;  // refused with DEADLINE_EXCEEDED before work
  int64_t refused_draining = 0;  // refused with UNAVAILABLE during shutdown
};

struct AdmissionSnapshot {
  bool draining = false;
  std::array<AdmissionClassStats, kCallClasses> classes;  // index: CallClass
};

class Admission final : public CallHook {
 public:
  // `clock` (not owned; the real one in production) is what deadlines are
  // compared with.
  Admission(AdmissionOptions options, const Clock* clock);

  // CallHook. Admission owns CallState::holds_slot: set when the call holds
  // a slot of its class, released in OnFinish.
  absl::Status OnStart(CallState& call) override;
  void OnFinish(const CallState& call, const absl::Status& status) override;

  // Refuses every later call with UNAVAILABLE and wakes the waiting ones
  // (which are refused too). Calls in flight go on.
  void BeginDrain();
  // Blocks until no admitted call is in flight or `deadline` passes; returns
  // the calls still in flight (0: idle).
  int64_t AwaitIdle(absl::Time deadline);

  // The counts now, for metrics (queue depths, shed requests).
  AdmissionSnapshot Snapshot() const;

 private:
  // Takes a slot of `c` for `call`, waiting when allowed; the refusal.
  absl::Status Admit(CallClass c, const CallState& call);

  const AdmissionOptions options_;
  const Clock* const clock_;
  mutable absl::Mutex mu_;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  int64_t in_flight_total_ ABSL_GUARDED_BY(mu_) = 0;
  std::array<AdmissionClassStats, kCallClasses> stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace persona::server

#endif  // PERSONA_SERVER_ADMISSION_H_
