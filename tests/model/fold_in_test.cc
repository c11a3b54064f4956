#include "model/fold_in.h"

#include <cmath>

#include "gtest/gtest.h"
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
}

}  // namespace
}  // namespace persona::model
