#include "tools/connection.h"

#include "absl/strings/str_cat.h"
#include "tools/client_channel.h"

namespace persona::tools {

namespace {

// The connection settings of this process, set once by TakeConnectionFlags.
ClientSecurity& Settings() {
  static ClientSecurity* settings = new ClientSecurity(ClientSecurityFromEnv());
  return *settings;
}

// The setting a connection flag (name without "--") sets, or nullptr.
std::string* SettingOf(std::string_view name, ClientSecurity& s) {
  if (name == "api_key") return &s.api_key;
  if (name == "tls_ca") return &s.ca_file;
  if (name == "tls_cert") return &s.cert_file;
  if (name == "tls_key") return &s.key_file;
  if (name == "tls_server_name") return &s.server_name;
  return nullptr;
}

}  // namespace

const char kConnectionFlagsHelp[] =
    "connection flags (any command; environment variables in brackets):\n"
    "  --api_key=KEY          API key sent with every call [PERSONA_API_KEY]\n"
    "  --tls                  connect with TLS, trusting the system's CAs [PERSONA_TLS=1]\n"
    "  --tls_ca=FILE          connect with TLS, trusting this PEM CA [PERSONA_TLS_CA]\n"
    "  --tls_cert=FILE        client certificate for mutual TLS [PERSONA_TLS_CERT]\n"
    "  --tls_key=FILE         its private key [PERSONA_TLS_KEY]\n"
    "  --tls_server_name=NAME name the server's certificate carries [PERSONA_TLS_SERVER_NAME]\n";

absl::Status TakeConnectionFlags(int& argc, char** argv) {
  ClientSecurity& settings = Settings();
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") {  // the rest are not flags
      while (i < argc) argv[out++] = argv[i++];
      break;
    }
    if (arg == "--tls") {
      settings.tls = true;
      continue;
    }
    const size_t eq = arg.find('=');
    std::string* setting = arg.substr(0, 2) == "--"
                               ? SettingOf(arg.substr(2, eq == arg.npos ? arg.npos : eq - 2),
                                           settings)
                               : nullptr;
    if (setting == nullptr) {
      argv[out++] = argv[i];
    } else if (eq != arg.npos) {
      *setting = std::string(arg.substr(eq + 1));
    } else if (i + 1 < argc) {
      *setting = argv[++i];
    } else {
      return absl::InvalidArgumentError(absl::StrCat("flag ", std::string(arg), " needs a value"));
    }
  }
  argc = out;
  argv[argc] = nullptr;
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> Connect(const std::string& address) {
  auto channel = NewChannel(address, Settings());
  if (!channel.ok()) return channel.status();
  if (!(*channel)->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(5))) {
    return absl::UnavailableError(absl::StrCat(
        "cannot reach a Persona server at ", address,
        Settings().uses_tls() ? " over TLS (is persona-server running with TLS? see --server, "
                                "--tls_ca)"
                              : " (is persona-server running? see --server)"));
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
