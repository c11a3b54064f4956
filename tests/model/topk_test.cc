#include "model/topk.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
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

// The batched kernel against brute force on small-integer factors: every dot
// product is an exact integer whatever the summation order, so results must
// match item for item, and the many equal scores exercise tie-breaking.
enum class MaskMode { kNoSpan, kAllNull, kShared, kPerQuery, kMixed };

struct BatchCase {
  int nq, dim, rows, k;
  MaskMode mode;
};

// Builds each query's mask (kept in `masks`) and the pointer per query.
std::vector<const ItemMask*> MakeMasks(const BatchCase& c, std::mt19937& rng,
                                       std::vector<ItemMask>& masks) {
  std::uniform_real_distribution<double> uni(0, 1);
  masks.clear();
  masks.reserve(c.nq + 1);
  auto random_mask = [&](double keep) {
    ItemMask m(c.rows);
    for (int i = 0; i < c.rows; ++i) {
      if (uni(rng) < keep) m.Set(i);
    }
    return m;
  };
  std::vector<const ItemMask*> ptrs;
  switch (c.mode) {
    case MaskMode::kNoSpan:
      return ptrs;
    case MaskMode::kAllNull:
      return std::vector<const ItemMask*>(c.nq, nullptr);
    case MaskMode::kShared:
      masks.push_back(random_mask(6.0 / 7));
      return std::vector<const ItemMask*>(c.nq, &masks[0]);
    case MaskMode::kPerQuery:
    case MaskMode::kMixed:
      // Densities from empty to full; some queries allow fewer than k items.
      for (int q = 0; q < c.nq; ++q) masks.push_back(random_mask((q % 5) / 4.0 * (q % 3 ? 1 : 0.01)));
      for (int q = 0; q < c.nq; ++q) {
        ptrs.push_back(c.mode == MaskMode::kMixed && q % 4 == 1 ? nullptr : &masks[q]);
      }
      return ptrs;
  }
  return ptrs;
}

void CheckExactBatch(const BatchCase& c) {
  SCOPED_TRACE(testing::Message() << "nq=" << c.nq << " dim=" << c.dim << " rows=" << c.rows
                                  << " k=" << c.k << " mode=" << static_cast<int>(c.mode));
  std::mt19937 rng(c.nq * 7919 + c.dim * 131 + c.rows);
  std::uniform_int_distribution<int> small(-2, 2);
  std::vector<float> items(static_cast<size_t>(c.rows) * c.dim);
  for (float& x : items) x = static_cast<float>(small(rng));
  std::vector<float> queries(static_cast<size_t>(c.nq) * c.dim);
  for (float& x : queries) x = static_cast<float>(small(rng));
  std::vector<ItemMask> masks;
  const std::vector<const ItemMask*> ptrs = MakeMasks(c, rng, masks);
  const auto got = TopKDotBatch({items.data(), c.rows, c.dim}, {queries.data(), c.nq, c.dim},
                                c.k, ptrs);
  ASSERT_EQ(got.size(), static_cast<size_t>(c.nq));
  for (int q = 0; q < c.nq; ++q) {
    const auto want = Reference(items, c.dim, queries.data() + q * c.dim, c.k,
                                ptrs.empty() ? nullptr : ptrs[q]);
    ASSERT_EQ(got[q].size(), want.size()) << "query " << q;
    for (size_t j = 0; j < want.size(); ++j) {
      ASSERT_EQ(got[q][j].item, want[j].item) << "query " << q << " rank " << j;
      ASSERT_EQ(got[q][j].score, want[j].score) << "query " << q << " rank " << j;
    }
  }
}

TEST(TopKBatchTest, ExactOnIntegerFactorsForAllShapes) {
  const MaskMode modes[] = {MaskMode::kNoSpan, MaskMode::kAllNull, MaskMode::kShared,
                            MaskMode::kPerQuery, MaskMode::kMixed};
  for (int nq : {1, 4, 15, 16, 17, 33, 64, 100}) {
    for (int dim : {16, 24, 64, 5}) {
      // 1 row, rows within one tile, rows not a multiple of any tile or mask word.
      for (int rows : {1, 7, 61, 1001}) {
        for (int k : {1, 10, 2000}) {
          for (MaskMode mode : modes) CheckExactBatch({nq, dim, rows, k, mode});
        }
      }
    }
  }
}

