// persona-server: the Persona personalization server.
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/decay.h"
#include "common/status_macros.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "server/admission_metrics.h"
#include "server/api.h"
#include "server/cluster_api.h"
#include "server/config.h"
#include "server/config_overrides.h"
#include "server/dashboard.h"
#include "server/demo_import.h"
#include "server/grpc_cluster.h"
#include "server/grpc_operations.h"
#include "server/grpc_services.h"
#include "server/json_gateway.h"
#include "server/log.h"
#include "server/marketing.h"
#include "server/observability.h"
#include "server/offline_commands.h"
#include "server/overload.h"
#include "server/security.h"
#include "server/page_api.h"
#include "server/shop_registry.h"
#include "server/tracker.h"
#include "server/trainer.h"
#include "server/training_worker.h"
#include "storage/database.h"

ABSL_FLAG(std::string, config, "", "Text-format persona.config.v1.Config file (all settings).");
ABSL_FLAG(std::string, listen, "", "host:port for gRPC; overrides server.listen_address. Port 0 picks a free port.");
ABSL_FLAG(std::string, data_dir, "", "RocksDB directory; overrides storage.data_dir.");
ABSL_FLAG(std::string, port_file, "", "Write the bound port here once serving; overrides server.port_file.");
ABSL_FLAG(std::string, demo_csv, "", "Online Retail CSV(.gz) to load into the demo shop when the store is empty; overrides demo.online_retail_csv.");
ABSL_FLAG(std::string, default_shop, "", "Shop used when a request names none; overrides server.default_shop.");
ABSL_FLAG(std::string, http_listen, "", "host:port for HTTP (open-time email links); overrides http.listen_address. Port 0 picks a free port.");
ABSL_FLAG(std::string, http_port_file, "", "Write the bound HTTP port here; overrides http.port_file.");
ABSL_FLAG(std::string, public_base_url, "", "The URL email links point at, e.g. https://persona.shop.example; overrides http.public_base_url.");
ABSL_FLAG(std::string, metrics_listen, "", "host:port for Prometheus metrics (GET /metrics); overrides observability.metrics_listen_address. Port 0 picks a free port.");
ABSL_FLAG(std::string, log_format, "", "json, text or auto (text on a terminal); overrides observability.log_format.");
// Only for --help: main() takes every --set out of argv before absl parses it.
ABSL_FLAG(std::vector<std::string>, set, {}, "path=value, e.g. storage.block_cache_mb=512: sets any setting listed above; repeatable, applied after the other flags.");

