// Evaluating segment rules for one customer.
#include <algorithm>
#include <optional>

#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "model/catalog_index.h"
#include "model/segments/feedback.h"
#include "model/segments/segment_rule.h"

namespace persona::model::segments {
namespace {

using Kind = SegmentExpr::Kind;
using F = SegmentField;

int64_t YearOf(int64_t ms) {
  return absl::ToCivilYear(absl::FromUnixMillis(ms), absl::UTCTimeZone()).year();
}

std::optional<double> Known(bool known, double v) {
  return known ? std::optional<double>(v) : std::nullopt;
}

std::optional<double> NumberOf(const SegmentPredicate& p, const CustomerFacts& f,
                               const SegmentContext& ctx) {
  switch (p.field) {
    case F::kAge:
      return Known(f.birth_year > 0, static_cast<double>(YearOf(ctx.now_ms) - f.birth_year));
    case F::kOrders: return static_cast<double>(f.orders);
    case F::kMonetary: return f.monetary;
    case F::kAov: return Known(f.orders > 0, f.monetary / static_cast<double>(f.orders));
    case F::kRecency:
      return Known(f.last_purchase_ms > 0,
                   static_cast<double>(DaysSince(f.last_purchase_ms, ctx.now_ms)));
    case F::kUnitsBought: return static_cast<double>(f.units_bought);
    case F::kReturns: return static_cast<double>(f.returned_items);
    case F::kReturnRate: return ReturnRate(f);
    case F::kNps: return Known(f.nps >= 0, f.nps);
    case F::kCsat: return Known(f.csat >= 1, f.csat);
    case F::kRfmR: return ctx.rfm.r;
    case F::kRfmF: return ctx.rfm.f;
    case F::kRfmM: return ctx.rfm.m;
    case F::kPersona: return Known(f.persona >= 0, f.persona);
    case F::kCartItems: return static_cast<double>(f.cart_items);
    case F::kCount: {
      auto it = f.event_counts.find(p.key);
      return it == f.event_counts.end() ? 0.0 : static_cast<double>(it->second);
    }
    case F::kAffinity:
      for (const CategoryShare& s : f.category_affinity) {
        if (s.category == p.key) return s.share;
      }
      return 0.0;
    case F::kAttribute: {
      auto it = f.attributes.find(p.key);
      if (it == f.attributes.end()) return std::nullopt;
      return ParseAttributeNumber(it->second);
    }
    default: return std::nullopt;
  }
}

int64_t TimeOf(F field, const CustomerFacts& f) {
  switch (field) {
    case F::kLastPurchase: return f.last_purchase_ms;
    case F::kLastSeen: return f.last_seen_ms;
    case F::kFirstSeen: return f.first_seen_ms;
    case F::kLastView: return f.last_view_ms;
    case F::kLastCartAdd: return f.last_cart_add_ms;
    default: return 0;
  }
}

template <typename T>
bool Compare(SegmentCmp cmp, T v, T a, T b) {
  switch (cmp) {
    case SegmentCmp::kLt: return v < a;
    case SegmentCmp::kLe: return v <= a;
    case SegmentCmp::kGt: return v > a;
    case SegmentCmp::kGe: return v >= a;
    case SegmentCmp::kBetween: return a <= v && v <= b;
  }
  return false;
}

// The string value of a string field; nullptr when unset (attribute).
const std::string* StringOf(F field, const SegmentPredicate& p, const CustomerFacts& f) {
  switch (field) {
    case F::kCountry: return &f.country;
    case F::kCity: return &f.city;
    case F::kLocale: return &f.locale;
    case F::kGender: return &f.gender;
    case F::kAttribute: {
      auto it = f.attributes.find(p.key);
      return it == f.attributes.end() ? nullptr : &it->second;
    }
    default: return nullptr;
  }
}

bool EqualsAny(const SegmentPredicate& p, const CustomerFacts& f, const SegmentContext& ctx) {
  if (!p.numbers.empty()) {
    const std::optional<double> v = NumberOf(p, f, ctx);
    return v && std::find(p.numbers.begin(), p.numbers.end(), *v) != p.numbers.end();
  }
  if (p.field == F::kStage) {
    const absl::string_view stage = StageName(ctx.stage);
    return std::find(p.strings.begin(), p.strings.end(), stage) != p.strings.end();
  }
  const std::string* value = StringOf(p.field, p, f);
  if (value == nullptr) return false;
  for (const std::string& s : p.strings) {
    if (s == *value) return true;
    // Attributes: "0.3" also matches "0.30".
    if (p.field == F::kAttribute) {
      const auto a = ParseAttributeNumber(s), b = ParseAttributeNumber(*value);
      if (a && b && *a == *b) return true;
    }
  }
  return false;
}

bool UnderPath(absl::string_view path, absl::string_view prefix) {
  return absl::StartsWith(path, prefix) &&
         (path.size() == prefix.size() || path[prefix.size()] == '/');
}

bool BoughtAny(const SegmentPredicate& p, const CustomerFacts& f, int64_t now_ms) {
  const bool category = p.field == F::kBoughtCategory;
  for (const BoughtKey& key : category ? f.bought_categories : f.bought_brands) {
    if (p.ms > 0 && !(key.last_ms > 0 && now_ms - key.last_ms <= p.ms)) continue;
    for (const std::string& want : p.strings) {
      if (category ? UnderPath(key.name, want) : key.name == want) return true;
    }
  }
  return false;
}

bool PredicateMatches(const SegmentPredicate& p, const CustomerFacts& f,
                      const SegmentContext& ctx) {
  switch (p.op) {
    case SegmentOp::kEquals: return EqualsAny(p, f, ctx);
    case SegmentOp::kExists: return f.attributes.contains(p.key);
    case SegmentOp::kCompare: {
      const std::optional<double> v = NumberOf(p, f, ctx);
      return v && Compare(p.cmp, *v, p.a, p.b);
    }
    case SegmentOp::kAgo: {
      const int64_t t = TimeOf(p.field, f);
      return t > 0 && Compare(p.cmp, std::max<int64_t>(0, ctx.now_ms - t), p.ms, p.ms2);
    }
    case SegmentOp::kIs: {
      const std::optional<bool>& v =
          p.field == F::kConsentEmail ? f.consent_email : f.consent_personalization;
      return v.has_value() && *v == p.flag;
    }
    case SegmentOp::kBought: return BoughtAny(p, f, ctx.now_ms);
    case SegmentOp::kInSegment:
      for (const std::string& name : p.strings) {
        if (std::find(ctx.built_in.begin(), ctx.built_in.end(), name) != ctx.built_in.end()) {
          return true;
        }
      }
      return false;
  }
  return false;
}

bool ExprMatches(const SegmentExpr& e, const CustomerFacts& f, const SegmentContext& ctx) {
  switch (e.kind) {
    case Kind::kPredicate: return PredicateMatches(e.predicate, f, ctx);
    case Kind::kNot: return !ExprMatches(e.children[0], f, ctx);
    case Kind::kAnd:
      for (const SegmentExpr& c : e.children) {
        if (!ExprMatches(c, f, ctx)) return false;
      }
      return true;
    case Kind::kOr:
      for (const SegmentExpr& c : e.children) {
        if (ExprMatches(c, f, ctx)) return true;
      }
      return false;
  }
  return false;
}

bool UsesSegments(const SegmentExpr& e) {
  if (e.kind == Kind::kPredicate) return e.predicate.op == SegmentOp::kInSegment;
  return std::any_of(e.children.begin(), e.children.end(), UsesSegments);
}

}  // namespace

bool Matches(const SegmentRule& rule, const CustomerFacts& facts, const SegmentContext& ctx) {
  return ExprMatches(rule.expr, facts, ctx);
}

bool UsesBuiltInSegments(const SegmentRule& rule) { return UsesSegments(rule.expr); }

}  // namespace persona::model::segments
