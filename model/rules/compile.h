// Rules compiled against one catalog: expressions become item masks built
// from the CatalogIndex's lists and sorted columns (set operations and binary
// searches, no per-item scans where an index exists), and the ranking
// statements become plain values the ranking steps (rank.h) apply.
//
// What depends on the visitor (cart, purchases, showings) is kept as the
// statement's parameters; the server applies it with the visitor at hand.
// Thread-safety: CompiledRules is an immutable value once built; the
// functions are pure and safe from any thread.
#ifndef PERSONA_MODEL_RULES_COMPILE_H_
#define PERSONA_MODEL_RULES_COMPILE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/catalog_index.h"
#include "model/item_mask.h"
#include "model/rules/ast.h"

namespace persona::model::rules {

// boost/bury <factor> if <expr>.
struct CompiledBoost {
  ItemMask items;
  double factor = 1;
};

// boost by <field> weight <w>: multiplier 1 + w * (value - lo) / (hi - lo),
// where [lo, hi] is the field's range over the catalog.
struct CompiledBoostBy {
  BoostField field = BoostField::kPrice;
  std::string attribute;
  double weight = 0;
  double lo = 0;
  double hi = 0;
};

// promote <percent>% if <expr>.
struct CompiledPromotion {
  ItemMask items;
  double percent = 0;
};

// max per category<depth> <max>.
struct CategoryCap {
  int32_t depth = 1;
  int32_t max = 1;
};

struct CompiledRules {
  // Items filters and item exclusions (expressions, ids) leave allowed;
  // meaningful only when `restricts` (otherwise every item is allowed and
  // the mask may be empty).
  bool restricts = false;
  ItemMask allowed;
  std::vector<CompiledBoost> boosts;
  std::vector<CompiledBoostBy> boosts_by;
  std::vector<CompiledPromotion> promotions;
  // Pinned items in order, without duplicates; unknown ids are dropped.
  std::vector<int32_t> pins;
  // The strictest cap per brand (0: none) and per category depth.
  int32_t max_per_brand = 0;
  std::vector<CategoryCap> category_caps;
  // The last diversity stated, if any.
  std::optional<double> diversity;
  // Visitor-dependent exclusions.
  bool exclude_cart = false;
  // exclude bought [within]: nullopt when absent, 0 for ever.
  std::optional<int64_t> exclude_bought_within_ms;
  std::vector<ExcludeShownStmt> exclude_shown;
  // Some expression depends on the request time (created within), so the
  // result holds only for `now_ms` it was compiled with.
  bool uses_request_time = false;

  // Whether any statement changes scores or order (boosts, promotions, pins,
  // caps, diversity).
  bool ranks() const;
};

// Returns the items of `catalog` (any availability) matching `expr`.
// `now_ms` anchors "created within".
ItemMask CompileExpr(const Expr& expr, const CatalogIndex& catalog, int64_t now_ms);

// Compiles every statement of `rules` against `catalog`.
CompiledRules Compile(const RuleSet& rules, const CatalogIndex& catalog, int64_t now_ms);

// Combines a placement's compiled rules with a request's: restrictions and
// exclusions of both apply, boosts multiply, promotions and pins of the
// request follow the config's, the stricter cap wins and the request's
// diversity overrides. Both must be compiled against the same catalog.
CompiledRules MergeCompiled(const CompiledRules& config, const CompiledRules& request);

// Returns the score multiplier of `item` under boosts, buries and boosts by
// field (1 when none applies); sets `*boosted` when one applied.
double ScoreMultiplier(const CompiledRules& rules, const CatalogIndex& catalog, int32_t item,
                       bool* boosted);

// Applies a multiplier so that a boost (m > 1) always raises a score, also a
// negative one (fallback scores are negative): s * m for s >= 0, s / m below.
inline double ApplyMultiplier(double score, double m) { return score >= 0 ? score * m : score / m; }

}  // namespace persona::model::rules

#endif  // PERSONA_MODEL_RULES_COMPILE_H_
