#include "model/rules/compile.h"

#include <algorithm>
#include <limits>
#include <span>
#include <utility>
#include <variant>

namespace persona::model::rules {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

void SetAll(ItemMask& mask, std::span<const int32_t> items) {
  for (int32_t i : items) mask.Set(i);
}

// Items of a sorted column whose value satisfies the comparison.
void CompareColumn(const SortedColumn& column, const Predicate& p, ItemMask& out) {
  switch (p.cmp) {
    case Cmp::kEq: SetAll(out, column.Range(p.a, true, p.a, true)); return;
    case Cmp::kLt: SetAll(out, column.Range(-kInf, true, p.a, false)); return;
    case Cmp::kLe: SetAll(out, column.Range(-kInf, true, p.a, true)); return;
    case Cmp::kGt: SetAll(out, column.Range(p.a, false, kInf, true)); return;
    case Cmp::kGe: SetAll(out, column.Range(p.a, true, kInf, true)); return;
    case Cmp::kBetween: SetAll(out, column.Range(p.a, true, p.b, true)); return;
  }
}

// field = "a" / field in [...], by the field's item lists.
void Equals(const Predicate& p, const CatalogIndex& catalog, ItemMask& out) {
  for (const std::string& s : p.strings) {
    switch (p.field) {
      case Field::kCategory:
        if (int32_t c = catalog.CategoryId(s); c >= 0) SetAll(out, catalog.CategoryLeafItems(c));
        break;
      case Field::kBrand:
        if (int32_t b = catalog.BrandId(s); b >= 0) SetAll(out, catalog.BrandItems(b));
        break;
      case Field::kTag:
        if (int32_t t = catalog.TagId(s); t >= 0) SetAll(out, catalog.TagItems(t));
        break;
      case Field::kId:
        if (int32_t i = catalog.Find(s); i >= 0) out.Set(i);
        break;
      case Field::kAttribute: {
        const int32_t key = catalog.AttributeId(p.attribute);
        if (key < 0) break;
        SetAll(out, catalog.AttributeValueItems(key, s));
        // "0.30" matches a value written "0.3": numbers compare as numbers.
        if (auto v = ParseAttributeNumber(s)) {
          SetAll(out, catalog.AttributeNumbers(key).Range(*v, true, *v, true));
        }
        break;
      }
      default: break;
    }
  }
}

void PredicateItems(const Predicate& p, const CatalogIndex& catalog, int64_t now_ms,
                    ItemMask& out) {
  switch (p.op) {
    case PredicateOp::kUnder:
      for (const std::string& path : p.strings) {
        if (int32_t c = catalog.CategoryId(path); c >= 0) SetAll(out, catalog.CategoryItems(c));
      }
      return;
    case PredicateOp::kEquals: Equals(p, catalog, out); return;
    case PredicateOp::kCompare: {
      if (p.field == Field::kPrice) return CompareColumn(catalog.PriceColumn(), p, out);
      if (p.field == Field::kStock) return CompareColumn(catalog.StockColumn(), p, out);
      const int32_t key = catalog.AttributeId(p.attribute);
      if (key >= 0) CompareColumn(catalog.AttributeNumbers(key), p, out);
      return;
    }
    case PredicateOp::kExists:
      if (int32_t key = catalog.AttributeId(p.attribute); key >= 0) {
        SetAll(out, catalog.AttributeItems(key));
      }
      return;
    case PredicateOp::kAvailable: out.Or(catalog.recommendable()); return;
    case PredicateOp::kAvailability: out.Or(catalog.AvailabilityMask(p.availability)); return;
    case PredicateOp::kWithin:
      SetAll(out, catalog.CreatedColumn().Range(static_cast<double>(now_ms - p.ms), true, kInf,
                                                true));
      return;
    case PredicateOp::kBefore:
      SetAll(out, catalog.CreatedColumn().Range(-kInf, true, static_cast<double>(p.ms), false));
      return;
    case PredicateOp::kAfter:
      SetAll(out, catalog.CreatedColumn().Range(static_cast<double>(p.ms), true, kInf, true));
      return;
  }
}

// Keeps the stricter cap per brand and per category depth.
void AddBrandCap(CompiledRules& out, int32_t max) {
  out.max_per_brand = out.max_per_brand == 0 ? max : std::min(out.max_per_brand, max);
}

void AddCategoryCap(CompiledRules& out, int32_t depth, int32_t max) {
  for (CategoryCap& cap : out.category_caps) {
    if (cap.depth == depth) {
      cap.max = std::min(cap.max, max);
      return;
    }
  }
  out.category_caps.push_back({depth, max});
}

// "ever" (0) is the widest purchase window; otherwise the longest stated wins.
void AddBoughtWindow(CompiledRules& out, int64_t within_ms) {
  const int64_t prev = out.exclude_bought_within_ms.value_or(-1);
  out.exclude_bought_within_ms = prev == 0 || within_ms == 0 ? 0 : std::max(prev, within_ms);
}

// Accumulates the compiled form of one statement.
struct Compiler {
  const CatalogIndex& catalog;
  int64_t now_ms;
  CompiledRules& out;

