// A cursor over one statement's tokens with the small parsing helpers the
// statement and expression parsers share. Internal to model/rules.
// Thread-safety: not thread-safe; one per statement being parsed.
#ifndef PERSONA_MODEL_RULES_TOKEN_STREAM_H_
#define PERSONA_MODEL_RULES_TOKEN_STREAM_H_

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/rules/ast.h"
#include "model/rules/lexer.h"

namespace persona::model::rules {

class TokenStream {
 public:
  explicit TokenStream(const StatementSource& source) : source_(source) {}

  bool AtEnd() const { return pos_ >= source_.tokens.size(); }
  // The next token; only when !AtEnd().
  const Token& Peek() const { return source_.tokens[pos_]; }
  const Token& Next() { return source_.tokens[pos_++]; }
  // Whether the next token is the word `word` (consumed when it is).
  bool TakeWord(absl::string_view word);
  // Whether the next token is the operator `op` (consumed when it is).
  bool TakeOp(absl::string_view op);
  // Whether the next token is of `kind` (consumed when it is).
  bool Take(TokenKind kind);

  // Returns INVALID_ARGUMENT with `message` and remembers the column of the
  // next token (or the end of the statement).
  absl::Status Fail(absl::string_view message);
  // Same, pointing at the token just consumed.
  absl::Status FailBack(absl::string_view message);
  // Returns "expected <what>" errors naming what was found instead.
  absl::Status Expected(absl::string_view what);

  absl::Status ExpectWord(absl::string_view word);
  absl::StatusOr<std::string> ExpectString(absl::string_view what);
  absl::StatusOr<double> ExpectNumber(absl::string_view what);
  absl::StatusOr<int64_t> ExpectDuration(absl::string_view what);
  // ["a", "b", ...]: 1..kMaxListLength entries; numbers are taken as their
  // text when `numbers_too`.
  absl::StatusOr<std::vector<std::string>> ExpectList(bool numbers_too = false);

  // Counts one expression node, failing past kMaxExpressionNodes.
  absl::Status CountNode();

  int32_t error_column() const { return error_column_; }

 private:
  int32_t ColumnAt(size_t pos) const;

  const StatementSource& source_;
  size_t pos_ = 0;
  int32_t nodes_ = 0;
  int32_t error_column_ = 0;
};

// Parses `or`-level expression from the stream; `depth` counts nesting.
absl::StatusOr<Expr> ParseExpression(TokenStream& in, int depth = 0);

}  // namespace persona::model::rules

#endif  // PERSONA_MODEL_RULES_TOKEN_STREAM_H_
