// The offline ranking protocol: build the training matrix and per-user test
// sets from a split, ask a ranker for each test user's top k among the
// candidates (items seen in training, minus the user's training items) and
// average the metrics. The rankers use the same masked top-k as serving.
// Thread-compatible; Evaluate calls the ranker from one thread.
#ifndef PERSONA_MODEL_EVAL_PROTOCOL_H_
#define PERSONA_MODEL_EVAL_PROTOCOL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "model/als.h"
#include "model/eval/metrics.h"
#include "model/eval/split.h"
#include "model/interactions.h"
#include "model/item_mask.h"
#include "model/item_neighbors.h"
#include "model/topk.h"

namespace persona::model::eval {

struct EvalData {
  // User x item raw strengths of the training events (duplicates summed).
  InteractionMatrix train;
  // Per user: sorted distinct test items (empty for users without any).
  std::vector<std::vector<int32_t>> test;
  // Items that occur in training.
  ItemMask candidates;
};

// Builds the evaluation data. With drop_seen, test items the user already has
// in training are dropped (they can never be recommended), as are test users
// without training events.
absl::StatusOr<EvalData> MakeEvalData(int32_t num_users, int32_t num_items, const Split& split,
                                      bool drop_seen);

// Returns a user's top k among `allowed`.
using Ranker = std::function<std::vector<ScoredIndex>(int32_t user, const ItemMask& allowed,
                                                      int k)>;

RankingMetrics Evaluate(const EvalData& data, int k, const Ranker& ranker);

// Ranks by training interaction count.
Ranker PopularityRanker(const InteractionMatrix& train);

// Item-based kNN: sum of cosine similarities to the user's training items.
absl::StatusOr<Ranker> ItemKnnRanker(const InteractionMatrix& train,
                                     const NeighborOptions& options);

// How the training strengths become ALS input.
struct AlsEvalOptions {
  AlsOptions als;
  // Reweight strengths BM25-style before training (default off).
  bool bm25 = false;
  float bm25_k1 = 100.0f;
  float bm25_b = 0.8f;
  // Replace strengths by 1 before weighting (default off).
  bool binary = false;
};

// Two rankers over one ALS model trained on the training matrix:
//   trained: x_u . y_i with the trained user factors x_u;
//   served:  the serving path — x_u recomputed from the user's training
//            strengths by FoldIn with the model's weighting, then the same
//            masked top-k. "The same scoring code serves and evaluates."
struct AlsRankers {
  Ranker trained;
  Ranker served;
};

// Trains once (TrainWeightedAls) and returns both rankers. Fails when
// training fails.
absl::StatusOr<AlsRankers> MakeAlsRankers(const InteractionMatrix& train,
                                          const AlsEvalOptions& options);

// Trains ALS on the training matrix and ranks by x_u . y_i (trained vectors).
absl::StatusOr<Ranker> AlsRanker(const InteractionMatrix& train, const AlsEvalOptions& options);

// Trains ALS and ranks through fold-in, as served.
absl::StatusOr<Ranker> AlsFoldInRanker(const InteractionMatrix& train,
                                       const AlsEvalOptions& options);

}  // namespace persona::model::eval

#endif  // PERSONA_MODEL_EVAL_PROTOCOL_H_
