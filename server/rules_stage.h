// The business rules of one placement call (docs/RULES.md): the placement's
// configured rules merged with the request's, compiled against one catalog
// snapshot and one visitor.
//
// The pipeline (recommend_pipeline.h) uses it in three steps:
//   Restrict  removes from the allowed mask what filters and exclusions
//             forbid (filter/exclude expressions, exclude cart, exclude bought
//             within, exclude shown N times within D, exclude ids);
//   Choose    turns blended candidates into the placement's picks: pins
//             first, boosts and buries, promotion slots, caps per category or
//             brand, maximal-marginal-relevance diversity;
//   Fill      tops the picks up from fallback candidates, keeping the caps
//             while it can and relaxing them rather than return fewer items
//             than asked when the catalog allows it.
//
// Thread-safety: a RulesStage is built per call and used by one thread;
// Make is thread-safe.
#ifndef PERSONA_SERVER_RULES_STAGE_H_
#define PERSONA_SERVER_RULES_STAGE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "model/item_mask.h"
#include "model/recommender.h"
#include "server/shop_registry.h"
#include "server/visitor.h"

namespace persona::server {

// One candidate or chosen item of a placement.
struct Pick {
  model::ScoredItem item;
  // The score after blending and rules; picks are ordered by it except
  // pinned and promoted ones, which keep their slots.
  double score = 0;
  // The recommender that proposed it ("als", "popularity", ...; "pin" and
  // "promotion" for items rules brought in). Points at static storage.
  std::string_view source;
  // Came from a fallback (country or global best sellers), not the strategy.
  bool fallback = false;
  bool pinned = false;
  bool promoted = false;
  // A boost or bury rule changed its score.
  bool boosted = false;
};

// Parses rule text; INVALID_ARGUMENT naming the bad rule and column. Fits
// Placements::Build's RuleChecker, so config rules are checked at load.
absl::Status CheckRules(std::string_view text);

class RulesStage {
 public:
  // Parses (cached by text) and compiles `placement_rules` (validated when the
  // config was loaded) and `request_rules`. A bad request rule gives
  // INVALID_ARGUMENT starting "rules: " and naming the rule and column.
  static absl::StatusOr<RulesStage> Make(const std::string& placement_rules,
                                         const std::string& request_rules,
                                         const ShopSnapshot& snap, const Visitor& visitor,
                                         int64_t now_ms);

  // Clears from `allowed` every item a filter or exclusion forbids.
  void Restrict(model::ItemMask& allowed) const;

  // Returns at most `count` picks from `candidates` (best first, as blended)
  // under pins, boosts, promotions, caps and diversity. Pinned and promoted
  // items not among the candidates are taken from `allowed` items.
  std::vector<Pick> Choose(const std::vector<Pick>& candidates, int count,
                           const model::ItemMask& allowed) const;

  // Whether the rules re-rank (pins, boosts, promotions, caps, diversity),
  // so the pipeline should offer more candidates than the count.
  bool Ranks() const;

  // Whether the rules say which purchases to exclude ("exclude bought ..."),
  // replacing the pipeline's default of every non-repeat-purchase item bought.
  bool HandlesBought() const;

  // Appends `extra` (fallback candidates, best first) to `chosen` until there
  // are `count`, under the caps when possible.
  std::vector<Pick> Fill(std::vector<Pick> chosen, const std::vector<Pick>& extra,
                         int count) const;

  RulesStage(RulesStage&&) = default;
  RulesStage& operator=(RulesStage&&) = default;
  ~RulesStage();

 private:
  struct Compiled;
  explicit RulesStage(std::shared_ptr<const Compiled> compiled);
  // shared_ptr: the type is complete only in rules_stage.cc.
  std::shared_ptr<const Compiled> compiled_;
};

}  // namespace persona::server

#endif  // PERSONA_SERVER_RULES_STAGE_H_
