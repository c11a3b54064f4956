#include "tools/client_channel.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/support/client_interceptor.h"

namespace persona::tools {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

absl::StatusOr<std::string> ReadFile(const char* what, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(absl::StrCat("cannot read the ", what, " ", path));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Adds the API key to the initial metadata of every call.
class ApiKeyInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit ApiKeyInterceptor(std::string value) : value_(std::move(value)) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->emplace("authorization", value_);
    }
    methods->Proceed();
  }

 private:
  const std::string value_;
};

class ApiKeyInterceptorFactory final
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit ApiKeyInterceptorFactory(const std::string& key) : value_("Bearer " + key) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo*) override {
    return new ApiKeyInterceptor(value_);
  }

 private:
  const std::string value_;
};

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> Credentials(const ClientSecurity& s) {
  if (!s.uses_tls()) return grpc::InsecureChannelCredentials();
  if (s.cert_file.empty() != s.key_file.empty()) {
    return absl::InvalidArgumentError("a TLS client certificate needs its key (and vice versa)");
  }
  grpc::SslCredentialsOptions options;
  if (!s.ca_file.empty()) {
    auto ca = ReadFile("TLS CA file", s.ca_file);
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = *std::move(ca);
  }
  if (!s.cert_file.empty()) {
    auto cert = ReadFile("TLS certificate", s.cert_file);
    if (!cert.ok()) return cert.status();
    auto key = ReadFile("TLS key", s.key_file);
    if (!key.ok()) return key.status();
    options.pem_cert_chain = *std::move(cert);
    options.pem_private_key = *std::move(key);
  }
  return grpc::SslCredentials(options);
}

}  // namespace

ClientSecurity ClientSecurityFromEnv() {
  ClientSecurity s;
  s.api_key = Env("PERSONA_API_KEY");
  const std::string tls = absl::AsciiStrToLower(Env("PERSONA_TLS"));
  s.tls = tls == "1" || tls == "true" || tls == "yes";
  s.ca_file = Env("PERSONA_TLS_CA");
  s.cert_file = Env("PERSONA_TLS_CERT");
  s.key_file = Env("PERSONA_TLS_KEY");
  s.server_name = Env("PERSONA_TLS_SERVER_NAME");
  return s;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> NewChannel(const std::string& address,
                                                          const ClientSecurity& security) {
  auto credentials = Credentials(security);
  if (!credentials.ok()) return credentials.status();
  grpc::ChannelArguments args;
  if (!security.server_name.empty()) args.SetSslTargetNameOverride(security.server_name);
  if (security.api_key.empty()) return grpc::CreateCustomChannel(address, *credentials, args);
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> factories;
  factories.push_back(std::make_unique<ApiKeyInterceptorFactory>(security.api_key));
  return grpc::experimental::CreateCustomChannelWithInterceptors(address, *credentials, args,
                                                                 std::move(factories));
}

}  // namespace persona::tools
