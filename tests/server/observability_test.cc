// The access log, the collectors (shops and models, RocksDB, the process,
// admission control), the metrics listener and the observability config.
#include "server/observability.h"

#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/server_context.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "server/config.h"
#include "server/log.h"
#include "server/observability_hooks.h"
#include "server/process_stats.h"
#include "tests/server/scrape.h"
#include "tests/testing/server_process.h"

namespace persona::server {
namespace {

using ::persona::testing::Scrape;
using ::persona::testing::TempDir;

constexpr char kRecommend[] = "/persona.v1.RecommendService/Recommend";

// Collects log lines (JSON) while alive.
class CapturedLog {
 public:
  CapturedLog() {
    SetLogFormat(LogFormat::kJson);
    SetLogSinkForTesting([this](std::string_view line) {
      absl::MutexLock lock(&mu_);
      lines_.emplace_back(line);
    });
  }
  ~CapturedLog() { SetLogSinkForTesting(nullptr); }

  // Every line, parsed; fails the test for a line that is not JSON.
  std::vector<google::protobuf::Struct> Lines() {
    absl::MutexLock lock(&mu_);
    std::vector<google::protobuf::Struct> out;
    for (const std::string& line : lines_) {
      EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(line, &out.emplace_back()).ok())
          << line;
    }
    return out;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> lines_;
};

std::string Field(const google::protobuf::Struct& line, const std::string& key) {
  auto it = line.fields().find(key);
  if (it == line.fields().end()) return "<missing>";
  if (it->second.has_number_value()) return std::to_string(it->second.number_value());
  return it->second.string_value();
}

CallState Call(absl::Duration age = absl::ZeroDuration()) {
  CallState call;
  call.rpc = FindRpc(kRecommend);
  call.shop = "demo";
  call.request_id = "req-1";
  call.principal = "key-7";
  call.started = absl::Now() - age;
  return call;
}

TEST(AccessLogTest, ErrorsModeLogsFailuresAndSlowCallsOnly) {
  CapturedLog log;
  FakeClock clock(1'000'000);
  AccessLogHook hook({.mode = AccessLogOptions::Mode::kErrors, .slow = absl::Seconds(1)}, &clock);
  hook.OnFinish(Call(), absl::OkStatus());                            // fast and fine: no line
  hook.OnFinish(Call(), absl::NotFoundError("no customer c1"));       // warning
  hook.OnFinish(Call(), absl::InternalError("disk on fire"));         // error
  hook.OnFinish(Call(absl::Seconds(5)), absl::OkStatus());            // slow: warning
  const auto lines = log.Lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(Field(lines[0], "msg"), "rpc");
  EXPECT_EQ(Field(lines[0], "level"), "warning");
  EXPECT_EQ(Field(lines[0], "request_id"), "req-1");
  EXPECT_EQ(Field(lines[0], "method"), kRecommend);
  EXPECT_EQ(Field(lines[0], "shop"), "demo");
  EXPECT_EQ(Field(lines[0], "key"), "key-7");
  EXPECT_EQ(Field(lines[0], "code"), "NOT_FOUND");
  EXPECT_EQ(Field(lines[0], "error"), "no customer c1");
  EXPECT_EQ(Field(lines[1], "level"), "error");
  EXPECT_EQ(Field(lines[1], "code"), "INTERNAL");
  EXPECT_EQ(Field(lines[2], "level"), "warning");
  EXPECT_EQ(Field(lines[2], "code"), "OK");
  EXPECT_EQ(Field(lines[2], "error"), "<missing>");
  EXPECT_GE(lines[2].fields().at("duration_ms").number_value(), 5000);
}

TEST(AccessLogTest, AllModeLogsEveryCallAndOffModeNone) {
  CapturedLog log;
  FakeClock clock(0);
  AccessLogHook all({.mode = AccessLogOptions::Mode::kAll}, &clock);
  AccessLogHook off({.mode = AccessLogOptions::Mode::kOff}, &clock);
  all.OnFinish(Call(), absl::OkStatus());
  off.OnFinish(Call(), absl::InternalError("x"));
  const auto lines = log.Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(Field(lines[0], "level"), "info");
  EXPECT_EQ(Field(lines[0], "code"), "OK");
}

TEST(AccessLogTest, TheRateLimitDropsLinesAndReportsHowMany) {
  CapturedLog log;
  FakeClock clock(10'000);
  AccessLogHook hook({.mode = AccessLogOptions::Mode::kErrors, .max_per_second = 2}, &clock);
  for (int i = 0; i < 5; ++i) hook.OnFinish(Call(), absl::UnavailableError("shed"));
  clock.AdvanceMs(1000);
  hook.OnFinish(Call(), absl::UnavailableError("shed"));
  hook.OnFinish(Call(), absl::UnavailableError("shed"));
  const auto lines = log.Lines();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(Field(lines[0], "suppressed"), "<missing>");
  EXPECT_EQ(lines[2].fields().at("suppressed").number_value(), 3);
  EXPECT_EQ(Field(lines[3], "suppressed"), "<missing>");
}

TEST(AccessLogTest, ARealGatedCallLogsItsRequestId) {
  CapturedLog log;
  CallGate gate("default");
  gate.Add(std::make_unique<AccessLogHook>(AccessLogOptions{.mode = AccessLogOptions::Mode::kAll},
                                           Clock::Real()));
  grpc::ServerContext ctx;
  GatedCall call = gate.Begin(&ctx, kRecommend, "");
  const std::string id = call.state().request_id;
  call.Finish(absl::OkStatus()).IgnoreError();
  const auto lines = log.Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(Field(lines[0], "request_id"), id);
  EXPECT_FALSE(id.empty());
  EXPECT_EQ(Field(lines[0], "shop"), "default");
}

// Records collector samples by "name{k=v,...}".
class RecordingSink : public MetricsSink {
 public:
  void Gauge(std::string_view name, std::string_view, const MetricLabels& labels,
             double value) override {
    samples[Key(name, labels)] = value;
  }
  void Counter(std::string_view name, std::string_view help, const MetricLabels& labels,
               double value) override {
    EXPECT_EQ(name.substr(name.size() - 6), "_total") << name;
    samples[Key(name, labels)] = value;
  }
  static std::string Key(std::string_view name, const MetricLabels& labels) {
    std::string key(name);
    for (size_t i = 0; i < labels.size(); ++i) {
      key += (i == 0 ? "{" : ",") + labels[i].first + "=" + labels[i].second;
    }
    return labels.empty() ? key : key + "}";
  }
  std::map<std::string, double> samples;
};

class CollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::DatabaseOptions options;
    options.path = dir_.path() + "/db";
    options.clock = &clock_;
    auto db = storage::Database::Open(options);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    shops_ = std::make_unique<ShopRegistry>(db_.get(), ShopOptions(), &clock_);
  }

