// Connecting the `persona` sub-commands to a server and reporting gRPC
// failures readably. Thread-compatible (no shared state).
#ifndef PERSONA_TOOLS_CONNECTION_H_
#define PERSONA_TOOLS_CONNECTION_H_

#include <chrono>
#include <memory>
#include <string>

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

// Converts a gRPC status (the codes match absl's), prefixing the rpc name.
absl::Status FromGrpc(const grpc::Status& status, const char* rpc);

}  // namespace persona::tools

#endif  // PERSONA_TOOLS_CONNECTION_H_
