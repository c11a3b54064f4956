#include "model/als.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "gtest/gtest.h"
#include "model/topk.h"
#include "tests/model/planted_data.h"

namespace persona::model {
namespace {

using testing::MakePlantedData;
using testing::PlantedData;

InteractionMatrix Matrix(const PlantedData& d) {
  absl::StatusOr<InteractionMatrix> m = InteractionMatrix::Build(d.num_users, d.num_items, d.train);
  EXPECT_TRUE(m.ok()) << m.status();
  return *std::move(m);
}

// Counts held-out items among each user's top-10 (training items excluded).
int HeldOutHits(const PlantedData& d, const InteractionMatrix& m,
                const std::function<std::vector<ScoredIndex>(int32_t, const ItemMask&)>& rank) {
  int hits = 0;
  for (int32_t u = 0; u < d.num_users; ++u) {
    ItemMask allowed(d.num_items, true);
    for (int32_t i : m.RowIndices(u)) allowed.Reset(i);
    for (const ScoredIndex& s : rank(u, allowed)) {
      hits += std::count(d.held_out[u].begin(), d.held_out[u].end(), s.item);
    }
  }
  return hits;
}

TEST(AlsTest, RecoversPlantedClustersFarAbovePopularity) {
  const PlantedData d = MakePlantedData(300, 120, 4, 0.4, 7);
  const InteractionMatrix m = Matrix(d);
  AlsOptions o;
  o.factors = 8;
  o.regularization = 1.0f;
  o.iterations = 10;
  absl::StatusOr<FactorModel> model = TrainAls(m, o);
  ASSERT_TRUE(model.ok()) << model.status();
  const FactorView items{model->item_factors.data(), model->num_items, model->factors};
  const int als_hits = HeldOutHits(d, m, [&](int32_t u, const ItemMask& allowed) {
    return TopKDot(items, model->user_factors.data() + u * o.factors, 10, &allowed);
  });
  std::vector<float> popularity(d.num_items, 0);
  for (int32_t i : m.indices()) popularity[i] += 1;
  const int pop_hits = HeldOutHits(d, m, [&](int32_t, const ItemMask& allowed) {
    return TopKScores(popularity, 10, &allowed);
  });
  int total = 0;
  for (const auto& h : d.held_out) total += h.size();
  EXPECT_GT(als_hits, 2 * pop_hits) << "als " << als_hits << " popularity " << pop_hits;
  EXPECT_GT(als_hits, total / 2) << "of " << total;
}

TEST(AlsTest, LossDecreasesOverIterations) {
  const PlantedData d = MakePlantedData(120, 60, 3, 0.3, 3);
  const InteractionMatrix m = Matrix(d);
  AlsOptions o;
  o.factors = 6;
  double previous = INFINITY;
  for (int iterations : {1, 3, 8}) {
    o.iterations = iterations;
    absl::StatusOr<FactorModel> model = TrainAls(m, o);
    ASSERT_TRUE(model.ok());
    const double loss = AlsLoss(m, *model, o);
    EXPECT_LT(loss, previous) << iterations;
    previous = loss;
  }
}

TEST(AlsTest, ConjugateGradientAgreesWithCholesky) {
  const PlantedData d = MakePlantedData(150, 80, 3, 0.3, 11);
  const InteractionMatrix m = Matrix(d);
  AlsOptions o;
  o.factors = 10;
  o.iterations = 8;
  o.solver = AlsSolver::kCholesky;
  absl::StatusOr<FactorModel> exact = TrainAls(m, o);
  o.solver = AlsSolver::kConjugateGradient;
  o.cg_steps = 10;  // enough steps to converge each row solve
  absl::StatusOr<FactorModel> cg = TrainAls(m, o);
  ASSERT_TRUE(exact.ok() && cg.ok());
  // Compare predictions (factors are only defined up to the solver's path).
  double max_diff = 0;
  for (int32_t u = 0; u < m.rows(); ++u) {
    for (int32_t i = 0; i < m.cols(); ++i) {
      double a = 0, b = 0;
      for (int f = 0; f < o.factors; ++f) {
        a += exact->user_factors[u * o.factors + f] * exact->item_factors[i * o.factors + f];
        b += cg->user_factors[u * o.factors + f] * cg->item_factors[i * o.factors + f];
      }
      max_diff = std::max(max_diff, std::abs(a - b));
    }
  }
  EXPECT_LT(max_diff, 1e-3);
  const double exact_loss = AlsLoss(m, *exact, o);
  EXPECT_NEAR(AlsLoss(m, *cg, o), exact_loss, 1e-4 * exact_loss);
}

TEST(AlsTest, DeterministicForSeedAndThreadCount) {
  const PlantedData d = MakePlantedData(700, 600, 5, 0.1, 5);
  const InteractionMatrix m = Matrix(d);
  AlsOptions o;
  o.factors = 16;
  o.iterations = 3;
  o.parallel_min_rows = 1;
  absl::StatusOr<FactorModel> a = TrainAls(m, o);
  absl::StatusOr<FactorModel> b = TrainAls(m, o);
  o.threads = 2;
  absl::StatusOr<FactorModel> c = TrainAls(m, o);
  o.threads = 1;
  o.seed = 43;
  absl::StatusOr<FactorModel> other_seed = TrainAls(m, o);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok() && other_seed.ok());
  EXPECT_EQ(a->user_factors, b->user_factors);
  EXPECT_EQ(a->item_factors, b->item_factors);
  EXPECT_EQ(a->user_factors, c->user_factors);
  EXPECT_EQ(a->item_factors, c->item_factors);
  EXPECT_NE(a->item_factors, other_seed->item_factors);
}

TEST(AlsTest, RejectsBadOptions) {
  const InteractionMatrix m = *InteractionMatrix::Build(2, 2, {});
  AlsOptions o;
  o.factors = 0;
  EXPECT_EQ(TrainAls(m, o).status().code(), absl::StatusCode::kInvalidArgument);
  o = AlsOptions();
  o.threads = 0;
  EXPECT_EQ(TrainAls(m, o).status().code(), absl::StatusCode::kInvalidArgument);
  o = AlsOptions();
  o.regularization = -1;
  EXPECT_EQ(TrainAls(m, o).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(AlsTest, UsersWithoutInteractionsGetZeroVectors) {
  const std::vector<Triple> t = {{0, 0, 1, 0}, {0, 1, 1, 0}, {2, 1, 1, 0}};
  const InteractionMatrix m = *InteractionMatrix::Build(3, 2, t);
  AlsOptions o;
  o.factors = 4;
  absl::StatusOr<FactorModel> model = TrainAls(m, o);
  ASSERT_TRUE(model.ok());
  for (int f = 0; f < 4; ++f) EXPECT_EQ(model->user_factors[4 + f], 0.0f);
  EXPECT_GT(std::abs(model->user_factors[0]), 0.0f);
}

}  // namespace
}  // namespace persona::model