  TempDir dir_;
  FakeClock clock_{1'700'000'000'000};
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<ShopRegistry> shops_;
};

TEST_F(CollectorTest, ShopsReportEventsAndTheirModelsAgeAndTrainingTime) {
  RecordingSink empty;
  CollectShops(*shops_, clock_, empty);
  EXPECT_TRUE(empty.samples.empty());  // no shop loaded yet, none loaded by the scrape
  Shop* demo = *shops_->Get("demo");
  Shop* other = *shops_->Get("other");
  demo->events_since_start += 7;
  auto model = std::make_shared<ServingModel>();
  model->version = "20240101T000000Z";
  model->trained_time_ms = clock_.NowMs() - 90'000;
  model->training_seconds = 2.5;
  model->users = 40;
  model->interactions = 900;
  demo->SetModel(model);
  RecordingSink sink;
  CollectShops(*shops_, clock_, sink);
  EXPECT_EQ(sink.samples["persona_events_ingested_total{shop=demo}"], 7);
  EXPECT_EQ(sink.samples["persona_events_ingested_total{shop=other}"], 0);
  EXPECT_EQ(sink.samples["persona_model_info{shop=demo,version=20240101T000000Z}"], 1);
  EXPECT_EQ(sink.samples["persona_model_age_seconds{shop=demo}"], 90);
  EXPECT_EQ(sink.samples["persona_model_training_duration_seconds{shop=demo}"], 2.5);
  EXPECT_EQ(sink.samples["persona_model_users{shop=demo}"], 40);
  EXPECT_EQ(sink.samples["persona_model_interactions{shop=demo}"], 900);
  EXPECT_EQ(sink.samples.count("persona_model_age_seconds{shop=other}"), 0u);  // no model
  (void)other;
}

TEST_F(CollectorTest, StorageReportsRocksDbTickersAndProperties) {
  rec::ItemRecord item;
  item.set_id("i1");
  item.set_title("Lamp");
  ASSERT_TRUE(db_->catalog().PutItems("demo", {item}).ok());
  ASSERT_TRUE(db_->catalog().GetItem("demo", "i1").ok());
  RecordingSink sink;
  CollectStorage(*db_, sink);
  EXPECT_GE(sink.samples["persona_rocksdb_number_keys_written_total"], 1);
  EXPECT_GE(sink.samples["persona_rocksdb_bytes_written_total"], 1);
  EXPECT_GE(sink.samples["persona_rocksdb_memtable_hit_total"], 1);
  EXPECT_GT(sink.samples["persona_rocksdb_cur_size_all_mem_tables"], 0);
  for (const char* gauge :
       {"persona_rocksdb_estimate_live_data_size", "persona_rocksdb_estimate_pending_compaction_bytes",
        "persona_rocksdb_num_running_compactions", "persona_rocksdb_background_errors",
        "persona_rocksdb_block_cache_usage", "persona_rocksdb_is_write_stopped"}) {
    EXPECT_EQ(sink.samples.count(gauge), 1u) << gauge;
  }
  EXPECT_EQ(sink.samples["persona_rocksdb_background_errors"], 0);
}

TEST(StorageMetricNameTest, RocksDbNamesBecomePrometheusNames) {
  EXPECT_EQ(StorageMetricName({"rocksdb.block.cache.hit", 1, true}),
            "persona_rocksdb_block_cache_hit_total");
  EXPECT_EQ(StorageMetricName({"rocksdb.estimate-live-data-size", 1, false}),
            "persona_rocksdb_estimate_live_data_size");
}

TEST(ProcessStatsTest, ParsesStatWithAnAwkwardCommandName) {
  // Fields 3..24 of /proc/<pid>/stat: state ... utime=250 stime=50 ...
  // threads=9 ... starttime=1000 vsize=4096000 rss=300.
  const std::string stat =
      "42 (a) b) (c) S 1 42 42 0 -1 4194304 10 0 0 0 250 50 0 0 20 0 9 0 1000 4096000 300 "
      "18446744073709551615";
  std::optional<ProcessStats> s = ParseProcStat(stat, 1'000'000, 100, 4096);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->cpu_seconds, 3);
  EXPECT_EQ(s->threads, 9);
  EXPECT_EQ(s->start_time_seconds, 1'000'010);
  EXPECT_EQ(s->virtual_bytes, 4096000);
  EXPECT_EQ(s->resident_bytes, 300 * 4096);
  EXPECT_FALSE(ParseProcStat("42 (x) S 1 2 3", 0, 100, 4096).has_value());
  EXPECT_FALSE(ParseProcStat("no parenthesis", 0, 100, 4096).has_value());
  EXPECT_EQ(ParseBootTime("cpu 1 2 3\nbtime 1795431000\nprocesses 5\n"), 1795431000);
  EXPECT_FALSE(ParseBootTime("cpu 1 2 3\n").has_value());
}

