// persona-server's Prometheus metrics: the one registry (prometheus-cpp,
// kept out of this header) with the per-rpc counters and latency histograms
// recorded as calls end, plus collectors that read the rest (models, storage,
// admission, the process) when /metrics is scraped. The text it renders is
// Prometheus' text exposition format 0.0.4.
//
// Metric names and labels are listed in docs/OPERATIONS.md ("Observability").
//
// Thread-safe: RecordRpc and Scrape may run concurrently from any thread;
// collectors are added before serving starts.
#ifndef PERSONA_SERVER_PROM_METRICS_H_
#define PERSONA_SERVER_PROM_METRICS_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "server/call_gate.h"

namespace persona::server {

// Label names and values of one series, e.g. {{"shop", "demo"}}.
using MetricLabels = std::vector<std::pair<std::string, std::string>>;

// What a collector writes at scrape time. Samples of one metric name form
// one family; its help and type are taken from the first sample.
class MetricsSink {
 public:
  virtual ~MetricsSink() = default;
  // A value that goes up and down (a queue depth, a model's age).
  virtual void Gauge(std::string_view name, std::string_view help, const MetricLabels& labels,
                     double value) = 0;
  // A value that only grows while the process lives; `name` ends in "_total".
  virtual void Counter(std::string_view name, std::string_view help, const MetricLabels& labels,
                       double value) = 0;
};

// Reads some part of the server into the sink; runs on each scrape, on the
// metrics listener's thread; must be thread-safe and quick.
using MetricsCollector = std::function<void(MetricsSink&)>;

// Upper bounds of the rpc latency histogram buckets, in seconds: 50 µs to 10 s.
const std::vector<double>& RpcLatencyBuckets();

class PromMetrics {
 public:
  PromMetrics();
  ~PromMetrics();
  PromMetrics(const PromMetrics&) = delete;
  PromMetrics& operator=(const PromMetrics&) = delete;

  // Counts a finished call of `rpc` (an entry of AllRpcs()) that ended with
  // `code` after `seconds`: persona_rpc_requests_total and
  // persona_rpc_duration_seconds, labelled {method, code}. Lock-free after
  // a (method, code) pair's first call.
  void RecordRpc(const RpcInfo& rpc, absl::StatusCode code, double seconds);

  // Adds a collector run on every scrape. Only before serving starts.
  void AddCollector(MetricsCollector collector);

  // Returns every metric in the text exposition format.
  std::string Scrape() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace persona::server

#endif  // PERSONA_SERVER_PROM_METRICS_H_
