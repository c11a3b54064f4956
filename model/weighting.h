// BM25 weighting of interaction strengths (as in Okapi ranking), fitted on a
// training matrix and kept with the model so that a visitor's interactions
// are weighted at fold-in time exactly as the training rows were:
//   w = r * (k1 + 1) / (r + k1 * (1 - b + b * len / avg_len)) * max(idf, 0)
// with r the user's summed strength for the item, len the number of distinct
// items in the user's row (summed strength > 0), avg_len the mean row length
// of the training matrix and idf = log(num_users / max(1, item_count)).
// It down-weights very popular items and heavy users, which helps implicit
// ALS on ranking metrics.
//
// A value type: immutable after Fit / FromParts, so const methods may be
// called from many threads at once.
#ifndef PERSONA_MODEL_WEIGHTING_H_
#define PERSONA_MODEL_WEIGHTING_H_

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "model/interactions.h"

namespace persona::model {

// One user's interactions after merging and weighting: distinct items in
// increasing order, each with its final (weighted) strength. Every listed
// item is an interaction even when its weight is 0, as in the training
// matrix.
struct WeightedRow {
  std::vector<int32_t> items;
  std::vector<float> weights;
};

// Merges repeated items (summing strengths) and drops items whose summed
// strength is <= 0, like InteractionMatrix::Build with its default
// min_strength. INVALID_ARGUMENT on a length mismatch, an item outside
// [0, num_items) or a non-finite strength.
absl::StatusOr<WeightedRow> MergeRow(std::span<const int32_t> item_ids,
                                     std::span<const float> strengths, int32_t num_items);

class Bm25Weighting {
 public:
  // Defaults of the tuned model (docs/MODEL.md).
  static constexpr float kDefaultK1 = 100.0f;
  static constexpr float kDefaultB = 0.8f;

  // An empty weighting over no items; use Fit or FromParts.
  Bm25Weighting() = default;

  // Fits the statistics (avg_len, num_users, per-item idf) on a user x item
  // matrix of raw strengths. INVALID_ARGUMENT for k1 < 0 or b outside [0, 1].
  static absl::StatusOr<Bm25Weighting> Fit(const InteractionMatrix& user_items,
                                           float k1 = kDefaultK1, float b = kDefaultB);

  // Rebuilds a weighting from stored parts (model records). INVALID_ARGUMENT
  // when a value is out of range or not finite.
  static absl::StatusOr<Bm25Weighting> FromParts(float k1, float b, double avg_len,
                                                 int64_t num_users, std::vector<float> idf);

  // Reweights every row of `user_items` in place. The matrix must have
  // num_items() columns (INVALID_ARGUMENT otherwise); it is normally the
  // matrix the weighting was fitted on.
  absl::Status Apply(InteractionMatrix& user_items) const;

  // Merges one user's raw interactions (see MergeRow) and weights them as
  // Apply weights a training row with the same items. Errors as MergeRow.
  absl::StatusOr<WeightedRow> WeightUser(std::span<const int32_t> item_ids,
                                         std::span<const float> strengths) const;

  // Returns the weighting with items renumbered: new_index[old] is the new
  // index of old item `old` or -1 (dropped). New indices that no old item maps
  // to get the idf of an item never seen in training. INVALID_ARGUMENT when
  // sizes do not match or an index is out of range.
  absl::StatusOr<Bm25Weighting> Reindexed(std::span<const int32_t> new_index,
                                          int32_t new_num_items) const;

  float k1() const { return k1_; }
  float b() const { return b_; }
  double avg_len() const { return avg_len_; }
  int64_t num_users() const { return num_users_; }
  int32_t num_items() const { return static_cast<int32_t>(idf_.size()); }
  const std::vector<float>& idf() const { return idf_; }

 private:
  // Weights the entries of one row of `len` distinct items in place.
  void WeightRow(std::span<const int32_t> items, std::span<float> values) const;

  float k1_ = kDefaultK1;
  float b_ = kDefaultB;
  double avg_len_ = 1.0;
  int64_t num_users_ = 0;
  std::vector<float> idf_;  // max(0, log(num_users / max(1, count))) per item
};

}  // namespace persona::model

#endif  // PERSONA_MODEL_WEIGHTING_H_
