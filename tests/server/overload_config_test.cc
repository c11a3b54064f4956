// The overload section of the config (server/overload.h) and the
// CallContext (server/call_context.h) the admission hook hands to handlers.
#include <atomic>
#include <string>
#include <thread>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "server/call_context.h"
#include "server/config.h"
#include "server/overload.h"

namespace persona::server {
namespace {

using ::testing::HasSubstr;

cfg::Config Parse(const std::string& text) {
  cfg::Config c;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &c)) << text;
  ApplyDefaults(c);
  return c;
}

TEST(OverloadConfigTest, DefaultsAreFilledAndValid) {
  const cfg::Config c = Parse("");
  ASSERT_TRUE(ValidateConfig(c).ok());
  const cfg::OverloadConfig& o = c.overload();
  EXPECT_EQ(o.max_frontend_calls(), 64);
  EXPECT_EQ(o.max_streams(), 64);
  EXPECT_EQ(o.max_heavy_calls(), 2);
  EXPECT_EQ(o.max_other_calls(), 32);
  EXPECT_EQ(o.max_queued_calls(), 8);
  EXPECT_EQ(o.max_queue_wait_ms(), 200);
  EXPECT_EQ(o.min_deadline_ms(), 2);
  EXPECT_EQ(o.max_grpc_threads(), 64);
  EXPECT_EQ(o.max_concurrent_streams(), 256);
  EXPECT_EQ(o.drain_delay_ms(), 1000);
  EXPECT_EQ(o.grace_period_ms(), 10000);
  const AdmissionOptions a = AdmissionOptionsOf(o);
  EXPECT_EQ(a.max_in_flight[static_cast<int>(CallClass::kHeavy)], 2);
  EXPECT_EQ(a.max_queue_wait, absl::Milliseconds(200));
}

TEST(OverloadConfigTest, ExplicitZerosAreKeptWhereTheyMeanSomething) {
  const cfg::Config c = Parse(
      "overload { drain_delay_ms: 0 grace_period_ms: 0 max_queued_calls: 0 "
      "min_deadline_ms: 0 "
      "max_heavy_calls: 5 }");
  ASSERT_TRUE(ValidateConfig(c).ok());
  EXPECT_EQ(c.overload().drain_delay_ms(), 0);
  EXPECT_EQ(c.overload().grace_period_ms(), 0);
  EXPECT_EQ(c.overload().max_queued_calls(), 0);
  EXPECT_EQ(c.overload().min_deadline_ms(), 0);
  EXPECT_EQ(c.overload().max_heavy_calls(), 5);
}

TEST(OverloadConfigTest, OutOfRangeValuesAreRefusedNamingTheField) {
  const struct {
    const char* text;
    const char* field;
  } cases[] = {
      {"overload { max_frontend_calls: -1 }", "overload.max_frontend_calls"},
      {"overload { max_heavy_calls: 1001 }", "overload.max_heavy_calls"},
      {"overload { max_queued_calls: -3 }", "overload.max_queued_calls"},
      {"overload { max_queue_wait_ms: 10001 }", "overload.max_queue_wait_ms"},
      {"overload { min_deadline_ms: -1 }", "overload.min_deadline_ms"},
      {"overload { max_grpc_threads: 4 }", "overload.max_grpc_threads"},
      {"overload { max_concurrent_streams: -5 }",
       "overload.max_concurrent_streams"},
      {"overload { drain_delay_ms: -1 }", "overload.drain_delay_ms"},
      {"overload { grace_period_ms: 3600001 }", "overload.grace_period_ms"},
  };
  for (const auto& c : cases) {
    const absl::Status s = ValidateConfig(Parse(c.text));
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_THAT(std::string(s.message()), HasSubstr(c.field)) << c.text;
  }
}

TEST(CallContextTest, WithoutACallNothingExpires) {
  EXPECT_TRUE(CheckCurrentCall("anything").ok());
  EXPECT_EQ(CurrentCall().deadline_ms(), CallContext::kNoDeadline);
  EXPECT_TRUE(CallContext::Of(nullptr).Check("x").ok());
}

TEST(CallContextTest, DeadlinesAndCancellationNameTheStep) {
  FakeClock clock(1000);
  const CallContext until_2000(2000, nullptr, &clock);
  EXPECT_TRUE(until_2000.Check("scoring").ok());
  clock.SetMs(2000);
  const absl::Status late = until_2000.Check("scoring");
  EXPECT_EQ(late.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(late.message(), "deadline exceeded before scoring");
  std::atomic<bool> cancelled{false};
  const CallContext cancellable(CallContext::kNoDeadline, &cancelled);
  EXPECT_TRUE(cancellable.Check("a block").ok());
  cancelled = true;
  EXPECT_EQ(cancellable.Check("a block").code(), absl::StatusCode::kCancelled);
  // Cancellation wins over a passed deadline: the client is gone either way.
  const CallContext both(0, &cancelled, &clock);
  EXPECT_EQ(both.Check("x").code(), absl::StatusCode::kCancelled);
}

TEST(CallContextTest, ScopesNestAndStayOnTheirThread) {
  std::atomic<bool> cancelled{true};
  {
    ScopedCallContext outer(CallContext(5, nullptr));
    EXPECT_EQ(CurrentCall().deadline_ms(), 5);
    {
      ScopedCallContext inner(
          CallContext(CallContext::kNoDeadline, &cancelled));
      EXPECT_EQ(CheckCurrentCall("x").code(), absl::StatusCode::kCancelled);
      bool other_thread_ok = false;
      std::thread([&] { other_thread_ok = CheckCurrentCall("x").ok(); }).join();
      EXPECT_TRUE(other_thread_ok);
    }
    EXPECT_EQ(CurrentCall().deadline_ms(), 5);
  }
  EXPECT_EQ(CurrentCall().deadline_ms(), CallContext::kNoDeadline);
}

}  // namespace
}  // namespace persona::server