  void Restrict(const ItemMask& keep) {
    if (!out.restricts) {
      out.restricts = true;
      out.allowed = keep;
    } else {
      out.allowed.And(keep);
    }
  }
  void Forbid(const ItemMask& items) {
    ItemMask keep(catalog.size(), true);
    keep.AndNot(items);
    Restrict(keep);
  }
  ItemMask Items(const Expr& e) {
    if (UsesRequestTime(e)) out.uses_request_time = true;
    return CompileExpr(e, catalog, now_ms);
  }

  void operator()(const FilterStmt& s) { Restrict(Items(s.expr)); }
  void operator()(const ExcludeStmt& s) { Forbid(Items(s.expr)); }
  void operator()(const ExcludeCartStmt&) { out.exclude_cart = true; }
  void operator()(const ExcludeBoughtStmt& s) { AddBoughtWindow(out, s.within_ms); }
  void operator()(const ExcludeShownStmt& s) { out.exclude_shown.push_back(s); }
  void operator()(const ExcludeIdsStmt& s) {
    ItemMask items(catalog.size());
    for (const std::string& id : s.ids) {
      if (int32_t i = catalog.Find(id); i >= 0) items.Set(i);
    }
    Forbid(items);
  }
  void operator()(const BoostStmt& s) { out.boosts.push_back({Items(s.expr), s.factor}); }
  void operator()(const BoostByStmt& s);
  void operator()(const PromoteStmt& s) {
    out.promotions.push_back({Items(s.expr), s.percent});
  }
  void operator()(const PinStmt& s) {
    for (const std::string& id : s.ids) {
      const int32_t i = catalog.Find(id);
      if (i >= 0 && std::find(out.pins.begin(), out.pins.end(), i) == out.pins.end()) {
        out.pins.push_back(i);
      }
    }
  }
  void operator()(const MaxPerStmt& s) {
    if (s.brand) {
      AddBrandCap(out, s.max);
    } else {
      AddCategoryCap(out, s.depth, s.max);
    }
  }
  void operator()(const DiversityStmt& s) { out.diversity = s.lambda; }
};

void Compiler::operator()(const BoostByStmt& s) {
  CompiledBoostBy b{s.field, s.attribute, s.weight};
  const SortedColumn* column = nullptr;
  switch (s.field) {
    case BoostField::kPrice: column = &catalog.PriceColumn(); break;
    case BoostField::kStock: column = &catalog.StockColumn(); break;
    case BoostField::kCreated: column = &catalog.CreatedColumn(); break;
    case BoostField::kAttribute:
      if (int32_t key = catalog.AttributeId(s.attribute); key >= 0) {
        column = &catalog.AttributeNumbers(key);
      }
      break;
  }
  // A field without values, or all equal, changes nothing.
  if (column == nullptr || column->empty() || column->max() <= column->min()) return;
  b.lo = column->min();
  b.hi = column->max();
  out.boosts_by.push_back(std::move(b));
}

// The item's value of a boost-by field, or nullopt when it has none.
std::optional<double> FieldValue(const CompiledBoostBy& b, const CatalogIndex& catalog,
                                 int32_t item) {
  const ItemInfo& info = catalog.item(item);
  switch (b.field) {
    case BoostField::kPrice: return info.price;
    case BoostField::kStock:
      return info.stock >= 0 ? std::optional<double>(static_cast<double>(info.stock))
                             : std::nullopt;
    case BoostField::kCreated: return static_cast<double>(info.created_time_ms);
    case BoostField::kAttribute: {
      const std::string* v = catalog.ItemAttribute(item, b.attribute);
      return v == nullptr ? std::nullopt : ParseAttributeNumber(*v);
    }
  }
  return std::nullopt;
}

}  // namespace

