// SimilarItemsRecommender's per-seed neighbour cache must answer exactly as
// the exhaustive scan does, for any mask, whether the cache hits, misses,
// evicts or cannot prove its answer.
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "model/page_recommenders.h"

namespace persona::model {
namespace {

std::vector<float> RandomFactors(int rows, int dim, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> f(static_cast<size_t>(rows) * dim);
  for (float& x : f) x = normal(rng);
  // Duplicate rows make exact ties, which must break to the lower item.
  for (int d = 0; d < dim; ++d) f[5 * dim + d] = f[40 * dim + d] = f[3 * dim + d];
  return f;
}

void ExpectSame(const std::vector<ScoredItem>& got, const std::vector<ScoredItem>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t k = 0; k < got.size(); ++k) {
    EXPECT_EQ(got[k].item, want[k].item) << "rank " << k;
    EXPECT_EQ(got[k].score, want[k].score) << "rank " << k;
    EXPECT_EQ(got[k].anchor, want[k].anchor) << "rank " << k;
  }
}

class SimilarCacheTest : public ::testing::TestWithParam<int> {};

TEST_P(SimilarCacheTest, CachedAnswersEqualTheExhaustiveScan) {
  const int rows = 3000;
  const int dim = GetParam();
  const std::vector<float> f = RandomFactors(rows, dim, 11);
  const FactorView view{f.data(), rows, dim};
  const SimilarItemsRecommender exhaustive(view, 64, /*cache_capacity=*/0);
  // A tiny capacity makes seeds evict each other.
  const SimilarItemsRecommender cached(view, 64, /*cache_capacity=*/4);
  std::mt19937_64 rng(3);
  for (int round = 0; round < 200; ++round) {
    // From nearly everything allowed to too few for the cached list to hold.
    const double density = std::vector<double>{1.0, 0.9, 0.5, 0.1, 0.01}[round % 5];
    ItemMask allowed(rows);
    std::bernoulli_distribution keep(density);
    for (int i = 0; i < rows; ++i) {
      if (keep(rng)) allowed.Set(i);
    }
    const std::vector<int32_t> context = {
        static_cast<int32_t>(std::vector<int>{3, 5, 40, 7, 1999, 0}[round % 6])};
    RecommendContext ctx{.count = 1 + round % 30, .allowed = &allowed, .context_items = context};
    const auto want = exhaustive.Recommend(ctx);
    const auto got = cached.Recommend(ctx);
    ExpectSame(got, want);
    for (const auto& s : got) {
      EXPECT_TRUE(allowed.Test(s.item));
      EXPECT_NE(s.item, context.front());
    }
    // Asked again (a hit now) the answer is the same.
    ExpectSame(cached.Recommend(ctx), want);
  }
}

INSTANTIATE_TEST_SUITE_P(Dims, SimilarCacheTest, ::testing::Values(16, 7));

TEST(SimilarCacheTest, SeedSimilarToItselfOnlyComesFromTheRest) {
  // Items 5 and 40 copy item 3: asked about 3, both tie at the top and the
  // lower one leads.
  const std::vector<float> f = RandomFactors(100, 16, 5);
  const SimilarItemsRecommender r({f.data(), 100, 16}, 8, 16);
  ItemMask allowed(100, true);
  const std::vector<int32_t> context = {3};
  RecommendContext ctx{.count = 3, .allowed = &allowed, .context_items = context};
  const auto got = r.Recommend(ctx);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].item, 5);
  EXPECT_EQ(got[1].item, 40);
  EXPECT_NEAR(got[0].score, 1.0, 1e-5);
}

TEST(SimilarCacheTest, SmallCatalogListIsCompleteUnderAnyMask) {
  // 20 items, 64 cached: the list holds everything, so even a mask leaving
  // two items is answered from it, with just those two.
  const std::vector<float> f = RandomFactors(50, 16, 9);
  const SimilarItemsRecommender r({f.data(), 20, 16}, 64, 16);
  const SimilarItemsRecommender exhaustive({f.data(), 20, 16}, 64, 0);
  ItemMask allowed(20);
  allowed.Set(2);
  allowed.Set(17);
  const std::vector<int32_t> context = {3};
  RecommendContext ctx{.count = 10, .allowed = &allowed, .context_items = context};
  const auto got = r.Recommend(ctx);
  EXPECT_EQ(got.size(), 2u);
  ExpectSame(got, exhaustive.Recommend(ctx));
}

}  // namespace
}  // namespace persona::model
