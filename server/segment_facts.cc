#include "server/segment_facts.h"

#include <algorithm>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "common/decay.h"
#include "persona/v1/common.pb.h"

namespace persona::server {
namespace {

namespace seg = ::persona::model::segments;
namespace rec = ::persona::storage::v1;
namespace v1 = ::persona::v1;

void ReadAttributes(const rec::CustomerRecord& c, seg::CustomerFacts& f) {
  f.country = c.country();
  f.city = c.city();
  f.locale = c.locale();
  f.gender = c.gender();
  f.birth_year = c.birth_year();
  if (c.has_consent_email_marketing()) f.consent_email = c.consent_email_marketing();
  if (c.has_consent_personalization()) f.consent_personalization = c.consent_personalization();
  for (const auto& [k, v] : c.attributes()) f.attributes.emplace(k, v);
}

// Items in the cart now: added and neither removed nor bought since.
int64_t CartItems(const rec::SubjectAggregatesRecord& a) {
  std::vector<std::string_view> cart;
  for (const auto& r : a.recent_interactions()) {
    auto at = std::find(cart.begin(), cart.end(), r.item_id());
    if (r.type() == v1::ADD_TO_CART) {
      if (at == cart.end()) cart.push_back(r.item_id());
    } else if ((r.type() == v1::REMOVE_FROM_CART || r.type() == v1::PURCHASE) && at != cart.end()) {
      cart.erase(at);
    }
  }
  return static_cast<int64_t>(cart.size());
}

void ReadBought(const rec::SubjectAggregatesRecord& a, const model::CatalogIndex& catalog,
                seg::CustomerFacts& f) {
  absl::flat_hash_map<std::string, int64_t> categories, brands;
  for (const auto& [id, time] : a.bought_items()) {
    const int32_t i = catalog.Find(id);
    if (i < 0) continue;
    for (int32_t c : catalog.ItemCategories(i)) {
      int64_t& t = categories[catalog.CategoryName(c)];
      t = std::max(t, time);
    }
    if (const std::string& brand = catalog.item(i).brand; !brand.empty()) {
      int64_t& t = brands[brand];
      t = std::max(t, time);
    }
  }
  for (auto& [name, t] : categories) f.bought_categories.push_back({name, t});
  for (auto& [name, t] : brands) f.bought_brands.push_back({name, t});
}

void ReadAffinity(const rec::SubjectAggregatesRecord& a, int64_t now_ms, double half_life_ms,
                  seg::CustomerFacts& f) {
  double total = 0;
  for (const auto& [category, score] : a.category_affinity()) {
    const double v = DecayedValueAt(score.log2(), now_ms, half_life_ms);
    f.category_affinity.push_back({category, v});
    total += v;
  }
  for (auto& c : f.category_affinity) c.share = total > 0 ? c.share / total : 0;
}

void ReadAggregates(const rec::SubjectAggregatesRecord& a, const model::CatalogIndex& catalog,
                    int64_t now_ms, double half_life_ms, seg::CustomerFacts& f) {
  f.first_seen_ms = a.first_seen_time_ms();
  f.last_seen_ms = a.last_seen_time_ms();
  f.last_purchase_ms = a.last_purchase_time_ms();
  f.last_view_ms = a.last_view_time_ms();
  f.last_cart_add_ms = a.last_cart_add_time_ms();
  f.cart_items = CartItems(a);
  f.orders = a.orders();
  f.monetary = a.monetary();
  f.units_bought = a.units_bought();
  f.returned_items = a.returned_items();
  f.nps = a.has_nps() ? a.last_nps() : -1;
  if (a.has_csat()) {
    f.csat = a.last_csat();
    f.csat_time_ms = a.last_csat_time_ms();
  }
  for (const auto& [type, count] : a.event_counts()) {
    if (v1::EventType_IsValid(type)) {
      f.event_counts[v1::EventType_Name(static_cast<v1::EventType>(type))] += count;
    }
  }
  ReadBought(a, catalog, f);
  ReadAffinity(a, now_ms, half_life_ms, f);
}

}  // namespace

seg::CustomerFacts BuildFacts(std::string_view id, const rec::CustomerRecord* customer,
                              const rec::SubjectAggregatesRecord* aggregates,
                              const model::CatalogIndex& catalog, int64_t now_ms,
                              double affinity_half_life_ms) {
  seg::CustomerFacts f;
  f.id = std::string(id);
  if (customer != nullptr) ReadAttributes(*customer, f);
  if (aggregates != nullptr) {
    ReadAggregates(*aggregates, catalog, now_ms, affinity_half_life_ms, f);
  }
  return f;
}

}  // namespace persona::server
