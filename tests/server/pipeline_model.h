// An independent model of what rule texts, request filters and visitor
// exclusions allow, written from docs/RULES.md against the generated catalog
// (pipeline_shop.h) rather than with the rules compiler under test.
// Values; thread-compatible.
#ifndef PERSONA_TESTS_SERVER_PIPELINE_MODEL_H_
#define PERSONA_TESTS_SERVER_PIPELINE_MODEL_H_

#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/server/pipeline_shop.h"

namespace persona::server::pipeline_testing {

using Pred = std::function<bool(int32_t)>;

// What a rule text (or a merge of two) removes from the allowed items.
struct RuleModel {
  std::string text;
  std::vector<Pred> filters;   // an allowed item satisfies all
  std::vector<Pred> excludes;  // and none of these
  bool exclude_cart = false;
  // exclude bought: 0 for ever, else the window (ms); the widest wins.
  std::optional<int64_t> bought_within;
  std::vector<std::pair<int, int64_t>> shown;  // (times, within ms)

  void Merge(const RuleModel& o) {
    filters.insert(filters.end(), o.filters.begin(), o.filters.end());
    excludes.insert(excludes.end(), o.excludes.begin(), o.excludes.end());
    exclude_cart = exclude_cart || o.exclude_cart;
    if (o.bought_within) {
      if (!bought_within) {
        bought_within = o.bought_within;
      } else if (*bought_within == 0 || *o.bought_within == 0) {
        bought_within = 0;
      } else {
        bought_within = std::max(*bought_within, *o.bought_within);
      }
    }
    shown.insert(shown.end(), o.shown.begin(), o.shown.end());
  }
};

// A request's ItemFilter and its model.
struct FilterModel {
  persona::v1::ItemFilter proto;
  bool present = false;
  Pred allows = [](int32_t) { return true; };
};

// The configured rules of a placement's variant (pipeline_shop.h), modelled.
inline RuleModel ConfigRules(const std::string& placement,
                             const std::string& variant) {
  RuleModel m;
  const TestShop& shop = Shop();
  if (placement == "grid") {  // kGridRules
    m.excludes.push_back(
        [&shop](int32_t i) { return HasTag(shop.infos[i], "gift"); });
  } else if (placement == "fresh") {  // kFreshRules
    m.filters.push_back([&shop](int32_t i) {
      return shop.Recommendable(i) && shop.infos[i].price <= 150;
    });
    m.exclude_cart = true;
    m.bought_within = 7 * kDay;
  } else if (placement == "exp" && variant == "a") {  // kExpARules
    m.excludes.push_back(
        [&shop](int32_t i) { return shop.infos[i].brand == "Echo"; });
  } else if (placement == "exp" && variant == "b") {  // kExpBRules
    m.filters.push_back(
        [&shop](int32_t i) { return shop.infos[i].price >= 20; });
    m.shown.push_back({1, 3 * kDay});
  }
  return m;
}

// Why `i` may not be returned ("" when it may), from the catalog data.
inline std::string Forbidden(const RuleModel& rules, const FilterModel& filter,
                             const Visitor& v, int32_t i) {
  const TestShop& shop = Shop();
  if (!shop.Recommendable(i)) return "unavailable";
  if (!filter.allows(i)) return "request filter";
  for (const Pred& p : rules.filters) {
    if (!p(i)) return "rule filter";
  }
  for (const Pred& p : rules.excludes) {
    if (p(i)) return "rule exclusion";
  }
  if (rules.exclude_cart &&
      std::find(v.cart.begin(), v.cart.end(), i) != v.cart.end()) {
    return "in the cart";
  }
  for (const auto& [item, time] : v.bought) {
    if (item != i || shop.repeat[i]) continue;
    const bool window = rules.bought_within && *rules.bought_within > 0;
    if (!window || time >= kNow - *rules.bought_within) return "bought";
  }
  for (const auto& [times, within] : rules.shown) {
    for (const Visitor::Shown& s : v.shown) {
      if (s.item != i) continue;
      int n = 0;
      for (int64_t t : s.times_ms) n += t >= kNow - within;
      if (n >= times) return "shown often";
    }
  }
  return "";
}

}  // namespace persona::server::pipeline_testing

#endif  // PERSONA_TESTS_SERVER_PIPELINE_MODEL_H_
