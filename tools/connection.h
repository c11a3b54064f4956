// Connecting the `persona` sub-commands to a server and reporting gRPC
// failures readably. Thread-compatible (no shared state).
#ifndef PERSONA_TOOLS_CONNECTION_H_
#define PERSONA_TOOLS_CONNECTION_H_

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"

namespace persona::tools {

// Deadline of every call the tool makes.
inline constexpr std::chrono::seconds kCallDeadline{60};

// Opens a channel to `address` (host:port) with the connection settings
// (TakeConnectionFlags: API key, TLS) and waits up to 5 s for it to connect.
// UNAVAILABLE with a message naming the address when the server cannot be
// reached; INVALID_ARGUMENT when a TLS file cannot be read.
absl::StatusOr<std::shared_ptr<grpc::Channel>> Connect(const std::string& address);

// Removes the connection flags from argv[1..] (wherever they stand, as
// --name=value or --name value) and makes them, over the environment
// (PERSONA_API_KEY, PERSONA_TLS_CA, ...; tools/client_channel.h), the
// settings of every later Connect: --api_key, --tls, --tls_ca, --tls_cert,
// --tls_key, --tls_server_name. INVALID_ARGUMENT naming a flag without its
// value. Called once, by main, before the sub-command parses its flags.
absl::Status TakeConnectionFlags(int& argc, char** argv);

// The --help text of the connection flags.
extern const char kConnectionFlagsHelp[];

// Returns a client context with the given deadline (default kCallDeadline).
std::unique_ptr<grpc::ClientContext> CallContext(std::chrono::seconds deadline = kCallDeadline);

// The request header a hashing proxy shards customers on (docs/SCALE_OUT.md).
// gRPC metadata travels as HTTP/2 headers, so nginx reads it as
// $http_x_persona_shard_key.
inline constexpr char kShardKeyHeader[] = "x-persona-shard-key";

// Returns the header value for an id: the id itself, except that bytes
// outside '!'..'~' and '%' are percent-encoded as %XX (upper-case hex), since
// header values must be printable ASCII while ids may be any UTF-8.
std::string ShardKey(std::string_view id);

// Sets the shard key of a call about one visitor: ShardKey of the customer id
// when known, else of the anonymous session id; no header when both are
// empty (such calls land on one fixed replica).
void SetShardKey(grpc::ClientContext& context, const std::string& customer_id,
                 const std::string& session_id);

// Converts a gRPC status (the codes match absl's), prefixing the rpc name.
absl::Status FromGrpc(const grpc::Status& status, const char* rpc);

}  // namespace persona::tools

#endif  // PERSONA_TOOLS_CONNECTION_H_
