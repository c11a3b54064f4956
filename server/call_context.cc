#include "server/call_context.h"

#include <grpc/support/time.h>

#include "absl/strings/str_cat.h"
#include "grpcpp/server_context.h"

namespace persona::server {
namespace {

thread_local CallContext current_call;

// The rpc's deadline in epoch ms (realtime clock), or kNoDeadline.
int64_t DeadlineMs(const grpc::ServerContextBase& rpc) {
  const gpr_timespec raw = rpc.raw_deadline();
  if (gpr_time_cmp(raw, gpr_inf_future(raw.clock_type)) == 0)
    return CallContext::kNoDeadline;
  const gpr_timespec real = gpr_convert_clock_type(raw, GPR_CLOCK_REALTIME);
  return real.tv_sec * 1000 + real.tv_nsec / 1'000'000;
}

}  // namespace

CallContext CallContext::Of(const grpc::ServerContextBase* rpc,
                            const Clock* clock) {
  CallContext call;
  call.rpc_ = rpc;
  call.clock_ = clock;
  if (rpc != nullptr) call.deadline_ms_ = DeadlineMs(*rpc);
  return call;
}

CallContext::CallContext(int64_t deadline_ms,
                         const std::atomic<bool>* cancelled, const Clock* clock)
    : deadline_ms_(deadline_ms), cancelled_(cancelled), clock_(clock) {}

absl::Status CallContext::Check(std::string_view step) const {
  if ((rpc_ != nullptr && rpc_->IsCancelled()) ||
      (cancelled_ != nullptr && cancelled_->load(std::memory_order_relaxed))) {
    return absl::CancelledError(
        absl::StrCat("the call was cancelled before ", std::string(step)));
  }
  if (deadline_ms_ == kNoDeadline) return absl::OkStatus();
  const int64_t now = (clock_ != nullptr ? clock_ : Clock::Real())->NowMs();
  if (now >= deadline_ms_) {
    return absl::DeadlineExceededError(
        absl::StrCat("deadline exceeded before ", std::string(step)));
  }
  return absl::OkStatus();
}

const CallContext& CurrentCall() { return current_call; }

ScopedCallContext::ScopedCallContext(const CallContext& call)
    : previous_(current_call) {
  current_call = call;
}

ScopedCallContext::~ScopedCallContext() { current_call = previous_; }

void SetCurrentCall(const CallContext& call) { current_call = call; }

void ClearCurrentCall(const grpc::ServerContextBase* rpc) {
  if (current_call.rpc() == rpc) current_call = CallContext();
}

}  // namespace persona::server
