#include "server/security.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/auth.h"
#include "server/log.h"
#include "server/rate_limit.h"
#include "server/tls.h"

namespace persona::server {
namespace {

namespace cfg = ::persona::config::v1;

constexpr int32_t kDefaultMaxStreamMessages = 100'000;
constexpr int32_t kMaxMaxStreamMessages = 100'000'000;

void Warn(const std::string& text) {
  LogWarning("insecure listener", {{"problem", text}});
}

// Says so when a listener is reachable from the network without keys or TLS.
void WarnIfExposed(const cfg::Config& config, const KeyTable& keys) {
  const std::string& grpc_address = config.server().listen_address();
  if (IsLoopbackAddress(grpc_address)) return;
  if (keys.empty()) {
    Warn(absl::StrCat("gRPC listens on ", grpc_address,
                      " without API keys: anyone who can "
                      "reach it may call every rpc (set security.api_keys)"));
  }
  if (config.security().tls().cert_file().empty()) {
    Warn(absl::StrCat("gRPC listens on ", grpc_address,
                      " without TLS: keys and data cross "
                      "the network in the clear unless a proxy encrypts them (set "
                      "security.tls)"));
  }
}

}  // namespace

void ApplySecurityDefaults(cfg::Config& config) {
  auto* limits = config.mutable_limits();
  if (limits->max_stream_messages() == 0)
    limits->set_max_stream_messages(kDefaultMaxStreamMessages);
}

absl::Status ValidateSecurityConfig(const cfg::Config& config) {
  const int32_t max_stream = config.limits().max_stream_messages();
  if (max_stream < 1 || max_stream > kMaxMaxStreamMessages) {
    return absl::InvalidArgumentError(absl::StrCat(
        "config limits.max_stream_messages: must be between 1 and ", kMaxMaxStreamMessages));
  }
  RETURN_IF_ERROR(KeyTable::Create(config.security()).status());
  return ValidateTlsConfig(config.security().tls());
}

absl::StatusOr<std::unique_ptr<Security>> Security::Create(const cfg::Config& config,
                                                           const Clock* clock) {
  ASSIGN_OR_RETURN(std::shared_ptr<const KeyTable> table, KeyTable::Create(config.security()));
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials,
                   GrpcServerCredentials(config.security().tls()));
  WarnIfExposed(config, *table);
  std::unique_ptr<Security> security(
      new Security(std::move(table), clock, config.limits().max_stream_messages()));
  security->credentials_ = std::move(credentials);
  return security;
}

void Security::AddHooks(CallGate& gate) {
  gate.Add(std::make_unique<AuthHook>(&keys_));
  gate.Add(std::make_unique<RateLimitHook>(&keys_, clock_));
  gate.Add(std::make_unique<StreamLimitHook>(max_stream_messages_));
}

absl::Status Security::Reload(const cfg::Config& config) {
  ASSIGN_OR_RETURN(std::shared_ptr<const KeyTable> table, KeyTable::Create(config.security()));
  const bool was_on = !keys_.Current()->empty();
  if (was_on != !table->empty()) {
    LogWarning(table->empty() ? "authentication is now off" : "authentication is now on",
               {{"api_keys", table->size()}});
  }
  keys_.Replace(std::move(table));
  return absl::OkStatus();
}

}  // namespace persona::server
