#include "server/rules_stage.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/catalog_index.h"
#include "model/popularity.h"

namespace persona::server {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kNow = 200 * kDay;

// Six items; "coffee" is in a repeat-purchase category. Best sellers:
// gift, coffee, then the rest.
ShopSnapshot Snapshot(std::vector<model::ItemInfo> items = {}) {
  if (items.empty()) {
    items = {
        {"lamp", {"Home", "Lighting"}, "Acme", 20, model::Availability::kInStock, 190 * kDay},
        {"candle", {"Home", "Lighting"}, "Glow", 5, model::Availability::kInStock, 100 * kDay},
        {"mug", {"Kitchen"}, "Acme", 8, model::Availability::kInStock, 150 * kDay},
        {"coffee", {"Kitchen", "Coffee"}, "Bean", 12, model::Availability::kInStock, 50 * kDay},
        {"gift", {"Gifts"}, "Acme", 25, model::Availability::kInStock, 10 * kDay, -1, {"promo"}},
        {"vase", {"Home"}, "Glow", 30, model::Availability::kInStock, 199 * kDay},
    };
  }
  const std::vector<std::string> repeat = {"Kitchen/Coffee"};
  ShopSnapshot snap;
  snap.catalog = model::CatalogIndex::Build(std::move(items), repeat);
  std::vector<model::ItemPopularity> scores(snap.catalog->size());
  if (snap.catalog->size() >= 5) {
    scores[4].popularity_log2 = 10;
    scores[3].popularity_log2 = 9;
  }
  snap.popularity = model::PopularityModel::Build(snap.catalog, scores, {});
  return snap;
}

std::vector<std::string> Ids(const ShopSnapshot& snap, const model::ItemMask& m) {
  std::vector<std::string> ids;
  m.ForEach([&](int32_t i) { ids.push_back(snap.catalog->item(i).id); });
  return ids;
}

std::vector<std::string> Ids(const ShopSnapshot& snap, const std::vector<Pick>& picks) {
  std::vector<std::string> ids;
  for (const Pick& p : picks) ids.push_back(snap.catalog->item(p.item.item).id);
  return ids;
}

// Allowed items after the stage's restrictions.
std::vector<std::string> Restricted(const ShopSnapshot& snap, const std::string& config,
                                    const std::string& request, const Visitor& visitor = {},
                                    int64_t now_ms = kNow) {
  absl::StatusOr<RulesStage> stage = RulesStage::Make(config, request, snap, visitor, now_ms);
  EXPECT_TRUE(stage.ok()) << stage.status();
  if (!stage.ok()) return {};
  model::ItemMask allowed(snap.catalog->size(), true);
  stage->Restrict(allowed);
  return Ids(snap, allowed);
}

// Candidates as the pipeline blends them: lamp, candle, mug, vase.
std::vector<Pick> Candidates() {
  return {{{0, 0.9, model::Reason::kPersonalized}, 0.9, "als"},
          {{1, 0.8, model::Reason::kPersonalized}, 0.8, "als"},
          {{2, 0.7, model::Reason::kPopular}, 0.7, "popularity"},
          {{5, 0.6, model::Reason::kPopular}, 0.6, "popularity"}};
}

TEST(CheckRulesTest, UsesTheRealParser) {
  EXPECT_TRUE(CheckRules("filter in_stock\nmax per brand 2").ok());
  EXPECT_TRUE(CheckRules("").ok());
  const absl::Status bad = CheckRules("filter in_stock\nboost 1.5 iff tag = \"x\"");
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.message(), HasSubstr("rule 2 (\"boost 1.5 iff tag = \"x\"\"): expected 'if'"));
}

TEST(RulesStageTest, BadRequestRuleIsInvalidArgumentNamingIt) {
  const ShopSnapshot snap = Snapshot();
  absl::StatusOr<RulesStage> stage =
      RulesStage::Make("filter in_stock", "max per colour 2", snap, Visitor{}, kNow);
  ASSERT_FALSE(stage.ok());
  EXPECT_EQ(stage.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(stage.status().message()), StartsWith("rules: rule 1 (\"max per colour 2\")"));
  EXPECT_THAT(stage.status().message(), HasSubstr("at column 9"));
}

