#include "model/interactions.h"

#include <cmath>

#include "gtest/gtest.h"

namespace persona::model {
namespace {

TEST(InteractionMatrixTest, SumsDuplicatesAndSortsRows) {
  const std::vector<Triple> t = {{1, 2, 1, 0}, {0, 1, 2, 0}, {1, 0, 1, 0}, {1, 2, 3, 0}};
  absl::StatusOr<InteractionMatrix> m = InteractionMatrix::Build(3, 3, t);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->nnz(), 3);
  EXPECT_EQ(m->indptr(), (std::vector<int64_t>{0, 1, 3, 3}));
  EXPECT_EQ(m->indices(), (std::vector<int32_t>{1, 0, 2}));
  EXPECT_EQ(m->values(), (std::vector<float>{2, 1, 4}));
}

TEST(InteractionMatrixTest, DropsNetNegativePairs) {
  const std::vector<Triple> t = {{0, 0, 1, 0}, {0, 0, -1, 0}, {0, 1, 1, 0}};
  absl::StatusOr<InteractionMatrix> m = InteractionMatrix::Build(1, 2, t);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->indices(), (std::vector<int32_t>{1}));
}

TEST(InteractionMatrixTest, DecaysByHalfLife) {
  InteractionOptions o;
  o.half_life_ms = 1000;
  o.now_ms = 5000;
  const std::vector<Triple> t = {{0, 0, 4, 3000}, {0, 1, 4, 5000}};
  absl::StatusOr<InteractionMatrix> m = InteractionMatrix::Build(1, 2, t, o);
  ASSERT_TRUE(m.ok());
  EXPECT_FLOAT_EQ(m->values()[0], 1.0f);
  EXPECT_FLOAT_EQ(m->values()[1], 4.0f);
}

TEST(InteractionMatrixTest, RejectsOutOfRangeAndNonFinite) {
  const std::vector<Triple> bad_user = {{3, 0, 1, 0}};
  EXPECT_FALSE(InteractionMatrix::Build(3, 3, bad_user).ok());
  const std::vector<Triple> bad_item = {{0, -1, 1, 0}};
  EXPECT_FALSE(InteractionMatrix::Build(3, 3, bad_item).ok());
  const std::vector<Triple> nan = {{0, 0, NAN, 0}};
  EXPECT_FALSE(InteractionMatrix::Build(3, 3, nan).ok());
}

TEST(InteractionMatrixTest, TransposeSwapsRowsAndColumns) {
  const std::vector<Triple> t = {{0, 2, 1, 0}, {1, 0, 2, 0}, {2, 2, 3, 0}, {2, 0, 4, 0}};
  const InteractionMatrix m = *InteractionMatrix::Build(3, 3, t);
  const InteractionMatrix tr = m.Transpose();
  EXPECT_EQ(tr.rows(), 3);
  EXPECT_EQ(tr.indptr(), (std::vector<int64_t>{0, 2, 2, 4}));
  EXPECT_EQ(tr.indices(), (std::vector<int32_t>{1, 2, 0, 2}));
  EXPECT_EQ(tr.values(), (std::vector<float>{2, 4, 1, 3}));
}

TEST(InteractionMatrixTest, Bm25DownWeightsPopularItems) {
  // Item 0 is seen by 3 of 4 users, item 1 by one; same raw strength.
  const std::vector<Triple> t = {{0, 0, 1, 0}, {1, 0, 1, 0}, {2, 0, 1, 0}, {3, 1, 1, 0},
                                 {3, 2, 1, 0}};
  InteractionMatrix m = *InteractionMatrix::Build(4, 3, t);
  ASSERT_TRUE(ApplyBm25(m, 1.2f, 0.0f).ok());
  EXPECT_EQ(ApplyBm25(m, 1.2f, 1.5f).code(), absl::StatusCode::kInvalidArgument);
  // Rows: u0 {0}, u1 {0}, u2 {0}, u3 {1, 2}.
  EXPECT_LT(m.values()[0], m.values()[3]);
  EXPECT_NEAR(m.values()[3], std::log(4.0), 1e-5);  // tf part is 1 for b=0, r=1
}

}  // namespace
}  // namespace persona::model
