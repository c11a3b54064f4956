// The recommendation pipeline of one placement, shared by Recommend,
// RecommendPage and RankItems:
//   1. variant: forced by the request, else the stable hash of the visitor;
//   2. allowed items: catalog filters and the rules' filters (precomputed
//      masks), minus exclusions (page items, request ids, items bought unless
//      repeat-purchase, rule exclusions, items already on the page or earlier
//      in an infinite scroll);
//   3. candidates: each recommender of the variant's strategy, blended by
//      weighted reciprocal rank;
//   4. rules: pins, boosts and buries, promotion slots, caps per category or
//      brand, diversity;
//   5. fallbacks fill what is left: the best sellers of the visitor's
//      segment (lifecycle stage), country best sellers, then the shop's
//      (with the visitor's preferred categories), flagged `fallback`;
//   6. reasons in the visitor's locale, a recommendation id that encodes the
//      placement and variant for attribution, and a page token.
// Thread-safe: every call works on its own data and immutable snapshots.
#ifndef PERSONA_SERVER_RECOMMEND_PIPELINE_H_
#define PERSONA_SERVER_RECOMMEND_PIPELINE_H_

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "model/item_mask.h"
#include "persona/v1/recommend.pb.h"
#include "absl/status/statusor.h"
#include "model/recommender.h"
#include "server/placements.h"
#include "server/rules_stage.h"
#include "server/reasons.h"
#include "server/shop_registry.h"
#include "server/visitor.h"

namespace persona::server {

// What the pipeline needs besides the request: shared, immutable or
// thread-safe services.
// The best sellers among customers like the visitor (their lifecycle
// stage), best first; empty when unknown. Called only when fallbacks are needed.
using SegmentBestSellers = std::function<std::vector<int32_t>(const Visitor&)>;

struct PipelineEnv {
  std::shared_ptr<const Placements> placements;
  const ReasonTexts* reasons = nullptr;
  int64_t now_ms = 0;
  // The first fallback; may be empty (none).
  SegmentBestSellers segment_best_sellers = {};
};

// One placement's part of a request (Recommend's fields, or one entry of a
// page request).
struct PlacementAsk {
  std::string placement;
  int count = 0;
  const persona::v1::ItemFilter* filter = nullptr;
  std::vector<std::string> exclude_ids;
  std::string rules;
  std::string page_token;
  std::string variant;
  std::string locale;
};

// Items already placed on the page; null when duplicates are allowed.
struct PageState {
  model::ItemMask taken;
};

// A page token: the recommendation id and the ids returned so far.
struct ScrollState {
  std::string recommendation_id;
  std::vector<std::string> shown;
};

// One placement prepared for one visitor up to its candidates (variant,
// rules, allowed items): what a batch (a campaign) needs to score the "als"
// stage of many visitors in blocks before finishing each. Not movable: the
// ALS context points into it.
struct PreparedPlacement {
  PreparedPlacement() = default;
  PreparedPlacement(const PreparedPlacement&) = delete;
  PreparedPlacement& operator=(const PreparedPlacement&) = delete;

  std::string name;
  const PlacementVariant* variant = nullptr;
  int count = 0;
  std::unique_ptr<RulesStage> rules;
  model::ItemMask allowed;
  ScrollState scroll;
  std::span<const int32_t> context_items;
  std::string locale;
  std::vector<model::Interaction> seeded;
  // What the "als" stage is asked; unset when the variant has none or the
  // shop has no model.
  std::optional<model::RecommendContext> als_context;
};

// Steps 1-2 of the pipeline. `context_items` and `visitor` must outlive the
// result. INVALID_ARGUMENT as RunPlacement.
absl::StatusOr<std::unique_ptr<PreparedPlacement>> PreparePlacement(
    const PipelineEnv& env, const ShopSnapshot& snap, const Visitor& visitor,
    std::span<const int32_t> context_items, const PlacementAsk& ask, const PageState* page);

// Steps 3-6: `als_answer`, when not null, is what snap.als answers for
// *p.als_context (e.g. from AlsRecommender::RecommendBatch) and stands in for
// asking it.
absl::Status FinishPlacement(const PipelineEnv& env, const ShopSnapshot& snap,
                             const Visitor& visitor, PreparedPlacement& p,
                             const std::vector<model::ScoredItem>* als_answer, PageState* page,
                             persona::v1::RecommendResponse* out);

// Answers one placement into `out` (PreparePlacement, then FinishPlacement). INVALID_ARGUMENT names the request
// field (e.g. "rules: ...", "page_token: ...", "variant: ...").
absl::Status RunPlacement(const PipelineEnv& env, const ShopSnapshot& snap, const Visitor& visitor,
                          std::span<const int32_t> context_items, const PlacementAsk& ask,
                          PageState* page, persona::v1::RecommendResponse* out);

// Orders `items` for the visitor with the placement's strategy and rules.
absl::Status RankList(const PipelineEnv& env, const ShopSnapshot& snap, const Visitor& visitor,
                      std::span<const int32_t> context_items, std::span<const int32_t> items,
                      const PlacementAsk& ask, persona::v1::RankItemsResponse* out);

}  // namespace persona::server

#endif  // PERSONA_SERVER_RECOMMEND_PIPELINE_H_
