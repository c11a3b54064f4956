// Canonical text of segment rules: what PrintSegmentRule writes and
// ParseSegmentRule reads back to an equal rule.
#include <string>

#include "absl/strings/str_cat.h"
#include "model/rules/lexer.h"
#include "model/segments/segment_fields.h"
#include "model/segments/segment_rule.h"

namespace persona::model::segments {
namespace {

using Kind = SegmentExpr::Kind;
using rules::FormatDuration;
using rules::FormatNumber;

template <typename T, typename Format>
std::string List(const std::vector<T>& values, Format format) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    out += format(values[i]);
  }
  return out + "]";
}

std::string Strings(const std::vector<std::string>& values) {
  if (values.size() == 1) return rules::Quote(values[0]);
  return List(values, [](const std::string& s) { return rules::Quote(s); });
}

std::string Subject(const SegmentPredicate& p) {
  switch (p.field) {
    case SegmentField::kAttribute: return rules::AttributeName(p.key);
    case SegmentField::kCount: return absl::StrCat("count(", p.key, ")");
    case SegmentField::kAffinity: return absl::StrCat("affinity ", rules::Quote(p.key));
    case SegmentField::kBoughtCategory: return "bought category";
    case SegmentField::kBoughtBrand: return "bought brand";
    case SegmentField::kSegment: return "in segment";
    default: return std::string(NamedFieldName(p.field));
  }
}

const char* CmpText(SegmentCmp cmp) {
  switch (cmp) {
    case SegmentCmp::kLt: return "<";
    case SegmentCmp::kLe: return "<=";
    case SegmentCmp::kGt: return ">";
    case SegmentCmp::kGe: return ">=";
    case SegmentCmp::kBetween: return "between";
  }
  return "?";
}

std::string Equals(const SegmentPredicate& p, const std::string& subject) {
  if (!p.numbers.empty() || p.strings.empty()) {
    if (p.numbers.size() == 1) return absl::StrCat(subject, " = ", FormatNumber(p.numbers[0]));
    return absl::StrCat(subject, " in ", List(p.numbers, FormatNumber));
  }
  if (p.strings.size() == 1) return absl::StrCat(subject, " = ", rules::Quote(p.strings[0]));
  return absl::StrCat(subject, " in ", Strings(p.strings));
}

std::string PredicateText(const SegmentPredicate& p) {
  const std::string subject = Subject(p);
  switch (p.op) {
    case SegmentOp::kEquals: return Equals(p, subject);
    case SegmentOp::kExists: return absl::StrCat(subject, " exists");
    case SegmentOp::kCompare:
      if (p.cmp == SegmentCmp::kBetween) {
        return absl::StrCat(subject, " between ", FormatNumber(p.a), " and ",
                            FormatNumber(p.b));
      }
      return absl::StrCat(subject, " ", CmpText(p.cmp), " ", FormatNumber(p.a));
    case SegmentOp::kAgo:
      if (p.cmp == SegmentCmp::kBetween) {
        return absl::StrCat(subject, " between ", FormatDuration(p.ms), " and ",
                            FormatDuration(p.ms2));
      }
      if (p.cmp == SegmentCmp::kLe)
        return absl::StrCat(subject, " within ", FormatDuration(p.ms));
      return absl::StrCat(subject, " ", CmpText(p.cmp), " ",
                          FormatDuration(p.ms));
    case SegmentOp::kIs:
      return absl::StrCat(subject, p.flag ? " = true" : " = false");
    case SegmentOp::kBought:
      return p.ms > 0 ? absl::StrCat(subject, " ", Strings(p.strings),
                                     " within ", FormatDuration(p.ms))
                      : absl::StrCat(subject, " ", Strings(p.strings));
    case SegmentOp::kInSegment:
      return absl::StrCat(subject, " ", Strings(p.strings));
  }
  return subject;
}

std::string ExprText(const SegmentExpr& e);

std::string Child(const SegmentExpr& child, Kind parent) {
  const bool parens = child.kind != Kind::kPredicate && child.kind != Kind::kNot &&
                      !(parent == Kind::kOr && child.kind == Kind::kAnd);
  return parens ? absl::StrCat("(", ExprText(child), ")") : ExprText(child);
}

std::string ExprText(const SegmentExpr& e) {
  switch (e.kind) {
    case Kind::kPredicate: return PredicateText(e.predicate);
    case Kind::kNot: {
      const SegmentExpr& c = e.children[0];
      const bool parens = c.kind == Kind::kAnd || c.kind == Kind::kOr;
      return parens ? absl::StrCat("not (", ExprText(c), ")") : absl::StrCat("not ", ExprText(c));
    }
    case Kind::kAnd:
    case Kind::kOr: {
      std::string out;
      for (const SegmentExpr& c : e.children) {
        if (!out.empty()) out += e.kind == Kind::kAnd ? " and " : " or ";
        out += Child(c, e.kind);
      }
      return out;
    }
  }
  return "";
}

}  // namespace

std::string PrintSegmentRule(const SegmentRule& rule) { return ExprText(rule.expr); }

}  // namespace persona::model::segments
