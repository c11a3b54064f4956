// What a segment decision needs to know about one customer, as plain values.
// The server fills one CustomerFacts from the customer's stored profile and
// aggregates; everything in model/segments (RFM, lifecycle stages, feedback
// segments, personas, custom segment rules) reads only this.
// Thread-safety: a plain value type; safe to share once built.
#ifndef PERSONA_MODEL_SEGMENTS_FACTS_H_
#define PERSONA_MODEL_SEGMENTS_FACTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace persona::model::segments {

inline constexpr int64_t kMsPerDay = int64_t{24} * 3600 * 1000;

// One category path or brand the customer bought, with the time of the last
// purchase of it.
struct BoughtKey {
  // Category path joined with '/' ("Home/Lighting") or the brand name.
  std::string name;
  // Epoch ms of the customer's last purchase of it.
  int64_t last_ms = 0;
};

// The customer's share of interest in one top-level category.
struct CategoryShare {
  // Top-level category name ("Home").
  std::string category;
  // Share in [0, 1]; the shares of one customer sum to at most 1.
  double share = 0;
};

struct CustomerFacts {
  // The customer id (as in the API).
  std::string id;

  // Profile fields; empty when unknown. country is an ISO 3166 code as stored
  // ("DE"), locale a BCP 47 tag ("de-DE"); compared exactly.
  std::string country;
  std::string city;
  std::string locale;
  std::string gender;
  // Year of birth; 0 when unknown.
  int32_t birth_year = 0;
  // Consents; nullopt when the customer never answered.
  std::optional<bool> consent_email;
  std::optional<bool> consent_personalization;
  // Free-form profile attributes.
  absl::flat_hash_map<std::string, std::string> attributes;

  // Epoch ms of the first and the latest event of any kind; 0 when unknown.
  int64_t first_seen_ms = 0;
  int64_t last_seen_ms = 0;
  // Epoch ms of the first purchase; 0 = never or unknown (then, for a
  // customer with one order, last_purchase_ms stands in for it).
  int64_t first_purchase_ms = 0;
  // Epoch ms of the latest purchase; 0 = never bought. A customer "has
  // bought" exactly when this is non-zero.
  int64_t last_purchase_ms = 0;
  // Epoch ms of the latest product view; 0 = never.
  int64_t last_view_ms = 0;
  // Epoch ms of the latest add to cart; 0 = never.
  int64_t last_cart_add_ms = 0;
  // Items in the cart now (added, neither removed nor bought since).
  int64_t cart_items = 0;

  // Distinct orders.
  int64_t orders = 0;
  // Net spend (purchases minus refunds) in the shop's currency.
  double monetary = 0;
  // Units bought and units returned.
  int64_t units_bought = 0;
  int64_t returned_items = 0;

  // Latest NPS answer 0..10; -1 when none.
  int32_t nps = -1;
  // Latest CSAT answer 1..5; -1 when none. csat_time_ms is when it was given.
  int32_t csat = -1;
  int64_t csat_time_ms = 0;

  // Category paths of bought items (joined with '/'; listing the full paths
  // is enough, as `bought category "Home"` also matches "Home/Lighting") and
  // brands bought, each with its last purchase time. Order is not
  // significant; a name listed twice counts once.
  std::vector<BoughtKey> bought_categories;
  std::vector<BoughtKey> bought_brands;
  // Interest per top-level category (decayed interactions), shares 0..1.
  std::vector<CategoryShare> category_affinity;
  // Event counts by event type name as in the API ("PRODUCT_VIEW",
  // "ADD_TO_CART", "PURCHASE", ...); missing types count 0.
  absl::flat_hash_map<std::string, int64_t> event_counts;

  // Persona (k-means cluster) index; -1 when none.
  int32_t persona = -1;
};

}  // namespace persona::model::segments

#endif  // PERSONA_MODEL_SEGMENTS_FACTS_H_
