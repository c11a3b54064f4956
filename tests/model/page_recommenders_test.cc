#include "model/page_recommenders.h"

#include <string>
#include <vector>

#include "common/decay.h"
#include "gtest/gtest.h"
#include "model/blend.h"

namespace persona::model {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;
constexpr int64_t kDayMs = 86'400'000;

// Ten items: i0..i4 in Home/Lamps, i5..i9 in Garden; i3 and i8 repeat-purchase
// categories are not used; "Home/Lamps" is repeat-purchase for BuyAgain tests.
class PageRecommendersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<ItemInfo> items;
    for (int i = 0; i < 10; ++i) {
      ItemInfo info;
      info.id = "i" + std::to_string(i);
      info.category_path = i < 5 ? std::vector<std::string>{"Home", "Lamps"}
                                 : std::vector<std::string>{"Garden"};
      info.price = 1.0 + i;
      info.created_time_ms = kNow - (10 - i) * kDayMs;  // i9 newest (1 day old)
      items.push_back(info);
    }
    const std::vector<std::string> repeat = {"Home/Lamps"};
    catalog_ = CatalogIndex::Build(std::move(items), repeat);
    std::vector<ItemPopularity> scores(10);
    // Popularity descending with the index: i0 best.
    for (int i = 0; i < 10; ++i) {
      scores[i].popularity_log2 = DecayedAdd(kEmptyDecayedLog, 10.0 - i, kNow, 14 * kDayMs);
      scores[i].trending_log2 = scores[i].popularity_log2;
    }
    scores[7].by_country.push_back({"DE", DecayedAdd(kEmptyDecayedLog, 5, kNow, 14 * kDayMs)});
    scores[2].by_country.push_back({"DE", DecayedAdd(kEmptyDecayedLog, 1, kNow, 14 * kDayMs)});
    popularity_ = PopularityModel::Build(catalog_, scores, PopularityOptions{});
    allowed_ = ItemMask(10, true);
  }

  RecommendContext Ctx(int count) {
    RecommendContext ctx;
    ctx.now_ms = kNow;
    ctx.count = count;
    ctx.allowed = &allowed_;
    ctx.personalized = true;
    return ctx;
  }

  std::vector<std::string> Ids(const std::vector<ScoredItem>& items) {
    std::vector<std::string> ids;
    for (const auto& s : items) ids.push_back(catalog_->item(s.item).id);
    return ids;
  }

  std::shared_ptr<const CatalogIndex> catalog_;
  std::shared_ptr<const PopularityModel> popularity_;
  ItemMask allowed_;
};

TEST_F(PageRecommendersTest, RecentlyViewedIsNewestFirstWithoutPurchasesOrRepeats) {
  std::vector<Interaction> history = {{1, 1, 100, InteractionKind::kView},
                                      {2, 5, 200, InteractionKind::kPurchase},
                                      {3, 3, 300, InteractionKind::kCart},
                                      {1, 1, 400, InteractionKind::kView},
                                      {4, 1, 500, InteractionKind::kView}};
  allowed_.Reset(4);
  RecommendContext ctx = Ctx(5);
  ctx.history = history;
  RecentlyViewedRecommender r;
  EXPECT_EQ(Ids(r.Recommend(ctx)), (std::vector<std::string>{"i1", "i3"}));
  ctx.personalized = false;
  EXPECT_TRUE(r.Recommend(ctx).empty());
}

TEST_F(PageRecommendersTest, BuyAgainOnlyRepeatPurchaseCategories) {
  std::vector<Interaction> history = {{1, 5, 100, InteractionKind::kPurchase},
                                      {6, 5, 200, InteractionKind::kPurchase},
                                      {2, 1, 300, InteractionKind::kView},
                                      {3, 5, 400, InteractionKind::kPurchase}};
  RecommendContext ctx = Ctx(5);
  ctx.history = history;
  BuyAgainRecommender r(catalog_);
  const auto got = r.Recommend(ctx);
  EXPECT_EQ(Ids(got), (std::vector<std::string>{"i3", "i1"}));
  EXPECT_EQ(got[0].reason, Reason::kBuyAgain);
}

