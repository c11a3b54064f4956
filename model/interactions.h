// A sparse user x item matrix of interaction strengths in CSR form, the input
// of ALS training, item neighbours and evaluation. Built once from
// (user, item, weight, time) triples; the caller has already applied its
// per-event-type weights (purchase > cart > view). Duplicate (user, item)
// pairs are summed; an optional exponential time decay down-weights old events.
// Immutable after Build: safe to share across threads.
#ifndef PERSONA_MODEL_INTERACTIONS_H_
#define PERSONA_MODEL_INTERACTIONS_H_

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"

namespace persona::model {

// One event: `user` and `item` are dense indices.
struct Triple {
  int32_t user = 0;
  int32_t item = 0;
  float weight = 1.0f;
  int64_t time_ms = 0;
};

struct InteractionOptions {
  // Half-life of the time decay in milliseconds; 0 (default) disables decay.
  double half_life_ms = 0;
  // The reference time for the decay (events at now_ms keep their weight).
  int64_t now_ms = 0;
  // Entries whose summed strength is <= this are dropped (default 0, so
  // net-negative pairs such as purchase-then-return disappear).
  float min_strength = 0.0f;
};

class InteractionMatrix {
 public:
  InteractionMatrix() = default;

  // Builds the matrix. Fails with INVALID_ARGUMENT when an index is out of
  // range or a weight is not finite.
  static absl::StatusOr<InteractionMatrix> Build(int32_t num_users, int32_t num_items,
                                                 std::span<const Triple> triples,
                                                 const InteractionOptions& options = {});

  // Returns the item x user matrix with the same values.
  InteractionMatrix Transpose() const;

  int32_t rows() const { return rows_; }
  int32_t cols() const { return cols_; }
  int64_t nnz() const { return static_cast<int64_t>(indices_.size()); }
  // Row r's entries are [indptr()[r], indptr()[r+1]), sorted by column.
  const std::vector<int64_t>& indptr() const { return indptr_; }
  const std::vector<int32_t>& indices() const { return indices_; }
  const std::vector<float>& values() const { return values_; }
  std::span<const int32_t> RowIndices(int32_t r) const {
    return {indices_.data() + indptr_[r], indices_.data() + indptr_[r + 1]};
  }
  std::span<const float> RowValues(int32_t r) const {
    return {values_.data() + indptr_[r], values_.data() + indptr_[r + 1]};
  }
  // Replaces the values (same sparsity); used by weighting schemes.
  std::vector<float>& mutable_values() { return values_; }

 private:
  int32_t rows_ = 0;
  int32_t cols_ = 0;
  std::vector<int64_t> indptr_{0};
  std::vector<int32_t> indices_;
  std::vector<float> values_;
};

// Reweights a user x item matrix BM25-style with statistics fitted on the
// matrix itself: Bm25Weighting::Fit(user_items, k1, b) then Apply (see
// model/weighting.h, which also weights single users for fold-in).
// INVALID_ARGUMENT for k1 < 0 or b outside [0, 1].
absl::Status ApplyBm25(InteractionMatrix& user_items, float k1 = 100.0f, float b = 0.8f);

}  // namespace persona::model

#endif  // PERSONA_MODEL_INTERACTIONS_H_
