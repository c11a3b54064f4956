#include "model/rules/rank.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace persona::model::rules {
namespace {

// Candidates after the allowed check, deduplication and boosts, best first.
std::vector<Ranked> Pool(const CompiledRules& rules, const CatalogIndex& catalog,
                         std::span<const RankInput> inputs, const ItemMask* allowed) {
  std::vector<Ranked> pool;
  pool.reserve(inputs.size());
  ItemMask seen(catalog.size());
  for (size_t k = 0; k < inputs.size(); ++k) {
    const int32_t i = inputs[k].item;
    if (i < 0 || i >= catalog.size() || seen.Test(i)) continue;
    if (allowed != nullptr && !allowed->Test(i)) continue;
    seen.Set(i);
    Ranked r{i, inputs[k].score, static_cast<int32_t>(k)};
    r.score = ApplyMultiplier(r.score, ScoreMultiplier(rules, catalog, i, &r.boosted));
    pool.push_back(r);
  }
  std::stable_sort(pool.begin(), pool.end(),
                   [](const Ranked& a, const Ranked& b) { return a.score > b.score; });
  return pool;
}

// The score given to items the rules bring in from outside the candidates:
// the lowest candidate score, so they never outrank what was blended.
double Floor(const std::vector<Ranked>& pool) { return pool.empty() ? 0 : pool.back().score; }

// The state of one ChooseItems call.
struct Chooser {
  const CompiledRules& rules;
  const CatalogIndex& catalog;
  const ItemMask& allowed;
  std::vector<Ranked> pool;
  ItemMask taken;
  CapCounter caps;
  std::vector<Ranked> pins = {}, promoted = {}, regular = {};

  void Take(const Ranked& r, std::vector<Ranked>& into) {
    taken.Set(r.item);
    caps.Add(r.item);
    into.push_back(r);
  }

  // Returns the pool entry of `item`, or an outside item with the floor score.
  Ranked Find(int32_t item) const {
    for (const Ranked& r : pool) {
      if (r.item == item) return r;
    }
    Ranked r{item, Floor(pool), -1};
    r.score = ApplyMultiplier(r.score, ScoreMultiplier(rules, catalog, item, &r.boosted));
    return r;
  }

  void Pins(int count) {
    for (int32_t item : rules.pins) {
      if (static_cast<int>(pins.size()) >= count) return;
      if (!allowed.Test(item) || taken.Test(item)) continue;
      Ranked r = Find(item);
      r.pinned = true;
      Take(r, pins);
    }
  }

  void Promote(const CompiledPromotion& promo, int count, std::span<const int32_t> supply) {
    const int want = std::min<int>(static_cast<int>(std::ceil(promo.percent * count / 100.0 - 1e-9)),
                                   count - static_cast<int>(pins.size() + promoted.size()));
    int got = 0;
    for (const Ranked& r : pool) {
      if (got >= want) return;
      if (taken.Test(r.item) || !promo.items.Test(r.item) || !caps.Fits(r.item)) continue;
      Ranked p = r;
      p.promoted = true;
      Take(p, promoted);
      ++got;
    }
    for (int32_t item : supply) {
      if (got >= want) return;
      if (item < 0 || item >= catalog.size() || !allowed.Test(item) || taken.Test(item) ||
          !promo.items.Test(item) || !caps.Fits(item)) {
        continue;
      }
      Ranked p = Find(item);
      p.promoted = true;
      Take(p, promoted);
      ++got;
    }
  }

  void Greedy(int want) {
    for (const Ranked& r : pool) {
      if (static_cast<int>(regular.size()) >= want) return;
      if (!taken.Test(r.item) && caps.Fits(r.item)) Take(r, regular);
    }
  }

  void Mmr(int want, double lambda);
  std::vector<Ranked> Assemble();
};

void Chooser::Mmr(int want, double lambda) {
  if (pool.empty()) return;
  const double hi = pool.front().score, lo = pool.back().score;
  std::vector<double> max_sim(pool.size(), 0.0);
  for (size_t k = 0; k < pool.size(); ++k) {
    for (const std::vector<Ranked>* chosen : {&pins, &promoted}) {
      for (const Ranked& c : *chosen) {
        max_sim[k] = std::max(max_sim[k], Similarity(catalog, pool[k].item, c.item));
      }
    }
  }
  while (static_cast<int>(regular.size()) < want) {
    int best = -1;
    double best_value = -std::numeric_limits<double>::infinity();
    for (size_t k = 0; k < pool.size(); ++k) {
      if (taken.Test(pool[k].item) || !caps.Fits(pool[k].item)) continue;
      const double relevance = hi > lo ? (pool[k].score - lo) / (hi - lo) : 1.0;
      const double value = (1 - lambda) * relevance - lambda * max_sim[k];
      if (value > best_value) {
        best_value = value;
        best = static_cast<int>(k);
      }
    }
    if (best < 0) return;
    Take(pool[best], regular);
    for (size_t k = 0; k < pool.size(); ++k) {
      max_sim[k] = std::max(max_sim[k], Similarity(catalog, pool[k].item, pool[best].item));
    }
  }
}

// Pins, then the regular picks with the promoted ones at evenly spaced slots.
std::vector<Ranked> Chooser::Assemble() {
  std::vector<Ranked> out = pins;
  const size_t k = promoted.size();
  const size_t m = k + regular.size();
  size_t next_promoted = 0, next_regular = 0;
  for (size_t slot = 0; slot < m; ++slot) {
    const bool promoted_slot = next_promoted < k && slot == next_promoted * m / k;
    if (promoted_slot || next_regular >= regular.size()) {
      out.push_back(promoted[next_promoted++]);
    } else {
      out.push_back(regular[next_regular++]);
    }
  }
  return out;
}

}  // namespace

