// The gate hooks that watch every rpc: one counts calls and their latency
// into the Prometheus metrics, one writes the access log. Both must be the
// first hooks added to the CallGate, so that they see every call, also the
// ones a later hook (authentication, rate limits, admission) rejects.
//
// Thread-safe: OnFinish runs concurrently on gRPC's threads.
#ifndef PERSONA_SERVER_OBSERVABILITY_HOOKS_H_
#define PERSONA_SERVER_OBSERVABILITY_HOOKS_H_

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "server/call_gate.h"
#include "server/prom_metrics.h"

namespace persona::server {

// Records persona_rpc_requests_total and persona_rpc_duration_seconds.
class RpcMetricsHook : public CallHook {
 public:
  // `metrics` is not owned and must outlive the hook.
  explicit RpcMetricsHook(PromMetrics* metrics) : metrics_(metrics) {}
  void OnFinish(const CallState& call, const absl::Status& status) override;

 private:
  PromMetrics* const metrics_;
};

struct AccessLogOptions {
  enum class Mode { kErrors, kAll, kOff };
  // kErrors (default): calls that did not end OK, and OK ones slower than
  // `slow`; kAll: every call; kOff: none.
  Mode mode = Mode::kErrors;
  // Default 1 s; zero: no call is logged for being slow.
  absl::Duration slow = absl::Seconds(1);
  // Lines per second of `clock` at most (default 100; 0: no limit). Lines
  // beyond are dropped and counted; the next line written carries
  // "suppressed": <count>.
  int max_per_second = 100;
};

// Writes one log line per call chosen by the options: msg "rpc" with
// request_id, method, shop, key (the caller's API key id, when
// authenticated), code, duration_ms, peer and, for failures, error (the
// status message, which clients do not see for internal errors). Level:
// info for OK, error for INTERNAL, UNKNOWN, DATA_LOSS and UNIMPLEMENTED,
// warning otherwise (and for slow calls).
class AccessLogHook : public CallHook {
 public:
  // `clock` (not owned) paces the rate limit.
  AccessLogHook(AccessLogOptions options, const Clock* clock)
      : options_(options), clock_(clock) {}
  void OnFinish(const CallState& call, const absl::Status& status) override;

 private:
  // Returns whether a line may be written now, and the number of lines
  // suppressed since the last one written (reset when it returns true).
  bool Admit(int64_t* suppressed);

  const AccessLogOptions options_;
  const Clock* const clock_;
  absl::Mutex mu_;
  int64_t window_second_ ABSL_GUARDED_BY(mu_) = -1;
  int64_t lines_in_window_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t suppressed_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace persona::server

#endif  // PERSONA_SERVER_OBSERVABILITY_HOOKS_H_
