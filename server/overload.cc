#include "server/overload.h"

#include <chrono>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/resource_quota.h"
#include "server/log.h"

namespace persona::server {
namespace {

namespace cfg = ::persona::config::v1;

absl::Status Field(const char* name, int64_t low, int64_t high) {
  return absl::InvalidArgumentError(absl::StrCat(
      "config overload.", name, ": must be between ", low, " and ", high));
}

}  // namespace

void ApplyOverloadDefaults(cfg::Config& config) {
  cfg::OverloadConfig* o = config.mutable_overload();
  const AdmissionOptions defaults;
  auto fill = [](int32_t value, int32_t fallback) {
    return value == 0 ? fallback : value;
  };
  o->set_max_frontend_calls(
      fill(o->max_frontend_calls(), defaults.max_in_flight[0]));
  o->set_max_streams(fill(o->max_streams(), defaults.max_in_flight[1]));
  o->set_max_heavy_calls(fill(o->max_heavy_calls(), defaults.max_in_flight[2]));
  o->set_max_other_calls(fill(o->max_other_calls(), defaults.max_in_flight[3]));
  if (!o->has_max_queued_calls()) o->set_max_queued_calls(defaults.max_queued);
  o->set_max_queue_wait_ms(fill(o->max_queue_wait_ms(),
                                static_cast<int32_t>(absl::ToInt64Milliseconds(
                                    defaults.max_queue_wait))));
  if (!o->has_min_deadline_ms()) {
    o->set_min_deadline_ms(
        static_cast<int32_t>(absl::ToInt64Milliseconds(defaults.min_deadline)));
  }
  o->set_max_grpc_threads(fill(o->max_grpc_threads(), 64));
  o->set_max_concurrent_streams(fill(o->max_concurrent_streams(), 256));
  if (!o->has_drain_delay_ms()) o->set_drain_delay_ms(1000);
  if (!o->has_grace_period_ms()) o->set_grace_period_ms(10000);
}

absl::Status ValidateOverloadConfig(const cfg::Config& config) {
  const cfg::OverloadConfig& o = config.overload();
  const struct {
    const char* name;
    int64_t value, low, high;
  } checks[] = {
      {"max_frontend_calls", o.max_frontend_calls(), 1, 100000},
      {"max_streams", o.max_streams(), 1, 100000},
      {"max_heavy_calls", o.max_heavy_calls(), 1, 1000},
      {"max_other_calls", o.max_other_calls(), 1, 100000},
      {"max_queued_calls", o.max_queued_calls(), 0, 1000},
      {"max_queue_wait_ms", o.max_queue_wait_ms(), 1, 10000},
      {"min_deadline_ms", o.min_deadline_ms(), 0, 60000},
      {"max_grpc_threads", o.max_grpc_threads(), 8, 10000},
      {"max_concurrent_streams", o.max_concurrent_streams(), 1, 100000},
      {"drain_delay_ms", o.drain_delay_ms(), 0, 600000},
      {"grace_period_ms", o.grace_period_ms(), 0, 3600000},
  };
  for (const auto& c : checks) {
    if (c.value < c.low || c.value > c.high)
      return Field(c.name, c.low, c.high);
  }
  return absl::OkStatus();
}

AdmissionOptions AdmissionOptionsOf(const cfg::OverloadConfig& o) {
  AdmissionOptions options;
  options.max_in_flight = {o.max_frontend_calls(), o.max_streams(),
                           o.max_heavy_calls(), o.max_other_calls()};
  options.max_queued = o.max_queued_calls();
  options.max_queue_wait = absl::Milliseconds(o.max_queue_wait_ms());
  options.min_deadline = absl::Milliseconds(o.min_deadline_ms());
  return options;
}

void LimitServer(const cfg::OverloadConfig& config,
                 grpc::ServerBuilder& builder) {
  grpc::ResourceQuota quota("persona-server");
  quota.SetMaxThreads(config.max_grpc_threads());
  builder.SetResourceQuota(quota);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             config.max_concurrent_streams());
}

Admission* AddAdmission(const cfg::OverloadConfig& config, const Clock* clock,
                        CallGate& gate) {
  auto admission =
      std::make_unique<Admission>(AdmissionOptionsOf(config), clock);
  Admission* raw = admission.get();
  gate.Add(std::move(admission));
  return raw;
}

DrainReport DrainServer(const cfg::OverloadConfig& config, grpc::Server& server,
                        Admission& admission) {
  const absl::Time start = absl::Now();
  server.GetHealthCheckService()->SetServingStatus(false);
  absl::SleepFor(absl::Milliseconds(config.drain_delay_ms()));
  admission.BeginDrain();
  DrainReport report;
  report.cancelled = admission.AwaitIdle(
      absl::Now() + absl::Milliseconds(config.grace_period_ms()));
  if (report.cancelled > 0) {
    LogWarning("grace period over; cancelling the calls in flight",
               {{"calls", report.cancelled},
                {"grace_period_ms", config.grace_period_ms()}});
  }
  // Nothing gated is left (or its time is up). A deadline of now makes gRPC
  // cancel what remains (health watches, reflection) and close idle client
  // connections at once; with a later deadline it waited for connected
  // clients to drop their idle connections after its GOAWAY, which took
  // ~5 s per shutdown with one idle client connected.
  server.Shutdown(std::chrono::system_clock::now());
  report.took = absl::Now() - start;
  return report;
}

}  // namespace persona::server
