// What erasing and exporting a customer needs beyond the storage records:
// removing their row from stored and serving models, the hooks that reach
// in-memory copies elsewhere (the segment engine's pass, open-time email
// choices), and the export document (docs/API.md, "ExportCustomer").
//
// Thread-safe: the functions keep no state; the hooks must be.
#ifndef PERSONA_SERVER_CUSTOMER_PRIVACY_H_
#define PERSONA_SERVER_CUSTOMER_PRIVACY_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "model/model_record.h"
#include "persona/v1/customers.pb.h"
#include "server/shop_registry.h"
#include "storage/database.h"

namespace persona::server {

// Set once before serving (PersonaApi::SetCustomerDataHooks); either may be empty.
struct CustomerDataHooks {
  // Called after a customer was erased from storage, to drop what is held
  // about them in memory. Must not fail.
  std::function<void(const std::string& shop, const std::string& customer_id)> on_erased;
  // The segments a customer belongs to now (for the export); an error or an
  // empty answer leaves segments out.
  std::function<absl::StatusOr<std::vector<std::string>>(const std::string& shop,
                                                         const std::string& customer_id)>
      segments_of;
};

class Marketing;

// Hooks over the marketing side: erasure drops the customer from the segment
// engine's pass and the remembered open-time email choices; the export lists
// the customer's segments on the last pass (none before the first). None
// owned; all must outlive the hooks.
CustomerDataHooks MarketingCustomerHooks(Marketing* marketing, storage::Database* db,
                                         ShopRegistry* shops, const Clock* clock);

// Removes `user_id`'s row (id and factors) from `record`. Returns whether it
// was there.
bool RemoveUserRow(model::ModelRecord& record, const std::string& user_id);

// Removes `customer_id` from the shop's stored models (only those whose bytes
// mention the id are decoded) and from the model the shop serves in memory.
// Returns how many stored models were rewritten. DATA_LOSS when a stored
// model mentioning the id does not decode: the caller must report that the
// erasure is incomplete.
absl::StatusOr<int64_t> ScrubCustomerFromModels(storage::Database& db, ShopRegistry& shops,
                                                const std::string& shop,
                                                const std::string& customer_id);

// Builds the export document: one JSON object with "shop", "customer_id",
// "exported_time_ms", "customer" (attributes and consents), "stats",
// "events" (every stored event, by event time), "aggregates" (the derived
// record as stored: affinities, bought and shown items, recommendation
// touches...), "email_sends", "merged_sessions" (sessions merged at login,
// with anything still stored under them) and "segments" (when the hook
// answers). `profile` holds the customer and stats as GetProfile fills
// them. NOT_FOUND is the caller's to decide (profile already checked).
absl::StatusOr<std::string> ExportCustomerJson(storage::Database& db, const std::string& shop,
                                               const std::string& customer_id,
                                               const persona::v1::Profile& profile,
                                               int max_events, int64_t now_ms,
                                               const CustomerDataHooks& hooks);

}  // namespace persona::server

#endif  // PERSONA_SERVER_CUSTOMER_PRIVACY_H_
