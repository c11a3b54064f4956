// Authentication and authorisation of every rpc: the CallHook that checks
// the caller's API key, its role against the rpc's least role, and its shops
// against the shop the call acts on (docs/OPERATIONS.md, "Security").
//
// Keys travel as gRPC metadata `authorization: Bearer <secret>` or
// `x-api-key: <secret>`. A call without a key, or with one the server does
// not know, is UNAUTHENTICATED; a known key whose role is below the rpc's, or
// which is not valid for the shop (or, for server-wide rpcs, not for every
// shop), is PERMISSION_DENIED. Messages name the key's id and what was
// missing, never the secret. With an empty key table every call passes.
//
// Thread-safety: thread-safe (reads the current KeyTable per call).
#ifndef PERSONA_SERVER_AUTH_H_
#define PERSONA_SERVER_AUTH_H_

#include <optional>
#include <string_view>

#include "server/api_keys.h"
#include "server/call_gate.h"

namespace persona::server {

// Returns the secret a call presents: the `authorization` value after a
// "Bearer " prefix (any case), else `x-api-key`; nullopt when neither is set.
// An `authorization` header of another scheme counts as no key.
std::optional<std::string_view> PresentedSecret(const grpc::ServerContextBase& context);

class AuthHook final : public CallHook {
 public:
  // `keys` must outlive the hook.
  explicit AuthHook(const ApiKeys* keys) : keys_(keys) {}

  // Authenticates the key and checks the role (and, for server-wide rpcs,
  // that the key is valid for every shop); fills call.principal and role.
  absl::Status OnStart(CallState& call) override;
  // Checks that the key may act on call.shop.
  absl::Status OnShop(CallState& call) override;

  // The checks of OnStart and OnShop on plain values, for tests and tools:
  // `secret` as presented (nullopt: none) calling `rpc` on `shop` (ignored
  // for server-wide rpcs).
  static absl::Status Check(const KeyTable& table, std::optional<std::string_view> secret,
                            const RpcInfo& rpc, std::string_view shop);

 private:
  static absl::Status CheckStart(const KeyTable& table, std::optional<std::string_view> secret,
                                 const RpcInfo& rpc, const ApiKey** key);
  static absl::Status CheckShop(const ApiKey& key, const RpcInfo& rpc, std::string_view shop);

  const ApiKeys* const keys_;
};

}  // namespace persona::server

#endif  // PERSONA_SERVER_AUTH_H_
