// Fold-in: computes a user's factor vector from their interactions with the
// item factors held fixed, i.e. one exact ALS user solve. Used for users who
// were not in the last training run (or whose history changed since), and by
// the evaluation's served path. When the model was trained on BM25-weighted
// strengths, the FoldIn carries the same Bm25Weighting and applies it to the
// visitor's raw strengths, so a trained user's history folds in to (nearly)
// their trained vector.
// Y^T Y + lambda I is computed once per model at creation.
// Immutable after Create: Solve may be called from many threads at once.
#ifndef PERSONA_MODEL_FOLD_IN_H_
#define PERSONA_MODEL_FOLD_IN_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "model/als.h"
#include "model/topk.h"
#include "model/weighting.h"

namespace persona::model {

class FoldIn {
 public:
  // Precomputes the Gram matrix of `items`. `items` must outlive the FoldIn
  // (it belongs to the same model snapshot). Uses options.regularization,
  // alpha, scaling and log_epsilon, which must match training. Strengths are
  // used as given (no weighting).
  static absl::StatusOr<std::unique_ptr<const FoldIn>> Create(const FactorView& items,
                                                              const AlsOptions& options);

  // As above, for a model trained on strengths weighted by `weighting`:
  // Solve weights each user's merged strengths the same way first.
  // INVALID_ARGUMENT unless weighting.num_items() == items.rows.
  static absl::StatusOr<std::unique_ptr<const FoldIn>> Create(const FactorView& items,
                                                              const AlsOptions& options,
                                                              Bm25Weighting weighting);

  // Writes the user vector (items.dim floats) for interactions with
  // `item_ids` of raw strengths `strengths` (same length; repeated items are
  // summed, like the training matrix; items whose sum is <= 0 are ignored),
  // weighted by the FoldIn's weighting if it has one. Writes zeros when
  // nothing remains. Fails with INVALID_ARGUMENT on an out-of-range item, a
  // non-finite strength or a size mismatch.
  absl::Status Solve(std::span<const int32_t> item_ids, std::span<const float> strengths,
                     std::span<float> out) const;

  // Solves for an already merged and weighted row: every listed item counts
  // as an interaction with confidence Confidence(weight), even weight 0 (as
  // in a training matrix). Items must be increasing and in range
  // (INVALID_ARGUMENT otherwise).
  absl::Status SolveRow(const WeightedRow& row, std::span<float> out) const;

  int32_t dim() const { return items_.dim; }
  // The weighting applied by Solve, or null.
  const Bm25Weighting* weighting() const { return weighting_ ? &*weighting_ : nullptr; }

 private:
  FoldIn(const FactorView& items, const AlsOptions& options) : items_(items), options_(options) {}
  static absl::StatusOr<std::unique_ptr<FoldIn>> Make(const FactorView& items,
                                                      const AlsOptions& options);

  FactorView items_;
  AlsOptions options_;
  std::optional<Bm25Weighting> weighting_;
  Eigen::MatrixXd gram_;  // Y^T Y + lambda I
};

}  // namespace persona::model

#endif  // PERSONA_MODEL_FOLD_IN_H_
