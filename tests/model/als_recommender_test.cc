#include "model/als_recommender.h"

#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/model/planted_data.h"

namespace persona::model {
namespace {

constexpr int kGroups = 2;

// A catalog whose items i0..i59 fall into two categories by i % 2 (as the
// planted clusters do), plus two items the model never saw.
class AlsRecommenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = testing::MakePlantedData(200, 60, kGroups, 0.3, 7);
    auto matrix = InteractionMatrix::Build(data_.num_users, data_.num_items, data_.train);
    ASSERT_TRUE(matrix.ok());
    options_.factors = 8;
    options_.regularization = 1.0f;
    options_.iterations = 10;
    auto model = TrainAls(*matrix, options_);
    ASSERT_TRUE(model.ok());
    trained_.dim = model->factors;
    trained_.factors = model->item_factors;
    std::vector<ItemInfo> infos;
    for (int i = 0; i < data_.num_items; ++i) {
      trained_.item_ids.push_back(Id(i));
      infos.push_back({Id(i), {Cat(i)}, i < 10 ? "Acme" : "", 1.0, Availability::kInStock, 0});
    }
    infos.push_back({"new-even", {"Even"}, "", 1.0, Availability::kInStock, 0});
    infos.push_back({"new-orphan", {"Elsewhere"}, "", 1.0, Availability::kInStock, 0});
    infos.push_back({"new-branded", {"Nowhere"}, "Acme", 1.0, Availability::kInStock, 0});
    catalog_ = CatalogIndex::Build(infos, {});
    auto rec = AlsRecommender::Create(catalog_, trained_, options_, "test-1");
    ASSERT_TRUE(rec.ok()) << rec.status();
    rec_ = *rec;
  }

  static std::string Id(int i) { return "i" + std::to_string(i); }
  static std::string Cat(int i) { return i % 2 == 0 ? "Even" : "Odd"; }

  testing::PlantedData data_;
  AlsOptions options_;
  TrainedItems trained_;
  std::shared_ptr<const CatalogIndex> catalog_;
  std::shared_ptr<const AlsRecommender> rec_;
};

TEST_F(AlsRecommenderTest, FoldsInHistoryAndStaysInTheVisitorsCluster) {
  std::vector<Interaction> history;
  for (int i : {0, 2, 4, 6, 8, 10, 12, 14}) history.push_back({catalog_->Find(Id(i)), 1.0f, 0});
  ItemMask allowed(catalog_->size(), true);
  for (const auto& h : history) allowed.Reset(h.item);
  RecommendContext ctx{.count = 10, .allowed = &allowed, .history = history, .personalized = true};
  auto got = rec_->Recommend(ctx);
  ASSERT_EQ(got.size(), 10u);
  int even = 0;
  for (const auto& s : got) {
    EXPECT_TRUE(allowed.Test(s.item));
    even += catalog_->item(s.item).category_path[0] == "Even";
    if (s.reason == Reason::kPersonalized) {
      ASSERT_GE(s.anchor, 0);
      EXPECT_EQ(catalog_->item(s.anchor).category_path[0], "Even");
    }
  }
  EXPECT_GE(even, 9);
}

// Viewed items stay recommendable (nothing excludes them here), but an item
// recommended again is never explained by itself.
TEST_F(AlsRecommenderTest, AnItemIsNeverItsOwnAnchor) {
  std::vector<Interaction> history;
  for (int i : {0, 2, 4}) history.push_back({catalog_->Find(Id(i)), 1.0f, 0});
  ItemMask allowed(catalog_->size(), true);
  RecommendContext ctx{.count = 20, .allowed = &allowed, .history = history, .personalized = true};
  int viewed_again = 0;
  for (const auto& s : rec_->Recommend(ctx)) {
    EXPECT_NE(s.anchor, s.item) << catalog_->item(s.item).id;
    viewed_again += s.item == history[0].item || s.item == history[1].item ||
                    s.item == history[2].item;
  }
  EXPECT_GT(viewed_again, 0);  // the case the rule is for did occur
}

TEST_F(AlsRecommenderTest, ContextItemsAloneGiveSimilarItems) {
  const int32_t context[] = {catalog_->Find(Id(1))};
  ItemMask allowed(catalog_->size(), true);
  allowed.Reset(context[0]);
  RecommendContext ctx{.count = 5, .allowed = &allowed, .context_items = context};
  auto got = rec_->Recommend(ctx);
  ASSERT_EQ(got.size(), 5u);
  for (const auto& s : got) {
    EXPECT_NE(s.item, context[0]);
    if (s.reason != Reason::kNewArrival) {
      EXPECT_EQ(s.reason, Reason::kSimilarToViewed);
      EXPECT_EQ(s.anchor, context[0]);
    }
  }
}

TEST_F(AlsRecommenderTest, NewItemsBorrowTheirCategorysFactors) {
  EXPECT_EQ(rec_->trained_items(), 60);
  // new-even by its category, new-branded by its brand; new-orphan has neither.
  EXPECT_EQ(rec_->imputed_items(), 2);
  // Only the new items allowed: the one with imputed factors can be chosen.
  ItemMask allowed(catalog_->size());
  allowed.Set(catalog_->Find("new-even"));
  allowed.Set(catalog_->Find("new-orphan"));
  std::vector<Interaction> history = {{catalog_->Find(Id(2)), 1.0f, 0}};
  RecommendContext ctx{.count = 5, .allowed = &allowed, .history = history};
  auto got = rec_->Recommend(ctx);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(catalog_->item(got[0].item).id, "new-even");
  EXPECT_EQ(got[0].reason, Reason::kNewArrival);
  EXPECT_EQ(catalog_->CategoryName(got[0].category), "Even");
}

