// The deadline and cancellation of the rpc a thread works for, seen by the
// code below the gRPC services (the page pipeline, campaign blocks, segment
// passes, training requests) so it can stop before an expensive step once
// nobody waits for the answer. The admission hook (server/admission.h) makes
// an rpc's context the current one of the thread that runs its handler, for
// the rpcs whose handler runs inline on that thread; elsewhere (background
// work, tests without a scope) the current context never expires.
//
// Thread-safety: a CallContext is an immutable value; Check may be called
// from any thread while the rpc it names is alive (until its gated call
// finishes). The current context is per thread.
#ifndef PERSONA_SERVER_CALL_CONTEXT_H_
#define PERSONA_SERVER_CALL_CONTEXT_H_

#include <atomic>
#include <cstdint>
#include <limits>
#include <string_view>

#include "absl/status/status.h"
#include "common/clock.h"

namespace grpc {
class ServerContextBase;
}

namespace persona::server {

class CallContext {
 public:
  // No deadline, never cancelled.
  CallContext() = default;
  // An rpc's deadline and cancellation; `rpc` (may be null: never cancelled)
  // must stay alive while the result is checked. `clock` (null: the real
  // one) is what the deadline is compared with.
  static CallContext Of(const grpc::ServerContextBase* rpc,
                        const Clock* clock = nullptr);
  // A deadline in epoch ms and an optional flag that cancels when set (for
  // tests and for work not started by an rpc); `cancelled` must outlive the
  // result.
  CallContext(int64_t deadline_ms, const std::atomic<bool>* cancelled,
              const Clock* clock = nullptr);

  // OK while the caller still waits; CANCELLED when the client went away
  // (or the server cancelled the call at the end of the shutdown grace), else
  // DEADLINE_EXCEEDED when the deadline passed. The message names `step`,
  // e.g. "deadline exceeded before scoring".
  absl::Status Check(std::string_view step) const;

  // Epoch ms; kNoDeadline when there is none.
  int64_t deadline_ms() const { return deadline_ms_; }
  static constexpr int64_t kNoDeadline = std::numeric_limits<int64_t>::max();
  const grpc::ServerContextBase* rpc() const { return rpc_; }

 private:
  int64_t deadline_ms_ = kNoDeadline;
  const grpc::ServerContextBase* rpc_ = nullptr;
  const std::atomic<bool>* cancelled_ = nullptr;
  const Clock* clock_ = nullptr;
};

// The context of the rpc the current thread works for; a never-expiring one
// when there is none.
const CallContext& CurrentCall();

// Checks the current thread's rpc before `step` (see CallContext::Check).
inline absl::Status CheckCurrentCall(std::string_view step) {
  return CurrentCall().Check(step);
}

// Makes `call` the current thread's context while it lives, then restores
// the previous one. Scopes nest; not movable.
class ScopedCallContext {
 public:
  explicit ScopedCallContext(const CallContext& call);
  ~ScopedCallContext();
  ScopedCallContext(const ScopedCallContext&) = delete;
  ScopedCallContext& operator=(const ScopedCallContext&) = delete;

 private:
  CallContext previous_;
};

// For the admission hook, whose start and finish of a call are not one
// scope: sets, or clears when the current context is `rpc`'s.
void SetCurrentCall(const CallContext& call);
void ClearCurrentCall(const grpc::ServerContextBase* rpc);

}  // namespace persona::server

#endif  // PERSONA_SERVER_CALL_CONTEXT_H_