CapCounter::CapCounter(const CompiledRules& rules, const CatalogIndex& catalog)
    : rules_(rules), catalog_(catalog), per_category_(rules.category_caps.size()) {}

bool CapCounter::Fits(int32_t item) const {
  if (rules_.max_per_brand > 0) {
    const int32_t brand = catalog_.ItemBrand(item);
    auto it = per_brand_.find(brand);
    if (brand >= 0 && it != per_brand_.end() && it->second >= rules_.max_per_brand) return false;
  }
  for (size_t c = 0; c < per_category_.size(); ++c) {
    const int32_t node = catalog_.CategoryAtDepth(item, rules_.category_caps[c].depth);
    auto it = per_category_[c].find(node);
    if (node >= 0 && it != per_category_[c].end() && it->second >= rules_.category_caps[c].max) {
      return false;
    }
  }
  return true;
}

void CapCounter::Add(int32_t item) {
  if (rules_.max_per_brand > 0) ++per_brand_[catalog_.ItemBrand(item)];
  for (size_t c = 0; c < per_category_.size(); ++c) {
    ++per_category_[c][catalog_.CategoryAtDepth(item, rules_.category_caps[c].depth)];
  }
}

double Similarity(const CatalogIndex& catalog, int32_t a, int32_t b) {
  const std::span<const int32_t> ca = catalog.ItemCategories(a);
  const std::span<const int32_t> cb = catalog.ItemCategories(b);
  size_t shared = 0;
  while (shared < ca.size() && shared < cb.size() && ca[shared] == cb[shared]) ++shared;
  const size_t depth = std::max(ca.size(), cb.size());
  const double category = depth == 0 ? 0.0 : static_cast<double>(shared) / depth;
  const int32_t brand_a = catalog.ItemBrand(a);
  const double brand = brand_a >= 0 && brand_a == catalog.ItemBrand(b) ? 1.0 : 0.0;
  return 0.75 * category + 0.25 * brand;
}

std::vector<Ranked> ChooseItems(const CompiledRules& rules, const CatalogIndex& catalog,
                                std::span<const RankInput> candidates, int count,
                                const ItemMask& allowed, std::span<const int32_t> supply) {
  if (count <= 0) return {};
  Chooser c{rules, catalog, allowed, Pool(rules, catalog, candidates, &allowed),
            ItemMask(catalog.size()), CapCounter(rules, catalog)};
  c.Pins(count);
  for (const CompiledPromotion& promo : rules.promotions) c.Promote(promo, count, supply);
  const int want = count - static_cast<int>(c.pins.size() + c.promoted.size());
  const double lambda = rules.diversity.value_or(0);
  if (lambda > 0) {
    c.Mmr(want, lambda);
  } else {
    c.Greedy(want);
  }
  return c.Assemble();
}

std::vector<Ranked> FillItems(const CompiledRules& rules, const CatalogIndex& catalog,
                              std::span<const int32_t> chosen, std::span<const RankInput> extra,
                              int count) {
  int missing = count - static_cast<int>(chosen.size());
  if (missing <= 0) return {};
  CapCounter caps(rules, catalog);
  ItemMask taken(catalog.size());
  for (int32_t i : chosen) {
    if (i < 0 || i >= catalog.size()) continue;
    caps.Add(i);
    taken.Set(i);
  }
  std::vector<Ranked> out, held_back;
  for (const Ranked& r : Pool(rules, catalog, extra, nullptr)) {
    if (missing == 0) break;
    if (taken.Test(r.item)) continue;
    if (!caps.Fits(r.item)) {
      held_back.push_back(r);
      continue;
    }
    caps.Add(r.item);
    out.push_back(r);
    --missing;
  }
  // Relaxing the caps beats returning fewer items than asked.
  for (size_t k = 0; k < held_back.size() && missing > 0; ++k, --missing) {
    out.push_back(held_back[k]);
  }
  return out;
}

}  // namespace persona::model::rules
