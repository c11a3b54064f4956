#include "model/weighting.h"

#include <cmath>

#include "gtest/gtest.h"
#include "tests/model/planted_data.h"

namespace persona::model {
namespace {

TEST(MergeRowTest, SumsRepeatsDropsNonPositiveAndValidates) {
  const std::vector<int32_t> ids = {3, 1, 3, 2, 2, 0};
  const std::vector<float> w = {1, 2, 0.5f, 1, -1, -0.5f};
  absl::StatusOr<WeightedRow> row = MergeRow(ids, w, 4);
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_EQ(row->items, (std::vector<int32_t>{1, 3}));  // 2 nets to 0, 0 is negative
  EXPECT_EQ(row->weights, (std::vector<float>{2, 1.5f}));
  EXPECT_EQ(MergeRow(ids, w, 3).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MergeRow(ids, {}, 4).status().code(), absl::StatusCode::kInvalidArgument);
  const std::vector<int32_t> one = {0};
  const std::vector<float> nan = {std::nanf("")};
  EXPECT_EQ(MergeRow(one, nan, 4).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(Bm25WeightingTest, MatchesTheFormulaByHand) {
  // Users: u0 {0:2}, u1 {0:1, 1:3}, u2 {} -> avg_len 1, idf0 = log(3/2), idf1 = log 3.
  const std::vector<Triple> t = {{0, 0, 2, 0}, {1, 0, 1, 0}, {1, 1, 3, 0}};
  InteractionMatrix m = *InteractionMatrix::Build(3, 2, t);
  absl::StatusOr<Bm25Weighting> w = Bm25Weighting::Fit(m, 10.0f, 0.5f);
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_DOUBLE_EQ(w->avg_len(), 1.0);
  EXPECT_EQ(w->num_users(), 3);
  EXPECT_NEAR(w->idf()[0], std::log(1.5), 1e-6);
  ASSERT_TRUE(w->Apply(m).ok());
  const double norm0 = 10 * (1 - 0.5 + 0.5 * 1 / 1.0);
  const double norm1 = 10 * (1 - 0.5 + 0.5 * 2 / 1.0);
  EXPECT_NEAR(m.values()[0], 2 * 11 / (2 + norm0) * std::log(1.5), 1e-6);
  EXPECT_NEAR(m.values()[1], 1 * 11 / (1 + norm1) * std::log(1.5), 1e-6);
  EXPECT_NEAR(m.values()[2], 3 * 11 / (3 + norm1) * std::log(3.0), 1e-6);
  InteractionMatrix wrong = *InteractionMatrix::Build(3, 5, t);
  EXPECT_EQ(w->Apply(wrong).code(), absl::StatusCode::kInvalidArgument);
}

// The property serving relies on: a training row weighted by Apply equals
// WeightUser on the same user's raw events (in any order, with repeats).
TEST(Bm25WeightingTest, WeightUserEqualsTheAppliedTrainingRow) {
  testing::PlantedData d = testing::MakePlantedData(150, 80, 3, 0.3, 5);
  // Repeats and a purchase-then-return pair that nets to zero.
  d.train.push_back({0, 7, 2.0f, 0});
  d.train.push_back({0, 7, 0.5f, 0});
  d.train.push_back({1, 9, 1.0f, 0});
  d.train.push_back({1, 9, -1.0f, 0});
  const InteractionMatrix raw = *InteractionMatrix::Build(d.num_users, d.num_items, d.train);
  absl::StatusOr<Bm25Weighting> w = Bm25Weighting::Fit(raw);
  ASSERT_TRUE(w.ok());
  InteractionMatrix weighted = raw;
  ASSERT_TRUE(w->Apply(weighted).ok());
  std::vector<std::vector<int32_t>> ids(d.num_users);
  std::vector<std::vector<float>> strengths(d.num_users);
  for (auto it = d.train.rbegin(); it != d.train.rend(); ++it) {  // reversed order
    ids[it->user].push_back(it->item);
    strengths[it->user].push_back(it->weight);
  }
  int64_t compared = 0;
  for (int32_t u = 0; u < d.num_users; ++u) {
    absl::StatusOr<WeightedRow> row = w->WeightUser(ids[u], strengths[u]);
    ASSERT_TRUE(row.ok()) << row.status();
    const auto idx = weighted.RowIndices(u);
    const auto val = weighted.RowValues(u);
    ASSERT_EQ(row->items, std::vector<int32_t>(idx.begin(), idx.end())) << u;
    for (size_t k = 0; k < idx.size(); ++k, ++compared) {
      EXPECT_FLOAT_EQ(row->weights[k], val[k]) << u << " " << idx[k];
    }
  }
  EXPECT_EQ(compared, raw.nnz());
  EXPECT_GT(weighted.values()[0], 0.0f);
}

TEST(Bm25WeightingTest, ReindexedMovesIdfAndFillsUnseenItems) {
  const std::vector<Triple> t = {{0, 0, 1, 0}, {1, 0, 1, 0}, {1, 1, 1, 0}, {2, 2, 1, 0}};
  const Bm25Weighting w = *Bm25Weighting::Fit(*InteractionMatrix::Build(4, 3, t));
  const std::vector<int32_t> new_index = {3, -1, 0};
  absl::StatusOr<Bm25Weighting> r = w.Reindexed(new_index, 5);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->num_items(), 5);
  EXPECT_EQ(r->idf()[3], w.idf()[0]);
  EXPECT_EQ(r->idf()[0], w.idf()[2]);
  EXPECT_NEAR(r->idf()[1], std::log(4.0), 1e-6);  // as an item nobody has
  EXPECT_EQ(r->avg_len(), w.avg_len());
  const std::vector<int32_t> out_of_range = {5, -1, 0};
  EXPECT_EQ(w.Reindexed(out_of_range, 5).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(w.Reindexed({}, 5).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(Bm25WeightingTest, RejectsBadParts) {
  const InteractionMatrix m = *InteractionMatrix::Build(1, 1, {});
  EXPECT_EQ(Bm25Weighting::Fit(m, -1, 0.5f).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Bm25Weighting::Fit(m, 1, 1.5f).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Bm25Weighting::FromParts(1, 0.5f, 0.0, 3, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Bm25Weighting::FromParts(1, 0.5f, 1.0, 3, {-1.0f}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Bm25Weighting::FromParts(1, 0.5f, 1.0, 3, {0.5f}).ok());
}

}  // namespace
}  // namespace persona::model