TEST(RulesStageTest, ConfigAndRequestRulesBothRestrict) {
  const ShopSnapshot snap = Snapshot();
  EXPECT_THAT(Restricted(snap, "", ""),
              ElementsAre("lamp", "candle", "mug", "coffee", "gift", "vase"));
  EXPECT_THAT(Restricted(snap, "filter category under \"Home\"", ""),
              ElementsAre("lamp", "candle", "vase"));
  EXPECT_THAT(Restricted(snap, "filter category under \"Home\"", "exclude brand = \"Glow\""),
              ElementsAre("lamp"));
  EXPECT_THAT(Restricted(snap, "", "exclude ids [\"mug\", \"nope\"]; filter price < 20"),
              ElementsAre("candle", "coffee"));
}

TEST(RulesStageTest, VisitorExclusions) {
  const ShopSnapshot snap = Snapshot();
  Visitor v;
  v.cart = {0};
  // mug bought 5 days ago, candle 60 days ago, coffee (repeat purchase) today.
  v.bought = {{2, kNow - 5 * kDay}, {1, kNow - 60 * kDay}, {3, kNow}};
  // gift shown 3 times this week, vase 3 times but two of them long ago.
  v.shown = {{4, {kNow - 3 * kDay, kNow - 2 * kDay, kNow - kDay}},
             {5, {kNow - 40 * kDay, kNow - 30 * kDay, kNow - kDay}}};
  const std::vector<std::string> all = {"lamp", "candle", "mug", "coffee", "gift", "vase"};
  EXPECT_EQ(Restricted(snap, "", "", v), all);
  EXPECT_THAT(Restricted(snap, "exclude cart", "", v),
              ElementsAre("candle", "mug", "coffee", "gift", "vase"));
  EXPECT_THAT(Restricted(snap, "", "exclude bought within 30d", v),
              ElementsAre("lamp", "candle", "coffee", "gift", "vase"));
  EXPECT_THAT(Restricted(snap, "", "exclude bought", v),
              ElementsAre("lamp", "coffee", "gift", "vase"));
  EXPECT_THAT(Restricted(snap, "exclude shown 3 times within 7d", "", v),
              ElementsAre("lamp", "candle", "mug", "coffee", "vase"));
  EXPECT_THAT(Restricted(snap, "exclude shown 2 times within 7d", "", v),
              ElementsAre("lamp", "candle", "mug", "coffee", "vase"));
  EXPECT_THAT(Restricted(snap, "exclude shown 1 times within 7d", "", v),
              ElementsAre("lamp", "candle", "mug", "coffee"));
}

TEST(RulesStageTest, TimeDependentConfigRulesFollowTheRequestTime) {
  const ShopSnapshot snap = Snapshot();
  const std::string config = "filter created within 20d";
  EXPECT_THAT(Restricted(snap, config, "", {}, kNow), ElementsAre("lamp", "vase"));
  // A later request must not see the earlier compilation.
  EXPECT_THAT(Restricted(snap, config, "", {}, kNow + 15 * kDay), ElementsAre("vase"));
}

TEST(RulesStageTest, CachedRequestRulesFollowTheRequestTimeAndTheCatalog) {
  const ShopSnapshot snap = Snapshot();
  const std::string request = "filter created within 20d";
  EXPECT_THAT(Restricted(snap, "", request, {}, kNow), ElementsAre("lamp", "vase"));
  EXPECT_THAT(Restricted(snap, "", request, {}, kNow + 15 * kDay), ElementsAre("vase"));
  EXPECT_THAT(Restricted(snap, "", request, {}, kNow), ElementsAre("lamp", "vase"));
  // Cached per catalog: a different catalog serial compiles afresh.
  const std::string brand = "filter brand = \"Acme\"";
  const std::vector<std::string> before = Restricted(snap, "", brand, {}, kNow);
  EXPECT_EQ(Restricted(Snapshot(), "", brand, {}, kNow), before);
}

