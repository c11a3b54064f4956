// Training the model the server serves, in one call: weighting (BM25 by
// default) fitted on the server's own interaction matrix, implicit ALS with
// the tuned defaults, an optional validation run through the served path
// (fold-in + masked top-k), and the result as a ModelRecord ready for
// SerializeModelRecord. FoldInFromRecord then gives the fold-in that applies
// the record's weighting to a visitor's raw strengths.
//
// The evaluation (model/eval/protocol.h) trains through TrainWeightedAls too,
// so the evaluated and the served model are the same code.
// Pure functions; TrainServingModel runs at most options.als.threads threads
// for the duration of the call.
#ifndef PERSONA_MODEL_SERVING_MODEL_H_
#define PERSONA_MODEL_SERVING_MODEL_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "model/als.h"
#include "model/fold_in.h"
#include "model/interactions.h"
#include "model/model_record.h"
#include "model/weighting.h"

namespace persona::model {

// Returns the ALS options chosen on MovieLens-100K (docs/MODEL.md): 64
// factors, lambda 30, log confidence with alpha 1 (epsilon 1), 15 iterations
// of 3 CG steps, seed 42, one thread.
AlsOptions TunedAlsOptions();

struct ServingTrainOptions {
  // ALS settings (default TunedAlsOptions()); als.threads bounds the threads.
  AlsOptions als = TunedAlsOptions();
  // Weight strengths BM25-style before training (default on, k1 100, b 0.8).
  bool bm25 = true;
  float bm25_k1 = Bm25Weighting::kDefaultK1;
  float bm25_b = Bm25Weighting::kDefaultB;
  // Keep the trained user factors in the record (default off: serving folds
  // users in from their history, and 1M users x 64 floats is 256 MB).
  bool keep_user_factors = false;
  // When > 0, first hold out about this fraction of each user's items
  // (rounded per user; everyone keeps at least one), train on the rest and
  // evaluate the served path (fold-in + top-k, training items excluded) at k = 10;
  // the figures go to the record's metrics as "validation_ndcg@10",
  // "validation_precision@10", "validation_recall@10", "validation_map@10"
  // and "validation_users". Doubles the training time. Default 0 (off).
  double validation_fraction = 0;
};

// A factorisation with the weighting its training strengths went through.
struct WeightedAlsModel {
  FactorModel factors;
  std::optional<Bm25Weighting> weighting;
};

// Fits the weighting on `user_items` (raw strengths: summed, decayed event
// weights) when `bm25`, applies it to a copy and trains ALS on that.
// INVALID_ARGUMENT for bad options.
absl::StatusOr<WeightedAlsModel> TrainWeightedAls(const InteractionMatrix& user_items,
                                                  const AlsOptions& als, bool bm25,
                                                  float bm25_k1 = Bm25Weighting::kDefaultK1,
                                                  float bm25_b = Bm25Weighting::kDefaultB);

// Trains the serving model on a user x item matrix of raw strengths whose
// column c is item item_ids[c]. Items without any interaction (empty
// columns) are dropped from the record: they would only carry zero factors,
// and the serving side imputes factors for unseen items. The record holds
// the options, weighting, kept item ids and factors, metrics ("users",
// "items", "interactions" and the validation figures), trained_at_ms =
// clock.NowMs() at the start and training_time_ms (clock time from start to
// end, validation included). No user ids (the matrix
// rows are the caller's). INVALID_ARGUMENT when item_ids.size() !=
// user_items.cols(), for bad options or a validation_fraction outside [0, 1).
absl::StatusOr<ModelRecord> TrainServingModel(const InteractionMatrix& user_items,
                                              std::vector<std::string> item_ids,
                                              const ServingTrainOptions& options,
                                              const Clock& clock);

// Returns the fold-in for a loaded record: its item factors, options and
// weighting (if any). `record` must outlive the FoldIn. INVALID_ARGUMENT
// when the record's sizes are inconsistent.
absl::StatusOr<std::unique_ptr<const FoldIn>> FoldInFromRecord(const ModelRecord& record);

}  // namespace persona::model

#endif  // PERSONA_MODEL_SERVING_MODEL_H_
