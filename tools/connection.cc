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

absl::Status FromGrpc(const grpc::Status& status, const char* rpc) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(rpc, ": ", status.error_message()));
}

}  // namespace persona::tools
