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
