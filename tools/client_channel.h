// Channels from a client (the `persona` tool, tests) to persona-server with
// the server's security settings: TLS (optionally with a client certificate)
// and an API key sent on every call (docs/OPERATIONS.md, "Security").
//
// The key travels as gRPC metadata `authorization: Bearer <key>`, added by
// a client interceptor so that it works over plaintext channels too (gRPC
// sends call credentials only over TLS).
// Thread-safety: pure functions; the channels are thread-safe.
#ifndef PERSONA_TOOLS_CLIENT_CHANNEL_H_
#define PERSONA_TOOLS_CLIENT_CHANNEL_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"

namespace persona::tools {

struct ClientSecurity {
  // Sent on every call when not empty.
  std::string api_key;
  // TLS: on when `tls` or any file below is set. The server's certificate is
  // verified against `ca_file` (PEM), else the system's roots.
  bool tls = false;
  std::string ca_file;
  // A client certificate and its key (PEM), for servers requiring mutual TLS.
  std::string cert_file;
  std::string key_file;
  // The name the server's certificate must carry when it differs from the
  // address's host (e.g. "persona.internal" while dialling an IP).
  std::string server_name;

  bool uses_tls() const {
    return tls || !ca_file.empty() || !cert_file.empty() || !key_file.empty();
  }
};

// Returns the settings of the environment: PERSONA_API_KEY, PERSONA_TLS
// ("1"/"true"), PERSONA_TLS_CA, PERSONA_TLS_CERT, PERSONA_TLS_KEY,
// PERSONA_TLS_SERVER_NAME; unset variables leave fields empty.
ClientSecurity ClientSecurityFromEnv();

// Returns a channel to `address` (host:port) with `security`; does not
// connect yet. INVALID_ARGUMENT naming the file that cannot be read, or a
// client certificate without its key.
absl::StatusOr<std::shared_ptr<grpc::Channel>> NewChannel(const std::string& address,
                                                          const ClientSecurity& security);

}  // namespace persona::tools

#endif  // PERSONA_TOOLS_CLIENT_CHANNEL_H_
