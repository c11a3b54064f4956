// Fuzzes the business-rule language (model/rules, docs/RULES.md) with
// arbitrary text, as a request's `rules` field or a placement's config:
//   - ParseRules never crashes; a refusal is INVALID_ARGUMENT with a message;
//   - canonical text is a fixed point: parse(print(x)) succeeds and prints
//     the same text with the same number of statements;
//   - compiling against a small fixed catalog gives, for every expression,
//     exactly the items a per-item evaluation of docs/RULES.md's meaning
//     selects (the compiler uses indexes and binary searches instead);
//   - merging, score multipliers and the ranking steps keep their contracts
//     (valid, distinct items; at most `count`; pins first; no disallowed item).
#include <algorithm>
#include <cmath>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "model/catalog_index.h"
#include "model/rules/compile.h"
#include "model/rules/parser.h"
#include "model/rules/rank.h"
#include "tests/fuzz/fuzz_check.h"

namespace persona::model::rules {
namespace {

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kNow = 20'000 * kDay;  // 2024-10-04

const CatalogIndex& Catalog() {
  static const std::shared_ptr<const CatalogIndex> catalog = [] {
    std::vector<ItemInfo> items = {
        {"lamp1", {"Home", "Lighting", "Lamps"}, "Acme", 20, Availability::kInStock,
         kNow - 100 * kDay, 5, {"eco"}, {{"color", "red"}, {"margin", "0.3"}}},
        {"lamp2", {"Home", "Lighting", "Lamps"}, "Bolt", 45, Availability::kInStock,
         kNow - 10 * kDay, 50, {}, {{"color", "blue"}, {"margin", "0.10"}}},
        {"ceil", {"Home", "Lighting"}, "Acme", 120, Availability::kPreorder, kNow - kDay, -1,
         {"eco", "new"}, {{"margin", "n/a"}}},
        {"sofa", {"Home", "Furniture"}, "Couchy", 800, Availability::kOutOfStock,
         kNow - 50 * kDay, 0, {}, {{"fit type", "loose"}, {"size", "42"}}},
        {"shirt", {"Apparel", "Shirts"}, "Acme", 30, Availability::kDiscontinued, kNow - 2 * kDay,
         2, {"new"}, {{"color", "red"}, {"size", "42.0"}}},
        {"gift", {"Gifts"}, "", 25, Availability::kInStock, 0, 100},
        {"cup", {}, "Bolt", 0, Availability::kUnspecified, kNow + kDay, 3, {"eco", ""},
         {{"margin", "-1e3"}}},
        {"tee", {"Apparel", "Shirts", "Tees", "Kids"}, "Zed", 9.99, Availability::kInStock,
         kNow - 400 * kDay, 7, {"new", "sale"}, {{"size", "S"}, {"margin", "0.3"}}},
    };
    return CatalogIndex::Build(std::move(items), {});
  }();
  return *catalog;
}

bool CompareValue(const Predicate& p, double v) {
  switch (p.cmp) {
    case Cmp::kEq: return v == p.a;
    case Cmp::kLt: return v < p.a;
    case Cmp::kLe: return v <= p.a;
    case Cmp::kGt: return v > p.a;
    case Cmp::kGe: return v >= p.a;
    case Cmp::kBetween: return p.a <= v && v <= p.b;
  }
  return false;
}

const std::string* Attribute(const ItemInfo& item, const std::string& key) {
  for (const auto& [k, v] : item.attributes) {
    if (k == key) return &v;
  }
  return nullptr;
}

Availability AvailabilityOf(const ItemInfo& item) {
  return item.availability == Availability::kUnspecified ? Availability::kInStock
                                                         : item.availability;
}

// Whether one item matches a predicate, as docs/RULES.md describes it.
bool PredicateMatches(const Predicate& p, const ItemInfo& item, int64_t now_ms) {
  const std::string path = JoinCategoryPath(item.category_path);
  switch (p.op) {
    case PredicateOp::kUnder:
      for (const std::string& s : p.strings) {
        for (size_t depth = 1; depth <= item.category_path.size(); ++depth) {
          if (JoinCategoryPath(std::span(item.category_path).first(depth)) == s) return true;
        }
      }
      return false;
    case PredicateOp::kEquals:
      for (const std::string& s : p.strings) {
        switch (p.field) {
          case Field::kCategory:
            if (!item.category_path.empty() && path == s) return true;
            break;
          case Field::kBrand:
            if (!item.brand.empty() && item.brand == s) return true;
            break;
          case Field::kTag:
            for (const std::string& tag : item.tags) {
              if (tag == s) return true;
            }
            break;
          case Field::kId:
            if (item.id == s) return true;
            break;
          case Field::kAttribute: {
            const std::string* value = Attribute(item, p.attribute);
            if (value == nullptr) break;
            if (*value == s) return true;
            auto a = ParseAttributeNumber(*value);
            auto b = ParseAttributeNumber(s);
            if (a && b && *a == *b) return true;
            break;
          }
          default:
            break;
        }
      }
      return false;
    case PredicateOp::kCompare:
      if (p.field == Field::kPrice) return CompareValue(p, item.price);
      if (p.field == Field::kStock) {
        return item.stock >= 0 && CompareValue(p, static_cast<double>(item.stock));
      } else {
        const std::string* value = Attribute(item, p.attribute);
        if (value == nullptr) return false;
        auto v = ParseAttributeNumber(*value);
        return v && CompareValue(p, *v);
      }
    case PredicateOp::kExists: return Attribute(item, p.attribute) != nullptr;
    case PredicateOp::kAvailable:
      return AvailabilityOf(item) == Availability::kInStock ||
             AvailabilityOf(item) == Availability::kPreorder;
    case PredicateOp::kAvailability: return AvailabilityOf(item) == p.availability;
    case PredicateOp::kWithin:
      return static_cast<double>(item.created_time_ms) >= static_cast<double>(now_ms - p.ms);
    case PredicateOp::kBefore:
      return static_cast<double>(item.created_time_ms) < static_cast<double>(p.ms);
    case PredicateOp::kAfter:
      return static_cast<double>(item.created_time_ms) >= static_cast<double>(p.ms);
  }
  return false;
}

bool ExprMatches(const Expr& e, const ItemInfo& item, int64_t now_ms) {
  switch (e.kind) {
    case Expr::Kind::kPredicate: return PredicateMatches(e.predicate, item, now_ms);
    case Expr::Kind::kNot:
      FUZZ_CHECK(e.children.size() == 1, "'not' with %zu children", e.children.size());
      return !ExprMatches(e.children[0], item, now_ms);
    case Expr::Kind::kAnd:
    case Expr::Kind::kOr: {
      FUZZ_CHECK(e.children.size() >= 2, "and/or with %zu children", e.children.size());
      for (const Expr& c : e.children) {
        FUZZ_CHECK(c.kind != e.kind, "nested and/or of the same kind is not flattened");
        if (ExprMatches(c, item, now_ms) != (e.kind == Expr::Kind::kAnd)) {
          return e.kind == Expr::Kind::kOr;
        }
      }
      return e.kind == Expr::Kind::kAnd;
    }
  }
  return false;
}

void CheckExpression(const Expr& e, const CatalogIndex& catalog, int64_t now_ms) {
  const ItemMask mask = CompileExpr(e, catalog, now_ms);
  FUZZ_CHECK(mask.size() == catalog.size(), "mask of %d items for %d", mask.size(), catalog.size());
  for (int32_t i = 0; i < catalog.size(); ++i) {
    FUZZ_CHECK(mask.Test(i) == ExprMatches(e, catalog.item(i), now_ms),
               "'%s' at now %lld: the compiled mask says %d for item %s", ExprToString(e).c_str(),
               static_cast<long long>(now_ms), mask.Test(i), catalog.item(i).id.c_str());
  }
}

const Expr* ExpressionOf(const Statement& s) {
  if (auto* f = std::get_if<FilterStmt>(&s)) return &f->expr;
  if (auto* x = std::get_if<ExcludeStmt>(&s)) return &x->expr;
  if (auto* b = std::get_if<BoostStmt>(&s)) return &b->expr;
  if (auto* p = std::get_if<PromoteStmt>(&s)) return &p->expr;
  return nullptr;
}

void CheckRanked(const std::vector<Ranked>& ranked, const CompiledRules& rules,
                 const ItemMask& allowed, int count) {
  FUZZ_CHECK(static_cast<int>(ranked.size()) <= count, "%zu items for count %d", ranked.size(),
             count);
  ItemMask seen(Catalog().size());
  bool pins_over = false;
  for (const Ranked& r : ranked) {
    FUZZ_CHECK(r.item >= 0 && r.item < Catalog().size(), "item index %d", r.item);
    FUZZ_CHECK(!seen.Test(r.item), "item %d chosen twice", r.item);
    seen.Set(r.item);
    FUZZ_CHECK(allowed.Test(r.item), "item %d is not allowed", r.item);
    FUZZ_CHECK(!(r.pinned && pins_over), "a pinned item after an unpinned one");
    pins_over = pins_over || !r.pinned;
    FUZZ_CHECK(!std::isnan(r.score), "NaN score for item %d", r.item);
  }
}

void CheckCompiled(const RuleSet& rules, const CatalogIndex& catalog, int64_t now_ms) {
  const CompiledRules compiled = Compile(rules, catalog, now_ms);
  for (const Statement& s : rules.statements()) {
    if (const Expr* e = ExpressionOf(s)) CheckExpression(*e, catalog, now_ms);
  }
  const CompiledRules merged = MergeCompiled(compiled, compiled);
  FUZZ_CHECK(merged.pins == compiled.pins, "merging rules with themselves changed the pins");
  ItemMask allowed = catalog.recommendable();
  if (compiled.restricts) allowed.And(compiled.allowed);
  std::vector<RankInput> candidates;
  std::vector<int32_t> supply;
  for (int32_t i = 0; i < catalog.size(); ++i) {
    bool boosted = false;
    const double m = ScoreMultiplier(compiled, catalog, i, &boosted);
    FUZZ_CHECK(std::isfinite(m) && m > 0, "multiplier %g for item %d", m, i);
    candidates.push_back({i, static_cast<double>((i * 7919) % 13) - 4});
    supply.push_back(catalog.size() - 1 - i);
  }
  for (int count : {1, 3, catalog.size() + 2}) {
    const std::vector<Ranked> chosen =
        ChooseItems(compiled, catalog, candidates, count, allowed, supply);
    CheckRanked(chosen, compiled, allowed, count);
    std::vector<int32_t> chosen_items;
    for (const Ranked& r : chosen) chosen_items.push_back(r.item);
    std::vector<RankInput> extra;
    allowed.ForEach([&](int32_t i) { extra.push_back({i, 1.0 / (1 + i)}); });
    const std::vector<Ranked> filled = FillItems(compiled, catalog, chosen_items, extra, count);
    FUZZ_CHECK(chosen.size() + filled.size() <= static_cast<size_t>(count),
               "filled past count %d", count);
    for (const Ranked& r : filled) {
      FUZZ_CHECK(!std::count(chosen_items.begin(), chosen_items.end(), r.item),
                 "fill repeats chosen item %d", r.item);
    }
  }
}

}  // namespace
}  // namespace persona::model::rules

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace persona::model::rules;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<RuleSet> rules = ParseRules(text);
  if (!rules.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(rules.status()), "refusal with code %s",
               rules.status().ToString().c_str());
    FUZZ_CHECK(!rules.status().message().empty(), "refusal without a message");
    return 0;
  }
  const std::string& printed = rules->ToString();
  absl::StatusOr<RuleSet> again = ParseRules(printed);
  FUZZ_CHECK(again.ok(), "canonical text does not parse: %s\n--- text:\n%s",
             again.status().ToString().c_str(), printed.c_str());
  FUZZ_CHECK(again->ToString() == printed, "canonical text is not a fixed point:\n%s\n--- then:\n%s",
             printed.c_str(), again->ToString().c_str());
  FUZZ_CHECK(again->statements().size() == rules->statements().size(),
             "%zu statements print as %zu", rules->statements().size(),
             again->statements().size());
  for (int64_t now_ms : {kNow, int64_t{0}}) CheckCompiled(*rules, Catalog(), now_ms);
  return 0;
}
