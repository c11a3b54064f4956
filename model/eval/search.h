// Grid search of ALS hyperparameters on a validation split. Every
// combination of the listed values is trained and evaluated; results come
// back best nDCG first. Thread-compatible; training uses base.als.threads.
#ifndef PERSONA_MODEL_EVAL_SEARCH_H_
#define PERSONA_MODEL_EVAL_SEARCH_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "model/eval/protocol.h"

namespace persona::model::eval {

struct SearchSpace {
  std::vector<int> factors = {32, 64, 128};
  std::vector<float> regularization = {1, 10, 30, 100};
  std::vector<float> alpha = {1, 3, 10};
  std::vector<ConfidenceScaling> scaling = {ConfidenceScaling::kLinear, ConfidenceScaling::kLog};
  std::vector<int> iterations = {15};
  std::vector<bool> bm25 = {false, true};
  std::vector<bool> binary = {false, true};
};

struct SearchResult {
  AlsEvalOptions options;
  RankingMetrics metrics;
};

// Calls on_result after each combination (for progress output) and returns
// all results sorted by nDCG, best first. Fails when training fails.
absl::StatusOr<std::vector<SearchResult>> GridSearchAls(
    const EvalData& validation, int k, const AlsEvalOptions& base, const SearchSpace& space,
    const std::function<void(const SearchResult&)>& on_result);

// Returns the defaults chosen by GridSearchAls on a MovieLens-100K validation
// split (see docs/MODEL.md): 64 factors, lambda 30, log confidence with
// alpha 1, BM25 weighting (k1 100, b 0.8), 15 iterations of 3 CG steps.
AlsEvalOptions TunedAlsEvalOptions();

// Describes the options in one line, e.g. "factors=64 reg=30 alpha=3 ...".
std::string DescribeAls(const AlsEvalOptions& options);

}  // namespace persona::model::eval

#endif  // PERSONA_MODEL_EVAL_SEARCH_H_
