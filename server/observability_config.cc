#include "server/observability_config.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace persona::server {

namespace cfg = ::persona::config::v1;

void ApplyObservabilityDefaults(cfg::Config& config) {
  cfg::ObservabilityConfig* o = config.mutable_observability();
  if (o->log_format() == cfg::ObservabilityConfig::LOG_FORMAT_UNSPECIFIED) {
    o->set_log_format(cfg::ObservabilityConfig::AUTO);
  }
  if (o->access_log() == cfg::ObservabilityConfig::ACCESS_LOG_UNSPECIFIED) {
    o->set_access_log(cfg::ObservabilityConfig::ERRORS);
  }
  if (!o->has_slow_call_ms()) o->set_slow_call_ms(1000);
  if (!o->has_access_log_max_per_second()) o->set_access_log_max_per_second(100);
}

absl::StatusOr<HttpServerOptions> ParseListenAddress(const std::string& address,
                                                     const std::string& field) {
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("config ", field, ": \"", address, "\" is not host:port"));
  }
  HttpServerOptions options;
  options.host = address.substr(0, colon);
  // "[::1]:9464": the listener takes the address without brackets.
  if (options.host.size() > 2 && options.host.front() == '[' && options.host.back() == ']') {
    options.host = options.host.substr(1, options.host.size() - 2);
  }
  options.port = port;
  options.threads = 1;  // one scrape at a time is plenty
  return options;
}

absl::Status ValidateObservabilityConfig(const cfg::Config& config) {
  const cfg::ObservabilityConfig& o = config.observability();
  if (!o.metrics_listen_address().empty()) {
    absl::Status s =
        ParseListenAddress(o.metrics_listen_address(), "observability.metrics_listen_address")
            .status();
    if (!s.ok()) return s;
  }
  if (o.slow_call_ms() < 0 || o.slow_call_ms() > 3'600'000) {
    return absl::InvalidArgumentError(
        "config observability.slow_call_ms: must be between 0 and 3600000");
  }
  if (o.access_log_max_per_second() < 0 || o.access_log_max_per_second() > 1'000'000) {
    return absl::InvalidArgumentError(
        "config observability.access_log_max_per_second: must be between 0 and 1000000");
  }
  return absl::OkStatus();
}

LogFormat LogFormatOf(const cfg::ObservabilityConfig& config) {
  switch (config.log_format()) {
    case cfg::ObservabilityConfig::JSON:
      return LogFormat::kJson;
    case cfg::ObservabilityConfig::TEXT:
      return LogFormat::kText;
    default:
      return AutoLogFormat();
  }
}

void ApplyLogConfig(const cfg::ObservabilityConfig& config) { SetLogFormat(LogFormatOf(config)); }

AccessLogOptions AccessLogOptionsOf(const cfg::ObservabilityConfig& config) {
  AccessLogOptions options;
  switch (config.access_log()) {
    case cfg::ObservabilityConfig::ALL:
      options.mode = AccessLogOptions::Mode::kAll;
      break;
    case cfg::ObservabilityConfig::OFF:
      options.mode = AccessLogOptions::Mode::kOff;
      break;
    default:
      options.mode = AccessLogOptions::Mode::kErrors;
      break;
  }
  if (config.has_slow_call_ms()) options.slow = absl::Milliseconds(config.slow_call_ms());
  if (config.has_access_log_max_per_second()) {
    options.max_per_second = config.access_log_max_per_second();
  }
  return options;
}

}  // namespace persona::server
