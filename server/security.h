// persona-server's security set-up in one place (docs/OPERATIONS.md,
// "Security"): the API key table, the gate hooks that enforce keys, rate
// limits and the stream length limit, and the gRPC listener's credentials.
//
// main creates it from the validated config, adds its hooks to the CallGate
// before serving, listens with its credentials, and hands it each reloaded
// config: keys and rate limits change for calls starting after a reload;
// TLS and limits.max_stream_messages take a restart.
//
// Thread-safety: Reload and the hooks are thread-safe; AddHooks and
// server_credentials are called once, before serving.
#ifndef PERSONA_SERVER_SECURITY_H_
#define PERSONA_SERVER_SECURITY_H_

#include <memory>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "grpcpp/security/server_credentials.h"
#include "persona/config/v1/config.pb.h"
#include "server/api_keys.h"
#include "server/call_gate.h"

namespace persona::server {

// Fills the security defaults (limits.max_stream_messages); called by
// ApplyDefaults.
void ApplySecurityDefaults(config::v1::Config& config);
// Checks `security` and the limits added for it without reading files;
// INVALID_ARGUMENT naming the field. Called by ValidateConfig.
absl::Status ValidateSecurityConfig(const config::v1::Config& config);

class Security {
 public:
  // Builds the key table and reads the TLS files of `config` (validated);
  // INVALID_ARGUMENT naming the field on a problem. Warns on stderr when a
  // listener faces the network without API keys or without TLS. `clock`
  // (for rate limits) must outlive the object.
  static absl::StatusOr<std::unique_ptr<Security>> Create(const config::v1::Config& config,
                                                          const Clock* clock);

  // Adds the authentication, rate-limit and stream-limit hooks, in that
  // order, to `gate`, which must not outlive this object.
  void AddHooks(CallGate& gate);

  // Credentials for the gRPC listener (insecure without TLS).
  std::shared_ptr<grpc::ServerCredentials> server_credentials() const { return credentials_; }

  // Swaps in the keys and rate limits of `config` (validated); on an error
  // the running keys stay. Logs when authentication turns on or off.
  absl::Status Reload(const config::v1::Config& config);

 private:
  Security(std::shared_ptr<const KeyTable> table, const Clock* clock, int64_t max_stream_messages)
      : keys_(std::move(table)), clock_(clock), max_stream_messages_(max_stream_messages) {}

  ApiKeys keys_;
  const Clock* const clock_;
  const int64_t max_stream_messages_;
  std::shared_ptr<grpc::ServerCredentials> credentials_;
};

}  // namespace persona::server

#endif  // PERSONA_SERVER_SECURITY_H_
