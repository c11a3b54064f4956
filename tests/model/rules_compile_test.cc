#include <string>
#include <variant>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/rules/compile.h"
#include "model/rules/parser.h"
#include "model/rules/rank.h"

namespace persona::model::rules {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAreArray;

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kNow = 121 * kDay;

std::shared_ptr<const CatalogIndex> Catalog() {
  std::vector<ItemInfo> items = {
      {"lamp1", {"Home", "Lighting", "Lamps"}, "Acme", 20, Availability::kInStock, 100 * kDay, 5,
       {"eco"}, {{"color", "red"}, {"margin", "0.3"}}},
      {"lamp2", {"Home", "Lighting", "Lamps"}, "Bolt", 45, Availability::kInStock, 10 * kDay, 50,
       {}, {{"color", "blue"}, {"margin", "0.10"}}},
      {"ceil", {"Home", "Lighting"}, "Acme", 120, Availability::kPreorder, 120 * kDay, -1,
       {"eco", "new"}, {{"margin", "n/a"}}},
      {"sofa", {"Home", "Furniture"}, "Couchy", 800, Availability::kOutOfStock, 50 * kDay, 0, {},
       {{"fit type", "loose"}}},
      {"shirt", {"Apparel", "Shirts"}, "Acme", 30, Availability::kDiscontinued, 119 * kDay, 2,
       {"new"}, {{"color", "red"}}},
      {"gift", {"Gifts"}, "", 25, Availability::kInStock, 1 * kDay, 100},
  };
  return CatalogIndex::Build(std::move(items), {});
}

std::vector<std::string> Ids(const CatalogIndex& c, const ItemMask& m) {
  std::vector<std::string> ids;
  m.ForEach([&](int32_t i) { ids.push_back(c.item(i).id); });
  return ids;
}

RuleSet Parse(const std::string& text) {
  absl::StatusOr<RuleSet> rules = ParseRules(text);
  EXPECT_TRUE(rules.ok()) << text << ": " << rules.status();
  return rules.ok() ? *rules : RuleSet();
}

struct ExprCase {
  const char* expr;
  std::vector<std::string> want;
};

TEST(RulesCompileTest, ExpressionsSelectTheMatchingItems) {
  auto c = Catalog();
  const std::vector<ExprCase> cases = {
      {"category under \"Home/Lighting\"", {"lamp1", "lamp2", "ceil"}},
      {"category under [\"Gifts\", \"Apparel\"]", {"shirt", "gift"}},
      {"category under \"Home/Nope\"", {}},
      {"category = \"Home/Lighting\"", {"ceil"}},
      {"brand = \"Acme\"", {"lamp1", "ceil", "shirt"}},
      {"brand in [\"Bolt\", \"Couchy\", \"Nobody\"]", {"lamp2", "sofa"}},
      {"tag = \"eco\"", {"lamp1", "ceil"}},
      {"tag in [\"eco\", \"new\"]", {"lamp1", "ceil", "shirt"}},
      {"id in [\"sofa\", \"gift\", \"missing\"]", {"sofa", "gift"}},
      {"price between 20 and 45", {"lamp1", "lamp2", "shirt", "gift"}},
      {"price < 25", {"lamp1"}},
      {"price <= 25", {"lamp1", "gift"}},
      {"price > 120", {"sofa"}},
      {"price >= 120", {"ceil", "sofa"}},
      {"price = 30", {"shirt"}},
      {"price != 30", {"lamp1", "lamp2", "ceil", "sofa", "gift"}},
      {"stock < 5", {"sofa", "shirt"}},
      // Items that do not track stock match no stock comparison.
      {"not stock >= 5", {"ceil", "sofa", "shirt"}},
      {"created within 2d", {"ceil", "shirt"}},
      {"created before \"1970-01-11\"", {"gift"}},
      {"created after \"1970-04-30\"", {"ceil", "shirt"}},
      {"available", {"lamp1", "lamp2", "ceil", "gift"}},
      {"in_stock", {"lamp1", "lamp2", "gift"}},
      {"availability = preorder", {"ceil"}},
      {"availability != in_stock", {"ceil", "sofa", "shirt"}},
      {"attr.color = \"red\"", {"lamp1", "shirt"}},
      {"attr.margin = 0.1", {"lamp2"}},
      {"attr.margin > 0.2", {"lamp1"}},
      {"attr.margin between 0 and 1", {"lamp1", "lamp2"}},
      {"attr.\"fit type\" exists", {"sofa"}},
      {"attr.nothing exists or attr.nothing = \"x\" or attr.nothing > 1", {}},
      {"brand = \"Acme\" and not tag = \"eco\"", {"shirt"}},
      {"tag = \"eco\" or category under \"Gifts\" and price < 100", {"lamp1", "ceil", "gift"}},
      {"(tag = \"eco\" or category under \"Gifts\") and price < 100", {"lamp1", "gift"}},
  };
  for (const ExprCase& tc : cases) {
    RuleSet rules = Parse(std::string("filter ") + tc.expr);
    ASSERT_EQ(rules.statements().size(), 1u) << tc.expr;
    const Expr& e = std::get<FilterStmt>(rules.statements()[0]).expr;
    EXPECT_THAT(Ids(*c, CompileExpr(e, *c, kNow)), UnorderedElementsAreArray(tc.want)) << tc.expr;
  }
}

TEST(RulesCompileTest, FiltersAndExclusionsRestrict) {
  auto c = Catalog();
  CompiledRules none = Compile(Parse("boost 2 if tag = \"eco\""), *c, kNow);
  EXPECT_FALSE(none.restricts);
  CompiledRules r = Compile(
      Parse("filter available\nfilter price < 100\nexclude tag = \"eco\"\nexclude ids [\"gift\"]"),
      *c, kNow);
  ASSERT_TRUE(r.restricts);
  EXPECT_THAT(Ids(*c, r.allowed), ElementsAre("lamp2"));
  EXPECT_FALSE(r.uses_request_time);
  EXPECT_TRUE(Compile(Parse("exclude created within 3d"), *c, kNow).uses_request_time);
}

TEST(RulesCompileTest, CollectsRankingStatements) {
  auto c = Catalog();
  CompiledRules r = Compile(
      Parse("pin [\"sofa\", \"nope\", \"lamp1\", \"sofa\"]\nmax per brand 3\nmax per brand 2\n"
            "max per category2 4\nmax per category 1\nmax per category2 5\ndiversity 0.2\n"
            "diversity 0.4\nexclude cart\nexclude bought within 30d\nexclude bought within 7d\n"
            "exclude shown 2 times within 1d\npromote 10% if tag = \"new\""),
      *c, kNow);
  EXPECT_THAT(r.pins, ElementsAre(3, 0));
  EXPECT_EQ(r.max_per_brand, 2);
  ASSERT_EQ(r.category_caps.size(), 2u);
  EXPECT_EQ(r.category_caps[0].depth, 2);
  EXPECT_EQ(r.category_caps[0].max, 4);
  EXPECT_EQ(r.category_caps[1].depth, 1);
  EXPECT_EQ(r.diversity, 0.4);
  EXPECT_TRUE(r.exclude_cart);
  EXPECT_EQ(r.exclude_bought_within_ms, 30 * kDay);
  ASSERT_EQ(r.exclude_shown.size(), 1u);
  EXPECT_EQ(r.exclude_shown[0].times, 2);
  ASSERT_EQ(r.promotions.size(), 1u);
  EXPECT_THAT(Ids(*c, r.promotions[0].items), ElementsAre("ceil", "shirt"));
  EXPECT_TRUE(r.ranks());
  EXPECT_EQ(Compile(Parse("exclude bought within 7d\nexclude bought"), *c, kNow)
                .exclude_bought_within_ms,
            0);
}

TEST(RulesCompileTest, MergeAppliesBothAndTheStricterCap) {
  auto c = Catalog();
  CompiledRules config = Compile(
      Parse("filter available\nmax per brand 3\ndiversity 0.5\npin [\"lamp1\"]\nexclude cart"),
      *c, kNow);
  CompiledRules request = Compile(
      Parse("exclude tag = \"eco\"\nmax per brand 1\nmax per category 2\ndiversity 0\n"
            "pin [\"gift\", \"lamp1\"]\nexclude bought"),
      *c, kNow);
  CompiledRules m = MergeCompiled(config, request);
  EXPECT_THAT(Ids(*c, m.allowed), ElementsAre("lamp2", "gift"));
  EXPECT_EQ(m.max_per_brand, 1);
  ASSERT_EQ(m.category_caps.size(), 1u);
  EXPECT_EQ(m.diversity, 0.0);
  EXPECT_THAT(m.pins, ElementsAre(0, 5));
  EXPECT_TRUE(m.exclude_cart);
  EXPECT_EQ(m.exclude_bought_within_ms, 0);
  // The request's absent diversity leaves the config's.
  EXPECT_EQ(MergeCompiled(config, Compile(RuleSet(), *c, kNow)).diversity, 0.5);
  // The stricter config cap survives a looser request cap.
  EXPECT_EQ(MergeCompiled(request, config).max_per_brand, 1);
}

TEST(RulesCompileTest, MultipliersCombineBoostsBuriesAndFields) {
  auto c = Catalog();
  CompiledRules r = Compile(
      Parse("boost 2 if tag = \"eco\"\nbury 0.5 if brand = \"Acme\"\nboost by price weight 1"),
      *c, kNow);
  bool boosted = false;
  // lamp1: eco, Acme, cheapest price (weight term 0).
  EXPECT_DOUBLE_EQ(ScoreMultiplier(r, *c, 0, &boosted), 1.0);
  EXPECT_TRUE(boosted);
  // sofa: most expensive, price term 1 + 1.
  EXPECT_DOUBLE_EQ(ScoreMultiplier(r, *c, 3, &boosted), 2.0);
  // gift: 1 + (25 - 20) / (800 - 20).
  EXPECT_DOUBLE_EQ(ScoreMultiplier(r, *c, 5, &boosted), 1 + 5.0 / 780);
  CompiledRules margin = Compile(Parse("boost by attr.margin weight -0.5"), *c, kNow);
  EXPECT_DOUBLE_EQ(ScoreMultiplier(margin, *c, 0, &boosted), 0.5);
  EXPECT_DOUBLE_EQ(ScoreMultiplier(margin, *c, 1, &boosted), 1.0);
  EXPECT_FALSE(boosted);
  // "n/a" is not a number: unchanged.
  EXPECT_DOUBLE_EQ(ScoreMultiplier(margin, *c, 2, &boosted), 1.0);
  EXPECT_LT(ApplyMultiplier(-3, 0.5), -3);
  EXPECT_GT(ApplyMultiplier(-3, 2), -3);
  EXPECT_DOUBLE_EQ(ApplyMultiplier(3, 2), 6);
}

// ---- Ranking ----

std::vector<std::string> RankedIds(const CatalogIndex& c, const std::vector<Ranked>& ranked) {
  std::vector<std::string> ids;
  for (const Ranked& r : ranked) ids.push_back(c.item(r.item).id);
  return ids;
}

struct RankFixture {
  std::shared_ptr<const CatalogIndex> c = Catalog();
  ItemMask all = ItemMask(c->size(), true);
  // lamp1 1.0, lamp2 0.95, ceil 0.9, shirt 0.6, gift 0.5, sofa 0.1
  std::vector<RankInput> candidates = {{0, 1.0}, {1, 0.95}, {2, 0.9}, {4, 0.6}, {5, 0.5}, {3, 0.1}};

