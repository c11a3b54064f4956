#include "model/segments/segment_rule.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/model/segments/segment_rule_fixture.h"

namespace persona::model::segments {
namespace {

using testing::Anna;
using testing::AnnaContext;

struct ValidCase {
  const char* input;
  const char* canonical;
  bool matches_anna;
};

const ValidCase kValid[] = {
    // The example: "Lighting" is not a top-level category here.
    {"country = \"DE\" and bought category \"Lighting\" and last_purchase > 60d",
     "country = \"DE\" and bought category \"Lighting\" and last_purchase > 60d", false},
    {"country = \"DE\" and bought category \"Home/Lighting\" and last_purchase > 60d",
     "country = \"DE\" and bought category \"Home/Lighting\" and last_purchase > 60d", true},
    {"country != \"DE\"", "not country = \"DE\"", false},
    {"country in [\"AT\", \"DE\", \"CH\"]", "country in [\"AT\", \"DE\", \"CH\"]", true},
    {"country in [\"DE\"]", "country = \"DE\"", true},
    {"city = \"Berlin\" and locale = \"de-DE\" and gender = \"f\"",
     "city = \"Berlin\" and locale = \"de-DE\" and gender = \"f\"", true},
    {"age >= 36", "age >= 36", true},
    {"age between 30 and 35", "age between 30 and 35", false},
    {"orders >= 5 and monetary > 499.5", "orders >= 5 and monetary > 499.5", true},
    {"aov = 100", "aov = 100", true},
    {"recency = 75 and recency > 74", "recency = 75 and recency > 74", true},
    {"last_purchase within 75d", "last_purchase within 75d", true},
    {"last_purchase <= 74d", "last_purchase within 74d", false},
    {"last_purchase between 60d and 90d", "last_purchase between 60d and 90d", true},
    {"last_seen < 48h", "last_seen < 2d", true},
    {"first_seen > 52w", "first_seen > 364d", true},
    {"last_view >= 2d and last_cart_add < 3d", "last_view >= 2d and last_cart_add < 3d", false},
    {"last_cart_add > 90m", "last_cart_add > 90m", true},
    {"units_bought = 12 and returns = 3 and return_rate >= 0.25",
     "units_bought = 12 and returns = 3 and return_rate >= 0.25", true},
    {"nps >= 9 and csat <= 2", "nps >= 9 and csat <= 2", true},
    {"stage = \"active\"", "stage = \"active\"", true},
    {"stage = loyal", "stage = \"loyal\"", false},
    {"stage in [\"at_risk\", \"lost\"]", "stage in [\"at_risk\", \"lost\"]", false},
    {"rfm_r <= 2 and rfm_f = 4 and rfm_m between 4 and 5",
     "rfm_r <= 2 and rfm_f = 4 and rfm_m between 4 and 5", true},
    {"persona = 3", "persona = 3", true},
    {"persona in [1, 2]", "persona in [1, 2]", false},
    {"persona != 3", "not persona = 3", false},
    {"consent_email", "consent_email = true", true},
    {"consent_personalization = false", "consent_personalization = false", false},
    {"not consent_personalization = true", "not consent_personalization = true", true},
    {"consent_email != false", "not consent_email = false", true},
    {"attr.tier = \"gold\"", "attr.tier = \"gold\"", true},
    {"attr.score = 0.3", "attr.score = \"0.3\"", true},
    {"attr.score > 0.25 and attr.score between 0.3 and 1",
     "attr.score > 0.25 and attr.score between 0.3 and 1", true},
    {"attr.\"fit type\" exists", "attr.\"fit type\" exists", true},
    {"attr.missing exists", "attr.missing exists", false},
    {"attr.tier in [\"silver\", 42]", "attr.tier in [\"silver\", \"42\"]", false},
    {"count(PRODUCT_VIEW) >= 10 and count(PURCHASE) = 0",
     "count(PRODUCT_VIEW) >= 10 and count(PURCHASE) = 0", true},
    {"affinity \"Home\" >= 0.5 and affinity \"Toys\" < 0.1",
     "affinity \"Home\" >= 0.5 and affinity \"Toys\" < 0.1", true},
    {"bought category \"Home\" within 90d", "bought category \"Home\" within 90d", true},
    {"bought category \"Garden\" within 90d", "bought category \"Garden\" within 90d", false},
    {"bought category \"Home/Light\"", "bought category \"Home/Light\"", false},
    {"bought category [\"Toys\", \"Garden\"]", "bought category [\"Toys\", \"Garden\"]", true},
    {"bought brand \"Bolt & Co\" within 30w", "bought brand \"Bolt & Co\" within 210d", true},
    {"bought brand \"acme\"", "bought brand \"acme\"", false},
    {"in segment \"rfm:at_risk\"", "in segment \"rfm:at_risk\"", true},
    {"in segment [\"stage:loyal\", \"persona:0\"]", "in segment [\"stage:loyal\", \"persona:0\"]",
     false},
    {"(country = \"DE\" or country = \"AT\") and not (orders < 2 or nps < 7)",
     "(country = \"DE\" or country = \"AT\") and not (orders < 2 or nps < 7)", true},
    {"country = \"FR\" or orders > 4 and nps == 9", "country = \"FR\" or orders > 4 and nps = 9",
     true},
    {"((country = \"DE\"))", "country = \"DE\"", true},
    {"(city = \"Berlin\" or (city = \"Paris\" or city = \"Rome\"))",
     "city = \"Berlin\" or city = \"Paris\" or city = \"Rome\"", true},
    {"not not country = \"DE\"", "not not country = \"DE\"", true},
    {"cart_items >= 1", "cart_items >= 1", true},
    {"(country = \"DE\"\n  and orders > 1)", "country = \"DE\" and orders > 1", true},
    {"monetary > -1.5e2", "monetary > -150", true},
    {"country = \"DE\"  # Germany only", "country = \"DE\"", true},
    {"gender = \"say \\\"hi\\\" \\\\\"", "gender = \"say \\\"hi\\\" \\\\\"", false},
};

TEST(SegmentRuleTest, ValidRulesParsePrintAndMatch) {
  for (const ValidCase& c : kValid) {
    SCOPED_TRACE(c.input);
    absl::StatusOr<SegmentRule> rule = ParseSegmentRule(c.input);
    ASSERT_TRUE(rule.ok()) << rule.status();
    EXPECT_EQ(PrintSegmentRule(*rule), c.canonical);
    EXPECT_EQ(Matches(*rule, Anna(), AnnaContext()), c.matches_anna);
    // Round trip: the canonical text parses to the same rule.
    absl::StatusOr<SegmentRule> again = ParseSegmentRule(PrintSegmentRule(*rule));
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(*again, *rule);
  }
}

TEST(SegmentRuleTest, DocumentedExamplesParse) {
  // The examples of docs/SEGMENTS.md, "Custom segments".
  for (const char* text : {
           "country = \"DE\" and bought category \"Home/Lighting\" and last_purchase > 60d",
           "stage in [\"at_risk\", \"lost\"] and monetary >= 200 and consent_email",
           "count(PRODUCT_VIEW) >= 3 and orders = 0 and last_seen within 7d",
           "in segment \"rfm:cannot_lose\" and not in segment \"low_satisfaction\"",
           "affinity \"Garden\" >= 0.3 and not bought category \"Garden\" within 365d",
           "((persona in [2, 5] or attr.tier = \"gold\")\n  and age between 25 and 40)"}) {
    EXPECT_TRUE(ParseSegmentRule(text).ok()) << text << ": " << ParseSegmentRule(text).status();
  }
}

TEST(SegmentRuleTest, UnknownValuesMatchNoComparison) {
  CustomerFacts nobody;
  SegmentContext ctx;
  ctx.now_ms = testing::kNow;
  for (const char* text : {"age >= 0", "aov >= 0", "recency >= 0", "nps >= 0", "csat >= 0",
                           "persona >= 0", "return_rate >= 0", "last_purchase > 1s",
                           "last_seen within 3650d", "attr.x >= 0", "consent_email = false",
                           "consent_email = true", "bought category \"Home\""}) {
    absl::StatusOr<SegmentRule> rule = ParseSegmentRule(text);
    ASSERT_TRUE(rule.ok()) << text << ": " << rule.status();
    EXPECT_FALSE(Matches(*rule, nobody, ctx)) << text;
  }
  // Known zeros do match.
  for (const char* text : {"orders = 0", "rfm_r = 0", "count(PRODUCT_VIEW) = 0",
                           "affinity \"Home\" = 0", "not nps >= 9", "stage = \"prospect\""}) {
    absl::StatusOr<SegmentRule> rule = ParseSegmentRule(text);
    ASSERT_TRUE(rule.ok()) << text;
    EXPECT_TRUE(Matches(*rule, nobody, ctx)) << text;
  }
}

TEST(SegmentRuleTest, TimeWindowsAreInclusiveToTheMillisecond) {
  CustomerFacts f = Anna();
  const SegmentContext ctx = AnnaContext();
  auto rule = ParseSegmentRule("last_purchase > 75d");
  ASSERT_TRUE(rule.ok());
  EXPECT_FALSE(Matches(*rule, f, ctx));  // exactly 75 days
  f.last_purchase_ms -= 1;
  EXPECT_TRUE(Matches(*rule, f, ctx));
  auto within = ParseSegmentRule("bought brand \"Acme\" within 75d");
  ASSERT_TRUE(within.ok());
  EXPECT_TRUE(Matches(*within, Anna(), ctx));
  f = Anna();
  f.bought_brands[0].last_ms -= 1;
  EXPECT_FALSE(Matches(*within, f, ctx));
}

TEST(SegmentRuleTest, UsesBuiltInSegments) {
  EXPECT_TRUE(UsesBuiltInSegments(*ParseSegmentRule("orders > 1 or not in segment \"nps:passive\"")));
  EXPECT_FALSE(UsesBuiltInSegments(*ParseSegmentRule("orders > 1 or stage = \"new\"")));
}

// The "fields are ..." list every unknown-field error ends with.
constexpr char kFields[] =
    "country, city, locale, gender, stage, age, orders, monetary, aov, recency, units_bought, "
    "returns, return_rate, nps, csat, rfm_r, rfm_f, rfm_m, persona, cart_items, last_purchase, "
    "last_seen, first_seen, last_view, last_cart_add, consent_email, consent_personalization, "
    "count(<EVENT>), affinity \"<category>\", bought category/brand, in segment, attr.<key>";

struct InvalidCase {
  std::string input;
  std::string error;
};

std::vector<InvalidCase> InvalidCases() {
  return {
      {"country = DE", "rule 1 (\"country = DE\"): expected a string, found 'DE' at column 11"},
      {"colour = \"red\"", absl::StrCat("rule 1 (\"colour = \"red\"\"): unknown field 'colour'; "
                                        "fields are ", kFields, " at column 1")},
      {"last_purchase > 60", "rule 1 (\"last_purchase > 60\"): expected a duration such as 60d, "
                             "found '60' at column 17"},
      {"orders > 60d", "rule 1 (\"orders > 60d\"): expected a number, found '60d' at column 10"},
      {"stage = \"champion\"",
       "rule 1 (\"stage = \"champion\"\"): unknown stage 'champion'; stages are prospect, new, "
       "active, loyal, at_risk, lost at column 9"},
      {"stage in [\"new\", \"vip\"]",
       "rule 1 (\"stage in [\"new\", \"vip\"]\"): unknown stage 'vip'; stages are prospect, new, "
       "active, loyal, at_risk, lost at column 23"},
      {"in segment \"stage:vip\"",
       "rule 1 (\"in segment \"stage:vip\"\"): unknown built-in segment 'stage:vip' (e.g. "
       "stage:loyal, rfm:champions, nps:promoter, abandoned_cart, persona:0) at column 12"},
      {"in \"stage:new\"", "rule 1 (\"in \"stage:new\"\"): expected 'segment', found string "
                           "\"stage:new\" at column 4"},
      {"count(product_view) > 1",
       "rule 1 (\"count(product_view) > 1\"): event type 'product_view' must be an upper-case "
       "API name such as PRODUCT_VIEW at column 7"},
      {"count PRODUCT_VIEW > 1",
       "rule 1 (\"count PRODUCT_VIEW > 1\"): expected '(' and an event type such as "
       "PRODUCT_VIEW, found 'PRODUCT_VIEW' at column 7"},
      {"bought \"Lamps\"", "rule 1 (\"bought \"Lamps\"\"): expected 'category' or 'brand', "
                           "found string \"Lamps\" at column 8"},
      {"country = \"DE\" and", absl::StrCat("rule 1 (\"country = \"DE\" and\"): expected a "
                                            "condition (fields: ", kFields,
                                            ") but the rule ends at column 19")},
      {"country = \"DE\"; orders > 1",
       "rule 2 (\"orders > 1\"): a segment is one expression: join conditions with 'and' or "
       "'or' (outside parentheses a line break or ';' ends it) at column 1"},
      {"country = \"DE\"\norders > 1",
       "rule 2 (\"orders > 1\"): a segment is one expression: join conditions with 'and' or "
       "'or' (outside parentheses a line break or ';' ends it) at column 1"},
      {"", "segment rule is empty"},
      {"  # only a comment", "segment rule is empty"},
      {"(country = \"DE\"", "rule 1 (\"(country = \"DE\"\"): expected ')' but the rule ends at "
                            "column 16"},
      {"country = \"DE\" orders > 1",
       "rule 1 (\"country = \"DE\" orders > 1\"): expected 'and', 'or' or the end of the rule, "
       "found 'orders' at column 16"},
      {"age between 40 and 30",
       "rule 1 (\"age between 40 and 30\"): 'between' needs the low bound first at column 20"},
      {"last_view between 7d and 1d", "rule 1 (\"last_view between 7d and 1d\"): 'between' "
                                      "needs the shorter duration first at column 26"},
      {"last_view = 7d", "rule 1 (\"last_view = 7d\"): expected 'within', 'between' or a "
                         "comparison (<, <=, >, >=) with a duration, found '=' at column 11"},
      {"consent_email = yes",
       "rule 1 (\"consent_email = yes\"): expected true or false, found 'yes' at column 17"},
      {"nps >= \"9\"", "rule 1 (\"nps >= \"9\"\"): expected a number, found string \"9\" at "
                       "column 8"},
      {"last_purchase > 30x", "rule 1 (\"last_purchase > 30x\"): bad duration '30x' (write e.g. "
                              "45s, 15m, 12h, 30d, 2w) at column 17"},
      {"affinity Home > 0.2", "rule 1 (\"affinity Home > 0.2\"): expected a top-level category "
                              "such as \"Home\", found 'Home' at column 10"},
      {"attr.tier", "rule 1 (\"attr.tier\"): expected a comparison, 'in' or 'exists' but the "
                    "rule ends at column 10"},
      {"persona in [\"3\"]",
       "rule 1 (\"persona in [\"3\"]\"): expected a number, found string \"3\" at column 13"},
      {"orders >", "rule 1 (\"orders >\"): expected a number but the rule ends at column 9"},
      {"orders like 3", "rule 1 (\"orders like 3\"): expected a comparison (=, !=, <, <=, >, >=, "
                        "between, in), found 'like' at column 8"},
      {"not", absl::StrCat("rule 1 (\"not\"): expected a condition (fields: ", kFields,
                           ") but the rule ends at column 4")},
      {"recency ~ 3", "rule 1 (\"recency ~ 3\"): unexpected character '~' at column 9"},
  };
}

TEST(SegmentRuleTest, InvalidRulesNameTheStatementAndColumn) {
  for (const InvalidCase& c : InvalidCases()) {
    absl::StatusOr<SegmentRule> rule = ParseSegmentRule(c.input);
    EXPECT_EQ(rule.status().code(), absl::StatusCode::kInvalidArgument) << c.input;
    EXPECT_EQ(rule.status().message(), c.error) << c.input;
  }
}

// Returns the parse error of `text` ("" when it parses).
std::string Error(const std::string& text) {
  return std::string(ParseSegmentRule(text).status().message());
}

std::string Repeat(const std::string& piece, int n, const std::string& sep) {
  std::string out;
  for (int i = 0; i < n; ++i) out += (i > 0 ? sep : "") + piece;
  return out;
}

TEST(SegmentRuleTest, TermLimit) {
  // n predicates joined by "or" are n + 1 terms.
  EXPECT_TRUE(ParseSegmentRule(Repeat("orders = 1", 127, " or ")).ok());
  const std::string error = Error(Repeat("orders = 1", 128, " or "));
  EXPECT_THAT(error, ::testing::StartsWith("rule 1 (\"orders = 1 or "));
  EXPECT_THAT(error,
              ::testing::EndsWith("...\"): expression has more than 128 terms at column 1779"));
}

TEST(SegmentRuleTest, NestingLimit) {
  EXPECT_TRUE(ParseSegmentRule(std::string(16, '(') + "orders = 1" + std::string(16, ')')).ok());
  EXPECT_THAT(Error(std::string(17, '(') + "orders = 1" + std::string(17, ')')),
              ::testing::EndsWith("expression nested deeper than 16 at column 18"));
  EXPECT_TRUE(ParseSegmentRule(Repeat("not", 16, " ") + " orders = 1").ok());
  EXPECT_THAT(Error(Repeat("not", 17, " ") + " orders = 1"),
              ::testing::EndsWith("expression nested deeper than 16 at column 69"));
}

TEST(SegmentRuleTest, ListStringAndTextLimits) {
  std::string list = "persona in [" + Repeat("1", 1000, ", ") + "]";
  EXPECT_TRUE(ParseSegmentRule(list).ok());
  list = "persona in [" + Repeat("1", 1001, ", ") + "]";
  EXPECT_THAT(Error(list),
              ::testing::HasSubstr("list longer than 1000 entries at column 3013"));
  list = "country in [" + Repeat("\"x\"", 1001, ", ") + "]";
  EXPECT_THAT(Error(list),
              ::testing::HasSubstr("list longer than 1000 entries"));
  EXPECT_TRUE(ParseSegmentRule("city = \"" + std::string(1024, 'a') + "\"").ok());
  EXPECT_THAT(Error("city = \"" + std::string(1025, 'a') + "\""),
              ::testing::EndsWith("string longer than 1024 bytes at column 8"));
  const std::string huge = "city = \"" + std::string(65536, 'a') + "\"";
  EXPECT_EQ(Error(huge),
            absl::StrCat("segment rule is ", huge.size(), " bytes; at most 65536"));
}

}  // namespace
}  // namespace persona::model::segments
