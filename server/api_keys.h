// The API keys a server accepts (config `security.api_keys`), each with a
// role, the shops it may act on and its rate limit.
//
// KeyTable is one immutable set of keys, built and validated from the config;
// ApiKeys holds the current table and swaps it on a config reload, so a call
// sees one whole table or the next, never a mix. An empty table means
// authentication is off.
//
// Thread-safety: KeyTable is immutable; ApiKeys is thread-safe.
#ifndef PERSONA_SERVER_API_KEYS_H_
#define PERSONA_SERVER_API_KEYS_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "persona/config/v1/config.pb.h"
#include "server/call_gate.h"
#include "server/key_hash.h"

namespace persona::server {

// A token bucket's settings; per_second 0 is unlimited.
struct RateLimit {
  double per_second = 0;
  double burst = 0;
  bool unlimited() const { return per_second <= 0; }
};

struct ApiKey {
  std::string id;
  Sha256Digest sha256{};
  Role role = Role::kNone;
  // Every shop, and the server-wide rpcs ("*" in the config).
  bool all_shops = false;
  absl::flat_hash_set<std::string> shops;
  RateLimit rate_limit;

  bool MayActOn(std::string_view shop) const {
    return all_shops || shops.contains(absl::string_view(shop.data(), shop.size()));
  }
};

// Converts a config role; kNone for ROLE_UNSPECIFIED.
Role FromConfigRole(config::v1::ApiKeyConfig::Role role);

class KeyTable {
 public:
  // Builds the table of `security` (which ValidateSecurityConfig accepted;
  // INVALID_ARGUMENT naming the field otherwise).
  static absl::StatusOr<std::shared_ptr<const KeyTable>> Create(
      const config::v1::SecurityConfig& security);

  // Whether there are no keys: authentication is off.
  bool empty() const { return keys_.empty(); }
  size_t size() const { return keys_.size(); }

  // Returns the key whose secret is `secret`, or nullptr. Hashes the secret
  // once and compares it with every key's hash in constant time, so the
  // time taken says nothing about which bytes matched.
  const ApiKey* Authenticate(std::string_view secret) const;
  // Returns the key with id `id`, or nullptr.
  const ApiKey* Find(std::string_view id) const;

 private:
  KeyTable() = default;

  std::vector<ApiKey> keys_;
  absl::flat_hash_map<std::string, const ApiKey*> by_id_;
};

class ApiKeys {
 public:
  explicit ApiKeys(std::shared_ptr<const KeyTable> table) : table_(std::move(table)) {}

  // Returns the current table; never null.
  std::shared_ptr<const KeyTable> Current() const ABSL_LOCKS_EXCLUDED(mu_);
  // Makes `table` current for calls starting from now on.
  void Replace(std::shared_ptr<const KeyTable> table) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const KeyTable> table_ ABSL_GUARDED_BY(mu_);
};

}  // namespace persona::server

#endif  // PERSONA_SERVER_API_KEYS_H_