  std::vector<std::string> Choose(const std::string& text, int count,
                                  std::vector<int32_t> supply = {}) {
    CompiledRules r = Compile(Parse(text), *c, kNow);
    return RankedIds(*c, ChooseItems(r, *c, candidates, count, all, supply));
  }
};

TEST(RulesRankTest, WithoutRulesKeepsTheOrder) {
  RankFixture f;
  EXPECT_THAT(f.Choose("", 3), ElementsAre("lamp1", "lamp2", "ceil"));
  EXPECT_TRUE(f.Choose("", 0).empty());
}

TEST(RulesRankTest, BoostsAndBuriesReorder) {
  RankFixture f;
  EXPECT_THAT(f.Choose("boost 3 if id = \"gift\"\nbury 0.5 if id = \"lamp1\"", 3),
              ElementsAre("gift", "lamp2", "ceil"));
  CompiledRules r = Compile(Parse("boost 3 if id = \"gift\""), *f.c, kNow);
  std::vector<Ranked> out = ChooseItems(r, *f.c, f.candidates, 1, f.all, {});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].boosted);
  EXPECT_EQ(out[0].origin, 4);
  EXPECT_DOUBLE_EQ(out[0].score, 1.5);
}

TEST(RulesRankTest, DropsCandidatesNotAllowedAndDuplicates) {
  RankFixture f;
  f.all.Reset(1);
  f.candidates.insert(f.candidates.begin() + 1, {0, 0.99});
  EXPECT_THAT(f.Choose("", 3), ElementsAre("lamp1", "ceil", "shirt"));
}

