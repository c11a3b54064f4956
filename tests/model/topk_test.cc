#include "model/topk.h"

#include <algorithm>
#include <random>

#include "gtest/gtest.h"

namespace persona::model {
namespace {

// Brute force: score every allowed item, sort by (score desc, index asc).
std::vector<ScoredIndex> Reference(const std::vector<float>& items, int dim, const float* q,
                                   int k, const ItemMask* allowed) {
  const int rows = static_cast<int>(items.size()) / dim;
  std::vector<ScoredIndex> all;
  for (int i = 0; i < rows; ++i) {
    if (allowed != nullptr && !allowed->Test(i)) continue;
    float s = 0;
    for (int d = 0; d < dim; ++d) s += items[i * dim + d] * q[d];
    all.push_back({i, s});
  }
  std::sort(all.begin(), all.end(), [](const ScoredIndex& a, const ScoredIndex& b) {
    return a.score != b.score ? a.score > b.score : a.item < b.item;
  });
  if (static_cast<int>(all.size()) > k) all.resize(k);
  return all;
}

void ExpectSame(const std::vector<ScoredIndex>& got, const std::vector<ScoredIndex>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t j = 0; j < got.size(); ++j) {
    // Summation order differs from the reference; near-ties may swap.
    EXPECT_NEAR(got[j].score, want[j].score, 1e-4) << j;
    if (std::abs(got[j].score - want[j].score) < 1e-6 && j + 1 < got.size() &&
        std::abs(want[j].score - want[j + 1].score) > 1e-4) {
      EXPECT_EQ(got[j].item, want[j].item) << j;
    }
  }
}

struct Case {
  int rows, dim, k;
  double keep;  // fraction of items allowed; < 0 means no mask
};

class TopKRandomTest : public ::testing::TestWithParam<Case> {};

TEST_P(TopKRandomTest, MatchesBruteForce) {
  const Case c = GetParam();
  std::mt19937 rng(c.rows * 31 + c.dim);
  std::normal_distribution<float> normal;
  std::uniform_real_distribution<double> uni(0, 1);
  std::vector<float> items(static_cast<size_t>(c.rows) * c.dim);
  for (float& x : items) x = normal(rng);
  const int nq = 5;
  std::vector<float> queries(nq * c.dim);
  for (float& x : queries) x = normal(rng);
  std::vector<ItemMask> masks;
  for (int q = 0; q < nq; ++q) {
    ItemMask m(c.rows);
    for (int i = 0; i < c.rows; ++i) {
      if (uni(rng) < c.keep) m.Set(i);
    }
    masks.push_back(std::move(m));
  }
  std::vector<const ItemMask*> mask_ptrs;
  for (const ItemMask& m : masks) mask_ptrs.push_back(c.keep < 0 ? nullptr : &m);
  const FactorView view{items.data(), c.rows, c.dim};
  const FactorView qview{queries.data(), nq, c.dim};
  const auto batch = TopKDotBatch(view, qview, c.k, mask_ptrs);
  ASSERT_EQ(batch.size(), static_cast<size_t>(nq));
  for (int q = 0; q < nq; ++q) {
    const float* query = queries.data() + q * c.dim;
    const auto want = Reference(items, c.dim, query, c.k, mask_ptrs[q]);
    if (c.keep >= 0) {
      EXPECT_EQ(want.size(), static_cast<size_t>(std::min(c.k, masks[q].Count())));
    }
    ExpectSame(TopKDot(view, query, c.k, mask_ptrs[q]), want);
    ExpectSame(batch[q], want);
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, TopKRandomTest,
                         ::testing::Values(Case{1000, 16, 10, -1}, Case{1000, 64, 10, 0.5},
                                           Case{777, 32, 25, 0.1}, Case{300, 8, 10, 0.02},
                                           Case{64, 64, 10, 0.0}, Case{5, 4, 10, -1},
                                           Case{130, 7, 1, 0.9}, Case{2049, 64, 100, 0.3}));

TEST(TopKTest, ScoresPathRespectsMaskAndTies) {
  const std::vector<float> scores = {1, 3, 3, 2, 5, 5, 0};
  ItemMask allowed(7, true);
  allowed.Reset(4);
  const auto got = TopKScores(scores, 3, &allowed);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].item, 5);
  EXPECT_EQ(got[1].item, 1);  // tie with 2: lower index first
  EXPECT_EQ(got[2].item, 2);
  EXPECT_TRUE(TopKScores(scores, 0, nullptr).empty());
  EXPECT_EQ(TopKScores(scores, 100, nullptr).size(), 7u);
}

TEST(TopKTest, HeapKeepsBestAndSortsThem) {
  TopKHeap heap(2);
  heap.Push(0, 1.0f);
  EXPECT_EQ(heap.threshold(), -std::numeric_limits<float>::infinity());
  heap.Push(1, 4.0f);
  heap.Push(2, 2.0f);
  EXPECT_EQ(heap.threshold(), 2.0f);
  const auto out = heap.TakeSorted();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].item, 1);
  EXPECT_EQ(out[1].item, 2);
}

}  // namespace
}  // namespace persona::model
