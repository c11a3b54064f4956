// AlsRecommender::RecommendBatch must answer every context exactly as
// Recommend does on a recommender without an approximate index: same items,
// order, bit-equal scores, reasons, anchors and categories, over random
// catalogs (with untrained items, so imputed groups exist), factors, masks,
// histories, counts and exploration shares.
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/als_recommender.h"

namespace persona::model {
namespace {

struct Shop {
  std::shared_ptr<const CatalogIndex> catalog;
  TrainedItems trained;
  AlsOptions options;
};

// A catalog of `n` items in 2-level categories with some brands; a share
// `trained_share` of the items has random factors, the rest get imputed ones
// (or none, in categories and brands without any trained item).
Shop MakeShop(std::mt19937_64& rng, int32_t n, int32_t dim, double trained_share) {
  Shop shop;
  std::uniform_real_distribution<double> uni(0, 1);
  std::normal_distribution<float> normal(0, 0.5f);
  std::vector<ItemInfo> infos;
  for (int32_t i = 0; i < n; ++i) {
    const std::string top = "c" + std::to_string(rng() % 5);
    std::vector<std::string> path = {top};
    if (uni(rng) < 0.7) path.push_back(top + "/" + std::to_string(rng() % 4));
    const std::string brand = uni(rng) < 0.3 ? "b" + std::to_string(rng() % 3) : "";
    infos.push_back({"i" + std::to_string(i), path, brand, 1.0, Availability::kInStock, 0});
    // Category c4 is never trained: its items borrow a brand's mean or none.
    if (top != "c4" && uni(rng) < trained_share) {
      shop.trained.item_ids.push_back(infos.back().id);
      for (int32_t d = 0; d < dim; ++d) shop.trained.factors.push_back(normal(rng));
    }
  }
  shop.trained.dim = dim;
  shop.catalog = CatalogIndex::Build(infos, {});
  shop.options.factors = dim;
  shop.options.regularization = 0.5f;
  return shop;
}

// Contexts and everything their views point at.
struct Batch {
  std::deque<ItemMask> masks;
  std::deque<std::vector<Interaction>> histories;
  std::deque<std::vector<int32_t>> context_items;
  std::vector<RecommendContext> contexts;
};

Batch MakeBatch(std::mt19937_64& rng, int32_t n, int size) {
  Batch b;
  for (int c = 0; c < size; ++c) {
    ItemMask& mask = b.masks.emplace_back(n);
    const int keep = std::vector<int>{100, 60, 8, 0}[rng() % 4];
    for (int32_t i = 0; i < n; ++i) {
      if (static_cast<int>(rng() % 100) < keep) mask.Set(i);
    }
    std::vector<Interaction>& history = b.histories.emplace_back();
    const int events = std::vector<int>{0, 1, 3, 20, 25}[rng() % 5];
    for (int e = 0; e < events; ++e) {
      const float weight = rng() % 10 == 0 ? -1.0f : 1.0f + static_cast<float>(rng() % 4);
      const int32_t item = rng() % 50 == 0 ? -1 : static_cast<int32_t>(rng() % n);
      history.push_back({item, weight, 1000 + e, static_cast<InteractionKind>(rng() % 4)});
      if (weight > 0 && rng() % 2 == 0) mask.ResetIfValid(item);
    }
    std::vector<int32_t>& context = b.context_items.emplace_back();
    for (int k = static_cast<int>(rng() % 4); k > 0; --k) context.push_back(rng() % n);
    const int count = std::vector<int>{0, 1, 4, 10, 10, 10, 24}[rng() % 7];
    RecommendContext& ctx = b.contexts.emplace_back();
    ctx.now_ms = 5000;
    ctx.count = count;
    ctx.allowed = &mask;
    ctx.context_items = context;
    ctx.history = history;
    ctx.personalized = true;
  }
  return b;
}

// Compares two answers element by element; returns how many items matched.
void ExpectSameAnswer(const std::vector<ScoredItem>& got, const std::vector<ScoredItem>& want,
                      const std::string& where) {
  ASSERT_EQ(got.size(), want.size()) << where;
  for (size_t k = 0; k < got.size(); ++k) {
    EXPECT_EQ(got[k].item, want[k].item) << where << " rank " << k;
    EXPECT_EQ(got[k].score, want[k].score) << where << " rank " << k;  // bit for bit
    EXPECT_EQ(got[k].reason, want[k].reason) << where << " rank " << k;
    EXPECT_EQ(got[k].anchor, want[k].anchor) << where << " rank " << k;
    EXPECT_EQ(got[k].category, want[k].category) << where << " rank " << k;
  }
}

struct Seen {
  int answers = 0, items = 0, fresh = 0, similar = 0, personalized = 0;
  void Add(const std::vector<ScoredItem>& answer) {
    answers += !answer.empty();
    for (const ScoredItem& s : answer) {
      ++items;
      fresh += s.reason == Reason::kNewArrival;
      similar += s.reason == Reason::kSimilarToViewed;
      personalized += s.reason == Reason::kPersonalized;
    }
  }
};

TEST(AlsBatchTest, EqualsRecommendPerContextOnRandomShopsAndBatches) {
  std::mt19937_64 rng(2024);
  Seen seen;
  for (int round = 0; round < 24; ++round) {
    // dim 32: the AVX-512 register tile; 8 and 20: the per-query batch path.
    const int32_t dim = std::vector<int32_t>{32, 8, 20, 16}[round % 4];
    const int32_t n = 40 + static_cast<int32_t>(rng() % 700);
    const double trained_share = std::vector<double>{1.0, 0.85, 0.3}[round % 3];
    const double share = round % 2 == 0 ? 0.0 : 0.3;
    Shop shop = MakeShop(rng, n, dim, trained_share);
    auto rec = AlsRecommender::Create(shop.catalog, shop.trained, shop.options, "r", share);
    ASSERT_TRUE(rec.ok()) << rec.status();
    Batch b = MakeBatch(rng, n, 1 + static_cast<int>(rng() % 150));
    const auto got = (*rec)->RecommendBatch(b.contexts);
    ASSERT_EQ(got.size(), b.contexts.size());
    for (size_t c = 0; c < b.contexts.size(); ++c) {
      const std::string where = "round " + std::to_string(round) + " context " + std::to_string(c);
      ExpectSameAnswer(got[c], (*rec)->Recommend(b.contexts[c]), where);
      seen.Add(got[c]);
      for (const ScoredItem& s : got[c]) EXPECT_TRUE(b.contexts[c].allowed->Test(s.item)) << where;
    }
  }
  // Every path of the answer ran.
  EXPECT_GT(seen.answers, 300);
  EXPECT_GT(seen.fresh, 100);
  EXPECT_GT(seen.similar, 20);
  EXPECT_GT(seen.personalized, 1000);
}

TEST(AlsBatchTest, AnAttachedIndexIsNotUsedByTheBatch) {
  std::mt19937_64 rng(7);
  Shop shop = MakeShop(rng, 3000, 16, 0.9);
  auto plain = AlsRecommender::Create(shop.catalog, shop.trained, shop.options, "p", 0.2);
  auto indexed = AlsRecommender::Create(shop.catalog, shop.trained, shop.options, "a", 0.2);
  ASSERT_TRUE(plain.ok() && indexed.ok());
  AnnOptions ann_options;
  ann_options.exact_below = 0;  // the graph path, approximate
  ann_options.m = 4;            // a sparse graph and a short candidate list,
  ann_options.ef_construction = 8;
  ann_options.ef_search = 4;    // so that the index often misses the exact best
  auto index = AnnIndex::Build((*indexed)->factors(), ann_options);
  ASSERT_TRUE(index.ok()) << index.status();
  (*indexed)->SetAnn(std::shared_ptr<const AnnIndex>(*std::move(index)));
  Batch b = MakeBatch(rng, 3000, 100);
  const auto got = (*indexed)->RecommendBatch(b.contexts);
  ASSERT_EQ(got.size(), b.contexts.size());
  Seen seen;
  int approximate = 0;  // contexts the index answers differently
  for (size_t c = 0; c < got.size(); ++c) {
    const auto exact = (*plain)->Recommend(b.contexts[c]);
    ExpectSameAnswer(got[c], exact, "context " + std::to_string(c));
    seen.Add(got[c]);
    const auto indexed_answer = (*indexed)->Recommend(b.contexts[c]);
    bool same = indexed_answer.size() == exact.size();
    for (size_t k = 0; same && k < exact.size(); ++k) {
      same = indexed_answer[k].item == exact[k].item && indexed_answer[k].score == exact[k].score;
    }
    approximate += !same;
  }
  EXPECT_GT(seen.answers, 30);
  // Otherwise an index used by the batch would go unnoticed.
  EXPECT_GT(approximate, 10);
}

class AlsBatchEdgeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937_64 rng(11);
    shop_ = MakeShop(rng, 200, 16, 0.8);
    auto rec = AlsRecommender::Create(shop_.catalog, shop_.trained, shop_.options, "e", 0.3);
    ASSERT_TRUE(rec.ok()) << rec.status();
    rec_ = *rec;
    ASSERT_GE(shop_.trained.item_ids.size(), 5u);
    for (int t = 0; t < 5; ++t) {
      history_.push_back({shop_.catalog->Find(shop_.trained.item_ids[t]), 2.0f, t});
    }
  }

