// Observability and configuration of the real persona-server binary: the
// /metrics endpoint after real calls, JSON logs with request ids, the
// --help listing of every setting, and the precedence and checking of
// environment and flag overrides.
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "server/config_overrides.h"
#include "tests/integration/client.h"
#include "tests/server/scrape.h"
#include "tests/testing/server_process.h"

namespace persona::testing {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs `command` through the shell; returns its exit status and output.
std::pair<int, std::string> RunShell(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, ""};
  std::string out;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof(buffer), pipe)) > 0;) out.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::vector<google::protobuf::Struct> JsonLines(const std::string& text) {
  std::vector<google::protobuf::Struct> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(line, &lines.emplace_back()).ok())
        << "not a JSON line: " << line;
  }
  return lines;
}

std::string Str(const google::protobuf::Struct& line, const std::string& key) {
  auto it = line.fields().find(key);
  return it == line.fields().end() ? "" : it->second.string_value();
}

class ObservabilityTest : public ::testing::Test {
 protected:
  // Starts the server through a shell wrapper that exports `env` and sends
  // its stderr to log_path().
  void Start(std::vector<std::string> args, const std::vector<std::string>& env = {}) {
    const std::string wrapper = dir_.path() + "/persona-server.sh";
    {
      std::ofstream out(wrapper);
      out << "#!/bin/sh\n";
      for (const std::string& e : env) out << "export '" << e << "'\n";
      out << "exec '" << ServerBinary() << "' \"$@\" 2>>'" << log_path() << "'\n";
    }
    chmod(wrapper.c_str(), 0755);
    server_ = std::make_unique<ServerProcess>(wrapper, dir_.path() + "/data", std::move(args));
    ASSERT_TRUE(server_->Start()) << ReadAll(log_path());
    client_ = std::make_unique<Client>(server_->channel());
  }

  std::string log_path() const { return dir_.path() + "/server.log"; }

