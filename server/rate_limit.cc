#include "server/rate_limit.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace persona::server {

TokenBucket::TokenBucket(const RateLimit& limit, int64_t now_ms)
    : tokens_(limit.burst), last_ms_(now_ms) {}

bool TokenBucket::Take(const RateLimit& limit, int64_t now_ms) {
  if (now_ms > last_ms_) {
    tokens_ += static_cast<double>(now_ms - last_ms_) * limit.per_second / 1000.0;
    last_ms_ = now_ms;
  }
  tokens_ = std::min(tokens_, limit.burst);
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

RateLimitHook::Bucket* RateLimitHook::BucketOf(const std::string& key_id, const RateLimit& limit) {
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = buckets_.find(key_id);
    if (it != buckets_.end()) return it->second.get();
  }
  absl::MutexLock lock(&mu_);
  auto& bucket = buckets_[key_id];
  if (bucket == nullptr) bucket = std::make_unique<Bucket>(limit, clock_->NowMs());
  return bucket.get();
}

absl::Status RateLimitHook::Take(const CallState& call) {
  if (call.principal.empty()) return absl::OkStatus();
  const std::shared_ptr<const KeyTable> table = keys_->Current();
  const ApiKey* key = table->Find(call.principal);
  if (key == nullptr || key->rate_limit.unlimited()) return absl::OkStatus();
  Bucket* bucket = BucketOf(key->id, key->rate_limit);
  bool taken;
  {
    absl::MutexLock lock(&bucket->mu);
    taken = bucket->bucket.Take(key->rate_limit, clock_->NowMs());
  }
  if (taken) return absl::OkStatus();
  return absl::ResourceExhaustedError(
      absl::StrCat("rate limit of API key '", key->id, "' exceeded: ", key->rate_limit.per_second,
                   " requests per second, burst ", key->rate_limit.burst, "; retry later"));
}

absl::Status RateLimitHook::OnStart(CallState& call) { return Take(call); }

absl::Status RateLimitHook::OnMessage(CallState& call) {
  return call.stream_messages > 1 ? Take(call) : absl::OkStatus();
}

absl::Status StreamLimitHook::OnMessage(CallState& call) {
  if (call.stream_messages <= max_messages_) return absl::OkStatus();
  return absl::ResourceExhaustedError(
      absl::StrCat("limits.max_stream_messages: a stream may send at most ", max_messages_,
                   " messages; open a new stream"));
}

}  // namespace persona::server