TEST(RulesRankTest, PinsComeFirstWhenAllowed) {
  RankFixture f;
  f.all.Reset(3);  // sofa is not allowed: its pin is skipped
  f.candidates.pop_back();
  CompiledRules r = Compile(Parse("pin [\"gift\", \"sofa\", \"lamp2\"]"), *f.c, kNow);
  std::vector<Ranked> out = ChooseItems(r, *f.c, f.candidates, 4, f.all, {});
  EXPECT_THAT(RankedIds(*f.c, out), ElementsAre("gift", "lamp2", "lamp1", "ceil"));
  EXPECT_TRUE(out[0].pinned && out[1].pinned && !out[2].pinned);
  // A pin not among the candidates comes from the allowed items.
  f.all.Set(3);
  out = ChooseItems(Compile(Parse("pin [\"sofa\"]"), *f.c, kNow), *f.c, f.candidates, 2, f.all,
                    {});
  EXPECT_THAT(RankedIds(*f.c, out), ElementsAre("sofa", "lamp1"));
  EXPECT_EQ(out[0].origin, -1);
  EXPECT_THAT(f.Choose("pin [\"gift\", \"lamp1\"]", 1), ElementsAre("gift"));
}

TEST(RulesRankTest, PromotionsReserveEvenlySpacedSlots) {
  RankFixture f;
  // 40% of 5 slots = 2 for the best "new" candidates.
  CompiledRules r = Compile(Parse("promote 40% if tag = \"new\""), *f.c, kNow);
  std::vector<Ranked> out = ChooseItems(r, *f.c, f.candidates, 5, f.all, {});
  // ceil and shirt are the "new" items; they sit at slots 0 and 2.
  EXPECT_THAT(RankedIds(*f.c, out), ElementsAre("ceil", "lamp1", "shirt", "lamp2", "gift"));
  EXPECT_TRUE(out[0].promoted && out[2].promoted && !out[1].promoted);
  // ceil(20% of 3) = 1 slot.
  EXPECT_THAT(f.Choose("promote 20% if brand = \"Couchy\"", 3),
              ElementsAre("sofa", "lamp1", "lamp2"));
}

