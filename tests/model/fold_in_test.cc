#include "model/fold_in.h"

#include <cmath>

#include "gtest/gtest.h"
#include "model/serving_model.h"
#include "tests/model/planted_data.h"

namespace persona::model {
namespace {

double MaxAbsDiff(std::span<const float> a, std::span<const float> b) {
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(double{a[i]} - b[i]));
  return m;
}

class FoldInTest : public ::testing::TestWithParam<AlsSolver> {};

TEST_P(FoldInTest, ReproducesTrainedUserVectors) {
  const testing::PlantedData d = testing::MakePlantedData(200, 90, 3, 0.3, 21);
  const InteractionMatrix m = *InteractionMatrix::Build(d.num_users, d.num_items, d.train);
  AlsOptions o;
  o.factors = 12;
  o.iterations = 6;
  o.solver = GetParam();
  o.scaling = ConfidenceScaling::kLog;
  o.alpha = 4;
  absl::StatusOr<FactorModel> model = TrainAls(m, o);
  ASSERT_TRUE(model.ok());
  absl::StatusOr<std::unique_ptr<const FoldIn>> fold =
      FoldIn::Create({model->item_factors.data(), model->num_items, o.factors}, o);
  ASSERT_TRUE(fold.ok()) << fold.status();
  // Cholesky training is exact; three warm-started CG steps nearly so.
  const double tolerance = GetParam() == AlsSolver::kCholesky ? 1e-4 : 2e-2;
  std::vector<float> x(o.factors);
  double worst = 0;
  for (int32_t u = 0; u < d.num_users; ++u) {
    ASSERT_TRUE((*fold)->Solve(m.RowIndices(u), m.RowValues(u), x).ok());
    const std::span<const float> trained(model->user_factors.data() + u * o.factors, o.factors);
    double norm = 0;
    for (float v : trained) norm = std::max(norm, std::abs(double{v}));
    worst = std::max(worst, MaxAbsDiff(x, trained) / std::max(norm, 1e-6));
  }
  EXPECT_LT(worst, tolerance);
}

// Training on BM25-weighted strengths: fold-in of the user's raw strengths
// through the same weighting reproduces the trained vector; without the
// weighting it does not.
TEST_P(FoldInTest, ReproducesTrainedVectorsThroughBm25Weighting) {
  const testing::PlantedData d = testing::MakePlantedData(200, 90, 3, 0.3, 22);
  const InteractionMatrix m = *InteractionMatrix::Build(d.num_users, d.num_items, d.train);
  AlsOptions o = TunedAlsOptions();
  o.factors = 12;
  o.iterations = 6;
  o.solver = GetParam();
  absl::StatusOr<WeightedAlsModel> model = TrainWeightedAls(m, o, /*bm25=*/true);
  ASSERT_TRUE(model.ok()) << model.status();
  ASSERT_TRUE(model->weighting.has_value());
  const FactorModel& f = model->factors;
  const FactorView items{f.item_factors.data(), f.num_items, o.factors};
  auto weighted = FoldIn::Create(items, o, *model->weighting);
  auto unweighted = FoldIn::Create(items, o);
  ASSERT_TRUE(weighted.ok()) << weighted.status();
  ASSERT_TRUE(unweighted.ok());
  EXPECT_NE((*weighted)->weighting(), nullptr);
  const double tolerance = GetParam() == AlsSolver::kCholesky ? 1e-4 : 2e-2;
  std::vector<float> x(o.factors), raw_x(o.factors);
  double worst = 0, worst_raw = 0;
  for (int32_t u = 0; u < d.num_users; ++u) {
    ASSERT_TRUE((*weighted)->Solve(m.RowIndices(u), m.RowValues(u), x).ok());
    ASSERT_TRUE((*unweighted)->Solve(m.RowIndices(u), m.RowValues(u), raw_x).ok());
    const std::span<const float> trained(f.user_factors.data() + u * o.factors, o.factors);
    double norm = 0;
    for (float v : trained) norm = std::max(norm, std::abs(double{v}));
    worst = std::max(worst, MaxAbsDiff(x, trained) / std::max(norm, 1e-6));
    worst_raw = std::max(worst_raw, MaxAbsDiff(raw_x, trained) / std::max(norm, 1e-6));
  }
  EXPECT_LT(worst, tolerance);
  EXPECT_GT(worst_raw, 0.1);  // raw strengths are a different input
}

INSTANTIATE_TEST_SUITE_P(Solvers, FoldInTest,
                         ::testing::Values(AlsSolver::kCholesky, AlsSolver::kConjugateGradient));

TEST(FoldInBasicsTest, SumsRepeatedItemsAndValidates) {
  const std::vector<float> items = {1, 0, 0, 1, 1, 1};
  AlsOptions o;
  o.factors = 2;
  o.regularization = 0.5f;
  auto fold = FoldIn::Create({items.data(), 3, 2}, o);
  ASSERT_TRUE(fold.ok());
  std::vector<float> a(2), b(2);
  const std::vector<int32_t> once = {0, 2};
  const std::vector<float> once_w = {2, 1};
  const std::vector<int32_t> twice = {2, 0, 0};
  const std::vector<float> twice_w = {1, 1, 1};
  ASSERT_TRUE((*fold)->Solve(once, once_w, a).ok());
  ASSERT_TRUE((*fold)->Solve(twice, twice_w, b).ok());
  EXPECT_NEAR(a[0], b[0], 1e-6);
  EXPECT_NEAR(a[1], b[1], 1e-6);
  EXPECT_GT(a[0], a[1]);  // item 0 (direction x) was stronger
  const std::vector<int32_t> bad = {3};
  const std::vector<float> one = {1};
  EXPECT_EQ((*fold)->Solve(bad, one, a).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ((*fold)->Solve(once, one, a).code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE((*fold)->Solve({}, {}, a).ok());
  EXPECT_EQ(a[0], 0.0f);
  const std::vector<float> nan = {std::nanf("")};
  const std::vector<int32_t> zero = {0};
  EXPECT_EQ((*fold)->Solve(zero, nan, a).code(), absl::StatusCode::kInvalidArgument);
  // SolveRow keeps weight-0 entries (they are interactions with confidence 1).
  WeightedRow row{{0}, {0.0f}};
  ASSERT_TRUE((*fold)->SolveRow(row, a).ok());
  EXPECT_GT(a[0], 0.0f);
  WeightedRow unsorted{{2, 0}, {1.0f, 1.0f}};
  EXPECT_EQ((*fold)->SolveRow(unsorted, a).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FoldIn::Create({items.data(), 3, 2}, o, Bm25Weighting()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace persona::model
