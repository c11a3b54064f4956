// Cell values (times, enums, lists) and the Online Retail keyword tables.
#include "tools/importer/values.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tools/importer/retail_keywords.h"

namespace persona::importer {
namespace {

namespace v1 = ::persona::v1;

TEST(ParseTimeMsTest, AcceptsEpochMillisAndIso8601) {
  const struct {
    const char* text;
    int64_t ms;
  } cases[] = {
      {"0", 0},
      {"1323435000000", 1323435000000},
      {"2011-12-09T12:50:00Z", 1323435000000},
      {"2011-12-09T12:50:00.250Z", 1323435000250},
      {"2011-12-09T13:50:00+01:00", 1323435000000},
      {"2011-12-09 12:50:00", 1323435000000},
      {"2011-12-09 12:50", 1323435000000},
      {" 2011-12-09 ", 1323388800000},
  };
  for (const auto& c : cases) {
    auto ms = ParseTimeMs(c.text);
    ASSERT_TRUE(ms.ok()) << c.text << ": " << ms.status();
    EXPECT_EQ(*ms, c.ms) << c.text;
  }
  for (const char* bad : {"", "yesterday", "2011-13-01", "12:50", "-5"}) {
    EXPECT_FALSE(ParseTimeMs(bad).ok()) << bad;
  }
}

TEST(ParseSqlTimeMsTest, FastPathMatchesTheGeneralParser) {
  for (const char* text : {"2010-12-01 08:26:00", "2011-02-28 23:59:59", "2012-02-29 00:00:00"}) {
    EXPECT_EQ(*ParseSqlTimeMs(text), *ParseTimeMs(text)) << text;
  }
  EXPECT_FALSE(ParseSqlTimeMs("2011-02-30 10:00:00").ok());
  EXPECT_FALSE(ParseSqlTimeMs("2011-12-09 25:00:00").ok());
}

TEST(ParseEnumTest, NamesAreCaseInsensitive) {
  EXPECT_EQ(*ParseEventType("purchase"), v1::PURCHASE);
  EXPECT_EQ(*ParseEventType("Product_View"), v1::PRODUCT_VIEW);
  EXPECT_EQ(*ParseEventType("add to cart"), v1::ADD_TO_CART);
  EXPECT_FALSE(ParseEventType("EVENT_TYPE_UNSPECIFIED").ok());
  EXPECT_FALSE(ParseEventType("buy").ok());
  EXPECT_EQ(*ParseChannel("web"), v1::WEB);
  EXPECT_FALSE(ParseChannel("fax").ok());
  EXPECT_EQ(*ParseAvailability("out-of-stock"), v1::OUT_OF_STOCK);
  EXPECT_TRUE(*ParseBool("Yes"));
  EXPECT_FALSE(*ParseBool("0"));
  EXPECT_FALSE(ParseBool("maybe").ok());
}

TEST(SplitTest, CategoryPathsAndLists) {
  using V = std::vector<std::string>;
  EXPECT_EQ(SplitCategoryPath("Home/Lighting"), (V{"Home", "Lighting"}));
  EXPECT_EQ(SplitCategoryPath("Home > Lighting > Lamps"), (V{"Home", "Lighting", "Lamps"}));
  // With '>', a slash is part of a name.
  EXPECT_EQ(SplitCategoryPath("Music > CD/DVD"), (V{"Music", "CD/DVD"}));
  EXPECT_EQ(SplitCategoryPath(" /Home// "), (V{"Home"}));
  EXPECT_EQ(SplitList("a| b ||c"), (V{"a", "b", "c"}));
  EXPECT_TRUE(SplitList("").empty());
}

TEST(RetailKeywordsTest, CategoriesFollowTheTableOrder) {
  using V = std::vector<std::string>;
  const struct {
    const char* description;
    V path;
  } cases[] = {
      {"WHITE HANGING HEART T-LIGHT HOLDER", {"Home", "Lighting"}},
      {"WHITE METAL LANTERN", {"Home", "Lighting"}},
      {"PAPER CHAIN KIT 50'S CHRISTMAS ", {"Seasonal", "Christmas"}},
      {"JUMBO BAG RED RETROSPOT", {"Bags"}},
      {"SET OF 3 CAKE TINS PANTRY DESIGN ", {"Kitchen", "Baking"}},
      {"RED RETROSPOT TEA CUP AND SAUCER", {"Kitchen", "Tableware"}},
      {"TEA TOWEL CLASSIC FRUIT", {"Home", "Textiles"}},
      {"PINK REGENCY TEACUP AND SAUCER", {"Kitchen", "Tableware"}},
      {"WRAP VINTAGE LEAF DESIGN", {"Stationery", "Cards & Wrap"}},
      {"DIAMANTE NECKLACE BLACK", {"Accessories", "Jewellery"}},
      {"RASPBERRY ANT COPPER FLOWER NECKLAC", {"Accessories", "Jewellery"}},
      {"SPACEBOY BIRTHDAY CARD", {"Stationery", "Cards & Wrap"}},
      {"ROUND SNACK BOXES SET OF4 WOODLAND ", {"Home", "Storage"}},
      {"WOODEN FRAME ANTIQUE WHITE ", {"Home", "Decor"}},
      {"DOLLY GIRL LUNCH BOX", {"Kitchen", "Tableware"}},
      {"SET OF 6 SOLDIER SKITTLES", {"Toys & Games"}},
      {"ASSORTED COLOURS SILK FAN", {"Other"}},
  };
  for (const auto& c : cases) EXPECT_EQ(RetailCategory(c.description), c.path) << c.description;
}

TEST(RetailKeywordsTest, TagsFromWords) {
  using V = std::vector<std::string>;
  EXPECT_EQ(RetailTags("VINTAGE PINK ROSE MUG"), (V{"floral", "pink", "vintage"}));
  EXPECT_EQ(RetailTags("JUMBO BAG RED RETROSPOT"), (V{"red", "retro"}));
  EXPECT_EQ(RetailTags("PINKY"), V{});  // Whole words only.
}

}  // namespace
}  // namespace persona::importer
