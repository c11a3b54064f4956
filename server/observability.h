// Observability of persona-server, put together from the config's
// observability section: the log format, the rpc metrics and access-log
// hooks for the CallGate, collectors for shops and models, RocksDB and the
// process, and the HTTP listener that serves GET /metrics to Prometheus.
// docs/OPERATIONS.md ("Observability") lists the metrics and log fields.
//
// Thread-safe after Start returns; the listener runs on a thread of its own
// until Stop or destruction.
#ifndef PERSONA_SERVER_OBSERVABILITY_H_
#define PERSONA_SERVER_OBSERVABILITY_H_

#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "persona/config/v1/config.pb.h"
#include "server/call_gate.h"
#include "server/http_server.h"
#include "server/observability_config.h"
#include "server/prom_metrics.h"
#include "server/shop_registry.h"
#include "storage/database.h"

namespace persona::server {

namespace cfg = ::persona::config::v1;

// What the collectors read; pointers not owned, they must outlive the
// Observability.
struct ObservedServer {
  storage::Database* db = nullptr;
  ShopRegistry* shops = nullptr;
  const Clock* clock = nullptr;
};

class Observability {
 public:
  // Builds the metrics and, when observability.metrics_listen_address is
  // set, serves them (writing metrics_port_file once bound). UNAVAILABLE
  // naming the address when it cannot be bound.
  static absl::StatusOr<std::unique_ptr<Observability>> Start(
      const cfg::ObservabilityConfig& config, ObservedServer server);
  ~Observability();

  // Adds the rpc metrics and access-log hooks to `gate`. Call it right after
  // creating the gate, before any other hook.
  void AddHooks(CallGate& gate);

  // The registry, for collectors of other parts of the server (e.g.
  // admission control's queue depths); add them before serving starts.
  PromMetrics& metrics() { return *metrics_; }

  // The bound metrics port, 0 when the listener is off.
  int metrics_port() const;

  // Stops the listener; idempotent.
  void Stop();

 private:
  Observability(const cfg::ObservabilityConfig& config, ObservedServer server);

  const cfg::ObservabilityConfig config_;
  const ObservedServer server_;
  std::unique_ptr<PromMetrics> metrics_;
  std::unique_ptr<HttpServer> listener_;
};

// The collectors Start adds, for tests: persona_events_ingested_total and
// persona_model_* per loaded shop; persona_rocksdb_* from Database::Statistics;
// process_* from /proc/self; persona_build_info.
void CollectShops(ShopRegistry& shops, const Clock& clock, MetricsSink& sink);
void CollectStorage(storage::Database& db, MetricsSink& sink);
void CollectProcess(MetricsSink& sink);

// Returns the Prometheus name of a RocksDB figure: "rocksdb.block.cache.hit"
// (cumulative) becomes "persona_rocksdb_block_cache_hit_total",
// "rocksdb.estimate-live-data-size" "persona_rocksdb_estimate_live_data_size".
std::string StorageMetricName(const storage::StorageStatistic& statistic);

}  // namespace persona::server

#endif  // PERSONA_SERVER_OBSERVABILITY_H_
