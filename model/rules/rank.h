// The ranking steps of compiled rules (compile.h), independent of where the
// candidates come from: pins first, boosts and buries, promotion slots, caps
// per category or brand, maximal-marginal-relevance (MMR) diversity, and the
// fill from fallback items that relaxes caps only when it must.
//
// MMR similarity of two items (Similarity below) comes from the catalog:
// 0.75 * (leading category nodes shared / the longer path's depth)
// + 0.25 * (same non-empty brand), so it lies in [0, 1].
// Thread-safety: pure functions over values; safe from any thread.
#ifndef PERSONA_MODEL_RULES_RANK_H_
#define PERSONA_MODEL_RULES_RANK_H_

#include <cstdint>
#include <span>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "model/catalog_index.h"
#include "model/item_mask.h"
#include "model/rules/compile.h"

namespace persona::model::rules {

// One item offered to the ranking: its catalog index and score (higher is
// better).
struct RankInput {
  int32_t item = -1;
  double score = 0;
};

// One ranked item.
struct Ranked {
  int32_t item = -1;
  // The score after boosts and buries.
  double score = 0;
  // Index of the RankInput it came from, or -1 when the rules brought it in
  // (a pin or promotion that was not among the inputs).
  int32_t origin = -1;
  bool pinned = false;
  bool promoted = false;
  bool boosted = false;
};

// Counts chosen items per brand and per category node at each capped depth.
// Not thread-safe; one per ranking.
class CapCounter {
 public:
  CapCounter(const CompiledRules& rules, const CatalogIndex& catalog);
  // Whether adding `item` keeps every cap. Items without a brand or category
  // are not limited by that cap.
  bool Fits(int32_t item) const;
  void Add(int32_t item);

 private:
  const CompiledRules& rules_;
  const CatalogIndex& catalog_;
  absl::flat_hash_map<int32_t, int32_t> per_brand_;
  // One map per rules_.category_caps entry: category node -> count.
  std::vector<absl::flat_hash_map<int32_t, int32_t>> per_category_;
};

// Returns the MMR similarity of two items, in [0, 1] (see the file comment).
double Similarity(const CatalogIndex& catalog, int32_t a, int32_t b);

// Returns at most `count` items from `candidates` under `rules`:
//   1. candidates not in `allowed` are dropped; scores get the boost/bury
//      multipliers; the rest is ordered by score;
//   2. pinned items that are allowed come first, in their order (from the
//      candidates or, when not among them, straight from `allowed`);
//   3. each promotion reserves ceil(percent% of count) slots for its best
//      matching candidates, then for matching items of `supply` (items best
//      first, e.g. the shop's best sellers) that are allowed; promoted items
//      sit at evenly spaced slots after the pins;
//   4. the remaining slots take the best candidates under the caps, by MMR
//      when rules.diversity > 0: each next item maximises
//      (1 - lambda) * relevance - lambda * max similarity to those chosen,
//      relevance being the score scaled to [0, 1] over the candidates.
// Pins and promotions count towards the caps; pins are never dropped by them.
std::vector<Ranked> ChooseItems(const CompiledRules& rules, const CatalogIndex& catalog,
                                std::span<const RankInput> candidates, int count,
                                const ItemMask& allowed, std::span<const int32_t> supply);

// Returns the items of `extra` (boosted and re-ordered by score) to append to
// `chosen` until there are `count`: first those within the caps, then, only
// if still short, the ones the caps held back, in order. Items already in
// `chosen` are skipped. `origin` indexes `extra`.
std::vector<Ranked> FillItems(const CompiledRules& rules, const CatalogIndex& catalog,
                              std::span<const int32_t> chosen, std::span<const RankInput> extra,
                              int count);

}  // namespace persona::model::rules

#endif  // PERSONA_MODEL_RULES_RANK_H_