TEST_F(AlsRecommenderTest, ExplorationShareReservesSlotsForNewItems) {
  std::vector<Interaction> history;
  for (int i : {1, 3, 5, 7, 9, 11}) history.push_back({catalog_->Find(Id(i)), 1.0f, 0});
  ItemMask allowed(catalog_->size(), true);
  for (const auto& h : history) allowed.Reset(h.item);
  RecommendContext ctx{.count = 5, .allowed = &allowed, .history = history};
  auto count_new = [&](const std::vector<ScoredItem>& got) {
    int n = 0;
    for (const auto& s : got) n += s.reason == Reason::kNewArrival;
    return n;
  };
  auto plain = rec_->Recommend(ctx);
  ASSERT_EQ(plain.size(), 5u);
  auto exploring = AlsRecommender::Create(catalog_, trained_, options_, "x", 0.4);
  ASSERT_TRUE(exploring.ok());
  auto got = (*exploring)->Recommend(ctx);
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(count_new(got), std::max(2, count_new(plain)));
  // The established items kept are the plain answer's best ones, in order.
  EXPECT_EQ(got[0].item, plain[0].item);
  for (const auto& s : got) EXPECT_TRUE(allowed.Test(s.item));
}

TEST_F(AlsRecommenderTest, ExplorationWithManyNewItemsScoresOnceAndAgrees) {
  // Only a third of the items were trained: most of the catalog is new, so
  // the exploration pick selects from one scoring pass.
  TrainedItems partial;
  partial.dim = trained_.dim;
  for (int i = 0; i < 20; ++i) {
    partial.item_ids.push_back(trained_.item_ids[i]);
    partial.factors.insert(partial.factors.end(), trained_.factors.begin() + i * partial.dim,
                           trained_.factors.begin() + (i + 1) * partial.dim);
  }
  auto plain = AlsRecommender::Create(catalog_, partial, options_, "p", 0.0);
  auto exploring = AlsRecommender::Create(catalog_, partial, options_, "e", 0.4);
  ASSERT_TRUE(plain.ok() && exploring.ok());
  ASSERT_GT((*exploring)->imputed_items() * 8, catalog_->size());
  std::vector<Interaction> history = {{catalog_->Find(Id(0)), 1.0f, 0}, {catalog_->Find(Id(2)), 1.0f, 0}};
  ItemMask allowed(catalog_->size(), true);
  for (const auto& h : history) allowed.Reset(h.item);
  RecommendContext ctx{.count = 5, .allowed = &allowed, .history = history};
  auto base = (*plain)->Recommend(ctx);
  auto got = (*exploring)->Recommend(ctx);
  ASSERT_EQ(got.size(), 5u);
  std::set<int32_t> seen;
  int fresh = 0;
  for (const auto& s : got) {
    EXPECT_TRUE(allowed.Test(s.item));
    EXPECT_TRUE(seen.insert(s.item).second) << "repeated item";
    fresh += s.reason == Reason::kNewArrival;
  }
  EXPECT_GE(fresh, 2);
  // Without exploration the first item is the same best one.
  ASSERT_FALSE(base.empty());
  EXPECT_EQ(got[0].item, base[0].item);
}

TEST_F(AlsRecommenderTest, AnAttachedApproximateIndexAnswersTheSame) {
  std::vector<Interaction> history = {{catalog_->Find(Id(4)), 1.0f, 0}, {catalog_->Find(Id(8)), 3.0f, 0}};
  ItemMask allowed(catalog_->size(), true);
  for (const auto& h : history) allowed.Reset(h.item);
  RecommendContext ctx{.count = 8, .allowed = &allowed, .history = history};
  auto exact = rec_->Recommend(ctx);
  auto fresh = AlsRecommender::Create(catalog_, trained_, options_, "ann");
  ASSERT_TRUE(fresh.ok());
  model::AnnOptions ann_options;
  ann_options.exact_below = 0;  // force the graph path even on this small catalog
  auto index = AnnIndex::Build((*fresh)->factors(), ann_options);
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_FALSE((*fresh)->has_ann());
  (*fresh)->SetAnn(std::shared_ptr<const AnnIndex>(*std::move(index)));
  EXPECT_TRUE((*fresh)->has_ann());
  auto approx = (*fresh)->Recommend(ctx);
  ASSERT_EQ(approx.size(), exact.size());
  int same = 0;
  for (size_t k = 0; k < exact.size(); ++k) {
    EXPECT_TRUE(allowed.Test(approx[k].item));
    for (const auto& e : exact) same += e.item == approx[k].item;
  }
  EXPECT_GE(same, static_cast<int>(exact.size()) - 1);  // recall on a tiny graph
}

TEST_F(AlsRecommenderTest, NoUsableHistoryReturnsNothing) {
  ItemMask allowed(catalog_->size(), true);
  RecommendContext ctx{.count = 5, .allowed = &allowed};
  EXPECT_TRUE(rec_->Recommend(ctx).empty());
  // Interactions only with untrained items are not usable either.
  std::vector<Interaction> history = {{catalog_->Find("new-orphan"), 1.0f, 0}};
  ctx.history = history;
  EXPECT_TRUE(rec_->Recommend(ctx).empty());
}

TEST_F(AlsRecommenderTest, RejectsMismatchedFactors) {
  TrainedItems bad = trained_;
  bad.factors.pop_back();
  EXPECT_FALSE(AlsRecommender::Create(catalog_, bad, options_, "bad").ok());
}

}  // namespace
}  // namespace persona::model
