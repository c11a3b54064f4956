// Fold-in: computes a user's factor vector from their interactions with the
// item factors held fixed, i.e. one exact ALS user solve. Used for users who
// were not in the last training run (or whose history changed since).
// Y^T Y + lambda I is computed once per model at creation.
// Immutable after Create: Solve may be called from many threads at once.
#ifndef PERSONA_MODEL_FOLD_IN_H_
#define PERSONA_MODEL_FOLD_IN_H_

#include <cstdint>
#include <memory>
#include <span>

#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "model/als.h"
#include "model/topk.h"

namespace persona::model {

class FoldIn {
 public:
  // Precomputes the Gram matrix of `items`. `items` must outlive the FoldIn
  // (it belongs to the same model snapshot). Uses options.regularization,
  // alpha, scaling and log_epsilon, which must match training.
  static absl::StatusOr<std::unique_ptr<const FoldIn>> Create(const FactorView& items,
                                                              const AlsOptions& options);

  // Writes the user vector (items.dim floats) for interactions with
  // `item_ids` of raw strengths `strengths` (same length; repeated items are
  // summed, like the training matrix). Non-positive summed strengths are
  // ignored. Fails with INVALID_ARGUMENT on an out-of-range item or a size
  // mismatch.
  absl::Status Solve(std::span<const int32_t> item_ids, std::span<const float> strengths,
                     std::span<float> out) const;

  int32_t dim() const { return items_.dim; }

 private:
  FoldIn(const FactorView& items, const AlsOptions& options) : items_(items), options_(options) {}

  FactorView items_;
  AlsOptions options_;
  Eigen::MatrixXd gram_;  // Y^T Y + lambda I
};

}  // namespace persona::model

#endif  // PERSONA_MODEL_FOLD_IN_H_
