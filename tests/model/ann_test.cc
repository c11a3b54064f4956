#include "model/ann.h"

#include <algorithm>
#include <random>

#include "gtest/gtest.h"
#include "model/serving_model.h"
#include "tests/model/power_law_data.h"

namespace persona::model {
namespace {

// ALS factors trained on a power-law shop: 20k items x 32 factors.
class AnnTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    testing::PowerLawOptions p;
    p.users = 6'000;
    p.items = 20'000;
    p.mean_interactions = 25;
    const std::vector<Triple> triples = testing::MakePowerLawData(p);
    const InteractionMatrix m = *InteractionMatrix::Build(p.users, p.items, triples);
    AlsOptions o = TunedAlsOptions();
    o.factors = 32;
    o.iterations = 6;
    o.regularization = 5;
    model_ = new WeightedAlsModel(*TrainWeightedAls(m, o, /*bm25=*/true));
  }
  static void TearDownTestSuite() { delete model_; }

  static FactorView Items() {
    return {model_->factors.item_factors.data(), model_->factors.num_items, model_->factors.factors};
  }
  static const float* User(int32_t u) {
    return model_->factors.user_factors.data() + int64_t{u} * model_->factors.factors;
  }

  // Mean recall@10 of the index against exact TopKDot over the first users.
  static double Recall(const AnnIndex& index, const ItemMask* mask, int users = 300) {
    double sum = 0;
    for (int32_t u = 0; u < users; ++u) {
      const std::vector<ScoredIndex> exact = TopKDot(Items(), User(u), 10, mask);
      const std::vector<ScoredIndex> ann = index.Search(User(u), 10, mask);
      int hits = 0;
      for (const ScoredIndex& e : exact) {
        hits += std::any_of(ann.begin(), ann.end(), [&](const ScoredIndex& a) { return a.item == e.item; });
      }
      sum += static_cast<double>(hits) / exact.size();
    }
    return sum / users;
  }

  static WeightedAlsModel* model_;
};

WeightedAlsModel* AnnTest::model_ = nullptr;

TEST_F(AnnTest, RecallAtTenAgainstExactForBothSpaces) {
  ItemMask dense(Items().rows, true);
  for (int32_t i = 0; i < dense.size(); i += 7) dense.Reset(i);
  for (AnnSpace space : {AnnSpace::kAugmentedL2, AnnSpace::kInnerProduct}) {
    AnnOptions o;
    o.space = space;
    o.ef_construction = 100;
    absl::StatusOr<std::unique_ptr<const AnnIndex>> index = AnnIndex::Build(Items(), o);
    ASSERT_TRUE(index.ok()) << index.status();
    const double recall = Recall(**index, nullptr);
    const double masked = Recall(**index, &dense);
    std::printf("space %d recall@10 %.4f masked %.4f\n", static_cast<int>(space), recall, masked);
    EXPECT_GE(recall, 0.95) << static_cast<int>(space);
    EXPECT_GE(masked, 0.95) << static_cast<int>(space);
    EXPECT_GT((*index)->MemoryBytes(), int64_t{Items().rows} * Items().dim * 4);
  }
}

TEST_F(AnnTest, MasksAreRespectedAndKItemsReturnedOnEveryPath) {
  AnnOptions o;
  o.ef_construction = 60;
  o.exact_below = 500;
  absl::StatusOr<std::unique_ptr<const AnnIndex>> index = AnnIndex::Build(Items(), o);
  ASSERT_TRUE(index.ok()) << index.status();
  const int32_t n = Items().rows;
  std::mt19937 rng(3);
  // Half the items (graph + filter), 300 items (exact over allowed), and
  // 2,000 of the least popular items (fetch widens, then exhaustive).
  ItemMask half(n), few(n), tail(n);
  for (int32_t i = 0; i < n; ++i) {
    if (rng() % 2) half.Set(i);
  }
  for (int k = 0; k < 300; ++k) few.Set(static_cast<int32_t>(rng() % n));
  for (int32_t i = n - 2000; i < n; ++i) tail.Set(i);
  for (const ItemMask* mask : {&half, &few, &tail}) {
    for (int32_t u = 0; u < 50; ++u) {
      const std::vector<ScoredIndex> got = (*index)->Search(User(u), 10, mask);
      ASSERT_EQ(got.size(), 10u);
      for (size_t r = 0; r < got.size(); ++r) {
        EXPECT_TRUE(mask->Test(got[r].item));
        if (r > 0) EXPECT_GE(got[r - 1].score, got[r].score);
      }
    }
  }
  // The exact paths return exactly what TopKDot returns.
  for (const ItemMask* mask : {&few, &tail}) {
    const std::vector<ScoredIndex> exact = TopKDot(Items(), User(7), 10, mask);
    const std::vector<ScoredIndex> got = (*index)->Search(User(7), 10, mask);
    for (size_t r = 0; r < exact.size(); ++r) EXPECT_EQ(got[r].item, exact[r].item) << r;
  }
  ItemMask three(n);
  three.Set(1);
  three.Set(5);
  three.Set(n - 1);
  EXPECT_EQ((*index)->Search(User(0), 10, &three).size(), 3u);
  ItemMask none(n);
  EXPECT_TRUE((*index)->Search(User(0), 10, &none).empty());
  ItemMask wrong_size(n + 1, true);
  EXPECT_TRUE((*index)->Search(User(0), 10, &wrong_size).empty());
}

TEST_F(AnnTest, BuildIsDeterministicForASeedOnOneThread) {
  AnnOptions o;
  o.ef_construction = 40;
  o.ef_search = 16;
  auto a = AnnIndex::Build(Items(), o);
  auto b = AnnIndex::Build(Items(), o);
  ASSERT_TRUE(a.ok() && b.ok());
  for (int32_t u = 0; u < 100; ++u) {
    const auto ra = (*a)->Search(User(u), 10, nullptr);
    const auto rb = (*b)->Search(User(u), 10, nullptr);
    ASSERT_EQ(ra.size(), rb.size());
    for (size_t r = 0; r < ra.size(); ++r) EXPECT_EQ(ra[r].item, rb[r].item);
  }
  o.threads = 2;  // not deterministic, but as good
  o.ef_search = 64;
  auto c = AnnIndex::Build(Items(), o);
  ASSERT_TRUE(c.ok());
  EXPECT_GE(Recall(**c, nullptr, 100), 0.95);
}

TEST(AnnBuildTest, RejectsBadInput) {
  const std::vector<float> items = {1, 0, 0, 1};
  const FactorView view{items.data(), 2, 2};
  AnnOptions o;
  o.m = 1;
  EXPECT_EQ(AnnIndex::Build(view, o).status().code(), absl::StatusCode::kInvalidArgument);
  o = AnnOptions();
  o.threads = 0;
  EXPECT_EQ(AnnIndex::Build(view, o).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(AnnIndex::Build({nullptr, 0, 2}, AnnOptions()).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto tiny = AnnIndex::Build(view, AnnOptions());
  ASSERT_TRUE(tiny.ok());
  const float q[2] = {0.2f, 1.0f};
  const auto got = (*tiny)->Search(q, 5, nullptr);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].item, 1);
  EXPECT_FLOAT_EQ(got[0].score, 1.0f);
  EXPECT_TRUE((*tiny)->Search(q, 0, nullptr).empty());
}

}  // namespace
}  // namespace persona::model