TEST(TopKBatchTest, TiesPreferLowerIndex) {
  // Every item scores the same for every query: the k lowest allowed indices win.
  const int rows = 200, dim = 24, nq = 17, k = 10;
  std::vector<float> items(rows * dim, 1.0f);
  std::vector<float> queries(nq * dim, 0.5f);
  ItemMask allowed(rows, true);
  for (int i = 0; i < rows; i += 3) allowed.Reset(i);
  const std::vector<const ItemMask*> ptrs(nq, &allowed);
  const auto got = TopKDotBatch({items.data(), rows, dim}, {queries.data(), nq, dim}, k, ptrs);
  ASSERT_EQ(got.size(), static_cast<size_t>(nq));
  for (const auto& top : got) {
    ASSERT_EQ(top.size(), static_cast<size_t>(k));
    int want = 0;
    for (const ScoredIndex& s : top) {
      if (want % 3 == 0) ++want;
      EXPECT_EQ(s.item, want++);
      EXPECT_EQ(s.score, 12.0f);
    }
  }
}

TEST(TopKBatchTest, EmptyInputsAndZeroK) {
  std::vector<float> items(10 * 16, 1.0f), queries(20 * 16, 1.0f);
  const FactorView view{items.data(), 10, 16};
  const FactorView qview{queries.data(), 20, 16};
  for (const auto& top : TopKDotBatch(view, qview, 0, {})) EXPECT_TRUE(top.empty());
  EXPECT_TRUE(TopKDotBatch(view, {queries.data(), 0, 16}, 5, {}).empty());
  for (const auto& top : TopKDotBatch({items.data(), 0, 16}, qview, 5, {})) {
    EXPECT_TRUE(top.empty());
  }
  const ItemMask none(10);
  const std::vector<const ItemMask*> ptrs(20, &none);
  for (const auto& top : TopKDotBatch(view, qview, 5, ptrs)) EXPECT_TRUE(top.empty());
}

// Asserts the batched answer is the one-query answer, bit for bit.
void ExpectIdentical(const std::vector<ScoredIndex>& got, const std::vector<ScoredIndex>& want,
                     int q) {
  ASSERT_EQ(got.size(), want.size()) << "query " << q;
  for (size_t j = 0; j < want.size(); ++j) {
    ASSERT_EQ(got[j].item, want[j].item) << "query " << q << " rank " << j;
    ASSERT_EQ(std::bit_cast<uint32_t>(got[j].score), std::bit_cast<uint32_t>(want[j].score))
        << "query " << q << " rank " << j << ": " << got[j].score << " vs " << want[j].score;
  }
}

// Runs the batch and TopKDot per query over the same factors and masks.
void CheckBatchMatchesSingle(const std::vector<float>& items, int rows, int dim,
                             const std::vector<float>& queries, int nq, int k,
                             const std::vector<const ItemMask*>& ptrs) {
  const FactorView view{items.data(), rows, dim};
  const auto got = TopKDotBatch(view, {queries.data(), nq, dim}, k, ptrs);
  ASSERT_EQ(got.size(), static_cast<size_t>(nq));
  for (int q = 0; q < nq; ++q) {
    const auto want = TopKDot(view, queries.data() + q * dim, k, ptrs.empty() ? nullptr : ptrs[q]);
    ExpectIdentical(got[q], want, q);
  }
}

