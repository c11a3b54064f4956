// Custom segments: a boolean expression over CustomerFacts (profile fields,
// aggregates, RFM, stage, persona, behaviour), written in the rule language's
// syntax (docs/SEGMENTS.md, "Custom segments"), e.g.
//   country = "DE" and bought category "Home/Lighting" and last_purchase > 60d
// One segment is one expression. Parsing validates it (errors name the column
// as docs/RULES.md does); Matches evaluates it for one customer in O(size of
// the expression + the customer's bought lists), so membership can be
// recomputed as events arrive or on demand.
// Thread-safety: SegmentRule is an immutable value once parsed; the
// functions are pure and safe from any thread.
#ifndef PERSONA_MODEL_SEGMENTS_SEGMENT_RULE_H_
#define PERSONA_MODEL_SEGMENTS_SEGMENT_RULE_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "model/segments/facts.h"
#include "model/segments/lifecycle.h"
#include "model/segments/rfm.h"

namespace persona::model::segments {

enum class SegmentField : uint8_t {
  // Strings (op kEquals): profile fields, stage, attributes.
  kCountry, kCity, kLocale, kGender, kStage, kAttribute,
  // Numbers (op kEquals over `numbers`, or kCompare).
  kAge, kOrders, kMonetary, kAov, kRecency, kUnitsBought, kReturns, kReturnRate, kNps, kCsat,
  kRfmR, kRfmF, kRfmM, kPersona, kCartItems,
  kCount,     // count(<key>): events of type `key`
  kAffinity,  // affinity "<key>": share of top-level category `key`
  // Times, compared as "how long ago" (op kAgo).
  kLastPurchase, kLastSeen, kFirstSeen, kLastView, kLastCartAdd,
  // Booleans (op kIs).
  kConsentEmail, kConsentPersonalization,
  // Behaviour.
  kBoughtCategory,  // op kBought
  kBoughtBrand,     // op kBought
  kSegment,         // op kInSegment
};

enum class SegmentOp : uint8_t {
  kEquals,     // equals any of `strings` (string fields) or `numbers` (numeric)
  kExists,     // the attribute `key` is set
  kCompare,    // numeric: value cmp a (between: a <= value <= b)
  kAgo,        // time: (now - time) cmp ms (between: ms <= ago <= ms2)
  kIs,         // boolean: value == flag (an unanswered consent matches neither)
  kBought,     // bought any of `strings` (category: that path or below), within ms (0: ever)
  kInSegment,  // member of any of the built-in segments `strings`
};

enum class SegmentCmp : uint8_t { kLt, kLe, kGt, kGe, kBetween };

struct SegmentPredicate {
  SegmentField field = SegmentField::kCountry;
  SegmentOp op = SegmentOp::kEquals;
  // Attribute key, event type (count), or category (affinity).
  std::string key;
  std::vector<std::string> strings;
  std::vector<double> numbers;
  SegmentCmp cmp = SegmentCmp::kLt;
  double a = 0;
  double b = 0;
  int64_t ms = 0;
  int64_t ms2 = 0;
  bool flag = false;
  friend bool operator==(const SegmentPredicate&, const SegmentPredicate&) = default;
};

struct SegmentExpr {
  enum class Kind : uint8_t { kAnd, kOr, kNot, kPredicate };
  Kind kind = Kind::kPredicate;
  // kAnd/kOr: two or more, nested ones of the same kind flattened; kNot: one.
  std::vector<SegmentExpr> children;
  SegmentPredicate predicate;
  friend bool operator==(const SegmentExpr&, const SegmentExpr&) = default;
};

struct SegmentRule {
  SegmentExpr expr;
  friend bool operator==(const SegmentRule&, const SegmentRule&) = default;
};

// What Matches needs besides the facts.
struct SegmentContext {
  // Evaluation time, epoch ms ("60d ago" is measured from it).
  int64_t now_ms = 0;
  // The customer's current RFM score and stage.
  RfmScore rfm;
  Stage stage = Stage::kProspect;
  // The customer's built-in segments (BuiltInSegments); read only by
  // `in segment`, so it may stay empty when !UsesBuiltInSegments(rule).
  std::span<const std::string> built_in;
};

// Parses one expression. Returns INVALID_ARGUMENT as
//   rule 1 ("<text>"): <what is wrong> at column <c>
// for syntax errors, unknown fields, stages, event types or built-in segment
// names, more than one statement, empty text, and the limits of
// model/rules/ast.h (text 64 KiB, 128 terms, nesting 16, lists of 1000,
// strings of 1024 bytes).
absl::StatusOr<SegmentRule> ParseSegmentRule(absl::string_view text);

// Returns the canonical text: ParseSegmentRule(PrintSegmentRule(r)) == r.
std::string PrintSegmentRule(const SegmentRule& rule);

// Whether the customer is in the segment. Unknown values (no birth year, no
// NPS answer, never bought for aov/recency/last_purchase, ...) match no
// comparison, so `not nps >= 9` includes customers without an answer.
bool Matches(const SegmentRule& rule, const CustomerFacts& facts, const SegmentContext& ctx);

// Whether the rule reads SegmentContext::built_in (`in segment`).
bool UsesBuiltInSegments(const SegmentRule& rule);

}  // namespace persona::model::segments

#endif  // PERSONA_MODEL_SEGMENTS_SEGMENT_RULE_H_
