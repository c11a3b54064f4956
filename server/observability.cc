#include "server/observability.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/config.h"
#include "server/log.h"
#include "server/observability_hooks.h"
#include "server/process_stats.h"

#ifndef PERSONA_VERSION
#define PERSONA_VERSION "unknown"
#endif

namespace persona::server {

void CollectShops(ShopRegistry& shops, const Clock& clock, MetricsSink& sink) {
  const double now_seconds = static_cast<double>(clock.NowMs()) / 1000;
  for (Shop* shop : shops.Loaded()) {
    const MetricLabels labels = {{"shop", shop->name()}};
    sink.Counter("persona_events_ingested_total",
                 "Events stored (duplicates not counted) since the process started, by shop.",
                 labels, static_cast<double>(shop->events_since_start.load()));
    std::shared_ptr<const ServingModel> model = shop->model();
    if (model == nullptr) continue;
    sink.Gauge("persona_model_info", "The model a shop serves: 1, labelled with its version.",
               {{"shop", shop->name()}, {"version", model->version}}, 1);
    sink.Gauge("persona_model_age_seconds", "Seconds since the served model was trained.",
               labels, now_seconds - static_cast<double>(model->trained_time_ms) / 1000);
    sink.Gauge("persona_model_training_duration_seconds",
               "How long training the served model took.", labels, model->training_seconds);
    sink.Gauge("persona_model_users", "Customers and sessions the served model has vectors for.",
               labels, static_cast<double>(model->users));
    sink.Gauge("persona_model_interactions", "Interactions the served model was trained on.",
               labels, static_cast<double>(model->interactions));
  }
}

std::string StorageMetricName(const storage::StorageStatistic& statistic) {
  std::string_view name = statistic.name;
  if (name.substr(0, 8) == "rocksdb.") name.remove_prefix(8);
  std::string out = "persona_rocksdb_";
  for (char c : name) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    out.push_back(keep ? c : '_');
  }
  if (statistic.cumulative) out.append("_total");
  return out;
}

void CollectStorage(storage::Database& db, MetricsSink& sink) {
  for (const storage::StorageStatistic& s : db.Statistics()) {
    const std::string name = StorageMetricName(s);
    const std::string help = absl::StrCat("RocksDB's ", s.name,
                                          s.cumulative ? " since the database opened." : ".");
    if (s.cumulative) {
      sink.Counter(name, help, {}, s.value);
    } else {
      sink.Gauge(name, help, {}, s.value);
    }
  }
}

void CollectProcess(MetricsSink& sink) {
  std::optional<ProcessStats> p = ReadProcessStats();
  if (!p) return;
  sink.Counter("process_cpu_seconds_total", "User and system CPU time spent, in seconds.", {},
               p->cpu_seconds);
  sink.Gauge("process_resident_memory_bytes", "Resident memory size in bytes.", {},
             p->resident_bytes);
  sink.Gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", {},
             p->virtual_bytes);
  sink.Gauge("process_start_time_seconds", "Start time of the process since the epoch, in seconds.",
             {}, p->start_time_seconds);
  sink.Gauge("process_open_fds", "Open file descriptors.", {}, p->open_fds);
  sink.Gauge("process_max_fds", "The limit of open file descriptors.", {}, p->max_fds);
  sink.Gauge("process_threads", "Threads of the process.", {}, p->threads);
}

Observability::Observability(const cfg::ObservabilityConfig& config, ObservedServer server)
    : config_(config), server_(server), metrics_(std::make_unique<PromMetrics>()) {}

Observability::~Observability() { Stop(); }

absl::StatusOr<std::unique_ptr<Observability>> Observability::Start(
    const cfg::ObservabilityConfig& config, ObservedServer server) {
  std::unique_ptr<Observability> o(new Observability(config, server));
  o->metrics_->AddCollector([](MetricsSink& sink) {
    sink.Gauge("persona_build_info", "1, labelled with the server's version.",
               {{"version", PERSONA_VERSION}}, 1);
  });
  if (server.shops != nullptr && server.clock != nullptr) {
    o->metrics_->AddCollector([server](MetricsSink& sink) {
      CollectShops(*server.shops, *server.clock, sink);
    });
  }
  if (server.db != nullptr) {
    o->metrics_->AddCollector([db = server.db](MetricsSink& sink) { CollectStorage(*db, sink); });
  }
  o->metrics_->AddCollector(CollectProcess);
  if (config.metrics_listen_address().empty()) return o;
  ASSIGN_OR_RETURN(HttpServerOptions options,
                   ParseListenAddress(config.metrics_listen_address(),
                                      "observability.metrics_listen_address"));
  ASSIGN_OR_RETURN(o->listener_, HttpServer::Start(options));
  PromMetrics* metrics = o->metrics_.get();
  o->listener_->Handle("GET", "/metrics", [metrics](const HttpRequest&) {
    HttpResponse response;
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = metrics->Scrape();
    return response;
  });
  if (!config.metrics_port_file().empty()) {
    RETURN_IF_ERROR(WritePortFile(config.metrics_port_file(), o->listener_->port()));
  }
  LogInfo("metrics listener started",
          {{"address", absl::StrCat(options.host, ":", o->listener_->port())}, {"path", "/metrics"}});
  return o;
}

void Observability::AddHooks(CallGate& gate) {
  gate.Add(std::make_unique<RpcMetricsHook>(metrics_.get()));
  gate.Add(std::make_unique<AccessLogHook>(AccessLogOptionsOf(config_), server_.clock != nullptr
                                                                            ? server_.clock
                                                                            : Clock::Real()));
}

int Observability::metrics_port() const { return listener_ != nullptr ? listener_->port() : 0; }

void Observability::Stop() {
  if (listener_ != nullptr) listener_->Stop();
}

}  // namespace persona::server
