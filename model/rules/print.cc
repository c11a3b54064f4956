// Canonical text of rules: what ToString prints and ParseRules reads back.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "model/rules/ast.h"
#include "model/rules/lexer.h"

namespace persona::model::rules {
namespace {

std::string Date(int64_t ms) {
  const absl::Time t = absl::FromUnixMillis(ms);
  const char* format = ms % (24 * 3600 * 1000) == 0 ? "%Y-%m-%d" : "%Y-%m-%dT%H:%M:%E*SZ";
  return Quote(absl::FormatTime(format, t, absl::UTCTimeZone()));
}

std::string List(const std::vector<std::string>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    out += Quote(values[i]);
  }
  return out + "]";
}

std::string FieldName(const Predicate& p) {
  switch (p.field) {
    case Field::kCategory: return "category";
    case Field::kBrand: return "brand";
    case Field::kTag: return "tag";
    case Field::kId: return "id";
    case Field::kPrice: return "price";
    case Field::kStock: return "stock";
    case Field::kCreated: return "created";
    case Field::kAvailability: return "availability";
    case Field::kAttribute: return AttributeName(p.attribute);
  }
  return "?";
}

std::string Compare(const Predicate& p) {
  const std::string field = FieldName(p);
  switch (p.cmp) {
    case Cmp::kEq: return absl::StrCat(field, " = ", FormatNumber(p.a));
    case Cmp::kLt: return absl::StrCat(field, " < ", FormatNumber(p.a));
    case Cmp::kLe: return absl::StrCat(field, " <= ", FormatNumber(p.a));
    case Cmp::kGt: return absl::StrCat(field, " > ", FormatNumber(p.a));
    case Cmp::kGe: return absl::StrCat(field, " >= ", FormatNumber(p.a));
    case Cmp::kBetween:
      return absl::StrCat(field, " between ", FormatNumber(p.a), " and ", FormatNumber(p.b));
  }
  return field;
}

std::string PredicateToString(const Predicate& p) {
  switch (p.op) {
    case PredicateOp::kUnder:
      return absl::StrCat("category under ",
                          p.strings.size() == 1 ? Quote(p.strings[0]) : List(p.strings));
    case PredicateOp::kEquals:
      if (p.strings.size() == 1) return absl::StrCat(FieldName(p), " = ", Quote(p.strings[0]));
      return absl::StrCat(FieldName(p), " in ", List(p.strings));
    case PredicateOp::kCompare: return Compare(p);
    case PredicateOp::kExists: return absl::StrCat(FieldName(p), " exists");
    case PredicateOp::kAvailable: return "available";
    case PredicateOp::kAvailability:
      return absl::StrCat("availability = ", AvailabilityName(p.availability));
    case PredicateOp::kWithin: return absl::StrCat("created within ", FormatDuration(p.ms));
    case PredicateOp::kBefore: return absl::StrCat("created before ", Date(p.ms));
    case PredicateOp::kAfter: return absl::StrCat("created after ", Date(p.ms));
  }
  return "?";
}

std::string Child(const Expr& child, Expr::Kind parent) {
  const bool parens = child.kind != Expr::Kind::kPredicate && child.kind != Expr::Kind::kNot &&
                      !(parent == Expr::Kind::kOr && child.kind == Expr::Kind::kAnd);
  return parens ? absl::StrCat("(", ExprToString(child), ")")
                : ExprToString(child);
}

struct StatementPrinter {
  std::string operator()(const FilterStmt& s) {
    return "filter " + ExprToString(s.expr);
  }
  std::string operator()(const ExcludeStmt& s) {
    return "exclude " + ExprToString(s.expr);
  }
  std::string operator()(const ExcludeCartStmt&) { return "exclude cart"; }
  std::string operator()(const ExcludeBoughtStmt& s) {
    return s.within_ms > 0
               ? "exclude bought within " + FormatDuration(s.within_ms)
               : "exclude bought";
  }
  std::string operator()(const ExcludeShownStmt& s) {
    return absl::StrCat("exclude shown ", s.times, " times within ",
                        FormatDuration(s.within_ms));
  }
  std::string operator()(const ExcludeIdsStmt& s) {
    return "exclude ids " + List(s.ids);
  }
  std::string operator()(const BoostStmt& s) {
    return absl::StrCat(s.factor > 1 ? "boost " : "bury ",
                        FormatNumber(s.factor), " if ", ExprToString(s.expr));
  }
  std::string operator()(const BoostByStmt& s) {
    const char* field = s.field == BoostField::kPrice   ? "price"
                        : s.field == BoostField::kStock ? "stock"
                                                        : "created";
    return absl::StrCat("boost by ",
                        s.field == BoostField::kAttribute ? AttributeName(s.attribute) : field,
                        " weight ", FormatNumber(s.weight));
  }
  std::string operator()(const PromoteStmt& s) {
    return absl::StrCat("promote ", FormatNumber(s.percent), "% if ", ExprToString(s.expr));
  }
  std::string operator()(const PinStmt& s) { return "pin " + List(s.ids); }
  std::string operator()(const MaxPerStmt& s) {
    if (s.brand) return absl::StrCat("max per brand ", s.max);
    return absl::StrCat("max per category", s.depth > 1 ? absl::StrCat(s.depth) : "", " ", s.max);
  }
  std::string operator()(const DiversityStmt& s) { return "diversity " + FormatNumber(s.lambda); }
};

}  // namespace

std::string ExprToString(const Expr& expr) {
  switch (expr.kind) {
    case Expr::Kind::kPredicate: return PredicateToString(expr.predicate);
    case Expr::Kind::kNot: {
      const Expr& c = expr.children[0];
      const bool parens = c.kind == Expr::Kind::kAnd || c.kind == Expr::Kind::kOr;
      return parens ? absl::StrCat("not (", ExprToString(c), ")")
                    : absl::StrCat("not ", ExprToString(c));
    }
    case Expr::Kind::kAnd:
    case Expr::Kind::kOr: {
      std::string out;
      for (const Expr& c : expr.children) {
        if (!out.empty()) out += expr.kind == Expr::Kind::kAnd ? " and " : " or ";
        out += Child(c, expr.kind);
      }
      return out;
    }
  }
  return "?";
}

std::string StatementToString(const Statement& statement) {
  return std::visit(StatementPrinter{}, statement);
}

bool UsesRequestTime(const Expr& expr) {
  if (expr.kind == Expr::Kind::kPredicate) return expr.predicate.op == PredicateOp::kWithin;
  for (const Expr& c : expr.children) {
    if (UsesRequestTime(c)) return true;
  }
  return false;
}

RuleSet::RuleSet() : statements_(std::make_shared<const std::vector<Statement>>()) {}

RuleSet RuleSet::FromStatements(std::vector<Statement> statements) {
  RuleSet rules;
  std::vector<std::string> lines;
  lines.reserve(statements.size());
  for (const Statement& s : statements) lines.push_back(StatementToString(s));
  rules.text_ = absl::StrJoin(lines, "\n");
  rules.statements_ = std::make_shared<const std::vector<Statement>>(std::move(statements));
  return rules;
}

RuleSet RuleSet::Merge(const RuleSet& config, const RuleSet& request) {
  if (request.empty()) return config;
  if (config.empty()) return request;
  std::vector<Statement> all(config.statements().begin(), config.statements().end());
  all.insert(all.end(), request.statements().begin(), request.statements().end());
  RuleSet merged;
  merged.text_ = absl::StrCat(config.text_, "\n", request.text_);
  merged.statements_ = std::make_shared<const std::vector<Statement>>(std::move(all));
  return merged;
}

}  // namespace persona::model::rules
