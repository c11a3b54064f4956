// Per-key token buckets on a fake clock, the rate-limit hook's refusals, and
// the stream length limit counted by the gate.
#include "server/rate_limit.h"

#include <memory>
#include <string>

#include "common/clock.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/server_context.h"
#include "gtest/gtest.h"
#include "server/api_keys.h"
#include "server/call_gate.h"
#include "server/key_hash.h"

namespace persona::server {
namespace {

constexpr char kStreamEvents[] = "/persona.v1.EventService/StreamEvents";

TEST(TokenBucketTest, StartsFullRefillsOverTimeAndCapsAtTheBurst) {
  const RateLimit limit{2, 3};  // 2 per second, 3 at once
  TokenBucket bucket(limit, 1000);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(bucket.Take(limit, 1000)) << i;
  EXPECT_FALSE(bucket.Take(limit, 1000));
  EXPECT_FALSE(bucket.Take(limit, 1499));  // 0.998 tokens
  EXPECT_TRUE(bucket.Take(limit, 1500));   // one token after 500 ms
  EXPECT_FALSE(bucket.Take(limit, 1500));
  // A long pause refills no more than the burst.
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(bucket.Take(limit, 100'000)) << i;
  EXPECT_FALSE(bucket.Take(limit, 100'000));
}

TEST(TokenBucketTest, AClockGoingBackRefillsNothing) {
  const RateLimit limit{1, 1};
  TokenBucket bucket(limit, 10'000);
  EXPECT_TRUE(bucket.Take(limit, 10'000));
  EXPECT_FALSE(bucket.Take(limit, 5'000));
  EXPECT_FALSE(bucket.Take(limit, 10'500));  // half a token since 10 000
  EXPECT_TRUE(bucket.Take(limit, 11'000));
}

TEST(TokenBucketTest, ANewBurstCapsTheTokensLeft) {
  TokenBucket bucket({1, 100}, 0);
  const RateLimit smaller{1, 2};
  EXPECT_TRUE(bucket.Take(smaller, 0));
  EXPECT_EQ(bucket.tokens(), 1);
}

std::shared_ptr<const KeyTable> Keys(const std::string& text) {
  config::v1::SecurityConfig security;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &security)) << text;
  auto table = KeyTable::Create(security);
  EXPECT_TRUE(table.ok()) << table.status();
  return *table;
}

std::string KeyText(const std::string& id, const std::string& limit) {
  return "api_keys { id: '" + id + "' sha256: '" + Sha256Hex(id) + "' role: FRONTEND shops: '*' " +
         limit + "} ";
}

CallState Call(const std::string& principal) {
  CallState call;
  call.principal = principal;
  return call;
}

TEST(RateLimitHookTest, RefusesPastTheBurstNamingTheKeyAndItsLimit) {
  FakeClock clock(1'000'000);
  ApiKeys keys(Keys(KeyText("shopfront", "rate_limit { requests_per_second: 1 burst: 2 }") +
                    KeyText("other", "rate_limit { requests_per_second: 1 burst: 1 }")));
  RateLimitHook hook(&keys, &clock);
  CallState call = Call("shopfront");
  EXPECT_TRUE(hook.OnStart(call).ok());
  EXPECT_TRUE(hook.OnStart(call).ok());
  absl::Status refused = hook.OnStart(call);
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(refused.message().find("'shopfront'"), std::string::npos) << refused;
  EXPECT_NE(refused.message().find("1 requests per second, burst 2"), std::string::npos) << refused;
  // Buckets are per key: another key still has its token.
  CallState other = Call("other");
  EXPECT_TRUE(hook.OnStart(other).ok());
  clock.AdvanceMs(1000);
  EXPECT_TRUE(hook.OnStart(call).ok());
  EXPECT_EQ(hook.OnStart(call).code(), absl::StatusCode::kResourceExhausted);
}

TEST(RateLimitHookTest, UnlimitedKeysAndCallsWithoutAKeyPass) {
  FakeClock clock(0);
  ApiKeys keys(Keys(KeyText("free", "")));
  RateLimitHook hook(&keys, &clock);
  CallState free = Call("free");
  CallState anonymous = Call("");
  for (int i = 0; i < 10'000; ++i) {
    ASSERT_TRUE(hook.OnStart(free).ok());
    ASSERT_TRUE(hook.OnStart(anonymous).ok());
  }
}

TEST(RateLimitHookTest, AReloadedLimitAppliesToTheSameBucket) {
  FakeClock clock(0);
  ApiKeys keys(Keys(KeyText("k", "rate_limit { requests_per_second: 1 burst: 5 }")));
  RateLimitHook hook(&keys, &clock);
  CallState call = Call("k");
  EXPECT_TRUE(hook.OnStart(call).ok());  // 4 left
  keys.Replace(Keys(KeyText("k", "rate_limit { requests_per_second: 1 burst: 2 }")));
  EXPECT_TRUE(hook.OnStart(call).ok());  // capped at 2, one taken
  EXPECT_TRUE(hook.OnStart(call).ok());
  EXPECT_EQ(hook.OnStart(call).code(), absl::StatusCode::kResourceExhausted);
}

// A hook that sets the principal, as the authentication hook does.
class PrincipalHook final : public CallHook {
 public:
  explicit PrincipalHook(std::string id) : id_(std::move(id)) {}
  absl::Status OnStart(CallState& call) override {
    call.principal = id_;
    return absl::OkStatus();
  }

 private:
  const std::string id_;
};

TEST(RateLimitHookTest, EachStreamMessageAfterTheFirstTakesAToken) {
  FakeClock clock(0);
  ApiKeys keys(Keys(KeyText("k", "rate_limit { requests_per_second: 1 burst: 4 }")));
  CallGate gate("default");
  gate.Add(std::make_unique<PrincipalHook>("k"));
  gate.Add(std::make_unique<RateLimitHook>(&keys, &clock));
  grpc::ServerContext ctx;
  GatedCall stream = gate.BeginStream(&ctx, kStreamEvents);  // token 1
  ASSERT_TRUE(stream.admitted().ok());
  EXPECT_TRUE(stream.CheckShop("a").ok());  // the first message: free
  EXPECT_TRUE(stream.CheckShop("a").ok());  // token 2
  EXPECT_TRUE(stream.CheckShop("a").ok());  // token 3
  EXPECT_TRUE(stream.CheckShop("a").ok());  // token 4
  EXPECT_EQ(stream.CheckShop("a").code(), absl::StatusCode::kResourceExhausted);
  stream.Finish(absl::OkStatus()).IgnoreError();
}

// Records what the gate counted when each message arrived.
class CountingHook final : public CallHook {
 public:
  absl::Status OnMessage(CallState& call) override {
    seen.push_back(call.stream_messages);
    return absl::OkStatus();
  }
  std::vector<int64_t> seen;
};

TEST(StreamLimitTest, TheGateCountsStreamMessagesOnly) {
  CallGate gate("default");
  auto counting = std::make_unique<CountingHook>();
  CountingHook* counter = counting.get();
  gate.Add(std::move(counting));
  grpc::ServerContext unary_ctx;
  GatedCall unary = gate.Begin(&unary_ctx, "/persona.v1.RecommendService/Recommend", "a");
  EXPECT_EQ(unary.state().stream_messages, 0);
  EXPECT_TRUE(counter->seen.empty());
  grpc::ServerContext ctx;
  GatedCall stream = gate.BeginStream(&ctx, kStreamEvents);
  for (const char* shop : {"a", "a", "b"}) EXPECT_TRUE(stream.CheckShop(shop).ok());
  EXPECT_EQ(counter->seen, (std::vector<int64_t>{1, 2, 3}));
}

TEST(StreamLimitTest, EndsAStreamAfterTheLimitNamingIt) {
  CallGate gate("default");
  gate.Add(std::make_unique<StreamLimitHook>(3));
  grpc::ServerContext ctx;
  GatedCall stream = gate.BeginStream(&ctx, kStreamEvents);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(stream.CheckShop("a").ok()) << i;
  absl::Status refused = stream.CheckShop("a");
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(refused.message().find("limits.max_stream_messages"), std::string::npos) << refused;
  EXPECT_NE(refused.message().find("at most 3 messages"), std::string::npos) << refused;
}

}  // namespace
}  // namespace persona::server
