#include "server/auth.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace persona::server {
namespace {

std::optional<std::string_view> Metadata(const grpc::ServerContextBase& context,
                                         std::string_view name) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(grpc::string_ref(name.data(), name.size()));
  if (it == metadata.end()) return std::nullopt;
  return std::string_view(it->second.data(), it->second.size());
}

// `text` without leading and trailing spaces and tabs.
std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

std::optional<std::string_view> PresentedSecret(const grpc::ServerContextBase& context) {
  if (auto value = Metadata(context, "authorization")) {
    constexpr std::string_view kBearer = "bearer ";
    if (value->size() < kBearer.size() ||
        !absl::EqualsIgnoreCase(absl::string_view(value->data(), kBearer.size()),
                                absl::string_view(kBearer.data(), kBearer.size()))) {
      return std::nullopt;
    }
    return Trim(value->substr(kBearer.size()));
  }
  if (auto value = Metadata(context, "x-api-key")) return Trim(*value);
  return std::nullopt;
}

absl::Status AuthHook::CheckStart(const KeyTable& table, std::optional<std::string_view> secret,
                                  const RpcInfo& rpc, const ApiKey** key) {
  if (!secret.has_value() || secret->empty()) {
    return absl::UnauthenticatedError(
        "missing API key: send gRPC metadata 'authorization: Bearer <key>'");
  }
  *key = table.Authenticate(*secret);
  if (*key == nullptr) return absl::UnauthenticatedError("unknown API key");
  if ((*key)->role < rpc.min_role) {
    return absl::PermissionDeniedError(absl::StrCat(
        "API key '", (*key)->id, "' has role ", std::string(RoleName((*key)->role)), "; ",
        std::string(rpc.method), " needs role ", std::string(RoleName(rpc.min_role))));
  }
  if (rpc.scope == RpcScope::kServer && !(*key)->all_shops) {
    return absl::PermissionDeniedError(absl::StrCat(
        "API key '", (*key)->id, "' is limited to some shops; ", std::string(rpc.method),
        " acts on the whole server and needs a key for every shop (\"*\")"));
  }
  return absl::OkStatus();
}

absl::Status AuthHook::CheckShop(const ApiKey& key, const RpcInfo& rpc, std::string_view shop) {
  if (rpc.scope == RpcScope::kServer || key.MayActOn(shop)) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat("API key '", key.id, "' is not valid for shop '", std::string(shop), "'"));
}

absl::Status AuthHook::Check(const KeyTable& table, std::optional<std::string_view> secret,
                             const RpcInfo& rpc, std::string_view shop) {
  if (table.empty()) return absl::OkStatus();
  const ApiKey* key = nullptr;
  RETURN_IF_ERROR(CheckStart(table, secret, rpc, &key));
  return CheckShop(*key, rpc, shop);
}

absl::Status AuthHook::OnStart(CallState& call) {
  const std::shared_ptr<const KeyTable> table = keys_->Current();
  if (table->empty()) return absl::OkStatus();
  const ApiKey* key = nullptr;
  absl::Status status = CheckStart(*table, PresentedSecret(*call.context), *call.rpc, &key);
  if (key != nullptr) {  // also when refused: logs name the key
    call.principal = key->id;
    call.role = key->role;
  }
  return status;
}

absl::Status AuthHook::OnShop(CallState& call) {
  const std::shared_ptr<const KeyTable> table = keys_->Current();
  if (table->empty()) return absl::OkStatus();
  // The key is looked up again: a reload between the call's start and this
  // message may have removed or narrowed it.
  const ApiKey* key = call.principal.empty() ? nullptr : table->Find(call.principal);
  if (key == nullptr) return absl::UnauthenticatedError("unknown API key");
  return CheckShop(*key, *call.rpc, call.shop);
}

}  // namespace persona::server