  std::vector<std::string> Shops() {
    v1::ListShopsResponse response;
    EXPECT_TRUE(client_->admin->ListShops(Ctx().get(), v1::ListShopsRequest(), &response).ok());
    return {response.shops().begin(), response.shops().end()};
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<Client> client_;
};

TEST_F(ObservabilityTest, MetricsCountRpcsEventsTheModelAndStorage) {
  const std::string port_file = dir_.path() + "/metrics.port";
  Start({"--metrics_listen=127.0.0.1:0", "--set=observability.metrics_port_file=" + port_file,
         "--log_format=json", "--set=observability.access_log=ALL"});
  LoadTwoTastes(*client_);
  v1::RecommendRequest bad;
  bad.set_count(101);  // over the limit
  v1::RecommendResponse ignored;
  EXPECT_EQ(client_->recommend->Recommend(Ctx().get(), bad, &ignored).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::ModelInfo trained;
  ASSERT_TRUE(client_->admin->TrainModel(Ctx().get(), v1::TrainModelRequest(), &trained).ok());
  auto ctx = Ctx();
  ctx->AddMetadata("x-request-id", "obs-req-42");
  v1::RecommendRequest request;
  request.set_customer_id("c1");
  v1::RecommendResponse response;
  ASSERT_TRUE(client_->recommend->Recommend(ctx.get(), request, &response).ok());
  auto echoed = ctx->GetServerInitialMetadata().find("x-request-id");
  ASSERT_NE(echoed, ctx->GetServerInitialMetadata().end());
  EXPECT_EQ(std::string(echoed->second.data(), echoed->second.size()), "obs-req-42");

  int port = 0;
  std::ifstream(port_file) >> port;
  ASSERT_GT(port, 0);
  httplib::Client http("127.0.0.1", port);
  auto scraped = http.Get("/metrics");
  ASSERT_TRUE(scraped);
  ASSERT_EQ(scraped->status, 200);
  const Scrape s(scraped->body);
  const auto rpc = [](const std::string& code, const std::string& method) {
    return "persona_rpc_requests_total{code=\"" + code + "\",method=\"/persona.v1." + method + "\"}";
  };
  EXPECT_EQ(s.Value(rpc("OK", "EventService/TrackEvents")), 1);
  EXPECT_EQ(s.Value(rpc("OK", "CatalogService/UpsertItems")), 1);
  EXPECT_EQ(s.Value(rpc("INVALID_ARGUMENT", "RecommendService/Recommend")), 1);
  EXPECT_EQ(s.Value(rpc("OK", "RecommendService/Recommend")), 1);
  EXPECT_EQ(s.Value("persona_rpc_duration_seconds_count{code=\"OK\",method=\"/persona.v1."
                    "AdminService/TrainModel\"}"),
            1);
  EXPECT_EQ(s.Value("persona_events_ingested_total{shop=\"default\"}"), 320);
  EXPECT_EQ(s.Value("persona_model_info{shop=\"default\",version=\"" + trained.version() +
                    "\"}"),
            1)
      << scraped->body;
  EXPECT_GE(s.Value("persona_model_age_seconds{shop=\"default\"}"), 0);
  EXPECT_GE(s.Value("persona_model_training_duration_seconds{shop=\"default\"}"), 0);
  EXPECT_GT(s.Value("persona_rocksdb_number_keys_written_total"), 320);
  EXPECT_GE(s.Value("persona_rocksdb_estimate_live_data_size"), 0);
  EXPECT_GE(s.Value("persona_admission_admitted_total{class=\"frontend\"}"), 2);
  EXPECT_GE(s.Value("persona_admission_queued{class=\"heavy\"}"), 0);
  EXPECT_GE(s.Value("persona_admission_shed_total{class=\"frontend\"}"), 0);
  EXPECT_GT(s.Value("process_resident_memory_bytes"), 0);
  EXPECT_GT(s.Value("process_cpu_seconds_total"), 0);

  ASSERT_EQ(server_->Stop(), 0);
  bool found_rpc = false, found_serving = false, found_stopped = false;
  for (const auto& line : JsonLines(ReadAll(log_path()))) {
    const std::string msg = Str(line, "msg");
    EXPECT_FALSE(Str(line, "ts").empty());
    EXPECT_FALSE(Str(line, "level").empty());
    if (msg == "rpc" && Str(line, "request_id") == "obs-req-42") {
      found_rpc = true;
      EXPECT_EQ(Str(line, "method"), "/persona.v1.RecommendService/Recommend");
      EXPECT_EQ(Str(line, "shop"), "default");
      EXPECT_EQ(Str(line, "code"), "OK");
      EXPECT_TRUE(line.fields().at("duration_ms").has_number_value());
    }
    if (msg == "serving") {
      found_serving = true;
      EXPECT_EQ(line.fields().at("port").number_value(), server_->port());
      EXPECT_EQ(line.fields().at("metrics_port").number_value(), port);
    }
    found_stopped = found_stopped || msg == "stopped";
  }
  EXPECT_TRUE(found_rpc && found_serving && found_stopped) << ReadAll(log_path());
}

TEST_F(ObservabilityTest, TheDefaultAccessLogHasFailuresOnly) {
  Start({"--log_format=json"});
  v1::UpsertItemsRequest good;
  *good.add_items() = MakeItem("i1", {"Home"}, 5);
  v1::RecommendRequest bad;
  bad.set_count(101);
  v1::RecommendResponse rejected;
  v1::UpsertItemsResponse ignored;
  auto ok_ctx = Ctx();
  ok_ctx->AddMetadata("x-request-id", "fine-call");
  ASSERT_TRUE(client_->catalog->UpsertItems(ok_ctx.get(), good, &ignored).ok());
  auto bad_ctx = Ctx();
  bad_ctx->AddMetadata("x-request-id", "bad-call");
  ASSERT_FALSE(client_->recommend->Recommend(bad_ctx.get(), bad, &rejected).ok());
  ASSERT_EQ(server_->Stop(), 0);
  std::vector<std::string> logged_ids;
  for (const auto& line : JsonLines(ReadAll(log_path()))) {
    if (Str(line, "msg") != "rpc") continue;
    logged_ids.push_back(Str(line, "request_id"));
    EXPECT_EQ(Str(line, "code"), "INVALID_ARGUMENT");
    EXPECT_EQ(Str(line, "level"), "warning");
    EXPECT_FALSE(Str(line, "error").empty());
  }
  EXPECT_EQ(logged_ids, std::vector<std::string>{"bad-call"});
}

TEST_F(ObservabilityTest, EnvironmentOverridesTheFileAndFlagsOverrideBoth) {
  const std::string config = dir_.path() + "/persona.textproto";
  std::ofstream(config) << "server { default_shop: \"fromfile\" }\n";
  Start({"--config=" + config}, {"PERSONA_SERVER_DEFAULT_SHOP=fromenv"});
  v1::TrackEventsRequest track;
  *track.add_events() = MakeEvent("c1", v1::PRODUCT_VIEW, {"i1"});
  v1::TrackEventsResponse tracked;
  ASSERT_TRUE(client_->events->TrackEvents(Ctx().get(), track, &tracked).ok());
  EXPECT_EQ(Shops(), std::vector<std::string>{"fromenv"});
  ASSERT_EQ(server_->Stop(), 0);

  Start({"--config=" + config, "--set=server.default_shop=fromflag"},
        {"PERSONA_SERVER_DEFAULT_SHOP=fromenv"});
  ASSERT_TRUE(client_->events->TrackEvents(Ctx().get(), track, &tracked).ok());
  EXPECT_EQ(Shops(), (std::vector<std::string>{"fromenv", "fromflag"}));
}

TEST(ObservabilityCommandLineTest, BadOverridesStopTheStartNamingTheSetting) {
  TempDir dir;
  const std::string server = "'" + ServerBinary() + "' --listen=127.0.0.1:0 --data_dir='" +
                             dir.path() + "/data'";
  struct Case {
    std::string command;
    std::vector<std::string> mentions;
  };
  const std::vector<Case> cases = {
      {"PERSONA_TRAINING_FACTORS=many " + server,
       {"training.factors", "PERSONA_TRAINING_FACTORS", "int32"}},
      {server + " --set=storage.block_cache_mb=lots", {"storage.block_cache_mb", "--set"}},
      {server + " --set=storage.nope=1", {"storage.nope", "unknown"}},
      {server + " --log_format=yaml", {"observability.log_format", "JSON"}},
      {server + " --set=training.factors=4", {"training.factors", "between 8 and 256"}},
  };
  for (const Case& c : cases) {
    auto [code, out] = RunShell(c.command + " 2>&1");
    EXPECT_EQ(code, 2) << c.command << "\n" << out;
    for (const std::string& m : c.mentions) {
      EXPECT_NE(out.find(m), std::string::npos) << c.command << "\n" << out;
    }
  }
}

TEST(ObservabilityCommandLineTest, HelpDocumentsEverySetting) {
  auto [code, out] = RunShell("'" + ServerBinary() + "' --help 2>&1");
  EXPECT_NE(out.find("--set"), std::string::npos);
  EXPECT_NE(out.find("--metrics_listen"), std::string::npos) << out;
  for (const server::ConfigSetting& s : server::ConfigSettings()) {
    EXPECT_NE(out.find("  " + s.path + "  ("), std::string::npos) << s.path << "\n" << out;
    if (s.overridable()) EXPECT_NE(out.find(s.env_var), std::string::npos) << s.env_var;
  }
  EXPECT_NE(out.find("Block cache size in MiB"), std::string::npos);  // config.proto's comment
}

}  // namespace
}  // namespace persona::testing
