#include "server/visitor.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "common/status_macros.h"
#include "persona/v1/common.pb.h"
#include "server/trainer.h"

namespace persona::server {
namespace {

namespace v1 = ::persona::v1;

model::InteractionKind KindOf(int32_t type) {
  switch (type) {
    case v1::PRODUCT_VIEW: return model::InteractionKind::kView;
    case v1::ADD_TO_CART: return model::InteractionKind::kCart;
    case v1::PURCHASE: return model::InteractionKind::kPurchase;
    default: return model::InteractionKind::kOther;
  }
}

// Interactions, cart and purchases from the aggregates' recent interactions.
void ReadBehaviour(const rec::SubjectAggregatesRecord& aggregates,
                   const model::CatalogIndex& catalog, Visitor& v) {
  v.history = InteractionsOf(aggregates, catalog);
  std::vector<int32_t> cart;
  for (const auto& r : aggregates.recent_interactions()) {
    const int32_t i = catalog.Find(r.item_id());
    if (i < 0) continue;
    if (r.type() == v1::ADD_TO_CART) {
      if (std::find(cart.begin(), cart.end(), i) == cart.end()) cart.push_back(i);
    } else if (r.type() == v1::REMOVE_FROM_CART || r.type() == v1::PURCHASE) {
      cart.erase(std::remove(cart.begin(), cart.end(), i), cart.end());
    }
  }
  v.cart = std::move(cart);
  v.bought.reserve(aggregates.bought_items_size());
  for (const auto& [id, time] : aggregates.bought_items()) {
    if (const int32_t i = catalog.Find(id); i >= 0) v.bought.emplace_back(i, time);
  }
  std::sort(v.bought.begin(), v.bought.end());
  v.shown.reserve(aggregates.shown_items_size());
  for (const auto& s : aggregates.shown_items()) {
    if (const int32_t i = catalog.Find(s.item_id()); i >= 0) {
      v.shown.push_back({i, {s.times_ms().begin(), s.times_ms().end()}});
    }
  }
}

// The `n` most popular recommendable items of `items`.
std::vector<int32_t> BestSellers(std::span<const int32_t> items, const ShopSnapshot& snap,
                                 int n, int64_t now) {
  std::vector<std::pair<double, int32_t>> scored;
  for (int32_t i : items) {
    if (snap.catalog->recommendable().Test(i)) {
      scored.emplace_back(snap.popularity->PopularityAt(i, now), i);
    }
  }
  const size_t k = std::min<size_t>(n, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + k, scored.end(),
                    [](const auto& a, const auto& b) {
                      return a.first != b.first ? a.first > b.first : a.second < b.second;
                    });
  std::vector<int32_t> out;
  for (size_t j = 0; j < k; ++j) out.push_back(scored[j].second);
  return out;
}

// Declared categories and the strongest learnt affinities, and the seed
// history of a customer who declared preferences but has no behaviour yet.
void ReadPreferences(const ShopSnapshot& snap, const VisitorOptions& options, int64_t now,
                     Visitor& v) {
  const model::CatalogIndex& catalog = *snap.catalog;
  if (v.customer) {
    for (const auto& c : v.customer->preferred_categories()) {
      if (int32_t id = catalog.CategoryId(c); id >= 0) v.preferred_categories.push_back(id);
    }
  }
  if (v.aggregates) {
    std::vector<std::pair<double, int32_t>> affinities;
    for (const auto& [category, score] : v.aggregates->category_affinity()) {
      if (int32_t id = catalog.CategoryId(category); id >= 0) {
        affinities.emplace_back(score.log2(), id);
      }
    }
    std::sort(affinities.begin(), affinities.end(), std::greater<>());
    for (size_t i = 0; i < affinities.size() && i < options.max_affinity_categories; ++i) {
      const int32_t id = affinities[i].second;
      if (std::find(v.preferred_categories.begin(), v.preferred_categories.end(), id) ==
          v.preferred_categories.end()) {
        v.preferred_categories.push_back(id);
      }
    }
  }
  if (!v.history.empty() || !v.customer) return;
  absl::flat_hash_set<int32_t> seen;
  auto add = [&](const std::vector<int32_t>& items) {
    for (int32_t i : items) {
      if (seen.insert(i).second) v.seeds.push_back(i);
    }
  };
  for (const auto& c : v.customer->preferred_categories()) {
    if (int32_t id = catalog.CategoryId(c); id >= 0) {
      add(BestSellers(catalog.CategoryItems(id), snap, options.seeds_per_preference, now));
    }
  }
  for (const auto& b : v.customer->preferred_brands()) {
    if (int32_t id = catalog.BrandId(b); id >= 0) {
      add(BestSellers(catalog.BrandItems(id), snap, options.seeds_per_preference, now));
    }
  }
}

}  // namespace

std::vector<model::Interaction> InteractionsOf(const rec::SubjectAggregatesRecord& aggregates,
                                               const model::CatalogIndex& catalog) {
  std::vector<model::Interaction> history;
  history.reserve(aggregates.recent_interactions_size());
  for (const auto& r : aggregates.recent_interactions()) {
    const int32_t i = catalog.Find(r.item_id());
    const float strength = InteractionStrength(r.type(), r.value());
    if (i >= 0 && strength != 0) history.push_back({i, strength, r.time_ms(), KindOf(r.type())});
  }
  return history;
}

absl::StatusOr<Visitor> LoadVisitor(storage::Database& db, const std::string& shop,
                                    const ShopSnapshot& snap, const std::string& customer_id,
                                    const std::string& session_id, const VisitorOptions& options,
                                    int64_t now_ms) {
  std::optional<rec::CustomerRecord> customer;
  std::optional<rec::SubjectAggregatesRecord> aggregates;
  std::optional<storage::Subject> subject;
  std::string subject_id;
  if (!customer_id.empty()) {
    subject_id = customer_id;
    subject = storage::Subject::Customer(customer_id);
    auto found = db.profiles().GetCustomer(shop, customer_id);
    if (found.ok()) {
      customer = *std::move(found);
    } else if (!absl::IsNotFound(found.status())) {
      return found.status();
    }
  } else if (!session_id.empty()) {
    subject_id = session_id;
    ASSIGN_OR_RETURN(auto merged, db.profiles().ResolveSession(shop, session_id));
    subject = merged ? storage::Subject::Customer(*merged) : storage::Subject::Session(session_id);
  }
  // Without consent nothing behavioural is read.
  if (subject && Consents(customer.has_value() ? &*customer : nullptr, options)) {
    auto agg = db.profiles().GetAggregates(shop, *subject);
    if (agg.ok()) {
      aggregates = *std::move(agg);
    } else if (!absl::IsNotFound(agg.status())) {
      return agg.status();
    }
  }
  return MakeVisitor(std::move(subject_id), std::move(customer), std::move(aggregates), snap,
                     options, now_ms);
}

bool Consents(const rec::CustomerRecord* customer, const VisitorOptions& options) {
  return customer != nullptr && customer->has_consent_personalization()
             ? customer->consent_personalization()
             : options.personalize_without_consent;
}

Visitor MakeVisitor(std::string subject_id, std::optional<rec::CustomerRecord> customer,
                    std::optional<rec::SubjectAggregatesRecord> aggregates,
                    const ShopSnapshot& snap, const VisitorOptions& options, int64_t now_ms) {
  Visitor v;
  v.subject_id = std::move(subject_id);
  v.customer = std::move(customer);
  v.consent = Consents(v.customer.has_value() ? &*v.customer : nullptr, options);
  if (v.customer) v.locale = v.customer->locale();
  if (!v.consent) return v;
  v.aggregates = std::move(aggregates);
  if (v.customer) v.country = v.customer->country();
  if (v.aggregates) {
    if (v.country.empty()) v.country = v.aggregates->last_country();
    ReadBehaviour(*v.aggregates, *snap.catalog, v);
  }
  v.country_id = v.country.empty() ? -1 : snap.popularity->CountryId(v.country);
  ReadPreferences(snap, options, now_ms, v);
  return v;
}

}  // namespace persona::server