TEST(RulesRankTest, PromotionsFallBackToTheSupply) {
  RankFixture f;
  f.candidates = {{0, 1.0}, {1, 0.9}};
  // No candidate is in Gifts; the supply (best sellers) has gift.
  EXPECT_THAT(f.Choose("promote 50% if category under \"Gifts\"", 2, {3, 5, 0}),
              ElementsAre("gift", "lamp1"));
  // Supply items must be allowed.
  f.all.Reset(5);
  EXPECT_THAT(f.Choose("promote 50% if category under \"Gifts\"", 2, {3, 5, 0}),
              ElementsAre("lamp1", "lamp2"));
}

TEST(RulesRankTest, CapsLimitItemsPerBrandAndCategory) {
  RankFixture f;
  EXPECT_THAT(f.Choose("max per brand 1", 4), ElementsAre("lamp1", "lamp2", "gift", "sofa"));
  EXPECT_THAT(f.Choose("max per category 2", 4), ElementsAre("lamp1", "lamp2", "shirt", "gift"));
  EXPECT_THAT(f.Choose("max per category3 1", 4), ElementsAre("lamp1", "ceil", "shirt", "gift"));
  // Caps may leave fewer than asked; Fill tops up.
  EXPECT_THAT(f.Choose("max per brand 1\nmax per category 1", 6),
              ElementsAre("lamp1", "gift"));
}

