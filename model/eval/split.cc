#include "model/eval/split.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace persona::model::eval {

Split StratifiedSplit(std::span<const Triple> events, double train_ratio, uint64_t seed,
                      StratifyBy by) {
  auto key = [by](const Triple& t) { return by == StratifyBy::kItem ? t.item : t.user; };
  // Stable grouping by key keeps the input order inside each group, so the
  // shuffle below alone decides the split.
  std::vector<Triple> sorted(events.begin(), events.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [&](const Triple& a, const Triple& b) { return key(a) < key(b); });
  std::mt19937_64 rng(seed);
  Split split;
  for (size_t begin = 0; begin < sorted.size();) {
    size_t end = begin;
    while (end < sorted.size() && key(sorted[end]) == key(sorted[begin])) ++end;
    // Fisher-Yates with our own index draw: std::shuffle's use of the
    // engine is implementation-defined.
    for (size_t i = end - begin; i > 1; --i) {
      std::swap(sorted[begin + i - 1], sorted[begin + rng() % i]);
    }
    const size_t n = end - begin;
    const size_t n_train =
        std::max<size_t>(1, static_cast<size_t>(std::llround(train_ratio * static_cast<double>(n))));
    for (size_t i = begin; i < end; ++i) {
      (i - begin < n_train ? split.train : split.test).push_back(sorted[i]);
    }
    begin = end;
  }
  return split;
}

Split TemporalSplit(std::span<const Triple> events, int64_t holdout_ms, bool per_user) {
  int64_t newest = std::numeric_limits<int64_t>::min();
  int32_t max_user = -1;
  for (const Triple& t : events) {
    newest = std::max(newest, t.time_ms);
    max_user = std::max(max_user, t.user);
  }
  std::vector<int64_t> last(max_user + 1, std::numeric_limits<int64_t>::min());
  for (const Triple& t : events) last[t.user] = std::max(last[t.user], t.time_ms);
  Split split;
  for (const Triple& t : events) {
    const int64_t end = per_user ? last[t.user] : newest;
    (t.time_ms > end - holdout_ms ? split.test : split.train).push_back(t);
  }
  return split;
}

}  // namespace persona::model::eval
