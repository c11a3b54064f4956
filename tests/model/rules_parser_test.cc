#include <string>
#include <variant>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/rules/ast.h"
#include "model/rules/parser.h"

namespace persona::model::rules {
namespace {

using ::testing::HasSubstr;

struct CanonicalCase {
  const char* input;
  const char* canonical;
};

// Every statement kind and every predicate, with its canonical text.
const CanonicalCase kCanonical[] = {
    {"filter category under \"Home/Lighting\" and price between 10 and 50",
     "filter category under \"Home/Lighting\" and price between 10 and 50"},
    {"filter category under [\"Home\", \"Garden\"]",
     "filter category under [\"Home\", \"Garden\"]"},
    {"filter category = \"Home/Lighting/Lamps\"", "filter category = \"Home/Lighting/Lamps\""},
    {"filter brand in [\"Acme\", \"Bolt\"] or tag = \"eco\"",
     "filter brand in [\"Acme\", \"Bolt\"] or tag = \"eco\""},
    {"filter id != \"sku-1\"", "filter not id = \"sku-1\""},
    {"filter not (in_stock or availability = preorder)",
     "filter not (availability = in_stock or availability = preorder)"},
    {"filter availability != discontinued", "filter not availability = discontinued"},
    {"filter available and created within 30d", "filter available and created within 30d"},
    {"filter created within 48h", "filter created within 2d"},
    {"filter created within 2w", "filter created within 14d"},
    {"filter created within 90m", "filter created within 90m"},
    {"filter created after \"2026-01-01\" and created before \"2026-02-01T12:00:00Z\"",
     "filter created after \"2026-01-01\" and created before \"2026-02-01T12:00:00Z\""},
    {"filter attr.color = \"red\" and attr.margin > 0.3 and attr.\"fit type\" exists",
     "filter attr.color = \"red\" and attr.margin > 0.3 and attr.\"fit type\" exists"},
    {"filter attr.size = 42", "filter attr.size = \"42\""},
    {"filter attr.size in [\"S\", 42]", "filter attr.size in [\"S\", \"42\"]"},
    {"filter attr.margin between \"0.1\" and 0.5", "filter attr.margin between 0.1 and 0.5"},
    {"filter stock >= 5 and stock < 100 and price <= 9.99 and price = 3",
     "filter stock >= 5 and stock < 100 and price <= 9.99 and price = 3"},
    {"filter price != 5", "filter not price = 5"},
    {"filter price == 5", "filter price = 5"},
    {"filter price > -0.5", "filter price > -0.5"},
    {"filter price < 1e3", "filter price < 1000"},
    {"filter tag = \"a\" or tag = \"b\" and tag = \"c\"",
     "filter tag = \"a\" or tag = \"b\" and tag = \"c\""},
    {"filter (tag = \"a\" or tag = \"b\") and tag = \"c\"",
     "filter (tag = \"a\" or tag = \"b\") and tag = \"c\""},
    {"filter ((tag = \"a\" and tag = \"b\") and tag = \"c\")",
     "filter tag = \"a\" and tag = \"b\" and tag = \"c\""},
    {"filter tag = \"say \\\"hi\\\" \\\\ bye\"", "filter tag = \"say \\\"hi\\\" \\\\ bye\""},
    {"exclude category under \"Gift Cards\"", "exclude category under \"Gift Cards\""},
    {"exclude cart", "exclude cart"},
    {"exclude bought", "exclude bought"},
    {"exclude bought within 90d", "exclude bought within 90d"},
    {"exclude shown 3 times within 7d", "exclude shown 3 times within 7d"},
    {"exclude ids [\"a\", \"b\"]", "exclude ids [\"a\", \"b\"]"},
    {"boost 1.5 if created within 14d", "boost 1.5 if created within 14d"},
    {"bury 0.5 if stock < 3", "bury 0.5 if stock < 3"},
    {"boost by attr.margin weight 0.5", "boost by attr.margin weight 0.5"},
    {"boost by stock weight -0.5", "boost by stock weight -0.5"},
    {"boost by price weight 2", "boost by price weight 2"},
    {"boost by created weight 1", "boost by created weight 1"},
    {"promote 20% if brand = \"Acme\"", "promote 20% if brand = \"Acme\""},
    {"pin [\"sku-1\", \"sku-2\"]", "pin [\"sku-1\", \"sku-2\"]"},
    {"max per category 2", "max per category 2"},
    {"max per category1 2", "max per category 2"},
    {"max per category3 4", "max per category3 4"},
    {"max per brand 1", "max per brand 1"},
    {"diversity 0.3", "diversity 0.3"},
};

TEST(RulesParserTest, EveryStatementPrintsCanonically) {
  for (const CanonicalCase& c : kCanonical) {
    absl::StatusOr<RuleSet> rules = ParseRules(c.input);
    ASSERT_TRUE(rules.ok()) << c.input << ": " << rules.status();
    ASSERT_EQ(rules->statements().size(), 1u) << c.input;
    EXPECT_EQ(rules->ToString(), c.canonical) << c.input;
  }
}

TEST(RulesParserTest, CanonicalTextIsAFixedPoint) {
  std::string all;
  for (const CanonicalCase& c : kCanonical) all += std::string(c.input) + "\n";
  absl::StatusOr<RuleSet> rules = ParseRules(all);
  ASSERT_TRUE(rules.ok()) << rules.status();
  EXPECT_EQ(rules->statements().size(), std::size(kCanonical));
  absl::StatusOr<RuleSet> again = ParseRules(rules->ToString());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->ToString(), rules->ToString());
}

TEST(RulesParserTest, SplitsStatementsAndSkipsComments) {
  absl::StatusOr<RuleSet> rules = ParseRules(
      "# config of the cart page\n"
      "filter in_stock  # only what ships now\n"
      "\n"
      "boost 2 if tag = \"#1\"; bury 0.5 if tag = \"a;b\"\n"
      "pin [\"a\",\n"
      "     \"b\"]\n");
  ASSERT_TRUE(rules.ok()) << rules.status();
  ASSERT_EQ(rules->statements().size(), 4u);
  EXPECT_TRUE(std::holds_alternative<FilterStmt>(rules->statements()[0]));
  EXPECT_TRUE(std::holds_alternative<BoostStmt>(rules->statements()[1]));
  EXPECT_EQ(std::get<BoostStmt>(rules->statements()[2]).expr.predicate.strings,
            std::vector<std::string>{"a;b"});
  EXPECT_EQ(std::get<PinStmt>(rules->statements()[3]).ids, (std::vector<std::string>{"a", "b"}));
}

TEST(RulesParserTest, EmptyTextIsTheEmptyRuleSet) {
  for (const char* text : {"", "  \n ; # nothing\n"}) {
    absl::StatusOr<RuleSet> rules = ParseRules(text);
    ASSERT_TRUE(rules.ok()) << rules.status();
    EXPECT_TRUE(rules->empty());
  }
}

TEST(RulesParserTest, AndBindsTighterThanOr) {
  absl::StatusOr<RuleSet> rules = ParseRules("filter tag = \"a\" or tag = \"b\" and not tag = \"c\"");
  ASSERT_TRUE(rules.ok()) << rules.status();
  const Expr& e = std::get<FilterStmt>(rules->statements()[0]).expr;
  ASSERT_EQ(e.kind, Expr::Kind::kOr);
  ASSERT_EQ(e.children.size(), 2u);
  EXPECT_EQ(e.children[0].kind, Expr::Kind::kPredicate);
  ASSERT_EQ(e.children[1].kind, Expr::Kind::kAnd);
  EXPECT_EQ(e.children[1].children[1].kind, Expr::Kind::kNot);
}

TEST(RulesParserTest, ReadsValues) {
  absl::StatusOr<RuleSet> rules = ParseRules(
      "exclude shown 3 times within 7d\nboost by attr.margin weight 0.5\n"
      "max per category2 3\nfilter created after \"2026-01-02\"");
  ASSERT_TRUE(rules.ok()) << rules.status();
  const auto& shown = std::get<ExcludeShownStmt>(rules->statements()[0]);
  EXPECT_EQ(shown.times, 3);
  EXPECT_EQ(shown.within_ms, 7 * 86'400'000LL);
  const auto& by = std::get<BoostByStmt>(rules->statements()[1]);
  EXPECT_EQ(by.field, BoostField::kAttribute);
  EXPECT_EQ(by.attribute, "margin");
  EXPECT_DOUBLE_EQ(by.weight, 0.5);
  const auto& cap = std::get<MaxPerStmt>(rules->statements()[2]);
  EXPECT_FALSE(cap.brand);
  EXPECT_EQ(cap.depth, 2);
  EXPECT_EQ(cap.max, 3);
  // 2026-01-02T00:00:00Z.
  EXPECT_EQ(std::get<FilterStmt>(rules->statements()[3]).expr.predicate.ms, 1767312000000LL);
}

struct ErrorCase {
  const char* input;
  const char* message;
};

// Each error names the rule (number and text), what is wrong and the column.
const ErrorCase kErrors[] = {
    {"boost 1.5 iff tag = \"x\"",
     "rule 1 (\"boost 1.5 iff tag = \"x\"\"): expected 'if', found 'iff' at column 11"},
    {"filter in_stock\nfrobnicate 3",
     "rule 2 (\"frobnicate 3\"): unknown statement 'frobnicate'; statements are filter, "
     "exclude, boost, bury, promote, pin, max, diversity at column 1"},
    {"filter colour = \"red\"", "unknown field 'colour'; fields are category"},
    {"filter colour = \"red\"", "at column 8"},
    {"boost 0.5 if tag = \"a\"", "boost factor must be above 1 and at most 100 (bury lowers "
                                 "scores) at column 7"},
    {"bury 2 if tag = \"a\"", "bury factor must be above 0 and below 1 at column 6"},
    {"promote 120% if tag = \"a\"", "share must be above 0% and at most 100% at column 9"},
    {"promote 20 if tag = \"a\"", "expected a share such as 20%, found '20' at column 9"},
    {"max per color 2", "expected 'category', 'category2'..'category8' or 'brand' at column 9"},
    {"max per category9 2", "at column 9"},
    {"max per brand 0", "the most items must be a whole number from 1 to 1000 at column 15"},
    {"max per brand 2.5", "whole number"},
    {"diversity 1.5", "diversity must be from 0 to 1 at column 11"},
    {"filter price between 50 and 10", "'between' needs the low bound first at column 29"},
    {"filter created within 30x", "bad duration '30x' (write e.g. 45s, 15m, 12h, 30d, 2w) "
                                  "at column 23"},
    {"filter created within 1.5d", "bad duration '1.5d'"},
    {"filter tag = \"abc", "rule 1 (\"filter tag = \"abc\"): unterminated string at column 14"},
    {"filter tag = \"a\\n\"", "unknown escape in string"},
    {"filter tag = \"a\" extra", "expected the end of the rule, found 'extra' at column 18"},
    {"filter created after \"yesterday\"", "bad date 'yesterday'"},
    {"filter availability = sold", "unknown availability 'sold'"},
    {"filter tag =", "expected a tag string but the rule ends at column 13"},
    {"filter price > 5 & in_stock", "unexpected character '&' at column 18"},
    {"filter price ! 5", "unexpected character '!'"},
    {"exclude shown 3 within 7d", "expected 'times', found 'within' at column 17"},
    {"exclude shown 0 times within 7d", "the number of times must be a whole number"},
    {"exclude bought within", "expected a duration such as 30d but the rule ends"},
    {"pin []", "expected a string, found ']' at column 6"},
    {"pin \"a\"", "expected a list such as [\"a\", \"b\"], found string \"a\""},
    {"filter (tag = \"a\"", "expected ')' but the rule ends"},
    {"filter attr. = \"x\"", "expected an attribute name after 'attr.' at column 8"},
    {"filter price in [1, 2]", "expected a comparison"},
    {"filter attr.margin > \"high\"", "'high' is not a number"},
    {"boost by colour weight 2", "'boost by' takes price, stock, created or attr.<key>"},
    {"boost by price weight 0", "weight must be above -1, at most 100 and not 0"},
    {"boost by price weight -1", "weight must be above -1"},
    {"filter", "expected a condition (fields: category"},
    {"123", "expected a statement, found '123' at column 1"},
    {"filter in_stock\nfilter in_stock\nfilter tag = 5", "rule 3 (\"filter tag = 5\")"},
};

TEST(RulesParserTest, ErrorsNameRuleAndColumn) {
  for (const ErrorCase& c : kErrors) {
    absl::StatusOr<RuleSet> rules = ParseRules(c.input);
    ASSERT_FALSE(rules.ok()) << c.input;
    EXPECT_EQ(rules.status().code(), absl::StatusCode::kInvalidArgument) << c.input;
    EXPECT_THAT(rules.status().message(), HasSubstr(c.message)) << c.input;
  }
}

TEST(RulesParserTest, LongRuleTextIsShortenedInErrors) {
  const std::string text = "filter tag = \"" + std::string(100, 'x') + "\" oops";
  absl::StatusOr<RuleSet> rules = ParseRules(text);
  ASSERT_FALSE(rules.ok());
  EXPECT_THAT(rules.status().message(), HasSubstr(text.substr(0, 80) + "...\"): expected the end"));
}

// A text of `n` ORed tag predicates.
std::string Ors(int n) {
  std::string out = "filter tag = \"t0\"";
  for (int i = 1; i < n; ++i) out += " or tag = \"t" + std::to_string(i) + "\"";
  return out;
}

std::string List(int n) {
  std::string out = "pin [";
  for (int i = 0; i < n; ++i) out += (i > 0 ? ", \"" : "\"") + std::to_string(i) + "\"";
  return out + "]";
}

struct LimitCase {
  const char* name;
  std::string at_limit;
  std::string past_limit;
  const char* message;
};

TEST(RulesParserTest, EveryComplexityLimitHolds) {
  std::string statements_ok, statements_over;
  for (int i = 0; i < kMaxStatements; ++i) statements_ok += "filter in_stock\n";
  statements_over = statements_ok + "filter in_stock";
  const std::string big_comment = "# " + std::string(kMaxRuleTextBytes - 18, 'x') + "\n";
  const std::vector<LimitCase> cases = {
      {"text bytes", big_comment + "filter in_stock", big_comment + "filter in_stock\n",
       "bytes; at most 65536"},
      {"statements", statements_ok, statements_over, "65 rules; at most 64"},
      // n predicates plus the one 'or' node.
      {"expression nodes", Ors(kMaxExpressionNodes - 1), Ors(kMaxExpressionNodes),
       "expression has more than 128 terms"},
      {"depth (parentheses)",
       "filter " + std::string(kMaxExpressionDepth, '(') + "in_stock" +
           std::string(kMaxExpressionDepth, ')'),
       "filter " + std::string(kMaxExpressionDepth + 1, '(') + "in_stock" +
           std::string(kMaxExpressionDepth + 1, ')'),
       "expression nested deeper than 16"},
      {"list length", List(kMaxListLength), List(kMaxListLength + 1),
       "list longer than 1000 entries"},
      {"string bytes", "filter tag = \"" + std::string(kMaxStringBytes, 's') + "\"",
       "filter tag = \"" + std::string(kMaxStringBytes + 1, 's') + "\"",
       "string longer than 1024 bytes"},
      {"duration", "exclude bought within 3650d", "exclude bought within 3651d",
       "must be positive and at most 3650d"},
      {"count", "exclude shown 1000 times within 1d", "exclude shown 1001 times within 1d",
       "from 1 to 1000"},
  };
  for (const LimitCase& c : cases) {
    absl::StatusOr<RuleSet> ok = ParseRules(c.at_limit);
    EXPECT_TRUE(ok.ok()) << c.name << ": " << ok.status();
    absl::StatusOr<RuleSet> over = ParseRules(c.past_limit);
    ASSERT_FALSE(over.ok()) << c.name;
    EXPECT_EQ(over.status().code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_THAT(over.status().message(), HasSubstr(c.message)) << c.name;
  }
}

TEST(RulesParserTest, NotChainsCountTowardsDepth) {
  std::string ok = "filter ", over = "filter ";
  for (int i = 0; i < kMaxExpressionDepth; ++i) ok += "not ";
  over = ok + "not in_stock";
  ok += "in_stock";
  EXPECT_TRUE(ParseRules(ok).ok());
  EXPECT_THAT(ParseRules(over).status().message(), HasSubstr("nested deeper than 16"));
}

TEST(RulesParserTest, MergeKeepsConfigThenRequest) {
  absl::StatusOr<RuleSet> config = ParseRules("filter in_stock\nmax per brand 2");
  absl::StatusOr<RuleSet> request = ParseRules("pin [\"a\"]");
  ASSERT_TRUE(config.ok() && request.ok());
  const RuleSet merged = RuleSet::Merge(*config, *request);
  ASSERT_EQ(merged.statements().size(), 3u);
  EXPECT_TRUE(std::holds_alternative<PinStmt>(merged.statements()[2]));
  EXPECT_EQ(merged.ToString(), "filter availability = in_stock\nmax per brand 2\npin [\"a\"]");
  EXPECT_EQ(RuleSet::Merge(*config, RuleSet()).ToString(), config->ToString());
  EXPECT_EQ(RuleSet::Merge(RuleSet(), *request).ToString(), request->ToString());
}

TEST(RulesParserTest, UsesRequestTimeOnlyForCreatedWithin) {
  absl::StatusOr<RuleSet> rules =
      ParseRules("filter tag = \"a\" or not created within 3d\nfilter created after \"2026-01-01\"");
  ASSERT_TRUE(rules.ok());
  EXPECT_TRUE(UsesRequestTime(std::get<FilterStmt>(rules->statements()[0]).expr));
  EXPECT_FALSE(UsesRequestTime(std::get<FilterStmt>(rules->statements()[1]).expr));
}

}  // namespace
}  // namespace persona::model::rules
