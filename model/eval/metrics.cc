#include "model/eval/metrics.h"

#include <algorithm>
#include <cmath>

namespace persona::model::eval {

RankingMetrics UserMetrics(std::span<const int32_t> ranked, std::span<const int32_t> relevant,
                           int k) {
  RankingMetrics m;
  if (relevant.empty() || k <= 0) return m;
  m.users = 1;
  const size_t n = std::min(ranked.size(), static_cast<size_t>(k));
  double dcg = 0;
  double precision_sum = 0;
  int hits = 0;
  for (size_t r = 0; r < n; ++r) {
    if (!std::binary_search(relevant.begin(), relevant.end(), ranked[r])) continue;
    ++hits;
    dcg += 1.0 / std::log2(static_cast<double>(r) + 2.0);
    precision_sum += static_cast<double>(hits) / static_cast<double>(r + 1);
  }
  double ideal = 0;
  const size_t ideal_n = std::min(relevant.size(), static_cast<size_t>(k));
  for (size_t r = 0; r < ideal_n; ++r) ideal += 1.0 / std::log2(static_cast<double>(r) + 2.0);
  m.precision = static_cast<double>(hits) / k;
  m.recall = static_cast<double>(hits) / relevant.size();
  m.ndcg = dcg / ideal;
  m.map = precision_sum / relevant.size();
  return m;
}

void MetricsAccumulator::Add(std::span<const int32_t> ranked, std::span<const int32_t> relevant,
                             int k) {
  const RankingMetrics m = UserMetrics(ranked, relevant, k);
  sum_.precision += m.precision;
  sum_.recall += m.recall;
  sum_.ndcg += m.ndcg;
  sum_.map += m.map;
  sum_.users += m.users;
}

RankingMetrics MetricsAccumulator::Mean() const {
  RankingMetrics m = sum_;
  if (m.users == 0) return m;
  const double n = static_cast<double>(m.users);
  m.precision /= n;
  m.recall /= n;
  m.ndcg /= n;
  m.map /= n;
  return m;
}

}  // namespace persona::model::eval
