// What a recommendation request knows about the visitor, read once per
// request or page: the customer record, the subject's aggregates, consent,
// country, locale, preferred categories (declared and learnt), the recent
// interactions as catalog indices, the cart, and the items bought.
//
// Unknown customers and sessions are cold starts, not errors. Without
// personalization consent nothing behavioural is loaded. A customer with no
// behaviour yet but declared favourite categories or brands gets a seed
// history of those categories' and brands' best sellers, so the model can
// personalise the very first page without a retrain.
// LoadVisitor is thread-safe; a Visitor is a plain value.
#ifndef PERSONA_SERVER_VISITOR_H_
#define PERSONA_SERVER_VISITOR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "model/recommender.h"
#include "persona/storage/v1/records.pb.h"
#include "server/shop_registry.h"
#include "storage/database.h"

namespace persona::server {

struct Visitor {
  std::optional<rec::CustomerRecord> customer;
  std::optional<rec::SubjectAggregatesRecord> aggregates;
  // The id experiments hash: the customer id, else the session id (empty for
  // a request with neither).
  std::string subject_id;
  // Whether behaviour may be used.
  bool consent = true;
  std::string country;
  int32_t country_id = -1;
  // The customer's locale (empty when unknown).
  std::string locale;
  // Declared categories first, then the strongest learnt affinities.
  std::vector<int32_t> preferred_categories;
  // Interactions with catalog items, oldest first.
  std::vector<model::Interaction> history;
  // Seed items standing in for history (declared preferences); the model's
  // reasons anchored on them are reported as DECLARED_PREFERENCE.
  std::vector<int32_t> seeds;
  // Items added to the cart and not removed or bought since.
  std::vector<int32_t> cart;
  // Items bought, with the time of the last purchase (epoch ms).
  std::vector<std::pair<int32_t, int64_t>> bought;
  // Recommended items shown to the visitor on any channel (impressions on the
  // web or in apps, items sent in emails), each with its most recent showing
  // times (epoch ms, oldest first, a bounded number per item).
  struct Shown {
    int32_t item = -1;
    std::vector<int64_t> times_ms;
  };
  std::vector<Shown> shown;

  bool personalized() const {
    return consent && (!history.empty() || country_id >= 0 || !preferred_categories.empty());
  }
};

struct VisitorOptions {
  // Consent assumed when the customer has not answered.
  bool personalize_without_consent = true;
  // Learnt affinities added to the declared categories.
  size_t max_affinity_categories = 3;
  // Best sellers per declared category or brand used as seed history.
  int seeds_per_preference = 3;
};

// The model's view of the subject's recent interactions with catalog items,
// oldest first (what Visitor::history holds).
std::vector<model::Interaction> InteractionsOf(const rec::SubjectAggregatesRecord& aggregates,
                                               const model::CatalogIndex& catalog);

// Whether behaviour of the customer (null: unknown, or a session) may be used.
bool Consents(const rec::CustomerRecord* customer, const VisitorOptions& options);

// Builds a visitor from records already read (a campaign's scan): what
// LoadVisitor returns for them. Without consent the aggregates are dropped.
Visitor MakeVisitor(std::string subject_id, std::optional<rec::CustomerRecord> customer,
                    std::optional<rec::SubjectAggregatesRecord> aggregates,
                    const ShopSnapshot& snap, const VisitorOptions& options, int64_t now_ms);

// Reads the visitor of a request. `customer_id` wins over `session_id`; a
// session merged into a customer at login reads as that customer.
absl::StatusOr<Visitor> LoadVisitor(storage::Database& db, const std::string& shop,
                                    const ShopSnapshot& snap, const std::string& customer_id,
                                    const std::string& session_id, const VisitorOptions& options,
                                    int64_t now_ms);

}  // namespace persona::server

#endif  // PERSONA_SERVER_VISITOR_H_