TEST_F(PageRecommendersTest, NewArrivalsPreferredCategoryFirstThenNewest) {
  NewArrivalsRecommender r(catalog_, 4 * kDayMs);  // i6..i9 are within 4 days
  RecommendContext ctx = Ctx(3);
  EXPECT_EQ(Ids(r.Recommend(ctx)), (std::vector<std::string>{"i9", "i8", "i7"}));
  // Preferring Home/Lamps: none of the window's items is there, order unchanged.
  const int32_t lamps = catalog_->CategoryId("Home/Lamps");
  std::vector<int32_t> preferred = {lamps};
  ctx.preferred_categories = preferred;
  EXPECT_EQ(Ids(r.Recommend(ctx)), (std::vector<std::string>{"i9", "i8", "i7"}));
  NewArrivalsRecommender wide(catalog_, 7 * kDayMs);  // i3..i9
  EXPECT_EQ(Ids(wide.Recommend(ctx)), (std::vector<std::string>{"i4", "i3", "i9"}));
  EXPECT_EQ(wide.Recommend(ctx)[0].category, lamps);
}

TEST_F(PageRecommendersTest, CountryPopularityOnlyForKnownCountry) {
  CountryPopularityRecommender r(popularity_);
  RecommendContext ctx = Ctx(5);
  EXPECT_TRUE(r.Recommend(ctx).empty());
  ctx.country = popularity_->CountryId("DE");
  ASSERT_GE(ctx.country, 0);
  const auto got = r.Recommend(ctx);
  EXPECT_EQ(Ids(got), (std::vector<std::string>{"i7", "i2"}));
  EXPECT_EQ(got[0].reason, Reason::kPopularInCountry);
}

TEST_F(PageRecommendersTest, CategoryPopularityFollowsThePageItem) {
  CategoryPopularityRecommender r(popularity_);
  RecommendContext ctx = Ctx(3);
  std::vector<int32_t> context = {6};
  ctx.context_items = context;
  allowed_.Reset(6);
  EXPECT_EQ(Ids(r.Recommend(ctx)), (std::vector<std::string>{"i5", "i7", "i8"}));
}

TEST_F(PageRecommendersTest, SimilarItemsByCosineWithAnchor) {
  // 2-d factors: i0..i4 point along x, i5..i9 along y; i1 is the closest to i0.
  std::vector<float> f(10 * 2);
  for (int i = 0; i < 10; ++i) {
    const float off = 0.1f * static_cast<float>(i % 5);
    f[2 * i] = i < 5 ? 1.0f : off;
    f[2 * i + 1] = i < 5 ? off : 1.0f;
  }
  f[2 * 1 + 1] = 0.01f;  // i1 nearly parallel to i0
  SimilarItemsRecommender r(FactorView{f.data(), 10, 2});
  RecommendContext ctx = Ctx(3);
  std::vector<int32_t> context = {0};
  ctx.context_items = context;
  const auto got = r.Recommend(ctx);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(catalog_->item(got[0].item).id, "i1");
  for (const auto& s : got) {
    EXPECT_LT(s.item, 5) << "a Garden item is not similar to a lamp";
    EXPECT_EQ(s.anchor, 0);
    EXPECT_NE(s.item, 0) << "the seed itself is never similar to itself";
  }
}

TEST(BlendTest, ReciprocalRankFusionWithWeights) {
  const std::vector<ScoredItem> a = {{1, 9, Reason::kPersonalized}, {2, 8, Reason::kPersonalized}};
  const std::vector<ScoredItem> b = {{2, 0.5, Reason::kBoughtTogether, 7},
                                     {3, 0.4, Reason::kBoughtTogether}};
  const std::vector<RankedList> lists = {{a, 1.0}, {b, 1.0}};
  const auto blended = Blend(lists, {.k = 1});
  ASSERT_EQ(blended.size(), 3u);
  // Item 2: 1/(1+2) + 1/(1+1) = 0.833 beats item 1 (0.5) and item 3 (1/3).
  EXPECT_EQ(blended[0].item.item, 2);
  EXPECT_NEAR(blended[0].score, 1.0 / 3 + 1.0 / 2, 1e-12);
  // Its reason comes from its strongest contribution (rank 1 in list b).
  EXPECT_EQ(blended[0].item.reason, Reason::kBoughtTogether);
  EXPECT_EQ(blended[0].item.anchor, 7);
  EXPECT_EQ(blended[0].source, 1);
  EXPECT_EQ(blended[1].item.item, 1);
  EXPECT_EQ(blended[2].item.item, 3);
  // Weighting list a 3x makes its first item win.
  const std::vector<RankedList> weighted = {{a, 3.0}, {b, 1.0}};
  EXPECT_EQ(Blend(weighted, {.k = 1})[0].item.item, 1);
  // A zero-weight list contributes nothing.
  const std::vector<RankedList> muted = {{a, 0.0}, {b, 1.0}};
  EXPECT_EQ(Blend(muted).size(), 2u);
}

}  // namespace
}  // namespace persona::model
