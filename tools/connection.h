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

// Opens an insecure channel to `address` (host:port) and waits up to 5 s for
// it to connect. UNAVAILABLE with a message naming the address when the
// server cannot be reached.
absl::StatusOr<std::shared_ptr<grpc::Channel>> Connect(const std::string& address);

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
