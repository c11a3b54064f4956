// Property test: random segment rules print to text that parses back to the
// same rule, and the parsed rule decides every random customer the same way.
#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/segments/builtin.h"
#include "model/segments/segment_rule.h"
#include "tests/model/segments/segment_rule_fixture.h"

namespace persona::model::segments {
namespace {

using F = SegmentField;

class RuleGenerator {
 public:
  explicit RuleGenerator(uint32_t seed) : rng_(seed) {}

  SegmentExpr Expr(int depth) {
    const int pick = Uniform(0, depth >= 3 ? 0 : 3);
    if (pick == 0) return Leaf(Predicate());
    if (pick == 1) {
      SegmentExpr n;
      n.kind = SegmentExpr::Kind::kNot;
      n.children.push_back(Expr(depth + 1));
      return n;
    }
    SegmentExpr e;
    e.kind = pick == 2 ? SegmentExpr::Kind::kAnd : SegmentExpr::Kind::kOr;
    const int n = Uniform(2, 3);
    while (static_cast<int>(e.children.size()) < n) {
      SegmentExpr c = Expr(depth + 1);
      if (c.kind != e.kind) e.children.push_back(std::move(c));  // canonical: no nesting of a kind in itself
    }
    return e;
  }

  CustomerFacts Facts() {
    CustomerFacts f;
    f.country = Pick<std::string>({"DE", "AT", ""});
    f.city = Pick<std::string>({"Berlin", "a \"b\"", ""});
    f.gender = Pick<std::string>({"f", "m", ""});
    f.birth_year = Pick<int32_t>({0, 1970, 2000});
    f.consent_email = Pick<std::optional<bool>>({std::nullopt, true, false});
    if (Uniform(0, 1)) f.attributes["tier"] = Pick<std::string>({"gold", "0.5", "7"});
    f.first_seen_ms = Time();
    f.last_seen_ms = Time();
    f.last_purchase_ms = Time();
    f.last_view_ms = Time();
    f.last_cart_add_ms = Time();
    f.orders = Uniform(0, 6);
    f.monetary = Uniform(0, 400) * 0.5;
    f.units_bought = Uniform(0, 10);
    f.returned_items = Uniform(0, 3);
    f.nps = Uniform(-1, 10);
    f.csat = Uniform(-1, 5);
    f.cart_items = Uniform(0, 2);
    f.persona = Uniform(-1, 4);
    if (Uniform(0, 1)) f.bought_categories.push_back({Pick<std::string>({"Home/Lighting", "Garden"}), Time()});
    if (Uniform(0, 1)) f.bought_brands.push_back({"Acme", Time()});
    f.category_affinity.push_back({"Home", Uniform(0, 10) * 0.1});
    f.event_counts["PRODUCT_VIEW"] = Uniform(0, 20);
    return f;
  }

 private:
  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  template <typename T>
  T Pick(std::initializer_list<T> values) {
    return *(values.begin() + Uniform(0, static_cast<int>(values.size()) - 1));
  }
  int64_t Time() {
    return Uniform(0, 4) == 0 ? 0 : testing::kNow - int64_t{Uniform(0, 400)} * 3600 * 1000 * 6;
  }
  double Number() {
    switch (Uniform(0, 3)) {
      case 0: return Uniform(-5, 10);
      case 1: return Uniform(0, 1000) / 8.0;
      case 2: return std::uniform_real_distribution<double>(-1e6, 1e6)(rng_);
      default: return Uniform(0, 10) * 0.1;
    }
  }
  int64_t Duration() {
    static constexpr int64_t kUnits[] = {1000, 60 * 1000, 3600 * 1000, kMsPerDay, 7 * kMsPerDay};
    const int64_t unit = kUnits[Uniform(0, 4)];
    const int64_t most = std::min<int64_t>(500, 3650 * kMsPerDay / unit);  // at most 3650d
    return Uniform(1, static_cast<int>(most)) * unit;
  }
  std::string Text() {
    static const char* kPieces[] = {"a", "B", " ", "\"", "\\", "/", "é", "x1", ":"};
    std::string s;
    for (int i = Uniform(0, 6); i > 0; --i) s += kPieces[Uniform(0, 8)];
    return s;
  }
  std::vector<std::string> Texts() {
    std::vector<std::string> v(Uniform(1, 3));
    for (std::string& s : v) s = Text();
    return v;
  }
  SegmentCmp Cmp() { return static_cast<SegmentCmp>(Uniform(0, 4)); }

  static SegmentExpr Leaf(SegmentPredicate p) {
    SegmentExpr e;
    e.predicate = std::move(p);
    return e;
  }