bool CompiledRules::ranks() const {
  return !boosts.empty() || !boosts_by.empty() || !promotions.empty() || !pins.empty() ||
         max_per_brand > 0 || !category_caps.empty() || diversity.value_or(0) > 0;
}

ItemMask CompileExpr(const Expr& expr, const CatalogIndex& catalog, int64_t now_ms) {
  const int32_t n = catalog.size();
  switch (expr.kind) {
    case Expr::Kind::kPredicate: {
      ItemMask out(n);
      PredicateItems(expr.predicate, catalog, now_ms, out);
      return out;
    }
    case Expr::Kind::kNot: {
      ItemMask out(n, true);
      out.AndNot(CompileExpr(expr.children[0], catalog, now_ms));
      return out;
    }
    case Expr::Kind::kAnd: {
      ItemMask out = CompileExpr(expr.children[0], catalog, now_ms);
      for (size_t c = 1; c < expr.children.size(); ++c) {
        out.And(CompileExpr(expr.children[c], catalog, now_ms));
      }
      return out;
    }
    case Expr::Kind::kOr: {
      ItemMask out(n);
      for (const Expr& c : expr.children) out.Or(CompileExpr(c, catalog, now_ms));
      return out;
    }
  }
  return ItemMask(n);
}

CompiledRules Compile(const RuleSet& rules, const CatalogIndex& catalog, int64_t now_ms) {
  CompiledRules out;
  Compiler compiler{catalog, now_ms, out};
  for (const Statement& s : rules.statements()) std::visit(compiler, s);
  return out;
}

CompiledRules MergeCompiled(const CompiledRules& config, const CompiledRules& request) {
  CompiledRules out = config;
  if (request.restricts) {
    if (out.restricts) {
      out.allowed.And(request.allowed);
    } else {
      out.restricts = true;
      out.allowed = request.allowed;
    }
  }
  out.boosts.insert(out.boosts.end(), request.boosts.begin(), request.boosts.end());
  out.boosts_by.insert(out.boosts_by.end(), request.boosts_by.begin(), request.boosts_by.end());
  out.promotions.insert(out.promotions.end(), request.promotions.begin(),
                        request.promotions.end());
  for (int32_t i : request.pins) {
    if (std::find(out.pins.begin(), out.pins.end(), i) == out.pins.end()) out.pins.push_back(i);
  }
  if (request.max_per_brand > 0) AddBrandCap(out, request.max_per_brand);
  for (const CategoryCap& cap : request.category_caps) AddCategoryCap(out, cap.depth, cap.max);
  if (request.diversity) out.diversity = request.diversity;
  out.exclude_cart = config.exclude_cart || request.exclude_cart;
  if (request.exclude_bought_within_ms) AddBoughtWindow(out, *request.exclude_bought_within_ms);
  out.exclude_shown.insert(out.exclude_shown.end(), request.exclude_shown.begin(),
                           request.exclude_shown.end());
  out.uses_request_time = config.uses_request_time || request.uses_request_time;
  return out;
}

double ScoreMultiplier(const CompiledRules& rules, const CatalogIndex& catalog, int32_t item,
                       bool* boosted) {
  double m = 1;
  bool changed = false;
  for (const CompiledBoost& b : rules.boosts) {
    if (b.items.Test(item)) {
      m *= b.factor;
      changed = true;
    }
  }
  for (const CompiledBoostBy& b : rules.boosts_by) {
    const std::optional<double> v = FieldValue(b, catalog, item);
    if (!v) continue;
    const double x = std::clamp((*v - b.lo) / (b.hi - b.lo), 0.0, 1.0);
    if (x > 0) {
      m *= 1 + b.weight * x;
      changed = true;
    }
  }
  if (boosted != nullptr) *boosted = changed;
  return m;
}

}  // namespace persona::model::rules
