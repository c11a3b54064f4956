// Test data with planted structure: users and items fall into `groups`
// clusters and users interact only with items of their own cluster, with a
// held-out part per user. Header-only test helper.
#ifndef PERSONA_TESTS_MODEL_PLANTED_DATA_H_
#define PERSONA_TESTS_MODEL_PLANTED_DATA_H_

#include <cstdint>
#include <random>
#include <vector>

#include "model/interactions.h"

namespace persona::model::testing {

struct PlantedData {
  int32_t num_users = 0;
  int32_t num_items = 0;
  int groups = 0;
  std::vector<Triple> train;
  // Per user: held-out items (all in the user's cluster).
  std::vector<std::vector<int32_t>> held_out;
  int GroupOfUser(int32_t u) const { return u % groups; }
  int GroupOfItem(int32_t i) const { return i % groups; }
};

// Each user sees each item of their cluster with probability `density`;
// one in five of those goes to held_out. Item popularity varies within a
// cluster, and a little cross-cluster noise is added, so popularity alone
// is a weak baseline.
inline PlantedData MakePlantedData(int32_t users, int32_t items, int groups, double density,
                                   uint32_t seed) {
  PlantedData d;
  d.num_users = users;
  d.num_items = items;
  d.groups = groups;
  d.held_out.resize(users);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> uni(0, 1);
  for (int32_t u = 0; u < users; ++u) {
    for (int32_t i = 0; i < items; ++i) {
      const bool same = d.GroupOfUser(u) == d.GroupOfItem(i);
      const double p = same ? density * (0.5 + static_cast<double>(i) / items) : 0.01;
      if (uni(rng) >= p) continue;
      if (same && uni(rng) < 0.2) {
        d.held_out[u].push_back(i);
      } else {
        d.train.push_back({u, i, 1.0f + static_cast<float>(uni(rng) < 0.3), 0});
      }
    }
  }
  return d;
}

}  // namespace persona::model::testing

#endif  // PERSONA_TESTS_MODEL_PLANTED_DATA_H_