namespace persona::server {
namespace {

namespace cfg = ::persona::config::v1;

// The --set arguments in order (absl keeps only the last of a repeated flag).
std::vector<std::string>& SetArguments() {
  static auto* arguments = new std::vector<std::string>();
  return *arguments;
}

absl::StatusOr<cfg::Config> LoadConfig() {
  ASSIGN_OR_RETURN(cfg::Config config, ReadConfigFile(absl::GetFlag(FLAGS_config)));
  // Precedence: the file, then PERSONA_* variables, then the flags, --set last.
  std::vector<std::string> unknown;
  RETURN_IF_ERROR(ApplyEnvironmentOverrides(config, ProcessEnvironment(), &unknown));
  for (const auto& name : unknown) LogWarning("unknown setting variable ignored", {{"name", name}});
  if (auto v = absl::GetFlag(FLAGS_listen); !v.empty()) config.mutable_server()->set_listen_address(v);
  if (auto v = absl::GetFlag(FLAGS_data_dir); !v.empty()) config.mutable_storage()->set_data_dir(v);
  if (auto v = absl::GetFlag(FLAGS_port_file); !v.empty()) config.mutable_server()->set_port_file(v);
  if (auto v = absl::GetFlag(FLAGS_demo_csv); !v.empty()) config.mutable_demo()->set_online_retail_csv(v);
  if (auto v = absl::GetFlag(FLAGS_default_shop); !v.empty()) config.mutable_server()->set_default_shop(v);
  if (auto v = absl::GetFlag(FLAGS_http_listen); !v.empty()) config.mutable_http()->set_listen_address(v);
  if (auto v = absl::GetFlag(FLAGS_http_port_file); !v.empty()) config.mutable_http()->set_port_file(v);
  if (auto v = absl::GetFlag(FLAGS_public_base_url); !v.empty()) config.mutable_http()->set_public_base_url(v);
  if (auto v = absl::GetFlag(FLAGS_metrics_listen); !v.empty()) config.mutable_observability()->set_metrics_listen_address(v);
  if (auto v = absl::GetFlag(FLAGS_log_format); !v.empty()) RETURN_IF_ERROR(SetConfigField(config, "observability.log_format", v, "--log_format"));
  RETURN_IF_ERROR(ApplySetOverrides(config, SetArguments()));
  ApplyDefaults(config);
  RETURN_IF_ERROR(ValidateConfig(config));
  return config;
}

storage::DatabaseOptions ToDatabaseOptions(const cfg::Config& c) {
  storage::DatabaseOptions o;
  o.path = c.storage().data_dir();
  o.sync_every_write = c.storage().sync() == cfg::EVERY_WRITE;
  o.max_events_per_subject = c.storage().max_events_per_subject();
  o.block_cache_mb = c.storage().block_cache_mb();
  o.aggregation.popularity_half_life_ms = DaysToMs(c.popularity().popularity_half_life_days());
  o.aggregation.trending_half_life_ms = DaysToMs(c.popularity().trending_half_life_days());
  o.aggregation.affinity_half_life_ms = DaysToMs(c.popularity().affinity_half_life_days());
  o.aggregation.attribution_window_ms = int64_t{c.attribution().attribution_window_hours()} * 3'600'000;
  return o;
}

absl::Status LoadDemoIfEmpty(const cfg::Config& config, storage::Database& db, PersonaApi& api,
                             const Clock& clock) {
  const std::string& path = config.demo().online_retail_csv();
  if (path.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::vector<std::string> shops, db.ListShops());
  if (!shops.empty()) return absl::OkStatus();
  LogInfo("empty store: loading the demo shop", {{"shop", config.demo().shop()}, {"path", path}});
  ASSIGN_OR_RETURN(importer::ImportReport report,
                   ImportDemoShop(api, config.demo().shop(), path,
                                  config.demo().shift_to_now() ? clock.NowMs() : 0));
  LogInfo("demo shop loaded", {{"shop", config.demo().shop()}, {"items", report.items},
                               {"customers", report.customers}, {"events", report.events},
                               {"rejected_rows", report.rejected}});
  return absl::OkStatus();
}

int Run() {
  absl::StatusOr<cfg::Config> config = LoadConfig();
  if (!config.ok()) {
    LogError("invalid config", {{"error", config.status().message()}});
    return 2;
  }
  ApplyLogConfig(config->observability());
  if (std::optional<int> code = RunOfflineCommand(*config)) return *code;  // restore, repair
  // Block the stop signals in every thread; main waits for them with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGHUP);  // reload the config
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  const Clock* clock = Clock::Real();
  absl::StatusOr<std::unique_ptr<Security>> security = Security::Create(*config, clock);
  if (!security.ok()) {
    LogError("invalid config", {{"error", security.status().message()}});
    return 2;
  }
  storage::DatabaseOptions db_options = ToDatabaseOptions(*config);
  db_options.clock = clock;
  absl::StatusOr<std::unique_ptr<storage::Database>> db = storage::Database::Open(db_options);
  if (!db.ok()) {
    LogError("cannot open the store", {{"path", db_options.path}, {"error", db.status()}});
    return 1;
  }
  ShopOptions shop_options;
  shop_options.popularity.popularity_half_life_ms = db_options.aggregation.popularity_half_life_ms;
  shop_options.popularity.trending_half_life_ms = db_options.aggregation.trending_half_life_ms;
  shop_options.exploration_share = config->training().exploration_share();
  ShopRegistry shops(db->get(), shop_options, clock);
  absl::StatusOr<std::unique_ptr<Observability>> observability =  // metrics, access log
      Observability::Start(config->observability(), {db->get(), &shops, clock});
  if (!observability.ok()) {
    LogError("cannot serve metrics", {{"error", observability.status()}});
    return 1;
  }
  TrainerOptions trainer_options = DefaultTrainerOptions();
  ApplyTrainingConfig(config->training(), trainer_options);
  Trainer trainer(db->get(), &shops, trainer_options, clock);
  PersonaApi api(*config, db->get(), &shops, clock);
  absl::StatusOr<std::unique_ptr<PageApi>> page =
      PageApi::Create(*config, &api, db->get(), &shops, clock);
  if (!page.ok()) {
    LogError("invalid config", {{"error", page.status().message()}});
    return 2;
  }
  absl::StatusOr<std::unique_ptr<Marketing>> marketing =
      Marketing::Create(*config, &api, page->get(), db->get(), &shops, clock);
  if (!marketing.ok()) {
    LogError(absl::IsInvalidArgument(marketing.status()) ? "invalid config" : "cannot start",
             {{"error", marketing.status().message()}});
    return absl::IsInvalidArgument(marketing.status()) ? 2 : 1;
  }
  api.SetCustomerDataHooks(MarketingCustomerHooks(marketing->get(), db->get(), &shops, clock));
  OperationsApi operations(OperationsOptionsFrom(*config), db->get(), clock);  // backups, retention
  operations.Start();
  // Re-reads the config file; on any problem the running config stays.
  auto reload = [&page, &security, clock](v1::ReloadConfigResponse* response) -> absl::Status {
    ASSIGN_OR_RETURN(cfg::Config next, LoadConfig());
    RETURN_IF_ERROR((*page)->Reload(next));
    RETURN_IF_ERROR((*security)->Reload(next));
    response->set_config_file(absl::GetFlag(FLAGS_config));
    for (const Placement* p : (*page)->placements()->All()) response->add_placements(p->name);
    response->set_reloaded_time_ms(clock->NowMs());
    LogInfo("config reloaded", {{"placements", response->placements_size()}});
    return absl::OkStatus();
  };
  if (absl::Status s = LoadDemoIfEmpty(*config, **db, api, *clock); !s.ok()) {
    LogError("demo import failed", {{"error", s}});
    return 1;
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(config->server().listen_address(), (*security)->server_credentials(),
                           &port);
  builder.SetMaxReceiveMessageSize(config->limits().max_message_bytes());
  LimitServer(config->overload(), builder);
  // Models: stored ones serve at once; shops without one train in the background,
  // unless the replica only serves what `persona cluster train` publishes.
  const bool publish_only = config->cluster().publish_only();
  TrainingWorker worker(&trainer, db->get(), &shops,
                        publish_only ? 0 : int64_t{config->training().interval_minutes()} * 60'000,
                        config->training().ann_min_items(), clock);
  if (publish_only) {
    LoadPublishedModels(trainer, **db);
    worker.RefuseRequests(
        "this replica is cluster.publish_only: its models come from `persona cluster train` "
        "through PublishModel (docs/SCALE_OUT.md); train there");
  } else {
    worker.LoadOrQueueAll();
  }
  std::thread training_thread([&worker] { worker.Run(); });
  MetricsApi metrics(db->get(), clock, {.default_shop = config->server().default_shop()});
  // Every rpc passes the gate; the operations hooks (auth, limits, metrics) join it here.
  CallGate gate(config->server().default_shop());
  (*observability)->AddHooks(gate);  // first: they see every call, rejected ones too
  (*security)->AddHooks(gate);
  Admission* admission = AddAdmission(config->overload(), clock, gate);  // after auth and rate limits
  (*observability)->metrics().AddCollector(AdmissionCollector(admission));
  auto services = MakeServices({.gate = &gate, .api = &api, .page = page->get(),
                                .metrics = &metrics, .worker = &worker, .reload_config = reload});
  for (auto& service : (*marketing)->Services(&gate)) services.push_back(std::move(service));
  ClusterApi cluster({config->cluster().replica_name(), trainer_options}, &api, db->get(), &shops);
  services.push_back(MakeClusterService(&cluster, &gate));
  services.push_back(MakeOperationsService(&operations, &gate));
  for (auto& service : services) builder.RegisterService(service.get());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    LogError("cannot listen", {{"address", config->server().listen_address()}});
    worker.Stop();
    training_thread.join();
    return 1;
  }
  server->GetHealthCheckService()->SetServingStatus(true);
  if (!config->server().port_file().empty()) {
    if (absl::Status s = WritePortFile(config->server().port_file(), port); !s.ok()) {
      LogError("cannot write the port file", {{"error", s}});
      server->Shutdown();
      worker.Stop();
      training_thread.join();
      return 1;
    }
  }
  if (absl::Status s = (*marketing)->Start(*config); !s.ok()) {
    LogError("cannot start", {{"error", s}});
    server->Shutdown();
    worker.Stop();
    training_thread.join();
    return 1;
  }
  // The HTTP/JSON API: each request is a call on the in-process channel, through the gate.
  if (HttpServer* http = (*marketing)->http(); http != nullptr) {
    JsonGatewayOptions json_options;
    json_options.cors_origins.assign(config->http().cors_origins().begin(),
                                     config->http().cors_origins().end());
    RegisterJsonGateway(*http, server->InProcessChannel(grpc::ChannelArguments()), json_options);
    RegisterDashboard(*http);  // GET /admin/, the admin dashboard
    RegisterTracker(*http);  // GET /persona.js, the browser tracker and widget
    // Written once every route is in, so whoever waits for it finds them all.
    if (const std::string& file = config->http().port_file(); !file.empty()) {
      if (absl::Status s = WritePortFile(file, http->port()); !s.ok()) {
        LogError("cannot write the HTTP port file", {{"error", s}});
        (*marketing)->Stop();
        server->Shutdown();
        worker.Stop();
        training_thread.join();
        return 1;
      }
    }
  }
  LogInfo("serving", {{"port", port}, {"metrics_port", (*observability)->metrics_port()},
                      {"data_dir", db_options.path}});

  int signal = 0;
  while (sigwait(&stop_signals, &signal) == 0 && signal == SIGHUP) {
    v1::ReloadConfigResponse ignored;
    if (absl::Status s = reload(&ignored); !s.ok()) {
      LogWarning("config reload refused, keeping the running config", {{"error", s.message()}});
    }
  }
  LogInfo("draining", {{"signal", signal}});
  const int64_t drain_start = clock->NowMs();
  DrainServer(config->overload(), *server, *admission);  // NOT_SERVING, refuse, grace, cancel
  (*marketing)->Stop();
  operations.Stop();
  worker.Stop();
  training_thread.join();
  const int64_t flush_start = clock->NowMs();
  if (absl::Status s = (*db)->Flush(); !s.ok()) {
    LogError("flush failed", {{"error", s}});
    return 1;
  }
  LogInfo("stopped", {{"drain_ms", flush_start - drain_start},
                      {"flush_ms", clock->NowMs() - flush_start}});
  return 0;
}

}  // namespace
}  // namespace persona::server

