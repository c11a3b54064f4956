#include "server/prom_metrics.h"

#include <atomic>
#include <map>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace persona::server {
namespace {

// absl::StatusCode values 0 (OK) .. 16 (UNAUTHENTICATED).
constexpr int kCodes = 17;

// Collects collector samples into metric families, in order of first use.
class FamilySink : public MetricsSink {
 public:
  explicit FamilySink(std::vector<prometheus::MetricFamily>* families) : families_(families) {}

  void Gauge(std::string_view name, std::string_view help, const MetricLabels& labels,
             double value) override {
    Add(name, help, prometheus::MetricType::Gauge, labels).gauge.value = value;
  }
  void Counter(std::string_view name, std::string_view help, const MetricLabels& labels,
               double value) override {
    Add(name, help, prometheus::MetricType::Counter, labels).counter.value = value;
  }

 private:
  prometheus::ClientMetric& Add(std::string_view name, std::string_view help,
                                prometheus::MetricType type, const MetricLabels& labels) {
    auto [it, added] = index_.try_emplace(std::string(name), families_->size());
    if (added) {
      prometheus::MetricFamily family;
      family.name = std::string(name);
      family.help = std::string(help);
      family.type = type;
      families_->push_back(std::move(family));
    }
    prometheus::ClientMetric& metric = (*families_)[it->second].metric.emplace_back();
    for (const auto& [label, value] : labels) metric.label.push_back({label, value});
    return metric;
  }

  std::vector<prometheus::MetricFamily>* families_;
  absl::flat_hash_map<std::string, size_t> index_;
};

}  // namespace

const std::vector<double>& RpcLatencyBuckets() {
  static const auto* buckets = new std::vector<double>{
      0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,    0.1,    0.25,    0.5,    1,     2.5,    5,     10};
  return *buckets;
}

class PromMetrics::Impl {
 public:
  Impl()
      : registry_(std::make_shared<prometheus::Registry>()),
        requests_(prometheus::BuildCounter()
                      .Name("persona_rpc_requests_total")
                      .Help("Finished rpcs by method and status code (rejected ones included).")
                      .Register(*registry_)),
        durations_(prometheus::BuildHistogram()
                       .Name("persona_rpc_duration_seconds")
                       .Help("Time from an rpc's arrival at the gate to its answer, by method and "
                             "status code.")
                       .Register(*registry_)),
        slots_(std::make_unique<Slot[]>(AllRpcs().size() * kCodes)) {}

  // One (method, code) pair's series; created on first use, then read
  // without a lock.
  struct Slot {
    std::atomic<prometheus::Counter*> counter{nullptr};
    prometheus::Histogram* histogram = nullptr;  // written before `counter`
  };

  Slot& SlotFor(const RpcInfo& rpc, absl::StatusCode code) {
    const size_t method = static_cast<size_t>(&rpc - AllRpcs().data());
    int c = static_cast<int>(code);
    if (c < 0 || c >= kCodes) c = static_cast<int>(absl::StatusCode::kUnknown);
    Slot& slot = slots_[method * kCodes + c];
    if (slot.counter.load(std::memory_order_acquire) != nullptr) return slot;
    absl::MutexLock lock(&mu_);
    if (slot.counter.load(std::memory_order_relaxed) == nullptr) {
      const std::map<std::string, std::string> labels = {
          {"method", std::string(rpc.method)},
          {"code", absl::StatusCodeToString(static_cast<absl::StatusCode>(c))}};
      slot.histogram = &durations_.Add(labels, RpcLatencyBuckets());
      slot.counter.store(&requests_.Add(labels), std::memory_order_release);
    }
    return slot;
  }

  const std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& durations_;
  const std::unique_ptr<Slot[]> slots_;
  absl::Mutex mu_;  // serialises the creation of series
  std::vector<MetricsCollector> collectors_;
};

PromMetrics::PromMetrics() : impl_(std::make_unique<Impl>()) {}
PromMetrics::~PromMetrics() = default;

void PromMetrics::RecordRpc(const RpcInfo& rpc, absl::StatusCode code, double seconds) {
  if (&rpc < AllRpcs().data() || &rpc >= AllRpcs().data() + AllRpcs().size()) return;
  Impl::Slot& slot = impl_->SlotFor(rpc, code);
  slot.counter.load(std::memory_order_acquire)->Increment();
  slot.histogram->Observe(seconds);
}

void PromMetrics::AddCollector(MetricsCollector collector) {
  impl_->collectors_.push_back(std::move(collector));
}

std::string PromMetrics::Scrape() const {
  std::vector<prometheus::MetricFamily> families = impl_->registry_->Collect();
  std::vector<prometheus::MetricFamily> collected;
  {
    FamilySink sink(&collected);
    for (const MetricsCollector& collector : impl_->collectors_) collector(sink);
  }
  for (auto& family : collected) families.push_back(std::move(family));
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace persona::server
