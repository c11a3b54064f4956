#include "model/rules/parser.h"

#include <cmath>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "model/rules/lexer.h"
#include "model/rules/token_stream.h"

namespace persona::model::rules {
namespace {

constexpr char kStatements[] = "filter, exclude, boost, bury, promote, pin, max, diversity";
constexpr int32_t kMaxCount = 1000;  // largest k in "max per ... k" and n in "shown n times"

absl::StatusOr<int32_t> ExpectCount(TokenStream& in, absl::string_view what) {
  ASSIGN_OR_RETURN(double v, in.ExpectNumber(what));
  if (v != std::floor(v) || v < 1 || v > kMaxCount) {
    return in.FailBack(absl::StrCat(what, " must be a whole number from 1 to ", kMaxCount));
  }
  return static_cast<int32_t>(v);
}

absl::StatusOr<Statement> Exclude(TokenStream& in) {
  if (in.TakeWord("cart")) return ExcludeCartStmt{};
  if (in.TakeWord("bought")) {
    ExcludeBoughtStmt s;
    if (in.TakeWord("within")) {
      ASSIGN_OR_RETURN(s.within_ms, in.ExpectDuration("a duration such as 30d"));
    }
    return s;
  }
  if (in.TakeWord("shown")) {
    ExcludeShownStmt s;
    ASSIGN_OR_RETURN(s.times, ExpectCount(in, "the number of times"));
    RETURN_IF_ERROR(in.ExpectWord("times"));
    RETURN_IF_ERROR(in.ExpectWord("within"));
    ASSIGN_OR_RETURN(s.within_ms, in.ExpectDuration("a duration such as 7d"));
    return s;
  }
  if (in.TakeWord("ids")) {
    ExcludeIdsStmt s;
    ASSIGN_OR_RETURN(s.ids, in.ExpectList());
    return s;
  }
  ASSIGN_OR_RETURN(Expr e, ParseExpression(in));
  return ExcludeStmt{std::move(e)};
}

absl::StatusOr<Statement> BoostBy(TokenStream& in) {
  BoostByStmt s;
  if (in.AtEnd()) return in.Expected("price, stock, created or attr.<key>");
  const Token& t = in.Next();
  if (t.kind == TokenKind::kAttribute) {
    s.field = BoostField::kAttribute;
    s.attribute = t.text;
  } else if (t.kind == TokenKind::kIdent && t.text == "price") {
    s.field = BoostField::kPrice;
  } else if (t.kind == TokenKind::kIdent && t.text == "stock") {
    s.field = BoostField::kStock;
  } else if (t.kind == TokenKind::kIdent && t.text == "created") {
    s.field = BoostField::kCreated;
  } else {
    return in.FailBack("'boost by' takes price, stock, created or attr.<key>");
  }
  RETURN_IF_ERROR(in.ExpectWord("weight"));
  ASSIGN_OR_RETURN(s.weight, in.ExpectNumber("a weight"));
  if (s.weight <= -1 || s.weight > 100 || s.weight == 0) {
    return in.FailBack("weight must be above -1, at most 100 and not 0");
  }
  return s;
}

absl::StatusOr<Statement> Boost(TokenStream& in, bool bury) {
  if (!bury && in.TakeWord("by")) return BoostBy(in);
  BoostStmt s;
  ASSIGN_OR_RETURN(s.factor, in.ExpectNumber("a factor"));
  if (!bury && (s.factor <= 1 || s.factor > 100)) {
    return in.FailBack("boost factor must be above 1 and at most 100 (bury lowers scores)");
  }
  if (bury && (s.factor <= 0 || s.factor >= 1)) {
    return in.FailBack("bury factor must be above 0 and below 1");
  }
  RETURN_IF_ERROR(in.ExpectWord("if"));
  ASSIGN_OR_RETURN(s.expr, ParseExpression(in));
  return s;
}

absl::StatusOr<Statement> Promote(TokenStream& in) {
  PromoteStmt s;
  if (in.AtEnd() || in.Peek().kind != TokenKind::kPercent) return in.Expected("a share such as 20%");
  s.percent = in.Next().number;
  if (s.percent <= 0 || s.percent > 100) return in.FailBack("share must be above 0% and at most 100%");
  RETURN_IF_ERROR(in.ExpectWord("if"));
  ASSIGN_OR_RETURN(s.expr, ParseExpression(in));
  return s;
}

absl::StatusOr<Statement> MaxPer(TokenStream& in) {
  RETURN_IF_ERROR(in.ExpectWord("per"));
  MaxPerStmt s;
  if (in.AtEnd() || in.Peek().kind != TokenKind::kIdent) {
    return in.Expected("'category', 'category2'..'category8' or 'brand'");
  }
  const std::string key = in.Next().text;
  if (key == "brand") {
    s.brand = true;
  } else if (key == "category") {
    s.depth = 1;
  } else if (key.size() == 9 && key.starts_with("category") && key[8] >= '1' && key[8] <= '8') {
    s.depth = key[8] - '0';
  } else {
    return in.FailBack("expected 'category', 'category2'..'category8' or 'brand'");
  }
  ASSIGN_OR_RETURN(s.max, ExpectCount(in, "the most items"));
  return s;
}

absl::StatusOr<Statement> ParseStatement(TokenStream& in) {
  if (in.AtEnd() || in.Peek().kind != TokenKind::kIdent) return in.Expected("a statement");
  const std::string word = in.Next().text;
  if (word == "filter") {
    ASSIGN_OR_RETURN(Expr e, ParseExpression(in));
    return FilterStmt{std::move(e)};
  }
  if (word == "exclude") return Exclude(in);
  if (word == "boost" || word == "bury") return Boost(in, word == "bury");
  if (word == "promote") return Promote(in);
  if (word == "pin") {
    PinStmt s;
    ASSIGN_OR_RETURN(s.ids, in.ExpectList());
    return s;
  }
  if (word == "max") return MaxPer(in);
  if (word == "diversity") {
    DiversityStmt s;
    ASSIGN_OR_RETURN(s.lambda, in.ExpectNumber("a number from 0 to 1"));
    if (s.lambda < 0 || s.lambda > 1) return in.FailBack("diversity must be from 0 to 1");
    return s;
  }
  return in.FailBack(absl::StrCat("unknown statement '", word, "'; statements are ", kStatements));
}

}  // namespace

absl::StatusOr<RuleSet> ParseRules(std::string_view std_text) {
  const absl::string_view text(std_text.data(), std_text.size());
  if (text.size() > static_cast<size_t>(kMaxRuleTextBytes)) {
    return absl::InvalidArgumentError(
        absl::StrCat("rules are ", text.size(), " bytes; at most ", kMaxRuleTextBytes));
  }
  ASSIGN_OR_RETURN(std::vector<StatementSource> sources, SplitStatements(text));
  if (sources.size() > static_cast<size_t>(kMaxStatements)) {
    return absl::InvalidArgumentError(
        absl::StrCat(sources.size(), " rules; at most ", kMaxStatements));
  }
  std::vector<Statement> statements;
  statements.reserve(sources.size());
  for (const StatementSource& source : sources) {
    TokenStream in(source);
    absl::StatusOr<Statement> s = ParseStatement(in);
    absl::Status status = s.status();
    if (status.ok() && !in.AtEnd()) status = in.Expected("the end of the rule");
    if (!status.ok()) {
      return absl::InvalidArgumentError(
          RuleError(source.number, source.text, status.message(), in.error_column()));
    }
    statements.push_back(*std::move(s));
  }
  return RuleSet::FromStatements(std::move(statements));
}

}  // namespace persona::model::rules