TEST(RulesRankTest, SimilarityFollowsCategoryAndBrand) {
  auto c = Catalog();
  EXPECT_DOUBLE_EQ(Similarity(*c, 0, 0), 1.0);
  EXPECT_DOUBLE_EQ(Similarity(*c, 0, 1), 0.75);         // same path, other brand
  EXPECT_DOUBLE_EQ(Similarity(*c, 0, 2), 0.5 + 0.25);   // 2 of 3 nodes, same brand
  EXPECT_DOUBLE_EQ(Similarity(*c, 0, 4), 0.25);         // other category, same brand
  EXPECT_DOUBLE_EQ(Similarity(*c, 0, 5), 0.0);
}

TEST(RulesRankTest, DiversityTradesRelevanceForNovelty) {
  RankFixture f;
  f.candidates = {{0, 1.0}, {1, 0.95}, {5, 0.5}, {4, 0.0}};
  EXPECT_THAT(f.Choose("", 2), ElementsAre("lamp1", "lamp2"));
  // lamp2: 0.5 * 0.95 - 0.5 * 0.75 = 0.1 < gift: 0.5 * 0.5 - 0 = 0.25.
  EXPECT_THAT(f.Choose("diversity 0.5", 2), ElementsAre("lamp1", "gift"));
  // A small lambda keeps relevance first.
  EXPECT_THAT(f.Choose("diversity 0.1", 2), ElementsAre("lamp1", "lamp2"));
  EXPECT_THAT(f.Choose("diversity 0.5", 4), ElementsAre("lamp1", "gift", "lamp2", "shirt"));
}

TEST(RulesRankTest, FillKeepsCapsUntilItMustRelaxThem) {
  auto c = Catalog();
  CompiledRules r = Compile(Parse("max per brand 1"), *c, kNow);
  const std::vector<int32_t> chosen = {0};  // lamp1 (Acme)
  // ceil (Acme), shirt (Acme), lamp2 (Bolt), lamp1 again.
  const std::vector<RankInput> extra = {{2, -1}, {4, -2}, {1, -3}, {0, -4}};
  EXPECT_THAT(RankedIds(*c, FillItems(r, *c, chosen, extra, 2)), ElementsAre("lamp2"));
  std::vector<Ranked> out = FillItems(r, *c, chosen, extra, 4);
  EXPECT_THAT(RankedIds(*c, out), ElementsAre("lamp2", "ceil", "shirt"));
  EXPECT_EQ(out[0].origin, 2);
  EXPECT_TRUE(FillItems(r, *c, chosen, extra, 1).empty());
  // Boosts reorder the fallbacks too.
  CompiledRules boost = Compile(Parse("boost 10 if id = \"shirt\""), *c, kNow);
  EXPECT_THAT(RankedIds(*c, FillItems(boost, *c, chosen, extra, 3)),
              ElementsAre("shirt", "ceil"));
}

}  // namespace
}  // namespace persona::model::rules