TEST(ProcessStatsTest, ThisProcessHasMemoryThreadsAndFiles) {
  std::optional<ProcessStats> s = ReadProcessStats();
  ASSERT_TRUE(s.has_value());
  EXPECT_GT(s->resident_bytes, 0);
  EXPECT_GE(s->threads, 1);
  EXPECT_GE(s->open_fds, 3);
  EXPECT_GE(s->max_fds, s->open_fds);
  EXPECT_GT(s->start_time_seconds, 1.6e9);
}

TEST(ObservabilityTest, ServesMetricsOverHttpAndWritesThePortFile) {
  TempDir dir;
  cfg::Config config;
  config.mutable_observability()->set_metrics_listen_address("127.0.0.1:0");
  config.mutable_observability()->set_metrics_port_file(dir.path() + "/metrics.port");
  ApplyDefaults(config);
  ASSERT_TRUE(ValidateConfig(config).ok());
  auto o = Observability::Start(config.observability(), {});
  ASSERT_TRUE(o.ok()) << o.status();
  ASSERT_GT((*o)->metrics_port(), 0);
  std::ifstream port_file(dir.path() + "/metrics.port");
  int port = 0;
  ASSERT_TRUE(port_file >> port);
  EXPECT_EQ(port, (*o)->metrics_port());
  httplib::Client client("127.0.0.1", port);
  auto response = client.Get("/metrics");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  const Scrape s(response->body);
  EXPECT_EQ(s.Value("persona_build_info{version=\"" PERSONA_TEST_VERSION "\"}"), 1);
  EXPECT_GT(s.Value("process_resident_memory_bytes"), 0);
  EXPECT_EQ(client.Get("/other")->status, 404);
  (*o)->Stop();
  EXPECT_FALSE(client.Get("/metrics"));
}

TEST(ObservabilityTest, BadSettingsAreRefusedNamingTheField) {
  struct Case {
    std::string text;
    std::string field;
  };
  for (const Case& c : std::vector<Case>{
           {"metrics_listen_address: 'nohost'", "observability.metrics_listen_address"},
           {"metrics_listen_address: '127.0.0.1:70000'", "observability.metrics_listen_address"},
           {"slow_call_ms: -1", "observability.slow_call_ms"},
           {"access_log_max_per_second: -5", "observability.access_log_max_per_second"}}) {
    cfg::Config config;
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString("observability { " + c.text + " }",
                                                             &config));
    ApplyDefaults(config);
    absl::Status s = ValidateConfig(config);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_NE(s.message().find(c.field), absl::string_view::npos) << s;
  }
}

TEST(ObservabilityTest, DefaultsAreAutoFormatErrorsOnlyAndNoListener) {
  cfg::Config config;
  ApplyDefaults(config);
  const auto& o = config.observability();
  EXPECT_EQ(o.log_format(), cfg::ObservabilityConfig::AUTO);
  EXPECT_EQ(o.access_log(), cfg::ObservabilityConfig::ERRORS);
  EXPECT_EQ(o.slow_call_ms(), 1000);
  EXPECT_EQ(o.access_log_max_per_second(), 100);
  EXPECT_TRUE(o.metrics_listen_address().empty());
  const AccessLogOptions options = AccessLogOptionsOf(o);
  EXPECT_EQ(options.mode, AccessLogOptions::Mode::kErrors);
  EXPECT_EQ(options.slow, absl::Seconds(1));
  EXPECT_EQ(options.max_per_second, 100);
}

}  // namespace
}  // namespace persona::server