TEST(RulesStageTest, CompiledConfigRulesFollowTheCatalog) {
  const std::string config = "filter brand = \"Acme\"";
  const ShopSnapshot first = Snapshot();
  EXPECT_THAT(Restricted(first, config, ""), ElementsAre("lamp", "mug", "gift"));
  const ShopSnapshot second = Snapshot({{"a", {"X"}, "Acme", 1}, {"b", {"X"}, "Other", 1}});
  EXPECT_THAT(Restricted(second, config, ""), ElementsAre("a"));
  EXPECT_THAT(Restricted(first, config, ""), ElementsAre("lamp", "mug", "gift"));
}

TEST(RulesStageTest, ChooseKeepsCandidateFieldsAndMarksRuleItems) {
  const ShopSnapshot snap = Snapshot();
  absl::StatusOr<RulesStage> stage =
      RulesStage::Make("boost 2 if id = \"vase\"", "pin [\"coffee\"]\npromote 25% if tag = \"promo\"",
                       snap, Visitor{}, kNow);
  ASSERT_TRUE(stage.ok()) << stage.status();
  model::ItemMask allowed(snap.catalog->size(), true);
  stage->Restrict(allowed);
  const std::vector<Pick> picks = stage->Choose(Candidates(), 4, allowed);
  // coffee pinned; gift promoted from the best sellers into the first free
  // slot; vase boosted to 1.2 above lamp.
  ASSERT_THAT(Ids(snap, picks), ElementsAre("coffee", "gift", "vase", "lamp"));
  EXPECT_TRUE(picks[0].pinned);
  EXPECT_EQ(picks[0].source, "pin");
  EXPECT_TRUE(picks[1].promoted);
  EXPECT_EQ(picks[1].source, "promotion");
  EXPECT_TRUE(picks[2].boosted);
  EXPECT_DOUBLE_EQ(picks[2].score, 1.2);
  EXPECT_EQ(picks[2].source, "popularity");
  EXPECT_DOUBLE_EQ(picks[2].item.score, 0.6);
  EXPECT_FALSE(picks[3].boosted);
  EXPECT_EQ(picks[3].source, "als");
  EXPECT_EQ(picks[3].item.reason, model::Reason::kPersonalized);
}

TEST(RulesStageTest, PinsMustBeAllowed) {
  const ShopSnapshot snap = Snapshot();
  absl::StatusOr<RulesStage> stage =
      RulesStage::Make("exclude cart", "pin [\"coffee\", \"lamp\"]", snap, Visitor{.cart = {3}},
                       kNow);
  ASSERT_TRUE(stage.ok()) << stage.status();
  model::ItemMask allowed(snap.catalog->size(), true);
  stage->Restrict(allowed);
  EXPECT_THAT(Ids(snap, stage->Choose(Candidates(), 2, allowed)), ElementsAre("lamp", "candle"));
}

TEST(RulesStageTest, FillRelaxesCapsOnlyToReachTheCount) {
  const ShopSnapshot snap = Snapshot();
  absl::StatusOr<RulesStage> stage =
      RulesStage::Make("max per brand 1", "", snap, Visitor{}, kNow);
  ASSERT_TRUE(stage.ok()) << stage.status();
  model::ItemMask allowed(snap.catalog->size(), true);
  // Candidates: lamp (Acme), candle (Glow), mug (Acme), vase (Glow).
  std::vector<Pick> chosen = stage->Choose(Candidates(), 4, allowed);
  EXPECT_THAT(Ids(snap, chosen), ElementsAre("lamp", "candle"));
  const std::vector<Pick> extra = {{{2, 0, model::Reason::kPopular}, -1, "popularity", true},
                                   {{3, 0, model::Reason::kPopular}, -2, "popularity", true},
                                   {{5, 0, model::Reason::kPopular}, -3, "popularity", true}};
  const std::vector<Pick> three = stage->Fill(chosen, extra, 3);
  EXPECT_THAT(Ids(snap, three), ElementsAre("lamp", "candle", "coffee"));
  EXPECT_TRUE(three[2].fallback);
  const std::vector<Pick> five = stage->Fill(chosen, extra, 5);
  EXPECT_THAT(Ids(snap, five), ElementsAre("lamp", "candle", "coffee", "mug", "vase"));
  EXPECT_THAT(Ids(snap, stage->Fill(chosen, extra, 9)),
              ElementsAre("lamp", "candle", "coffee", "mug", "vase"));
}

}  // namespace
}  // namespace persona::server
