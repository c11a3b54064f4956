#include "server/observability_hooks.h"

#include <string>
#include <vector>

#include "server/log.h"

namespace persona::server {
namespace {

LogLevel LevelOf(const absl::Status& status, bool slow) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return slow ? LogLevel::kWarning : LogLevel::kInfo;
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kUnimplemented:
      return LogLevel::kError;
    default:
      return LogLevel::kWarning;
  }
}

}  // namespace

void RpcMetricsHook::OnFinish(const CallState& call, const absl::Status& status) {
  if (call.rpc == nullptr) return;  // not in the gate's table: no series for it
  metrics_->RecordRpc(*call.rpc, status.code(), absl::ToDoubleSeconds(absl::Now() - call.started));
}

bool AccessLogHook::Admit(int64_t* suppressed) {
  absl::MutexLock lock(&mu_);
  if (options_.max_per_second > 0) {
    const int64_t second = clock_->NowMs() / 1000;
    if (second != window_second_) {
      window_second_ = second;
      lines_in_window_ = 0;
    }
    if (lines_in_window_ >= options_.max_per_second) {
      ++suppressed_;
      return false;
    }
    ++lines_in_window_;
  }
  *suppressed = suppressed_;
  suppressed_ = 0;
  return true;
}

void AccessLogHook::OnFinish(const CallState& call, const absl::Status& status) {
  if (options_.mode == AccessLogOptions::Mode::kOff) return;
  const absl::Duration duration = absl::Now() - call.started;
  const bool slow = options_.slow > absl::ZeroDuration() && duration > options_.slow;
  if (options_.mode == AccessLogOptions::Mode::kErrors && status.ok() && !slow) return;
  int64_t suppressed = 0;
  if (!Admit(&suppressed)) return;
  const std::string method = call.rpc != nullptr ? std::string(call.rpc->method) : "";
  const std::string peer = call.context != nullptr ? call.context->peer() : "";
  const std::string code = absl::StatusCodeToString(status.code());
  const std::string error(status.message());
  const double ms = absl::ToDoubleMilliseconds(duration);
  // Optional fields go last, so every line starts with the same keys.
  std::vector<LogField> fields = {{"request_id", call.request_id}, {"method", method},
                                  {"shop", call.shop},  {"key", call.principal},
                                  {"code", code},       {"duration_ms", ms},
                                  {"peer", peer}};
  if (!status.ok()) fields.emplace_back("error", error);
  if (suppressed > 0) fields.emplace_back("suppressed", suppressed);
  LogFields(LevelOf(status, slow), "rpc", fields);
}

}  // namespace persona::server