  RecommendContext Ctx(int count, const ItemMask* allowed, bool with_history) const {
    RecommendContext ctx;
    ctx.count = count;
    ctx.allowed = allowed;
    if (with_history) ctx.history = history_;
    return ctx;
  }

  // `size` copies of one context.
  std::vector<RecommendContext> Copies(const RecommendContext& ctx, int size) const {
    return std::vector<RecommendContext>(size, ctx);
  }

  Shop shop_;
  std::shared_ptr<const AlsRecommender> rec_;
  std::vector<Interaction> history_;
};

TEST_F(AlsBatchEdgeTest, EmptyBatchGivesNoAnswers) {
  EXPECT_TRUE(rec_->RecommendBatch({}).empty());
}

TEST_F(AlsBatchEdgeTest, EdgeContextsGiveEmptyAnswersInPlace) {
  ItemMask all(shop_.catalog->size(), true);
  ItemMask none(shop_.catalog->size());
  const RecommendContext usable = Ctx(5, &all, true);
  ASSERT_EQ(rec_->Recommend(usable).size(), 5u);  // the edges below are what empties
  struct Case {
    const char* name;
    RecommendContext ctx;
  };
  const Case cases[] = {
      {"no history", Ctx(5, &all, false)},
      {"count 0", Ctx(0, &all, true)},
      {"negative count", Ctx(-3, &all, true)},
      {"no mask", Ctx(5, nullptr, true)},
      {"mask allows nothing", Ctx(5, &none, true)},
  };
  for (const Case& c : cases) {
    for (int size : {1, 3, 64, 65, 130}) {
      // The edge context between usable ones, so answers must stay in place.
      std::vector<RecommendContext> batch = Copies(usable, size);
      batch[size / 2] = c.ctx;
      const auto got = rec_->RecommendBatch(batch);
      ASSERT_EQ(got.size(), batch.size()) << c.name;
      for (int k = 0; k < size; ++k) {
        EXPECT_EQ(got[k].size(), k == size / 2 ? 0u : 5u) << c.name << " size " << size;
      }
      // All contexts the edge one.
      const auto edges = rec_->RecommendBatch(Copies(c.ctx, size));
      ASSERT_EQ(edges.size(), static_cast<size_t>(size)) << c.name;
      for (const auto& answer : edges) EXPECT_TRUE(answer.empty()) << c.name;
    }
  }
}

}  // namespace
}  // namespace persona::model
