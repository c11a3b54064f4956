// TLS for persona-server's listeners (config `security.tls`): gRPC server
// credentials, the HTTP listener's certificate options, and the checks that
// make a bad certificate stop start-up with a message naming the field.
//
// Files are read once, at start-up; renewed certificates take a restart.
// Thread-safety: pure functions; safe from any thread.
#ifndef PERSONA_SERVER_TLS_H_
#define PERSONA_SERVER_TLS_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "grpcpp/security/server_credentials.h"
#include "persona/config/v1/config.pb.h"
#include "server/http_server.h"

namespace persona::server {

// Checks the fields' combination (cert and key together; a client CA only
// with a certificate; require_client_cert only with a client CA) without
// reading files. INVALID_ARGUMENT naming the field.
absl::Status ValidateTlsConfig(const config::v1::TlsConfig& tls);

// Returns the gRPC credentials `tls` asks for: insecure without cert_file,
// else TLS, asking clients for a certificate verified against
// client_ca_file when set and refusing clients without one when
// require_client_cert. Reads and checks the files: INVALID_ARGUMENT naming
// the field when one cannot be read, is not PEM, or the key does not belong
// to the certificate.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> GrpcServerCredentials(
    const config::v1::TlsConfig& tls);

// Sets the HTTP listener's TLS from `tls`: certificate and key unless
// http_plaintext; never a client CA (mail clients open the links).
void ApplyHttpTls(const config::v1::TlsConfig& tls, HttpServerOptions& options);

// Whether `address` (host:port, as in server.listen_address) is a loopback
// address ("127.x.x.x", "[::1]", "localhost"), reachable only from this host.
bool IsLoopbackAddress(std::string_view address);

}  // namespace persona::server

#endif  // PERSONA_SERVER_TLS_H_