int main(int argc, char** argv) {
  persona::server::SetLogFormat(persona::server::AutoLogFormat());
  persona::server::SetArguments() = persona::server::TakeSetArguments(argc, argv);
  absl::SetProgramUsageMessage(absl::StrCat(
      "persona-server [--config=FILE] [--listen=host:port] [--data_dir=DIR] [--set=path=value] ...\n"
      "Serves Persona's gRPC API. Every setting lives in the config file "
      "(persona.config.v1.Config, text format; see deploy/persona.textproto); "
      "the flags below override the most common ones.\n",
      persona::server::ConfigHelp()));
  absl::FlagsUsageConfig usage;  // --help lists the server's own flags, not only --helpfull
  usage.contains_help_flags = [](absl::string_view file) { return absl::StrContains(file, "server/"); };
  usage.contains_helpshort_flags = usage.contains_help_flags;
  usage.normalize_filename = [](absl::string_view file) {
    const size_t at = file.rfind("server/");
    return std::string(at == absl::string_view::npos ? file : file.substr(at));
  };
  absl::SetFlagsUsageConfig(usage);
  absl::ParseCommandLine(argc, argv);
  // Debian's abseil checks every Mutex acquisition for lock-order cycles, a
  // debugging aid that costs ~15% of an empty call; tests keep it on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return persona::server::Run();
}
