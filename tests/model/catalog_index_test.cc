#include "model/catalog_index.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace persona::model {
namespace {

std::shared_ptr<const CatalogIndex> SmallCatalog() {
  std::vector<ItemInfo> items = {
      {"lamp", {"Home", "Lighting"}, "Acme", 20.0, Availability::kInStock, 100},
      {"candle", {"Home", "Lighting"}, "Glow", 5.0, Availability::kInStock, 200},
      {"mug", {"Kitchen"}, "Acme", 8.0, Availability::kOutOfStock, 300},
      {"coffee", {"Kitchen", "Coffee"}, "Bean", 12.0, Availability::kPreorder, 400},
      {"old", {"Home"}, "Acme", 1.0, Availability::kDiscontinued, 500},
  };
  std::vector<std::string> repeat = {"Kitchen/Coffee"};
  return CatalogIndex::Build(std::move(items), repeat);
}

std::vector<std::string> Ids(const CatalogIndex& c, const ItemMask& m) {
  std::vector<std::string> ids;
  m.ForEach([&](int32_t i) { ids.push_back(c.item(i).id); });
  return ids;
}

TEST(CatalogIndexTest, FindsItemsAndCategories) {
  auto c = SmallCatalog();
  EXPECT_EQ(c->size(), 5);
  EXPECT_EQ(c->Find("mug"), 2);
  EXPECT_EQ(c->Find("nope"), -1);
  const int32_t home = c->CategoryId("Home");
  const int32_t lighting = c->CategoryId("Home/Lighting");
  ASSERT_GE(home, 0);
  ASSERT_GE(lighting, 0);
  EXPECT_EQ(c->CategoryId("Lighting"), -1);
  EXPECT_TRUE(c->InCategory(0, home));
  EXPECT_TRUE(c->InCategory(0, lighting));
  EXPECT_FALSE(c->InCategory(2, home));
  EXPECT_EQ(c->TopCategory(1), home);
  EXPECT_EQ(c->CategoryItems(home).size(), 3u);
  EXPECT_TRUE(c->RepeatPurchase(3));
  EXPECT_FALSE(c->RepeatPurchase(2));
}

struct FilterCase {
  const char* name;
  FilterSpec filter;
  std::vector<std::string> want;
};

TEST(CatalogIndexTest, AllowedAppliesEveryFilter) {
  auto c = SmallCatalog();
  const std::vector<FilterCase> cases = {
      {"none: recommendable only", {}, {"lamp", "candle", "coffee"}},
      {"in stock only", {.in_stock_only = true}, {"lamp", "candle"}},
      {"category prefix", {.category_path = {"Home"}}, {"lamp", "candle"}},
      {"sub category", {.category_path = {"Kitchen", "Coffee"}}, {"coffee"}},
      {"unknown category", {.category_path = {"Garden"}}, {}},
      {"min price", {.min_price = 10.0}, {"lamp", "coffee"}},
      {"max price", {.max_price = 10.0}, {"candle"}},
      {"price range", {.min_price = 5.0, .max_price = 12.0}, {"candle", "coffee"}},
      {"brand", {.brands = {"Acme"}}, {"lamp"}},
      {"two brands", {.brands = {"Glow", "Bean"}}, {"candle", "coffee"}},
      {"combined", {.category_path = {"Home"}, .max_price = 10.0, .brands = {"Glow"}}, {"candle"}},
  };
  for (const FilterCase& tc : cases) {
    EXPECT_EQ(Ids(*c, c->Allowed(tc.filter)), tc.want) << tc.name;
  }
}

std::shared_ptr<const CatalogIndex> RichCatalog() {
  std::vector<ItemInfo> items = {
      {"a", {"Home", "Lighting"}, "Acme", 20.0, Availability::kInStock, 100, 5, {"sale", "new"},
       {{"color", "red"}, {"margin", "0.4"}}},
      {"b", {"Home"}, "Glow", 5.0, Availability::kPreorder, 300, -1, {"sale", "sale"},
       {{"color", "blue"}, {"margin", "x"}}},
      {"c", {"Home", "Lighting"}, "", 12.0, Availability::kUnspecified, 200, 0, {},
       {{"margin", "0.10"}, {"margin", "9"}}},
      {"d", {}, "Acme", 12.0, Availability::kOutOfStock, 50, 7, {"new"}, {}},
  };
  return CatalogIndex::Build(std::move(items), {});
}

std::vector<std::string> ListIds(const CatalogIndex& c, std::span<const int32_t> items) {
  std::vector<std::string> ids;
  for (int32_t i : items) ids.push_back(c.item(i).id);
  return ids;
}

TEST(CatalogIndexTest, IndexesTagsAttributesAndLeafCategories) {
  auto c = RichCatalog();
  using V = std::vector<std::string>;
  EXPECT_EQ(ListIds(*c, c->TagItems(c->TagId("sale"))), (V{"a", "b"}));  // "b" listed it twice
  EXPECT_EQ(ListIds(*c, c->TagItems(c->TagId("new"))), (V{"a", "d"}));
  EXPECT_EQ(c->TagId("gift"), -1);
  const int32_t color = c->AttributeId("color");
  const int32_t margin = c->AttributeId("margin");
  ASSERT_GE(color, 0);
  ASSERT_GE(margin, 0);
  EXPECT_EQ(c->AttributeId("size"), -1);
  EXPECT_EQ(ListIds(*c, c->AttributeItems(margin)), (V{"a", "b", "c"}));
  EXPECT_EQ(ListIds(*c, c->AttributeValueItems(color, "red")), (V{"a"}));
  EXPECT_TRUE(c->AttributeValueItems(color, "green").empty());
  // "c" listed margin twice: the first value counts; "x" is not a number.
  EXPECT_EQ(*c->ItemAttribute(2, "margin"), "0.10");
  EXPECT_EQ(c->ItemAttribute(3, "margin"), nullptr);
  const SortedColumn& numbers = c->AttributeNumbers(margin);
  EXPECT_EQ(ListIds(*c, numbers.Range(0.0, true, 1.0, true)), (V{"c", "a"}));
  EXPECT_EQ(ListIds(*c, numbers.Range(0.1, false, 1.0, true)), (V{"a"}));
  const int32_t lighting = c->CategoryId("Home/Lighting");
  const int32_t home = c->CategoryId("Home");
  EXPECT_EQ(ListIds(*c, c->CategoryLeafItems(home)), (V{"b"}));
  EXPECT_EQ(ListIds(*c, c->CategoryLeafItems(lighting)), (V{"a", "c"}));
  EXPECT_TRUE(c->CategoryItems(-1).empty());
  EXPECT_EQ(c->CategoryAtDepth(0, 1), home);
  EXPECT_EQ(c->CategoryAtDepth(0, 2), lighting);
  EXPECT_EQ(c->CategoryAtDepth(1, 2), home);
  EXPECT_EQ(c->CategoryAtDepth(3, 1), -1);
  EXPECT_EQ(ListIds(*c, c->BrandItems(c->BrandId("Acme"))), (V{"a", "d"}));
}

TEST(CatalogIndexTest, SortedColumnsAndAvailability) {
  auto c = RichCatalog();
  using V = std::vector<std::string>;
  EXPECT_EQ(ListIds(*c, c->PriceColumn().Range(5.0, true, 12.0, true)), (V{"b", "c", "d"}));
  EXPECT_EQ(ListIds(*c, c->PriceColumn().Range(5.0, false, 12.0, false)), (V{}));
  EXPECT_EQ(ListIds(*c, c->PriceColumn().Range(12.0, true, 12.0, true)), (V{"c", "d"}));
  EXPECT_EQ(ListIds(*c, c->CreatedColumn().Range(100, true, 300, false)), (V{"a", "c"}));
  // Untracked stock (-1) is not in the stock column.
  EXPECT_EQ(ListIds(*c, c->StockColumn().Range(-10, true, 100, true)), (V{"c", "a", "d"}));
  EXPECT_EQ(c->StockColumn().min(), 0);
  EXPECT_EQ(c->StockColumn().max(), 7);
  EXPECT_EQ(Ids(*c, c->AvailabilityMask(Availability::kInStock)), (V{"a", "c"}));
  EXPECT_EQ(Ids(*c, c->AvailabilityMask(Availability::kUnspecified)), (V{"a", "c"}));
  EXPECT_EQ(Ids(*c, c->AvailabilityMask(Availability::kPreorder)), (V{"b"}));
  EXPECT_EQ(Ids(*c, c->AvailabilityMask(Availability::kOutOfStock)), (V{"d"}));
  EXPECT_EQ(Ids(*c, c->recommendable()), (V{"a", "b", "c"}));
  EXPECT_NE(c->serial(), RichCatalog()->serial());
}

TEST(CatalogIndexTest, ParsesAttributeNumbersStrictly) {
  EXPECT_EQ(ParseAttributeNumber("0.3"), 0.3);
  EXPECT_EQ(ParseAttributeNumber("-12"), -12.0);
  EXPECT_EQ(ParseAttributeNumber("1e3"), 1000.0);
  for (const char* bad : {"", " 1", "1 ", "+1", "1x", "inf", "nan", "red", "1e999"}) {
    EXPECT_EQ(ParseAttributeNumber(bad), std::nullopt) << bad;
  }
}

TEST(ItemMaskTest, SetOperationsAndCount) {
  ItemMask a(130, true);
  EXPECT_EQ(a.Count(), 130);
  ItemMask b(130);
  b.Set(0);
  b.Set(64);
  b.Set(129);
  a.AndNot(b);
  EXPECT_EQ(a.Count(), 127);
  EXPECT_FALSE(a.Test(64));
  a.ResetIfValid(-1);
  a.ResetIfValid(500);
  a.ResetIfValid(1);
  EXPECT_EQ(a.Count(), 126);
  b.And(a);
  EXPECT_EQ(b.Count(), 0);
}

}  // namespace
}  // namespace persona::model
