// Ranking metrics at k with the definitions of Microsoft Recommenders'
// MovieLens benchmark: binary relevance (every held-out item is relevant),
// Precision@k = hits / k, Recall@k = hits / |relevant|, nDCG@k with gain 1
// and ideal DCG over min(|relevant|, k) positions, and "MAP" = sum of
// precision at each hit / |relevant| (not / min(|relevant|, k)).
// Averages are over users with at least one relevant item.
// Pure functions and a value-type accumulator; thread-compatible.
#ifndef PERSONA_MODEL_EVAL_METRICS_H_
#define PERSONA_MODEL_EVAL_METRICS_H_

#include <cstdint>
#include <span>

namespace persona::model::eval {

struct RankingMetrics {
  double precision = 0;
  double recall = 0;
  double ndcg = 0;
  double map = 0;
  int64_t users = 0;
};

// Metrics of one user's ranked list. `relevant` must be sorted ascending and
// free of duplicates; `ranked` holds distinct items, best first, and only its
// first k entries count.
RankingMetrics UserMetrics(std::span<const int32_t> ranked, std::span<const int32_t> relevant,
                           int k);

// Sums per-user metrics and returns their means.
class MetricsAccumulator {
 public:
  // Adds one user; users without relevant items are skipped.
  void Add(std::span<const int32_t> ranked, std::span<const int32_t> relevant, int k);
  RankingMetrics Mean() const;

 private:
  RankingMetrics sum_;
};

}  // namespace persona::model::eval

#endif  // PERSONA_MODEL_EVAL_METRICS_H_
