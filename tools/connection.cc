#include "tools/connection.h"

#include "absl/strings/str_cat.h"

namespace persona::tools {

absl::StatusOr<std::shared_ptr<grpc::Channel>> Connect(const std::string& address) {
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(5))) {
    return absl::UnavailableError(absl::StrCat("cannot reach a Persona server at ", address,
                                               " (is persona-server running? see --server)"));
  }
  return channel;
}

std::unique_ptr<grpc::ClientContext> CallContext(std::chrono::seconds deadline) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + deadline);
  return context;
}

std::string ShardKey(std::string_view id) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string key;
  key.reserve(id.size());
  for (const char c : id) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte > ' ' && byte < 0x7f && byte != '%') {
      key.push_back(c);
    } else {
      key.append({'%', kHex[byte >> 4], kHex[byte & 15]});
    }
  }
  return key;
}

void SetShardKey(grpc::ClientContext& context, const std::string& customer_id,
                 const std::string& session_id) {
  const std::string& id = customer_id.empty() ? session_id : customer_id;
  if (!id.empty()) context.AddMetadata(kShardKeyHeader, ShardKey(id));
}

absl::Status FromGrpc(const grpc::Status& status, const char* rpc) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(rpc, ": ", status.error_message()));
}

}  // namespace persona::tools
