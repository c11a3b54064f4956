// Calls any rpc of a running persona-server by its full method name, with
// request messages built through protobuf reflection and metadata (API
// keys) of the caller's choice: the security tests' way to reach every rpc
// without a stub per service. Not thread-safe.
#ifndef PERSONA_TESTS_INTEGRATION_SECURITY_CALLS_H_
#define PERSONA_TESTS_INTEGRATION_SECURITY_CALLS_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "grpcpp/grpcpp.h"

namespace persona::testing {

struct CallResult {
  grpc::StatusCode code = grpc::StatusCode::UNKNOWN;
  std::string message;
  int responses = 0;  // messages the server sent before ending the call
  std::vector<std::string> payloads;  // those messages, serialized
};

using Metadata = std::vector<std::pair<std::string, std::string>>;

// Sends `requests` (serialized messages) on `method` ("/pkg.Service/Rpc") as
// one call of any kind (unary, client, server or bidi stream), half-closes,
// reads every response and returns the final status. 30 s deadline.
CallResult CallMethod(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                      const std::vector<std::string>& requests, const Metadata& metadata);

// The descriptors of every proto file under proto/persona/v1 (as protoc
// compiled them at build time into PERSONA_API_DESCRIPTORS, imports
// included), independent of which generated code this binary links.
const google::protobuf::DescriptorPool& ApiDescriptors();
// The files of that set, in dependency order.
std::vector<const google::protobuf::FileDescriptor*> ApiFiles();

// Returns an empty request of `method`'s input type (a method of
// ApiDescriptors) with its string field "shop" set to `shop` (or, when it
// has none, that of its message fields: PublishModel's header), serialized.
std::string RequestNamingShop(const google::protobuf::MethodDescriptor& method,
                              const std::string& shop);

// Returns the method descriptor for "/pkg.Service/Rpc" in ApiDescriptors, or
// nullptr.
const google::protobuf::MethodDescriptor* FindMethod(const std::string& path);

// Returns "/pkg.Service/Rpc" for a method.
std::string MethodPath(const google::protobuf::MethodDescriptor& method);

// Asks the server's reflection service which services it serves.
std::vector<std::string> ServedServices(const std::shared_ptr<grpc::Channel>& channel);

}  // namespace persona::testing

#endif  // PERSONA_TESTS_INTEGRATION_SECURITY_CALLS_H_
