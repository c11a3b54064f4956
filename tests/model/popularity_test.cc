#include "model/popularity.h"

#include <string>
#include <vector>

#include "common/decay.h"
#include "gtest/gtest.h"

namespace persona::model {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;
constexpr double kDay = 86'400'000.0;

class PopularityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<ItemInfo> items;
    for (int i = 0; i < 10; ++i) {
      items.push_back({"i" + std::to_string(i), {i < 5 ? "Home" : "Garden"}, "", 1.0 + i,
                       Availability::kInStock, 1000 + i});
    }
    catalog_ = CatalogIndex::Build(std::move(items), {});
    scores_.resize(10);
  }

  // Adds `weight` for item i at time t to popularity, trending and a country.
  void Add(int i, double weight, int64_t t, const std::string& country = "") {
    auto& s = scores_[i];
    s.popularity_log2 = DecayedAdd(s.popularity_log2, weight, t, options_.popularity_half_life_ms);
    s.trending_log2 = DecayedAdd(s.trending_log2, weight, t, options_.trending_half_life_ms);
    if (!country.empty()) {
      bool found = false;
      for (auto& [c, l] : s.by_country) {
        if (c == country) {
          l = DecayedAdd(l, weight, t, options_.popularity_half_life_ms);
          found = true;
        }
      }
      if (!found) {
        s.by_country.push_back({country, DecayedAdd(kEmptyDecayedLog, weight, t,
                                                     options_.popularity_half_life_ms)});
      }
    }
  }

  std::vector<std::string> Ids(const std::vector<ScoredItem>& items) {
    std::vector<std::string> ids;
    for (const auto& s : items) ids.push_back(catalog_->item(s.item).id);
    return ids;
  }

  std::shared_ptr<const CatalogIndex> catalog_;
  std::vector<ItemPopularity> scores_;
  PopularityOptions options_;
};

TEST_F(PopularityTest, RanksByDecayedScoreNotRawCount) {
  // i1: 10 purchases 60 days ago; i2: 3 purchases today. With a 14-day
  // half-life, 10 * 2^(-60/14) ~ 0.5 < 3, so i2 ranks first.
  Add(1, 10.0, kNow - 60 * kDay);
  Add(2, 3.0, kNow);
  Add(3, 1.0, kNow);
  auto model = PopularityModel::Build(catalog_, scores_, options_);
  ItemMask all(10, true);
  PopularityRecommender rec(model);
  auto got = rec.Recommend({.now_ms = kNow, .count = 3, .allowed = &all});
  EXPECT_EQ(Ids(got), (std::vector<std::string>{"i2", "i3", "i1"}));
  EXPECT_GT(got[0].score, got[1].score);
  EXPECT_EQ(got[0].reason, Reason::kPopular);
}

TEST_F(PopularityTest, UnscoredItemsFillNewestFirst) {
  Add(0, 1.0, kNow);
  auto model = PopularityModel::Build(catalog_, scores_, options_);
  ItemMask all(10, true);
  auto got = PopularityRecommender(model).Recommend({.now_ms = kNow, .count = 3, .allowed = &all});
  EXPECT_EQ(Ids(got), (std::vector<std::string>{"i0", "i9", "i8"}));
}

TEST_F(PopularityTest, NeverReturnsDisallowedItemsAndFillsCount) {
  for (int i = 0; i < 10; ++i) Add(i, 10.0 - i, kNow);
  auto model = PopularityModel::Build(catalog_, scores_, options_);
  ItemMask allowed(10, true);
  allowed.Reset(0);
  allowed.Reset(2);
  auto got = PopularityRecommender(model).Recommend({.now_ms = kNow, .count = 5, .allowed = &allowed});
  EXPECT_EQ(Ids(got), (std::vector<std::string>{"i1", "i3", "i4", "i5", "i6"}));
  // Fewer allowed than asked: return all of them, no repeats.
  ItemMask two(10);
  two.Set(7);
  two.Set(9);
  got = PopularityRecommender(model).Recommend({.now_ms = kNow, .count = 5, .allowed = &two});
  EXPECT_EQ(Ids(got), (std::vector<std::string>{"i7", "i9"}));
}

TEST_F(PopularityTest, CountryAndCategoryPersonalisation) {
  for (int i = 0; i < 10; ++i) Add(i, 10.0 - i, kNow);  // i0 best overall
  Add(8, 1.0, kNow, "Germany");
  Add(9, 2.0, kNow, "Germany");
  auto model = PopularityModel::Build(catalog_, scores_, options_);
  const int32_t de = model->CountryId("Germany");
  ASSERT_GE(de, 0);
  EXPECT_EQ(model->CountryId("France"), -1);
  ItemMask all(10, true);
  const int32_t garden[] = {catalog_->CategoryId("Garden")};
  RecommendContext ctx{.now_ms = kNow, .count = 6, .allowed = &all, .country = de,
                       .preferred_categories = garden, .personalized = true};
  auto got = PopularityRecommender(model).Recommend(ctx);
  ASSERT_EQ(got.size(), 6u);
  // Half from Germany's best sellers, then Garden's, then overall.
  EXPECT_EQ(Ids(got), (std::vector<std::string>{"i9", "i8", "i5", "i6", "i0", "i1"}));
  EXPECT_EQ(got[0].reason, Reason::kPopularInCountry);
  EXPECT_EQ(got[2].reason, Reason::kPopularInCategory);
  EXPECT_EQ(got[4].reason, Reason::kPopular);
  // Without personalisation the country and categories are ignored.
  ctx.personalized = false;
  EXPECT_EQ(Ids(PopularityRecommender(model).Recommend(ctx)),
            (std::vector<std::string>{"i0", "i1", "i2", "i3", "i4", "i5"}));
}

TEST_F(PopularityTest, TrendingFavoursRecentBursts) {
  // i4: steady seller a month ago; i6: a burst yesterday.
  for (int d = 20; d < 40; ++d) Add(4, 2.0, kNow - d * static_cast<int64_t>(kDay));
  Add(6, 5.0, kNow - static_cast<int64_t>(kDay));
  auto model = PopularityModel::Build(catalog_, scores_, options_);
  ItemMask all(10, true);
  auto pop = PopularityRecommender(model).Recommend({.now_ms = kNow, .count = 1, .allowed = &all});
  auto trend = TrendingRecommender(model).Recommend({.now_ms = kNow, .count = 1, .allowed = &all});
  EXPECT_EQ(Ids(pop), (std::vector<std::string>{"i4"}));
  EXPECT_EQ(Ids(trend), (std::vector<std::string>{"i6"}));
  EXPECT_EQ(trend[0].reason, Reason::kTrending);
}

}  // namespace
}  // namespace persona::model
