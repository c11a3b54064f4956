// Serving a trained factor model: item factors aligned with one catalog
// snapshot, fold-in of the visitor's current interactions, masked top-k, and
// an explanation anchor per item ("because of X").
//
// Items the model has never seen (listed after the last training) get the
// mean factors of the trained items of their deepest category that has any
// (else of their brand), so new arrivals can be recommended before the next
// training; they are reported with Reason::kNewArrival. An exploration share
// reserves that fraction of each answer for the best such new items.
//
// RecommendBatch answers many contexts at once (email campaigns): the same
// answers as Recommend, with the item scoring done for blocks of contexts per
// pass over the item matrix.
// Immutable after Create: Recommend and RecommendBatch may be called from
// many threads at once.
#ifndef PERSONA_MODEL_ALS_RECOMMENDER_H_
#define PERSONA_MODEL_ALS_RECOMMENDER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "model/als.h"
#include "model/ann.h"
#include "model/catalog_index.h"
#include "model/fold_in.h"
#include "model/recommender.h"
#include "model/topk.h"
#include "model/weighting.h"

namespace persona::model {

// A trained model as stored: factors by the model's own item ids.
struct TrainedItems {
  std::vector<std::string> item_ids;
  int32_t dim = 0;
  // Row-major, item_ids.size() x dim.
  std::vector<float> factors;
  // The weighting the training strengths went through (by the rows above);
  // fold-in applies the same to a visitor's raw strengths.
  std::optional<Bm25Weighting> weighting;
};

class AlsRecommender : public Recommender {
 public:
  // Aligns `trained` with `catalog` (which must outlive the recommender).
  // `options` must be the training options (fold-in uses the same
  // regularisation and confidence). `version` names the model in responses.
  // `exploration_share` (0..1, default 0) of each answer's slots, rounded
  // up when positive, go to the best-scoring new items when there are any.
  static absl::StatusOr<std::shared_ptr<const AlsRecommender>> Create(
      std::shared_ptr<const CatalogIndex> catalog, const TrainedItems& trained,
      const AlsOptions& options, std::string version, double exploration_share = 0.0);

  // Folds in ctx.history (positive weights) and ctx.context_items (weight 1
  // each), then returns the best allowed items. Returns nothing when the
  // visitor has no usable interactions (the caller falls back).
  std::vector<ScoredItem> Recommend(const RecommendContext& ctx) const override;
  std::string_view name() const override { return "als"; }

  // Returns, for each of `contexts`, exactly what Recommend returns for it on
  // a recommender without an approximate index: the same items in the same
  // order with bit-equal scores, reasons, anchors and categories (empty for
  // contexts without usable interactions). Fold-ins run per context; the
  // top-k runs for blocks of up to 64 contexts per pass over the item matrix
  // (TopKDotBatch), several times cheaper per context than one Recommend
  // each on a large catalog. An attached index is not used: campaigns are
  // exact, page views may be approximate. Contexts may differ in count,
  // mask, history and context items; their views must stay valid during the
  // call. Uses one thread; callers parallelise across slices of contexts.
  std::vector<std::vector<ScoredItem>> RecommendBatch(
      std::span<const RecommendContext> contexts) const;

  // Folds `history` in (as Recommend does, without context items) into
  // `user` (dim() floats): the customer's factor vector, for personas and
  // targeting. Returns false when no interaction is with a trained item.
  bool FoldInUser(std::span<const Interaction> history, std::vector<float>& user) const;

  const std::string& version() const { return version_; }
  // Items with trained factors, and items with category-imputed ones.
  int32_t trained_items() const { return trained_.Count(); }
  int32_t imputed_items() const { return imputed_.Count(); }
  // Item factors aligned with the catalog (rows = catalog size); valid as
  // long as this recommender lives.
  FactorView factors() const { return {factors_.data(), catalog_->size(), dim_}; }
  // Attaches an approximate index built over factors(); from then on top-k
  // searches it instead of scoring every item. Thread-safe: readers see the
  // index or not, never a half-built one.
  void SetAnn(std::shared_ptr<const AnnIndex> ann) const;
  bool has_ann() const;

  // Returns item i's factor row (dim floats).
  const float* ItemFactors(int32_t i) const { return factors_.data() + int64_t{i} * dim_; }
  int32_t dim() const { return dim_; }

 private:
  AlsRecommender() = default;

  // One context folded in: what Recommend and RecommendBatch score and explain.
  struct Visitor {
    std::vector<float> user;       // dim_ floats
    std::vector<int32_t> anchors;  // trained items that may explain, most recent first
    ItemMask allowed;              // *ctx.allowed & scorable_
  };

  // Fills `v` for `ctx`; returns false when there is nothing to recommend
  // (count <= 0, no mask, no usable interaction, or a failed fold-in).
  bool Prepare(const RecommendContext& ctx, Visitor& v) const;
  // Turns the ctx.count best scorable items of v.allowed (best first) into
  // the answer: reserves the exploration share for new items, then explains.
  std::vector<ScoredItem> Finish(const RecommendContext& ctx, const Visitor& v,
                                 std::vector<ScoredIndex> top) const;
  // Replaces the weakest established items of `top` by the best new items
  // not in it, so that the exploration share of `count` slots holds new items.
  void Explore(int count, const Visitor& v, std::vector<ScoredIndex>& top) const;

  // Returns up to k items of `allowed` (imputed items only) with the highest
  // score, ties to the lower item as TopKDot, scoring each group of identical
  // imputed rows once (with TopKDot's kernel, over group_factors_) instead of
  // every item.
  std::vector<ScoredIndex> TopImputed(const float* user, int k, const ItemMask& allowed) const;

  std::shared_ptr<const CatalogIndex> catalog_;
  std::string version_;
  double exploration_share_ = 0;
  int32_t dim_ = 0;
  std::vector<float> factors_;  // catalog->size() x dim_
  ItemMask trained_;
  ItemMask imputed_;
  int32_t imputed_count_ = 0;
  ItemMask scorable_;  // trained_ | imputed_
  // Imputed items grouped by the mean they copied (identical rows): group g
  // holds imputed_items_[imputed_offsets_[g] .. imputed_offsets_[g + 1]),
  // ascending.
  std::vector<int32_t> imputed_offsets_;
  std::vector<int32_t> imputed_items_;
  // Row g: the factors every item of imputed group g shares.
  std::vector<float> group_factors_;
  std::unique_ptr<const FoldIn> fold_in_;
  // Published once by SetAnn, read with std::atomic_load.
  mutable std::shared_ptr<const AnnIndex> ann_;
};

}  // namespace persona::model

#endif  // PERSONA_MODEL_ALS_RECOMMENDER_H_
