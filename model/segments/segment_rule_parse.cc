// Parsing segment rules: or > and > not > predicate, with parentheses, over
// the rule language's tokens (model/rules/lexer.h, token_stream.h).
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "model/catalog_index.h"
#include "model/rules/ast.h"
#include "model/rules/lexer.h"
#include "model/rules/token_stream.h"
#include "model/segments/builtin.h"
#include "model/segments/segment_fields.h"
#include "model/segments/segment_rule.h"

namespace persona::model::segments {
namespace {

using rules::Token;
using rules::TokenKind;
using rules::TokenStream;
using Kind = SegmentExpr::Kind;

SegmentExpr Leaf(SegmentPredicate p) {
  SegmentExpr e;
  e.predicate = std::move(p);
  return e;
}

SegmentExpr Negate(SegmentExpr e) {
  SegmentExpr n;
  n.kind = Kind::kNot;
  n.children.push_back(std::move(e));
  return n;
}

SegmentExpr Maybe(bool negate, SegmentPredicate p) {
  return negate ? Negate(Leaf(std::move(p))) : Leaf(std::move(p));
}

bool PeekWord(TokenStream& in, absl::string_view word) {
  return !in.AtEnd() && in.Peek().kind == TokenKind::kIdent && in.Peek().text == word;
}

// Takes one of < <= > >=.
bool TakeCmp(TokenStream& in, SegmentCmp& cmp) {
  static constexpr std::pair<const char*, SegmentCmp> kOps[] = {
      {"<", SegmentCmp::kLt}, {"<=", SegmentCmp::kLe}, {">", SegmentCmp::kGt},
      {">=", SegmentCmp::kGe}};
  for (const auto& [op, c] : kOps) {
    if (in.TakeOp(op)) {
      cmp = c;
      return true;
    }
  }
  return false;
}

// [1, 2.5, ...]: 1..kMaxListLength numbers.
absl::StatusOr<std::vector<double>> NumberList(TokenStream& in) {
  if (!in.Take(TokenKind::kLBracket)) return in.Expected("a list such as [1, 2]");
  std::vector<double> values;
  do {
    if (values.size() >= static_cast<size_t>(rules::kMaxListLength)) {
      return in.Fail(absl::StrCat("list longer than ", rules::kMaxListLength, " entries"));
    }
    ASSIGN_OR_RETURN(double v, in.ExpectNumber("a number"));
    values.push_back(v);
  } while (in.Take(TokenKind::kComma));
  if (!in.Take(TokenKind::kRBracket)) return in.Expected("',' or ']'");
  return values;
}

// A string or a list of strings.
absl::StatusOr<std::vector<std::string>> OneOrList(TokenStream& in, absl::string_view what) {
  if (!in.AtEnd() && in.Peek().kind == TokenKind::kLBracket) return in.ExpectList();
  ASSIGN_OR_RETURN(std::string s, in.ExpectString(what));
  return std::vector<std::string>{std::move(s)};
}

// "= n", "!= n", "in [..]", "< n" ..., "between a and b".
absl::StatusOr<SegmentExpr> Numeric(TokenStream& in, SegmentPredicate p) {
  if (in.TakeWord("in")) {
    p.op = SegmentOp::kEquals;
    ASSIGN_OR_RETURN(p.numbers, NumberList(in));
    return Leaf(std::move(p));
  }
  if (in.TakeWord("between")) {
    p.op = SegmentOp::kCompare;
    p.cmp = SegmentCmp::kBetween;
    ASSIGN_OR_RETURN(p.a, in.ExpectNumber("a number"));
    RETURN_IF_ERROR(in.ExpectWord("and"));
    ASSIGN_OR_RETURN(p.b, in.ExpectNumber("a number"));
    if (p.b < p.a) return in.FailBack("'between' needs the low bound first");
    return Leaf(std::move(p));
  }
  const bool negate = in.TakeOp("!=");
  if (negate || in.TakeOp("=")) {
    p.op = SegmentOp::kEquals;
    ASSIGN_OR_RETURN(double v, in.ExpectNumber("a number"));
    p.numbers.push_back(v);
    return Maybe(negate, std::move(p));
  }
  if (!TakeCmp(in, p.cmp)) return in.Expected("a comparison (=, !=, <, <=, >, >=, between, in)");
  p.op = SegmentOp::kCompare;
  ASSIGN_OR_RETURN(p.a, in.ExpectNumber("a number"));
  return Leaf(std::move(p));
}

// "within d", "< d" ..., "between d1 and d2": how long ago.
absl::StatusOr<SegmentExpr> Ago(TokenStream& in, SegmentPredicate p) {
  p.op = SegmentOp::kAgo;
  if (in.TakeWord("within")) {
    p.cmp = SegmentCmp::kLe;
  } else if (in.TakeWord("between")) {
    p.cmp = SegmentCmp::kBetween;
    ASSIGN_OR_RETURN(p.ms, in.ExpectDuration("a duration such as 30d"));
    RETURN_IF_ERROR(in.ExpectWord("and"));
    ASSIGN_OR_RETURN(p.ms2, in.ExpectDuration("a duration such as 60d"));
    if (p.ms2 < p.ms) return in.FailBack("'between' needs the shorter duration first");
    return Leaf(std::move(p));
  } else if (!TakeCmp(in, p.cmp)) {
    return in.Expected("'within', 'between' or a comparison (<, <=, >, >=) with a duration");
  }
  ASSIGN_OR_RETURN(p.ms, in.ExpectDuration("a duration such as 60d"));
  return Leaf(std::move(p));
}

// A string value; stage also takes a bare stage name and checks it.
absl::StatusOr<std::string> StringValue(TokenStream& in, const SegmentPredicate& p) {
  if (p.field != SegmentField::kStage) return in.ExpectString("a string");
  if (in.AtEnd() || (in.Peek().kind != TokenKind::kString && in.Peek().kind != TokenKind::kIdent)) {
    return in.Expected("a stage name");
  }
  std::string name = in.Next().text;
  if (!ParseStageName(name)) {
    return in.FailBack(absl::StrCat(
        "unknown stage '", name, "'; stages are prospect, new, active, loyal, at_risk, lost"));
  }
  return name;
}

absl::StatusOr<SegmentExpr> Textual(TokenStream& in, SegmentPredicate p) {
  p.op = SegmentOp::kEquals;
  if (in.TakeWord("in")) {
    ASSIGN_OR_RETURN(p.strings, in.ExpectList());
    if (p.field == SegmentField::kStage) {
      for (const std::string& s : p.strings) {
        if (!ParseStageName(s)) {
          return in.FailBack(absl::StrCat("unknown stage '", s,
                                          "'; stages are prospect, new, active, loyal, at_risk, lost"));
        }
      }
    }
    return Leaf(std::move(p));
  }
  const bool negate = in.TakeOp("!=");
  if (!negate && !in.TakeOp("=")) return in.Expected("'=', '!=' or 'in'");
  ASSIGN_OR_RETURN(std::string value, StringValue(in, p));
  p.strings.push_back(std::move(value));
  return Maybe(negate, std::move(p));
}

absl::StatusOr<SegmentExpr> Boolean(TokenStream& in, SegmentPredicate p) {
  p.op = SegmentOp::kIs;
  p.flag = true;
  const bool negate = in.TakeOp("!=");
  if (!negate && !in.TakeOp("=")) return Leaf(std::move(p));
  if (in.TakeWord("false")) {
    p.flag = false;
  } else if (!in.TakeWord("true")) {
    return in.Expected("true or false");
  }
  return Maybe(negate, std::move(p));
}

absl::StatusOr<SegmentExpr> Attribute(TokenStream& in, SegmentPredicate p) {
  if (in.TakeWord("exists")) {
    p.op = SegmentOp::kExists;
    return Leaf(std::move(p));
  }
  p.op = SegmentOp::kEquals;
  if (in.TakeWord("in")) {
    ASSIGN_OR_RETURN(p.strings, in.ExpectList(/*numbers_too=*/true));
    return Leaf(std::move(p));
  }
  const bool negate = in.TakeOp("!=");
  if (negate || in.TakeOp("=")) {
    if (in.AtEnd() || (in.Peek().kind != TokenKind::kString && in.Peek().kind != TokenKind::kNumber)) {
      return in.Expected("a string or number");
    }
    p.strings.push_back(in.Next().text);
    return Maybe(negate, std::move(p));
  }
  if (PeekWord(in, "between") || (!in.AtEnd() && in.Peek().kind == TokenKind::kOp)) {
    return Numeric(in, std::move(p));
  }
  return in.Expected("a comparison, 'in' or 'exists'");
}

absl::StatusOr<SegmentExpr> Bought(TokenStream& in, SegmentPredicate p) {
  if (in.TakeWord("category")) {
    p.field = SegmentField::kBoughtCategory;
  } else if (in.TakeWord("brand")) {
    p.field = SegmentField::kBoughtBrand;
  } else {
    return in.Expected("'category' or 'brand'");
  }
  p.op = SegmentOp::kBought;
  ASSIGN_OR_RETURN(p.strings, OneOrList(in, p.field == SegmentField::kBoughtCategory
                                                ? "a category path such as \"Home/Lighting\""
                                                : "a brand string"));
  if (in.TakeWord("within")) {
    ASSIGN_OR_RETURN(p.ms, in.ExpectDuration("a duration such as 30d"));
  }
  return Leaf(std::move(p));
}

absl::StatusOr<SegmentExpr> InSegment(TokenStream& in, SegmentPredicate p) {
  RETURN_IF_ERROR(in.ExpectWord("segment"));
  p.field = SegmentField::kSegment;
  p.op = SegmentOp::kInSegment;
  ASSIGN_OR_RETURN(p.strings, OneOrList(in, "a built-in segment name such as \"stage:loyal\""));
  for (const std::string& name : p.strings) {
    if (!IsBuiltInSegmentName(name)) {
      return in.FailBack(absl::StrCat("unknown built-in segment '", name,
                                      "' (e.g. stage:loyal, rfm:champions, nps:promoter, "
                                      "abandoned_cart, persona:0)"));
    }
  }
  return Leaf(std::move(p));
}

absl::StatusOr<SegmentExpr> Count(TokenStream& in, SegmentPredicate p) {
  p.field = SegmentField::kCount;
  if (!in.Take(TokenKind::kLParen)) return in.Expected("'(' and an event type such as PRODUCT_VIEW");
  if (in.AtEnd() || in.Peek().kind != TokenKind::kIdent) {
    return in.Expected("an event type such as PRODUCT_VIEW");
  }
  p.key = in.Next().text;
  for (char c : p.key) {
    if (!absl::ascii_isupper(static_cast<unsigned char>(c)) && c != '_' &&
        !absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return in.FailBack(absl::StrCat("event type '", p.key,
                                      "' must be an upper-case API name such as PRODUCT_VIEW"));
    }
  }
  if (!in.Take(TokenKind::kRParen)) return in.Expected("')'");
  return Numeric(in, std::move(p));
}

absl::StatusOr<SegmentExpr> ParsePredicate(TokenStream& in) {
  RETURN_IF_ERROR(in.CountNode());
  const std::string kCondition = absl::StrCat("a condition (fields: ", kFieldList, ")");
  if (in.AtEnd()) return in.Expected(kCondition);
  SegmentPredicate p;
  if (in.Peek().kind == TokenKind::kAttribute) {
    p.field = SegmentField::kAttribute;
    p.key = in.Next().text;
    return Attribute(in, std::move(p));
  }
  if (in.Peek().kind != TokenKind::kIdent) return in.Expected(kCondition);
  const std::string word = in.Next().text;
  if (word == "count") return Count(in, std::move(p));
  if (word == "affinity") {
    p.field = SegmentField::kAffinity;
    ASSIGN_OR_RETURN(p.key, in.ExpectString("a top-level category such as \"Home\""));
    return Numeric(in, std::move(p));
  }
  if (word == "bought") return Bought(in, std::move(p));
  if (word == "in") return InSegment(in, std::move(p));
  for (const FieldInfo& f : NamedFields()) {
    if (word != f.name) continue;
    p.field = f.field;
    switch (f.kind) {
      case FieldKind::kString: return Textual(in, std::move(p));
      case FieldKind::kNumber: return Numeric(in, std::move(p));
      case FieldKind::kTime: return Ago(in, std::move(p));
      case FieldKind::kBool: return Boolean(in, std::move(p));
      case FieldKind::kOther: break;
    }
  }
  return in.FailBack(absl::StrCat("unknown field '", word, "'; fields are ", kFieldList));
}

absl::StatusOr<SegmentExpr> ParseOr(TokenStream& in, int depth);

absl::StatusOr<SegmentExpr> ParseUnary(TokenStream& in, int depth) {
  if (depth > rules::kMaxExpressionDepth) {
    return in.Fail(absl::StrCat("expression nested deeper than ", rules::kMaxExpressionDepth));
  }
  if (in.TakeWord("not")) {
    RETURN_IF_ERROR(in.CountNode());
    ASSIGN_OR_RETURN(SegmentExpr child, ParseUnary(in, depth + 1));
    return Negate(std::move(child));
  }
  if (in.Take(TokenKind::kLParen)) {
    ASSIGN_OR_RETURN(SegmentExpr inner, ParseOr(in, depth + 1));
    if (!in.Take(TokenKind::kRParen)) return in.Expected("')'");
    return inner;
  }
  ASSIGN_OR_RETURN(SegmentExpr leaf, ParsePredicate(in));
  // "x != v" is the tree "not x = v" and prints so: its 'not' counts as a term
  // and a level, as a written one does, so that canonical text (which must
  // parse again) stays within the limits.
  if (leaf.kind == Kind::kNot) {
    RETURN_IF_ERROR(in.CountNode());
    if (depth + 1 > rules::kMaxExpressionDepth) {
      return in.FailBack(absl::StrCat("expression nested deeper than ", rules::kMaxExpressionDepth));
    }
  }
  return leaf;
}

// Appends `e` to `into`, flattening a child of the same kind.
void Append(SegmentExpr& into, SegmentExpr e) {
  if (e.kind != into.kind) {
    into.children.push_back(std::move(e));
    return;
  }
  for (SegmentExpr& c : e.children) into.children.push_back(std::move(c));
}

// One level: `word`-separated operands parsed by `operand`.
template <typename Operand>
absl::StatusOr<SegmentExpr> ParseChain(TokenStream& in, int depth, absl::string_view word,
                                       Kind kind, Operand operand) {
  ASSIGN_OR_RETURN(SegmentExpr first, operand(in, depth));
  if (!PeekWord(in, word)) return first;
  SegmentExpr all;
  all.kind = kind;
  RETURN_IF_ERROR(in.CountNode());
  Append(all, std::move(first));
  while (in.TakeWord(word)) {
    ASSIGN_OR_RETURN(SegmentExpr next, operand(in, depth));
    Append(all, std::move(next));
  }
  return all;
}

absl::StatusOr<SegmentExpr> ParseAnd(TokenStream& in, int depth) {
  return ParseChain(in, depth, "and", Kind::kAnd, ParseUnary);
}

absl::StatusOr<SegmentExpr> ParseOr(TokenStream& in, int depth) {
  return ParseChain(in, depth, "or", Kind::kOr, ParseAnd);
}

}  // namespace

absl::StatusOr<SegmentRule> ParseSegmentRule(absl::string_view text) {
  if (text.size() > static_cast<size_t>(rules::kMaxRuleTextBytes)) {
    return absl::InvalidArgumentError(absl::StrCat("segment rule is ", text.size(),
                                                   " bytes; at most ", rules::kMaxRuleTextBytes));
  }
  ASSIGN_OR_RETURN(std::vector<rules::StatementSource> sources, rules::SplitStatements(text));
  if (sources.empty()) return absl::InvalidArgumentError("segment rule is empty");
  if (sources.size() > 1) {
    return absl::InvalidArgumentError(rules::RuleError(
        2, sources[1].text,
        "a segment is one expression: join conditions with 'and' or 'or' (outside parentheses "
        "a line break or ';' ends it)",
        1));
  }
  TokenStream in(sources[0]);
  absl::StatusOr<SegmentExpr> expr = ParseOr(in, 0);
  absl::Status status = expr.status();
  if (status.ok() && !in.AtEnd()) status = in.Expected("'and', 'or' or the end of the rule");
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        rules::RuleError(sources[0].number, sources[0].text, status.message(), in.error_column()));
  }
  return SegmentRule{*std::move(expr)};
}

}  // namespace persona::model::segments
