#include "model/rules/token_stream.h"

#include "absl/strings/str_cat.h"

namespace persona::model::rules {
namespace {

std::string Describe(const Token& t) {
  switch (t.kind) {
    case TokenKind::kString: return absl::StrCat("string ", Quote(t.text));
    case TokenKind::kAttribute: return absl::StrCat("'", AttributeName(t.text), "'");
    default: return absl::StrCat("'", t.text, "'");
  }
}

}  // namespace

int32_t TokenStream::ColumnAt(size_t pos) const {
  if (pos < source_.tokens.size()) return source_.tokens[pos].offset + 1;
  return static_cast<int32_t>(source_.text.size()) + 1;
}

bool TokenStream::TakeWord(absl::string_view word) {
  if (AtEnd() || Peek().kind != TokenKind::kIdent || Peek().text != word) return false;
  ++pos_;
  return true;
}

bool TokenStream::TakeOp(absl::string_view op) {
  if (AtEnd() || Peek().kind != TokenKind::kOp || Peek().text != op) return false;
  ++pos_;
  return true;
}

bool TokenStream::Take(TokenKind kind) {
  if (AtEnd() || Peek().kind != kind) return false;
  ++pos_;
  return true;
}

absl::Status TokenStream::Fail(absl::string_view message) {
  error_column_ = ColumnAt(pos_);
  return absl::InvalidArgumentError(message);
}

absl::Status TokenStream::FailBack(absl::string_view message) {
  error_column_ = ColumnAt(pos_ > 0 ? pos_ - 1 : 0);
  return absl::InvalidArgumentError(message);
}

absl::Status TokenStream::Expected(absl::string_view what) {
  if (AtEnd()) return Fail(absl::StrCat("expected ", what, " but the rule ends"));
  return Fail(absl::StrCat("expected ", what, ", found ", Describe(Peek())));
}

absl::Status TokenStream::ExpectWord(absl::string_view word) {
  if (TakeWord(word)) return absl::OkStatus();
  return Expected(absl::StrCat("'", word, "'"));
}

absl::StatusOr<std::string> TokenStream::ExpectString(absl::string_view what) {
  if (AtEnd() || Peek().kind != TokenKind::kString) return Expected(what);
  return Next().text;
}

absl::StatusOr<double> TokenStream::ExpectNumber(absl::string_view what) {
  if (AtEnd() || Peek().kind != TokenKind::kNumber) return Expected(what);
  return Next().number;
}

absl::StatusOr<int64_t> TokenStream::ExpectDuration(absl::string_view what) {
  if (AtEnd() || Peek().kind != TokenKind::kDuration) return Expected(what);
  return Next().duration_ms;
}

absl::StatusOr<std::vector<std::string>> TokenStream::ExpectList(bool numbers_too) {
  if (!Take(TokenKind::kLBracket)) return Expected("a list such as [\"a\", \"b\"]");
  std::vector<std::string> values;
  while (true) {
    if (AtEnd()) return Expected("']'");
    const TokenKind kind = Peek().kind;
    if (kind == TokenKind::kString || (numbers_too && kind == TokenKind::kNumber)) {
      if (values.size() >= static_cast<size_t>(kMaxListLength)) {
        return Fail(absl::StrCat("list longer than ", kMaxListLength, " entries"));
      }
      values.push_back(Next().text);
    } else {
      return Expected(numbers_too ? "a string or number" : "a string");
    }
    if (Take(TokenKind::kRBracket)) break;
    if (!Take(TokenKind::kComma)) return Expected("',' or ']'");
  }
  return values;
}

absl::Status TokenStream::CountNode() {
  if (++nodes_ > kMaxExpressionNodes) {
    return Fail(absl::StrCat("expression has more than ", kMaxExpressionNodes, " terms"));
  }
  return absl::OkStatus();
}

}  // namespace persona::model::rules
