// Item-to-item neighbours, for "similar items", "bought together" and the
// item-kNN recommender.
//   ItemNeighbors::Build: from co-occurrence in the rows of a sparse matrix.
//     Rows are whatever groups items: orders ("bought together"), sessions
//     ("viewed together") or users (classic item-based CF). Similarity is
//     cosine over binary occurrence, co_ij / sqrt(n_i n_j), optionally shrunk
//     by co_ij / (co_ij + shrink) against small counts; each item keeps its
//     max_neighbors best.
//   FactorSimilarity: cosine between item factor vectors (ALS), exhaustive
//     over the masked top-k.
// Both are immutable after Build: safe to share across threads.
#ifndef PERSONA_MODEL_ITEM_NEIGHBORS_H_
#define PERSONA_MODEL_ITEM_NEIGHBORS_H_

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "model/interactions.h"
#include "model/item_mask.h"
#include "model/topk.h"

namespace persona::model {

struct NeighborOptions {
  // Neighbours kept per item (default 100).
  int max_neighbors = 100;
  // Pairs seen together fewer times are dropped (default 1).
  int min_count = 1;
  // Shrinkage of the similarity toward 0 for rare pairs (default 0: none).
  float shrink = 0.0f;
  // Threads used inside Build (default 1).
  int threads = 1;
};

class ItemNeighbors {
 public:
  // `groups_items` is a group x item matrix (values ignored: occurrence only).
  static absl::StatusOr<std::unique_ptr<const ItemNeighbors>> Build(
      const InteractionMatrix& groups_items, const NeighborOptions& options);

  int32_t num_items() const { return static_cast<int32_t>(offsets_.size()) - 1; }
  // Neighbours of `item`, most similar first.
  std::span<const ScoredIndex> Neighbors(int32_t item) const {
    return {neighbors_.data() + offsets_[item], neighbors_.data() + offsets_[item + 1]};
  }

  // Adds weight * similarity of every neighbour of each given item to
  // scores (size num_items): the item-kNN score of a history.
  void AccumulateScores(std::span<const int32_t> items, std::span<const float> weights,
                        std::span<float> scores) const;

  // Returns up to k allowed items most similar to the given items together
  // (summed similarities), excluding the given items themselves.
  std::vector<ScoredIndex> Similar(std::span<const int32_t> items, int k,
                                   const ItemMask* allowed) const;

 private:
  ItemNeighbors() = default;
  std::vector<int64_t> offsets_;
  std::vector<ScoredIndex> neighbors_;
};

class FactorSimilarity {
 public:
  // Copies and L2-normalises the item factors.
  static std::unique_ptr<const FactorSimilarity> Build(const FactorView& items);
  // Returns up to k allowed items with the highest cosine to `item`,
  // excluding `item`. INVALID_ARGUMENT for an out-of-range item.
  absl::StatusOr<std::vector<ScoredIndex>> Similar(int32_t item, int k,
                                                   const ItemMask* allowed) const;

 private:
  FactorSimilarity() = default;
  int32_t rows_ = 0;
  int32_t dim_ = 0;
  std::vector<float> normalized_;
};

}  // namespace persona::model

#endif  // PERSONA_MODEL_ITEM_NEIGHBORS_H_
