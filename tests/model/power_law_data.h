// Synthetic shop interactions with the shape of real ones, for ANN tests and
// large-scale benchmarks: item popularity follows a Zipf law, user activity a
// Pareto law, and users draw most of their items from one to three topics
// (so trained factors have cluster structure and popularity-dependent norms).
// Header-only test helper; deterministic for a seed.
#ifndef PERSONA_TESTS_MODEL_POWER_LAW_DATA_H_
#define PERSONA_TESTS_MODEL_POWER_LAW_DATA_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "model/interactions.h"

namespace persona::model::testing {

struct PowerLawOptions {
  int32_t users = 10'000;
  int32_t items = 20'000;
  int32_t topics = 50;
  // Mean interactions per user (Pareto, shape 2, capped at 50x the mean).
  double mean_interactions = 20;
  // Item i (0 = most popular) has weight 1 / (i + 1)^item_exponent.
  double item_exponent = 0.8;
  // Share of a user's items drawn from their own topics (rest: global).
  double in_topic = 0.85;
  uint32_t seed = 1;
};

// Returns (user, item, weight, 0) triples; weights are 1 (view) or 3
// (purchase, one in five). Item i belongs to topic (i * 2654435761) % topics.
inline std::vector<Triple> MakePowerLawData(const PowerLawOptions& o) {
  std::mt19937_64 rng(o.seed);
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  // Cumulative popularity per topic and overall, for inverse-CDF sampling.
  std::vector<std::vector<int32_t>> topic_items(o.topics);
  std::vector<std::vector<double>> topic_cdf(o.topics);
  std::vector<double> global_cdf(o.items);
  double total = 0;
  for (int32_t i = 0; i < o.items; ++i) {
    const double w = 1.0 / std::pow(i + 1.0, o.item_exponent);
    const int32_t t = static_cast<int32_t>((uint64_t{static_cast<uint32_t>(i)} * 2654435761u) % o.topics);
    topic_items[t].push_back(i);
    topic_cdf[t].push_back((topic_cdf[t].empty() ? 0.0 : topic_cdf[t].back()) + w);
    global_cdf[i] = total += w;
  }
  auto draw = [&](const std::vector<double>& cdf) {
    const double x = uni(rng) * cdf.back();
    return static_cast<size_t>(std::upper_bound(cdf.begin(), cdf.end(), x) - cdf.begin());
  };
  std::vector<Triple> out;
  out.reserve(static_cast<size_t>(o.users * o.mean_interactions * 1.1));
  const double x_min = o.mean_interactions / 2;  // Pareto shape 2 has mean 2 x_min
  for (int32_t u = 0; u < o.users; ++u) {
    const int n = static_cast<int>(std::min(std::ceil(x_min / std::sqrt(1.0 - uni(rng))),
                                            50 * o.mean_interactions));
    int32_t topics[3];
    const int num_topics = 1 + static_cast<int>(rng() % 3);
    for (int t = 0; t < num_topics; ++t) topics[t] = static_cast<int32_t>(rng() % o.topics);
    for (int k = 0; k < n; ++k) {
      int32_t item;
      if (uni(rng) < o.in_topic) {
        const int32_t t = topics[rng() % num_topics];
        if (topic_items[t].empty()) continue;
        item = topic_items[t][std::min(draw(topic_cdf[t]), topic_items[t].size() - 1)];
      } else {
        item = static_cast<int32_t>(std::min<size_t>(draw(global_cdf), o.items - 1));
      }
      out.push_back({u, item, uni(rng) < 0.2 ? 3.0f : 1.0f, 0});
    }
  }
  return out;
}

}  // namespace persona::model::testing

#endif  // PERSONA_TESTS_MODEL_POWER_LAW_DATA_H_