  void NumericOp(SegmentPredicate& p) {
    if (Uniform(0, 2) == 0) {
      p.op = SegmentOp::kEquals;
      for (int i = Uniform(1, 3); i > 0; --i) p.numbers.push_back(Number());
      return;
    }
    p.op = SegmentOp::kCompare;
    p.cmp = Cmp();
    p.a = Number();
    if (p.cmp == SegmentCmp::kBetween) p.b = p.a + Uniform(0, 5);
  }

  SegmentPredicate Predicate() {
    SegmentPredicate p;
    const int kind = Uniform(0, 9);
    if (kind == 0) {  // string fields
      p.field = Pick({F::kCountry, F::kCity, F::kLocale, F::kGender});
      p.strings = Texts();
    } else if (kind == 1) {
      p.field = F::kStage;
      p.strings = {std::string(StageName(static_cast<Stage>(Uniform(0, kNumStages - 1))))};
    } else if (kind == 2) {
      p.field = Pick({F::kAge, F::kOrders, F::kMonetary, F::kAov, F::kRecency, F::kUnitsBought,
                      F::kReturns, F::kReturnRate, F::kNps, F::kCsat, F::kRfmR, F::kRfmF,
                      F::kRfmM, F::kPersona, F::kCartItems});
      NumericOp(p);
    } else if (kind == 3) {
      p.field = Uniform(0, 1) ? F::kCount : F::kAffinity;
      p.key = p.field == F::kCount ? Pick<std::string>({"PRODUCT_VIEW", "ADD_TO_CART", "X_1"})
                                   : Text();
      NumericOp(p);
    } else if (kind == 4) {
      p.field = Pick({F::kLastPurchase, F::kLastSeen, F::kFirstSeen, F::kLastView,
                      F::kLastCartAdd});
      p.op = SegmentOp::kAgo;
      p.cmp = Cmp();
      p.ms = Duration();
      if (p.cmp == SegmentCmp::kBetween) {
        p.ms2 = Duration();
        if (p.ms2 < p.ms) std::swap(p.ms, p.ms2);
      }
    } else if (kind == 5) {
      p.field = Uniform(0, 1) ? F::kConsentEmail : F::kConsentPersonalization;
      p.op = SegmentOp::kIs;
      p.flag = Uniform(0, 1);
    } else if (kind == 6) {
      p.field = F::kAttribute;
      p.key = Uniform(0, 1) ? "tier" : Text() + "k";
      const int op = Uniform(0, 2);
      if (op == 0) {
        p.op = SegmentOp::kExists;
      } else if (op == 1) {
        p.strings = Texts();
      } else {
        p.op = SegmentOp::kCompare;
        p.cmp = Cmp();
        p.a = Number();
        if (p.cmp == SegmentCmp::kBetween) p.b = p.a + 1;
      }
    } else if (kind == 7) {
      p.field = Uniform(0, 1) ? F::kBoughtCategory : F::kBoughtBrand;
      p.op = SegmentOp::kBought;
      p.strings = Texts();
      if (Uniform(0, 1)) p.ms = Duration();
    } else {
      p.field = F::kSegment;
      p.op = SegmentOp::kInSegment;
      const std::vector<std::string> names = BuiltInSegmentNames(64);
      for (int i = Uniform(1, 3); i > 0; --i) {
        p.strings.push_back(names[Uniform(0, static_cast<int>(names.size()) - 1)]);
      }
    }
    return p;
  }

  std::mt19937 rng_;
};

TEST(SegmentRulePropertyTest, RandomRulesRoundTripAndDecideAlike) {
  RuleGenerator gen(20260301);
  for (int i = 0; i < 2000; ++i) {
    const SegmentRule rule{gen.Expr(0)};
    const std::string text = PrintSegmentRule(rule);
    absl::StatusOr<SegmentRule> parsed = ParseSegmentRule(text);
    ASSERT_TRUE(parsed.ok()) << text << "\n" << parsed.status();
    ASSERT_EQ(*parsed, rule) << text;
    ASSERT_EQ(PrintSegmentRule(*parsed), text);
    for (int j = 0; j < 5; ++j) {
      const CustomerFacts facts = gen.Facts();
      const std::vector<std::string> built_in = {"stage:new", "nps:promoter"};
      SegmentContext ctx;
      ctx.now_ms = testing::kNow;
      ctx.rfm = {3, 2, 1};
      ctx.built_in = built_in;
      ASSERT_EQ(Matches(*parsed, facts, ctx), Matches(rule, facts, ctx)) << text;
    }
  }
}

}  // namespace
}  // namespace persona::model::segments
