#include "model/serving_model.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "model/eval/protocol.h"
#include "tests/model/planted_data.h"

namespace persona::model {
namespace {

double Metric(const ModelRecord& r, const std::string& name) {
  for (const auto& [n, v] : r.metrics) {
    if (n == name) return v;
  }
  return std::nan("");
}

class ServingModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = testing::MakePlantedData(300, 120, 3, 0.5, 8);
    // Columns 120..124 exist in the catalog but nobody interacted with them.
    matrix_ = *InteractionMatrix::Build(data_.num_users, data_.num_items + 5, data_.train);
    for (int32_t i = 0; i < matrix_.cols(); ++i) ids_.push_back(absl::StrCat("sku-", i));
    options_.als.factors = 16;
    options_.als.iterations = 8;
    // The tuned lambda (30) suits MovieLens' ~80 items per user, not ~10.
    options_.als.regularization = 1;
  }

  testing::PlantedData data_;
  InteractionMatrix matrix_;
  std::vector<std::string> ids_;
  ServingTrainOptions options_;
  FakeClock clock_{1'700'000'000'000};
};

TEST_F(ServingModelTest, RecordHoldsWeightingIdsAndMetricsAndDropsEmptyItems) {
  absl::StatusOr<ModelRecord> r = TrainServingModel(matrix_, ids_, options_, clock_);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->factors.num_items, 120);
  EXPECT_EQ(r->item_ids.size(), 120u);
  EXPECT_EQ(r->item_ids.back(), "sku-119");
  EXPECT_EQ(r->factors.item_factors.size(), 120u * 16);
  EXPECT_EQ(r->factors.num_users, 0);  // serving folds users in
  EXPECT_TRUE(r->factors.user_factors.empty());
  ASSERT_TRUE(r->weighting.has_value());
  EXPECT_EQ(r->weighting->num_items(), 120);
  EXPECT_EQ(r->weighting->k1(), 100.0f);
  EXPECT_EQ(r->options.regularization, 1.0f);
  EXPECT_EQ(r->options.scaling, ConfidenceScaling::kLog);
  EXPECT_EQ(ServingTrainOptions().als.regularization, 30.0f);
  EXPECT_EQ(ServingTrainOptions().als.factors, 64);
  EXPECT_TRUE(ServingTrainOptions().bm25);
  EXPECT_EQ(r->trained_at_ms, 1'700'000'000'000);
  EXPECT_EQ(r->training_time_ms, 0);  // the fake clock did not move
  EXPECT_EQ(Metric(*r, "users"), 300);
  EXPECT_EQ(Metric(*r, "items"), 120);
  EXPECT_EQ(Metric(*r, "interactions"), static_cast<double>(matrix_.nnz()));
  EXPECT_TRUE(std::isnan(Metric(*r, "validation_ndcg@10")));
  options_.bm25 = false;
  absl::StatusOr<ModelRecord> plain = TrainServingModel(matrix_, ids_, options_, clock_);
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->weighting.has_value());
}

// Stored and loaded, the record's fold-in turns a user's raw history into
// their trained vector (exact solver, so the comparison is tight).
TEST_F(ServingModelTest, StoredRecordFoldsInToTheTrainedVectors) {
  options_.keep_user_factors = true;
  options_.als.solver = AlsSolver::kCholesky;
  absl::StatusOr<ModelRecord> r = TrainServingModel(matrix_, ids_, options_, clock_);
  ASSERT_TRUE(r.ok()) << r.status();
  absl::StatusOr<ModelRecord> loaded = ParseModelRecord(*SerializeModelRecord(*r));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  absl::StatusOr<std::unique_ptr<const FoldIn>> fold = FoldInFromRecord(*loaded);
  ASSERT_TRUE(fold.ok()) << fold.status();
  ASSERT_NE((*fold)->weighting(), nullptr);
  const int f = loaded->factors.factors;
  std::vector<float> x(f);
  double worst = 0;
  for (int32_t u = 0; u < matrix_.rows(); ++u) {
    // Empty columns were at the end, so the kept indices are the originals.
    ASSERT_TRUE((*fold)->Solve(matrix_.RowIndices(u), matrix_.RowValues(u), x).ok());
    for (int d = 0; d < f; ++d) {
      worst = std::max(worst, std::abs(double{x[d]} - loaded->factors.user_factors[u * f + d]));
    }
  }
  EXPECT_LT(worst, 1e-4);
}

TEST_F(ServingModelTest, ValidationEvaluatesTheServedPath) {
  options_.validation_fraction = 0.2;
  absl::StatusOr<ModelRecord> r = TrainServingModel(matrix_, ids_, options_, clock_);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GT(Metric(*r, "validation_users"), 250);
  // Planted clusters: the served path finds the ~3 held-out items per user
  // far above chance (random picks among ~100 candidates: P@10 about 0.03).
  EXPECT_GT(Metric(*r, "validation_precision@10"), 0.09);
  EXPECT_GT(Metric(*r, "validation_ndcg@10"), 0.15);
  EXPECT_LE(Metric(*r, "validation_ndcg@10"), 1.0);
}

TEST_F(ServingModelTest, RejectsBadInput) {
  std::vector<std::string> short_ids(ids_.begin(), ids_.end() - 1);
  EXPECT_EQ(TrainServingModel(matrix_, short_ids, options_, clock_).status().code(),
            absl::StatusCode::kInvalidArgument);
  options_.validation_fraction = 1.0;
  EXPECT_EQ(TrainServingModel(matrix_, ids_, options_, clock_).status().code(),
            absl::StatusCode::kInvalidArgument);
  options_.validation_fraction = 0;
  options_.als.factors = 0;
  EXPECT_EQ(TrainServingModel(matrix_, ids_, options_, clock_).status().code(),
            absl::StatusCode::kInvalidArgument);
  ModelRecord broken;
  broken.factors.factors = 4;
  broken.factors.num_items = 2;
  EXPECT_EQ(FoldInFromRecord(broken).status().code(), absl::StatusCode::kInvalidArgument);
}

// The evaluation's served ranker (fold-in through the weighting) ranks as
// well as the trained user vectors on planted data.
TEST_F(ServingModelTest, ServedAndTrainedRankersAgree) {
  eval::Split split;
  for (const Triple& t : data_.train) split.train.push_back(t);
  for (int32_t u = 0; u < data_.num_users; ++u) {
    for (int32_t i : data_.held_out[u]) split.test.push_back({u, i, 1, 0});
  }
  absl::StatusOr<eval::EvalData> d = eval::MakeEvalData(data_.num_users, data_.num_items, split, true);
  ASSERT_TRUE(d.ok());
  eval::AlsEvalOptions o;
  o.als = options_.als;
  o.bm25 = true;
  absl::StatusOr<eval::AlsRankers> rankers = eval::MakeAlsRankers(d->train, o);
  ASSERT_TRUE(rankers.ok()) << rankers.status();
  const eval::RankingMetrics trained = eval::Evaluate(*d, 10, rankers->trained);
  const eval::RankingMetrics served = eval::Evaluate(*d, 10, rankers->served);
  const eval::RankingMetrics pop = eval::Evaluate(*d, 10, eval::PopularityRanker(d->train));
  EXPECT_EQ(trained.users, served.users);
  EXPECT_GT(served.ndcg, 2 * pop.ndcg);
  EXPECT_NEAR(served.ndcg, trained.ndcg, 0.03);
}

}  // namespace
}  // namespace persona::model
