// Train/test splits for offline evaluation.
//   StratifiedSplit: random, per item (or per user): of each group's events a
//     fraction `train_ratio` (rounded, at least one) goes to training.
//   TemporalSplit: the last `holdout_ms` of each user's history (or of the
//     whole log) goes to test.
// Pure functions; deterministic for a fixed seed.
#ifndef PERSONA_MODEL_EVAL_SPLIT_H_
#define PERSONA_MODEL_EVAL_SPLIT_H_

#include <cstdint>
#include <span>
#include <vector>

#include "model/interactions.h"

namespace persona::model::eval {

struct Split {
  std::vector<Triple> train;
  std::vector<Triple> test;
};

enum class StratifyBy { kItem, kUser };

Split StratifiedSplit(std::span<const Triple> events, double train_ratio, uint64_t seed,
                      StratifyBy by);

// Holds out events within holdout_ms of the end: of each user's last event
// when per_user, else of the newest event overall.
Split TemporalSplit(std::span<const Triple> events, int64_t holdout_ms, bool per_user);

}  // namespace persona::model::eval

#endif  // PERSONA_MODEL_EVAL_SPLIT_H_
