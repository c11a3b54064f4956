// Expressions: or > and > not > predicate, with parentheses.
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "model/rules/token_stream.h"

namespace persona::model::rules {
namespace {

constexpr char kFields[] =
    "category, brand, tag, id, price, stock, created, available, in_stock, availability, "
    "attr.<key>";

Expr Leaf(Predicate p) {
  Expr e;
  e.predicate = std::move(p);
  return e;
}

Expr Negate(Expr e) {
  Expr n;
  n.kind = Expr::Kind::kNot;
  n.children.push_back(std::move(e));
  return n;
}

// "= x", "!= x" or "in [...]" over strings.
absl::StatusOr<Expr> Membership(TokenStream& in, Predicate p, absl::string_view what,
                                bool numbers_too) {
  p.op = PredicateOp::kEquals;
  if (in.TakeWord("in")) {
    ASSIGN_OR_RETURN(p.strings, in.ExpectList(numbers_too));
    return Leaf(std::move(p));
  }
  const bool negate = in.TakeOp("!=");
  if (!negate && !in.TakeOp("=")) return in.Expected("'=', '!=' or 'in'");
  if (numbers_too && !in.AtEnd() && in.Peek().kind == TokenKind::kNumber) {
    p.strings.push_back(in.Next().text);
  } else {
    ASSIGN_OR_RETURN(std::string value, in.ExpectString(what));
    p.strings.push_back(std::move(value));
  }
  return negate ? Negate(Leaf(std::move(p))) : Leaf(std::move(p));
}

// Reads a number literal; attributes also take a quoted number ("0.3").
absl::StatusOr<double> NumberLiteral(TokenStream& in, bool quoted_too) {
  if (quoted_too && !in.AtEnd() && in.Peek().kind == TokenKind::kString) {
    const std::string& text = in.Next().text;
    if (auto v = ParseAttributeNumber(text)) return *v;
    return in.FailBack(absl::StrCat("'", text, "' is not a number"));
  }
  return in.ExpectNumber("a number");
}

// "cmp number", "!= number" or "between a and b".
absl::StatusOr<Expr> Comparison(TokenStream& in, Predicate p, bool quoted_too) {
  p.op = PredicateOp::kCompare;
  if (in.TakeWord("between")) {
    p.cmp = Cmp::kBetween;
    ASSIGN_OR_RETURN(p.a, NumberLiteral(in, quoted_too));
    RETURN_IF_ERROR(in.ExpectWord("and"));
    ASSIGN_OR_RETURN(p.b, NumberLiteral(in, quoted_too));
    if (p.b < p.a) return in.FailBack("'between' needs the low bound first");
    return Leaf(std::move(p));
  }
  static constexpr std::pair<const char*, Cmp> kOps[] = {
      {"=", Cmp::kEq}, {"<", Cmp::kLt}, {"<=", Cmp::kLe}, {">", Cmp::kGt}, {">=", Cmp::kGe}};
  const bool negate = in.TakeOp("!=");
  bool found = negate;
  for (const auto& [op, cmp] : kOps) {
    if (!found && in.TakeOp(op)) {
      p.cmp = cmp;
      found = true;
    }
  }
  if (!found) return in.Expected("a comparison (=, !=, <, <=, >, >=, between)");
  ASSIGN_OR_RETURN(p.a, NumberLiteral(in, quoted_too));
  return negate ? Negate(Leaf(std::move(p))) : Leaf(std::move(p));
}

absl::StatusOr<int64_t> DateLiteral(TokenStream& in) {
  ASSIGN_OR_RETURN(std::string text, in.ExpectString("a date such as \"2026-01-01\""));
  absl::Time t;
  std::string err;
  if (absl::ParseTime("%Y-%m-%d", text, absl::UTCTimeZone(), &t, &err) ||
      absl::ParseTime(absl::RFC3339_full, text, absl::UTCTimeZone(), &t, &err)) {
    return absl::ToUnixMillis(t);
  }
  return in.FailBack(absl::StrCat("bad date '", text,
                                  "' (write \"2026-01-01\" or \"2026-01-01T12:00:00Z\")"));
}

absl::StatusOr<Expr> Created(TokenStream& in, Predicate p) {
  if (in.TakeWord("within")) {
    p.op = PredicateOp::kWithin;
    ASSIGN_OR_RETURN(p.ms, in.ExpectDuration("a duration such as 30d"));
  } else if (in.TakeWord("before")) {
    p.op = PredicateOp::kBefore;
    ASSIGN_OR_RETURN(p.ms, DateLiteral(in));
  } else if (in.TakeWord("after")) {
    p.op = PredicateOp::kAfter;
    ASSIGN_OR_RETURN(p.ms, DateLiteral(in));
  } else {
    return in.Expected("'within', 'before' or 'after'");
  }
  return Leaf(std::move(p));
}

absl::StatusOr<Expr> AvailabilityPredicate(TokenStream& in, Predicate p) {
  p.op = PredicateOp::kAvailability;
  const bool negate = in.TakeOp("!=");
  if (!negate && !in.TakeOp("=")) return in.Expected("'=' or '!='");
  if (in.AtEnd() || (in.Peek().kind != TokenKind::kIdent && in.Peek().kind != TokenKind::kString)) {
    return in.Expected("in_stock, out_of_stock, preorder or discontinued");
  }
  const std::string& name = in.Next().text;
  auto a = ParseAvailabilityName(name);
  if (!a) {
    return in.FailBack(absl::StrCat("unknown availability '", name,
                                    "'; use in_stock, out_of_stock, preorder or discontinued"));
  }
  p.availability = *a;
  return negate ? Negate(Leaf(std::move(p))) : Leaf(std::move(p));
}

absl::StatusOr<Expr> AttributePredicate(TokenStream& in, Predicate p) {
  if (in.TakeWord("exists")) {
    p.op = PredicateOp::kExists;
    return Leaf(std::move(p));
  }
  if (in.AtEnd()) return in.Expected("a comparison, 'in' or 'exists'");
  const Token& t = in.Peek();
  const bool membership = (t.kind == TokenKind::kIdent && t.text == "in") ||
                          (t.kind == TokenKind::kOp && (t.text == "=" || t.text == "!="));
  if (membership) return Membership(in, std::move(p), "a string or number", true);
  return Comparison(in, std::move(p), /*quoted_too=*/true);
}

absl::StatusOr<Expr> ParsePredicate(TokenStream& in) {
  RETURN_IF_ERROR(in.CountNode());
  if (in.AtEnd()) return in.Expected(absl::StrCat("a condition (fields: ", kFields, ")"));
  Predicate p;
  if (in.Peek().kind == TokenKind::kAttribute) {
    p.field = Field::kAttribute;
    p.attribute = in.Next().text;
    return AttributePredicate(in, std::move(p));
  }
  if (in.Peek().kind != TokenKind::kIdent) {
    return in.Expected(absl::StrCat("a condition (fields: ", kFields, ")"));
  }
  const std::string word = in.Next().text;
  if (word == "category") {
    p.field = Field::kCategory;
    if (!in.TakeWord("under")) return Membership(in, std::move(p), "a category path", false);
    p.op = PredicateOp::kUnder;
    if (!in.AtEnd() && in.Peek().kind == TokenKind::kLBracket) {
      ASSIGN_OR_RETURN(p.strings, in.ExpectList());
    } else {
      ASSIGN_OR_RETURN(std::string path, in.ExpectString("a category path such as \"Home/Lighting\""));
      p.strings.push_back(std::move(path));
    }
    return Leaf(std::move(p));
  }
  static constexpr std::pair<const char*, Field> kStringFields[] = {
      {"brand", Field::kBrand}, {"tag", Field::kTag}, {"id", Field::kId}};
  for (const auto& [name, field] : kStringFields) {
    if (word == name) {
      p.field = field;
      return Membership(in, std::move(p), absl::StrCat("a ", name, " string"), false);
    }
  }
  if (word == "price" || word == "stock") {
    p.field = word == "price" ? Field::kPrice : Field::kStock;
    return Comparison(in, std::move(p), false);
  }
  if (word == "created") {
    p.field = Field::kCreated;
    return Created(in, std::move(p));
  }
  p.field = Field::kAvailability;
  if (word == "available") {
    p.op = PredicateOp::kAvailable;
    return Leaf(std::move(p));
  }
  if (word == "in_stock") {
    p.op = PredicateOp::kAvailability;
    return Leaf(std::move(p));
  }
  if (word == "availability") return AvailabilityPredicate(in, std::move(p));
  return in.FailBack(absl::StrCat("unknown field '", word, "'; fields are ", kFields));
}

absl::StatusOr<Expr> ParseUnary(TokenStream& in, int depth) {
  if (depth > kMaxExpressionDepth) {
    return in.Fail(absl::StrCat("expression nested deeper than ", kMaxExpressionDepth));
  }
  if (in.TakeWord("not")) {
    RETURN_IF_ERROR(in.CountNode());
    ASSIGN_OR_RETURN(Expr child, ParseUnary(in, depth + 1));
    return Negate(std::move(child));
  }
  if (in.Take(TokenKind::kLParen)) {
    ASSIGN_OR_RETURN(Expr inner, ParseExpression(in, depth + 1));
    if (!in.Take(TokenKind::kRParen)) return in.Expected("')'");
    return inner;
  }
  ASSIGN_OR_RETURN(Expr leaf, ParsePredicate(in));
  // "x != v" is the tree "not x = v" and prints so: its 'not' counts as a term
  // and a level, as a written one does, so that canonical text (which must
  // parse again) stays within the limits.
  if (leaf.kind == Expr::Kind::kNot) {
    RETURN_IF_ERROR(in.CountNode());
    if (depth + 1 > kMaxExpressionDepth) {
      return in.FailBack(absl::StrCat("expression nested deeper than ", kMaxExpressionDepth));
    }
  }
  return leaf;
}

// Appends `e` to `into`, flattening a child of the same kind.
void Append(Expr& into, Expr e) {
  if (e.kind == into.kind) {
    for (Expr& c : e.children) into.children.push_back(std::move(c));
  } else {
    into.children.push_back(std::move(e));
  }
}

absl::StatusOr<Expr> ParseAnd(TokenStream& in, int depth) {
  ASSIGN_OR_RETURN(Expr first, ParseUnary(in, depth));
  if (in.AtEnd() || in.Peek().kind != TokenKind::kIdent || in.Peek().text != "and") return first;
  Expr all;
  all.kind = Expr::Kind::kAnd;
  RETURN_IF_ERROR(in.CountNode());
  Append(all, std::move(first));
  while (in.TakeWord("and")) {
    ASSIGN_OR_RETURN(Expr next, ParseUnary(in, depth));
    Append(all, std::move(next));
  }
  return all;
}

}  // namespace

absl::StatusOr<Expr> ParseExpression(TokenStream& in, int depth) {
  ASSIGN_OR_RETURN(Expr first, ParseAnd(in, depth));
  if (in.AtEnd() || in.Peek().kind != TokenKind::kIdent || in.Peek().text != "or") return first;
  Expr any;
  any.kind = Expr::Kind::kOr;
  RETURN_IF_ERROR(in.CountNode());
  Append(any, std::move(first));
  while (in.TakeWord("or")) {
    ASSIGN_OR_RETURN(Expr next, ParseAnd(in, depth));
    Append(any, std::move(next));
  }
  return any;
}

}  // namespace persona::model::rules
