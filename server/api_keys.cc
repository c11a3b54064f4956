#include "server/api_keys.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/keys.h"
#include "common/status_macros.h"

namespace persona::server {
namespace {

namespace cfg = ::persona::config::v1;

absl::Status Invalid(const std::string& field, std::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat("config ", field, ": ", std::string(reason)));
}

// Converts a configured limit; an unset burst is one second of calls.
absl::StatusOr<RateLimit> ToRateLimit(const std::string& field, const cfg::RateLimitConfig& c) {
  if (!(c.requests_per_second() >= 0 && c.requests_per_second() <= 1e6)) {
    return Invalid(field + ".requests_per_second", "must be between 0 (unlimited) and 1000000");
  }
  if (c.burst() < 0 || c.burst() > 10'000'000) {
    return Invalid(field + ".burst", "must be between 1 and 10000000");
  }
  RateLimit limit{c.requests_per_second(), static_cast<double>(c.burst())};
  if (!limit.unlimited() && limit.burst < 1) {
    limit.burst = std::max(1.0, std::ceil(limit.per_second));
  }
  return limit;
}

absl::StatusOr<RateLimit> RoleDefault(const cfg::SecurityConfig& s, Role role) {
  switch (role) {
    case Role::kFrontend:
      return ToRateLimit("security.frontend_rate_limit", s.frontend_rate_limit());
    case Role::kMarketing:
      return ToRateLimit("security.marketing_rate_limit", s.marketing_rate_limit());
    default:
      return ToRateLimit("security.admin_rate_limit", s.admin_rate_limit());
  }
}

absl::StatusOr<ApiKey> ToKey(const cfg::SecurityConfig& s, int index) {
  const cfg::ApiKeyConfig& c = s.api_keys(index);
  const std::string field = absl::StrCat("security.api_keys[", index, "]");
  ApiKey key;
  if (auto p = NameProblem(c.id()); !p.empty()) return Invalid(field + ".id", p);
  key.id = c.id();
  std::optional<Sha256Digest> digest = ParseSha256Hex(c.sha256());
  if (!digest) {
    return Invalid(field + ".sha256",
                   "must be the secret's SHA-256 as 64 hex digits "
                   "(`persona keys new` prints it)");
  }
  key.sha256 = *digest;
  key.role = FromConfigRole(c.role());
  if (key.role == Role::kNone) {
    return Invalid(field + ".role", "must be FRONTEND, MARKETING or ADMIN");
  }
  if (c.shops().empty()) return Invalid(field + ".shops", "must list at least one shop, or \"*\"");
  for (const std::string& shop : c.shops()) {
    if (shop == "*") {
      key.all_shops = true;
    } else if (auto p = NameProblem(shop); !p.empty()) {
      return Invalid(field + ".shops",
                     absl::StrCat("\"", shop.substr(0, 64), "\": ", std::string(p)));
    } else {
      key.shops.insert(shop);
    }
  }
  if (c.has_rate_limit()) {
    ASSIGN_OR_RETURN(key.rate_limit, ToRateLimit(field + ".rate_limit", c.rate_limit()));
  } else {
    ASSIGN_OR_RETURN(key.rate_limit, RoleDefault(s, key.role));
  }
  return key;
}

}  // namespace

Role FromConfigRole(cfg::ApiKeyConfig::Role role) {
  switch (role) {
    case cfg::ApiKeyConfig::FRONTEND:
      return Role::kFrontend;
    case cfg::ApiKeyConfig::MARKETING:
      return Role::kMarketing;
    case cfg::ApiKeyConfig::ADMIN:
      return Role::kAdmin;
    default:
      return Role::kNone;
  }
}

absl::StatusOr<std::shared_ptr<const KeyTable>> KeyTable::Create(
    const cfg::SecurityConfig& security) {
  // Role defaults are checked even without keys, so a typo is caught early.
  for (Role role : {Role::kFrontend, Role::kMarketing, Role::kAdmin}) {
    RETURN_IF_ERROR(RoleDefault(security, role).status());
  }
  std::shared_ptr<KeyTable> table(new KeyTable());
  table->keys_.reserve(security.api_keys_size());
  for (int i = 0; i < security.api_keys_size(); ++i) {
    ASSIGN_OR_RETURN(ApiKey key, ToKey(security, i));
    for (const ApiKey& other : table->keys_) {
      const std::string field = absl::StrCat("security.api_keys[", i, "]");
      if (other.id == key.id) return Invalid(field + ".id", "\"" + key.id + "\" is used twice");
      if (DigestsEqual(other.sha256, key.sha256)) {
        return Invalid(field + ".sha256", "is the same secret as key \"" + other.id + "\"");
      }
    }
    table->keys_.push_back(std::move(key));
  }
  for (const ApiKey& key : table->keys_) table->by_id_.emplace(key.id, &key);
  return std::shared_ptr<const KeyTable>(std::move(table));
}

const ApiKey* KeyTable::Authenticate(std::string_view secret) const {
  const Sha256Digest digest = Sha256(secret);
  const ApiKey* found = nullptr;
  // No early exit: every key is compared whatever matched.
  for (const ApiKey& key : keys_) {
    if (DigestsEqual(key.sha256, digest)) found = &key;
  }
  return found;
}

const ApiKey* KeyTable::Find(std::string_view id) const {
  auto it = by_id_.find(absl::string_view(id.data(), id.size()));
  return it == by_id_.end() ? nullptr : it->second;
}

std::shared_ptr<const KeyTable> ApiKeys::Current() const {
  absl::ReaderMutexLock lock(&mu_);
  return table_;
}

void ApiKeys::Replace(std::shared_ptr<const KeyTable> table) {
  absl::MutexLock lock(&mu_);
  table_ = std::move(table);
}

}  // namespace persona::server
