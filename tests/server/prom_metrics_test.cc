// The Prometheus registry: rpc counts and latency histograms by method and
// code, collector samples, and the exposition text.
#include "server/prom_metrics.h"

#include <string>
#include <thread>
#include <vector>

#include "grpcpp/server_context.h"
#include "gtest/gtest.h"
#include "server/call_gate.h"
#include "server/observability_hooks.h"
#include "tests/server/scrape.h"

namespace persona::server {
namespace {

using ::persona::testing::Scrape;

constexpr char kRecommend[] = "/persona.v1.RecommendService/Recommend";
constexpr char kTrack[] = "/persona.v1.EventService/TrackEvents";

std::string Series(const std::string& name, const std::string& code, const std::string& method,
                   const std::string& extra = "") {
  return name + "{code=\"" + code + "\",method=\"" + method + "\"" + extra + "}";
}

TEST(PromMetricsTest, CountsAndTimesRpcsByMethodAndCode) {
  PromMetrics metrics;
  const RpcInfo& recommend = *FindRpc(kRecommend);
  metrics.RecordRpc(recommend, absl::StatusCode::kOk, 0.0002);
  metrics.RecordRpc(recommend, absl::StatusCode::kOk, 0.003);
  metrics.RecordRpc(recommend, absl::StatusCode::kResourceExhausted, 0.00001);
  metrics.RecordRpc(*FindRpc(kTrack), absl::StatusCode::kNotFound, 20);
  const Scrape s(metrics.Scrape());
  EXPECT_EQ(s.types.at("persona_rpc_requests_total"), "counter");
  EXPECT_EQ(s.types.at("persona_rpc_duration_seconds"), "histogram");
  EXPECT_EQ(s.Value(Series("persona_rpc_requests_total", "OK", kRecommend)), 2);
  EXPECT_EQ(s.Value(Series("persona_rpc_requests_total", "RESOURCE_EXHAUSTED", kRecommend)), 1);
  EXPECT_EQ(s.Value(Series("persona_rpc_requests_total", "NOT_FOUND", kTrack)), 1);
  EXPECT_FALSE(s.Has(Series("persona_rpc_requests_total", "OK", kTrack)));  // never seen
  const std::string ok_duration = "persona_rpc_duration_seconds";
  EXPECT_EQ(s.Value(Series(ok_duration + "_count", "OK", kRecommend)), 2);
  EXPECT_NEAR(s.Value(Series(ok_duration + "_sum", "OK", kRecommend)), 0.0032, 1e-9);
  EXPECT_EQ(s.Value(Series(ok_duration + "_bucket", "OK", kRecommend, ",le=\"0.0001\"")), 0);
  EXPECT_EQ(s.Value(Series(ok_duration + "_bucket", "OK", kRecommend, ",le=\"0.00025\"")), 1);
  EXPECT_EQ(s.Value(Series(ok_duration + "_bucket", "OK", kRecommend, ",le=\"0.005\"")), 2);
  EXPECT_EQ(s.Value(Series(ok_duration + "_bucket", "NOT_FOUND", kTrack, ",le=\"10\"")), 0);
  EXPECT_EQ(s.Value(Series(ok_duration + "_bucket", "NOT_FOUND", kTrack, ",le=\"+Inf\"")), 1);
}

TEST(PromMetricsTest, BucketsSpanFiftyMicrosecondsToTenSeconds) {
  const std::vector<double>& b = RpcLatencyBuckets();
  ASSERT_GE(b.size(), 10u);
  EXPECT_EQ(b.front(), 0.00005);
  EXPECT_EQ(b.back(), 10);
  for (size_t i = 1; i < b.size(); ++i) EXPECT_LT(b[i - 1], b[i]);
}

TEST(PromMetricsTest, ConcurrentFirstCallsOfOneSeriesAreAllCounted) {
  PromMetrics metrics;
  const RpcInfo& recommend = *FindRpc(kRecommend);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        metrics.RecordRpc(recommend, static_cast<absl::StatusCode>(i % 3), 0.001);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const Scrape s(metrics.Scrape());
  double total = 0;
  for (const char* code : {"OK", "CANCELLED", "UNKNOWN"}) {
    total += s.Value(Series("persona_rpc_requests_total", code, kRecommend));
  }
  EXPECT_EQ(total, 8000);
}

TEST(PromMetricsTest, CollectorSamplesBecomeFamiliesWithHelpAndType) {
  PromMetrics metrics;
  int runs = 0;
  metrics.AddCollector([&runs](MetricsSink& sink) {
    ++runs;
    sink.Gauge("persona_test_depth", "A depth.", {{"class", "a"}}, 3);
    sink.Gauge("persona_test_depth", "ignored", {{"class", "b"}}, 4);
    sink.Counter("persona_test_total", "A count.", {}, 7);
  });
  const std::string text = metrics.Scrape();
  const Scrape s(text);
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(s.types.at("persona_test_depth"), "gauge");
  EXPECT_EQ(s.types.at("persona_test_total"), "counter");
  EXPECT_EQ(s.Value("persona_test_depth{class=\"a\"}"), 3);
  EXPECT_EQ(s.Value("persona_test_depth{class=\"b\"}"), 4);
  EXPECT_EQ(s.Value("persona_test_total"), 7);
  EXPECT_NE(text.find("# HELP persona_test_depth A depth.\n"), std::string::npos) << text;
  metrics.Scrape();
  EXPECT_EQ(runs, 2);  // collectors run on every scrape
}

TEST(PromMetricsTest, TheGateHookRecordsEveryCallIncludingRejectedOnes) {
  PromMetrics metrics;
  CallGate gate("default");
  gate.Add(std::make_unique<RpcMetricsHook>(&metrics));
  struct Reject : CallHook {
    absl::Status OnStart(CallState&) override { return absl::UnauthenticatedError("no key"); }
  };
  gate.Add(std::make_unique<Reject>());
  {
    grpc::ServerContext ctx;
    GatedCall call = gate.Begin(&ctx, kRecommend, "shop");
    EXPECT_EQ(call.admitted().code(), absl::StatusCode::kUnauthenticated);
    call.Finish(call.admitted()).IgnoreError();
  }
  {
    grpc::ServerContext ctx;
    GatedCall call = gate.Begin(&ctx, kRecommend, "shop");  // abandoned: CANCELLED
  }
  const Scrape s(metrics.Scrape());
  EXPECT_EQ(s.Value(Series("persona_rpc_requests_total", "UNAUTHENTICATED", kRecommend)), 1);
  EXPECT_EQ(s.Value(Series("persona_rpc_requests_total", "CANCELLED", kRecommend)), 1);
}

}  // namespace
}  // namespace persona::server
