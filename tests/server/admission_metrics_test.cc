// Admission control's counts as metrics: every class, and draining.
#include "server/admission_metrics.h"

#include <map>
#include <string>

#include "common/clock.h"
#include "grpcpp/server_context.h"
#include "gtest/gtest.h"
#include "server/call_gate.h"

namespace persona::server {
namespace {

// Records collector samples by "name{k=v,...}".
class RecordingSink : public MetricsSink {
 public:
  void Gauge(std::string_view name, std::string_view, const MetricLabels& labels,
             double value) override {
    samples[Key(name, labels)] = value;
  }
  void Counter(std::string_view name, std::string_view, const MetricLabels& labels,
               double value) override {
    samples[Key(name, labels)] = value;
  }
  static std::string Key(std::string_view name, const MetricLabels& labels) {
    std::string key(name);
    for (const auto& [label, value] : labels) key += "{" + label + "=" + value + "}";
    return key;
  }
  std::map<std::string, double> samples;
};

TEST(AdmissionCollectorTest, ReportsEveryClass) {
  FakeClock clock(0);
  Admission admission(AdmissionOptions(), &clock);
  RecordingSink sink;
  AdmissionCollector(&admission)(sink);
  EXPECT_EQ(sink.samples["persona_draining"], 0);
  for (const char* c : {"frontend", "stream", "heavy", "other"}) {
    const std::string labels = std::string("{class=") + c + "}";
    EXPECT_EQ(sink.samples.count("persona_admission_in_flight" + labels), 1u) << c;
    EXPECT_EQ(sink.samples.count("persona_admission_queued" + labels), 1u) << c;
    EXPECT_EQ(sink.samples.count("persona_admission_shed_total" + labels), 1u) << c;
  }
  admission.BeginDrain();
  RecordingSink draining;
  AdmissionCollector(&admission)(draining);
  EXPECT_EQ(draining.samples["persona_draining"], 1);
}

TEST(AdmissionCollectorTest, CountsShedCallsAndCallsInFlight) {
  FakeClock clock(0);
  AdmissionOptions options;
  options.max_in_flight[static_cast<int>(CallClass::kFrontend)] = 1;
  auto hook = std::make_unique<Admission>(options, &clock);
  Admission* admission = hook.get();
  CallGate gate("default");
  gate.Add(std::move(hook));
  grpc::ServerContext first_ctx, second_ctx;
  GatedCall first = gate.Begin(&first_ctx, "/persona.v1.RecommendService/Recommend", "");
  ASSERT_TRUE(first.admitted().ok());
  GatedCall second = gate.Begin(&second_ctx, "/persona.v1.RecommendService/Recommend", "");
  EXPECT_EQ(second.admitted().code(), absl::StatusCode::kResourceExhausted);
  RecordingSink sink;
  AdmissionCollector(admission)(sink);
  EXPECT_EQ(sink.samples["persona_admission_in_flight{class=frontend}"], 1);
  EXPECT_EQ(sink.samples["persona_admission_admitted_total{class=frontend}"], 1);
  EXPECT_EQ(sink.samples["persona_admission_shed_total{class=frontend}"], 1);
  EXPECT_EQ(sink.samples["persona_admission_shed_total{class=other}"], 0);
  second.Finish(second.admitted()).IgnoreError();
  first.Finish(absl::OkStatus()).IgnoreError();
  RecordingSink after;
  AdmissionCollector(admission)(after);
  EXPECT_EQ(after.samples["persona_admission_in_flight{class=frontend}"], 0);
}

}  // namespace
}  // namespace persona::server
