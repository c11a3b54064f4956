// Per-key rate limits and the stream length limit: CallHooks that refuse a
// call with RESOURCE_EXHAUSTED before it does any work.
//
// Each API key has a token bucket (its `rate_limit`, else its role's
// default): a call takes one token at its start and each further message of
// a client stream one more; an empty bucket refuses with a message naming the
// key and its limit. Buckets start full and live as long as the hook, so a
// reload that changes a key's limit keeps its tokens (capped at the new
// burst). Calls without a key (authentication off) are not limited here.
//
// Thread-safety: TokenBucket is thread-compatible; the hooks are thread-safe.
#ifndef PERSONA_SERVER_RATE_LIMIT_H_
#define PERSONA_SERVER_RATE_LIMIT_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "server/api_keys.h"
#include "server/call_gate.h"

namespace persona::server {

// A token bucket over a millisecond clock.
class TokenBucket {
 public:
  // Starts full at `now_ms`.
  TokenBucket(const RateLimit& limit, int64_t now_ms);

  // Refills for the time since the last call and takes one token; false
  // (taking nothing) when less than one is left. A clock that went back
  // refills nothing. `limit` may differ from the last call's (a reload).
  bool Take(const RateLimit& limit, int64_t now_ms);

  double tokens() const { return tokens_; }

 private:
  double tokens_;
  int64_t last_ms_;
};

class RateLimitHook final : public CallHook {
 public:
  // `keys` and `clock` must outlive the hook.
  RateLimitHook(const ApiKeys* keys, const Clock* clock) : keys_(keys), clock_(clock) {}

  // Takes a token for the call.
  absl::Status OnStart(CallState& call) override;
  // Takes a token for each client-stream message after the first.
  absl::Status OnMessage(CallState& call) override;

 private:
  struct Bucket {
    absl::Mutex mu;
    TokenBucket bucket ABSL_GUARDED_BY(mu);
    explicit Bucket(const RateLimit& limit, int64_t now_ms) : bucket(limit, now_ms) {}
  };

  absl::Status Take(const CallState& call);
  Bucket* BucketOf(const std::string& key_id, const RateLimit& limit);

  const ApiKeys* const keys_;
  const Clock* const clock_;
  absl::Mutex mu_;
  // By key id; grows only with the set of key ids ever configured.
  absl::flat_hash_map<std::string, std::unique_ptr<Bucket>> buckets_ ABSL_GUARDED_BY(mu_);
};

// Ends client streams after `max_messages` messages (limits.max_stream_messages)
// with RESOURCE_EXHAUSTED naming the limit; the client opens a new stream.
class StreamLimitHook final : public CallHook {
 public:
  explicit StreamLimitHook(int64_t max_messages) : max_messages_(max_messages) {}
  absl::Status OnMessage(CallState& call) override;

 private:
  const int64_t max_messages_;
};

}  // namespace persona::server

#endif  // PERSONA_SERVER_RATE_LIMIT_H_
