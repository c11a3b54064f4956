// "Often bought together": recommends the items that co-occur most with the
// page's context items (the product viewed, the cart) or, without context,
// with the visitor's latest interactions, and names the item that explains
// each choice. Built from neighbour lists keyed by item id (as trained and
// stored), aligned with one catalog snapshot.
// Immutable after Create: Recommend may be called from many threads at once.
#ifndef PERSONA_MODEL_BOUGHT_TOGETHER_H_
#define PERSONA_MODEL_BOUGHT_TOGETHER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "model/catalog_index.h"
#include "model/recommender.h"
#include "model/topk.h"

namespace persona::model {

// One item's neighbours by id, most similar first.
struct NeighborList {
  std::string item_id;
  std::vector<std::pair<std::string, float>> neighbors;
};

class BoughtTogetherRecommender : public Recommender {
 public:
  // Aligns `lists` with `catalog`; ids no longer in the catalog are dropped.
  // `name` and `reason` describe the co-occurrence: purchases in one order
  // (the default) or, e.g., "viewed_together" / kSimilarToViewed for views
  // in one session.
  static std::shared_ptr<const BoughtTogetherRecommender> Create(
      std::shared_ptr<const CatalogIndex> catalog, const std::vector<NeighborList>& lists,
      std::string name = "bought_together", Reason reason = Reason::kBoughtTogether);

  // Anchors: the context items, else the 5 latest positive history items.
  // Returns nothing without anchors or neighbours.
  std::vector<ScoredItem> Recommend(const RecommendContext& ctx) const override;
  std::string_view name() const override { return name_; }

  // Items with at least one neighbour.
  int32_t items_with_neighbors() const;

 private:
  BoughtTogetherRecommender() = default;

  std::shared_ptr<const CatalogIndex> catalog_;
  std::string name_;
  Reason reason_ = Reason::kBoughtTogether;
  // Item i's neighbours are neighbors_[offsets_[i] .. offsets_[i+1]).
  std::vector<int64_t> offsets_;
  std::vector<ScoredIndex> neighbors_;
};

}  // namespace persona::model

#endif  // PERSONA_MODEL_BOUGHT_TOGETHER_H_