// Gaussian factors, where the register tile sums in another order than the
// one-query kernel: the block must still return exactly TopKDot's items and
// scores, across panel shapes (partial zmm columns, several panels), dims the
// tile does not take (24, 7), rows off every tile size, masks shared, per
// query or absent, and k above some queries' allowed count.
TEST(TopKBatchTest, MatchesOneAtATimeBitForBit) {
  const MaskMode modes[] = {MaskMode::kNoSpan, MaskMode::kShared, MaskMode::kMixed};
  for (int nq : {4, 17, 64, 65, 130}) {
    for (int dim : {16, 64, 24, 7}) {
      for (int rows : {15, 1001, 3001}) {
        for (int k : {1, 10, 300}) {
          for (MaskMode mode : modes) {
            SCOPED_TRACE(testing::Message() << "nq=" << nq << " dim=" << dim << " rows=" << rows
                                            << " k=" << k << " mode=" << static_cast<int>(mode));
            std::mt19937 rng(nq * 31 + dim * 7 + rows + k);
            std::normal_distribution<float> normal;
            std::vector<float> items(static_cast<size_t>(rows) * dim);
            for (float& x : items) x = normal(rng);
            std::vector<float> queries(static_cast<size_t>(nq) * dim);
            for (float& x : queries) x = normal(rng);
            std::vector<ItemMask> masks;
            const auto ptrs = MakeMasks({nq, dim, rows, k, mode}, rng, masks);
            CheckBatchMatchesSingle(items, rows, dim, queries, nq, k, ptrs);
          }
        }
      }
    }
  }
}

// Rows that are permutations of one vector have equal true scores against a
// near-constant query, so computed scores differ only by summation order and
// crowd the k-th place: a filter that dropped items within rounding of the
// threshold would return other items than TopKDot.
TEST(TopKBatchTest, NearTiesFromPermutedRowsMatchOneAtATime) {
  const int rows = 3000, dim = 64, nq = 40;
  std::mt19937 rng(7);
  std::normal_distribution<float> normal;
  std::vector<float> base(dim);
  for (float& x : base) x = normal(rng);
  std::vector<float> items;
  for (int i = 0; i < rows; ++i) {
    std::shuffle(base.begin(), base.end(), rng);
    items.insert(items.end(), base.begin(), base.end());
  }
  std::vector<float> queries(nq * dim);
  for (int q = 0; q < nq; ++q) {
    for (int d = 0; d < dim; ++d) queries[q * dim + d] = 1.0f + (q % 2) * 1e-7f * normal(rng);
  }
  std::vector<ItemMask> masks;
  for (int k : {10, 100}) {
    SCOPED_TRACE(testing::Message() << "k=" << k);
    const auto ptrs = MakeMasks({nq, dim, rows, k, MaskMode::kMixed}, rng, masks);
    CheckBatchMatchesSingle(items, rows, dim, queries, nq, k, ptrs);
  }
}

// Factors so large that an item's norm overflows to infinity (the rounding
// bound becomes infinite or NaN) while the scores stay finite, and rows with
// NaN or infinite entries, which neither path may return as a NaN score.
TEST(TopKBatchTest, HugeAndNonFiniteFactorsMatchOneAtATime) {
  const int rows = 500, dim = 32, nq = 20;
  std::mt19937 rng(11);
  std::normal_distribution<float> normal;
  std::vector<float> items(rows * dim);
  for (int i = 0; i < rows; ++i) {
    const float scale = i % 3 == 0 ? 3e19f : 1.0f;
    for (int d = 0; d < dim; ++d) items[i * dim + d] = scale * normal(rng);
  }
  items[5 * dim + 3] = std::numeric_limits<float>::quiet_NaN();
  items[7 * dim + 1] = std::numeric_limits<float>::infinity();
  items[8 * dim + 2] = -std::numeric_limits<float>::infinity();
  std::vector<float> queries(nq * dim);
  for (float& x : queries) x = 1e-3f * normal(rng);
  CheckBatchMatchesSingle(items, rows, dim, queries, nq, 10, {});
  const auto got = TopKDotBatch({items.data(), rows, dim}, {queries.data(), nq, dim}, 10, {});
  for (const auto& top : got) {
    for (const ScoredIndex& s : top) EXPECT_FALSE(std::isnan(s.score)) << s.item;
  }
}

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
