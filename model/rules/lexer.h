// Tokens of the rule language, split into statements (';' or a newline
// outside brackets ends one; '#' starts a comment), and the small text
// helpers the parser and the printer share. Internal to model/rules.
// Thread-safety: free functions over values; safe from any thread.
#ifndef PERSONA_MODEL_RULES_LEXER_H_
#define PERSONA_MODEL_RULES_LEXER_H_

#include <cstdint>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"
#include "model/catalog_index.h"

namespace persona::model::rules {

enum class TokenKind : uint8_t {
  kIdent,      // a word: filter, category, and, ...
  kAttribute,  // attr.<key> or attr."<key>"; text is the key
  kString,     // "..." (text unescaped)
  kNumber,     // 12, -0.5, 1e3
  kDuration,   // 30d, 12h, 15m, 45s, 2w (duration_ms)
  kPercent,    // 20% (number)
  kOp,         // = != < <= > >=
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kComma,
};

struct Token {
  TokenKind kind = TokenKind::kIdent;
  std::string text = {};
  double number = 0;
  int64_t duration_ms = 0;
  // Byte offset from the start of the statement (column - 1).
  int32_t offset = 0;
};

// One statement of the source: its text (comments and separators excluded)
// and tokens, numbered from 1.
struct StatementSource {
  int32_t number = 0;
  absl::string_view text;
  std::vector<Token> tokens;
};

// Splits `source` into statements. Empty statements are skipped. Errors
// (INVALID_ARGUMENT) name the statement and column, as RuleError does.
absl::StatusOr<std::vector<StatementSource>> SplitStatements(absl::string_view source);

// Formats `rule <number> ("<text>"): <message> at column <column>`; the
// quoted text is shortened past 80 bytes and column 0 leaves out the column.
std::string RuleError(int32_t number, absl::string_view text, absl::string_view message,
                      int32_t column);

// Returns the string as a rule literal: in double quotes, '"' and '\' escaped.
std::string Quote(absl::string_view s);
// Returns "attr.<key>", quoting the key unless it is made of [A-Za-z0-9_.:-].
std::string AttributeName(absl::string_view key);
// Returns a number as the shortest text that reads back to it (-0 as "0").
std::string FormatNumber(double v);
// Returns a duration as rule text in the largest exact unit: "30d", "12h",
// "15m" or "45s".
std::string FormatDuration(int64_t ms);
// in_stock, out_of_stock, preorder, discontinued.
std::string AvailabilityName(Availability a);
std::optional<Availability> ParseAvailabilityName(absl::string_view name);

}  // namespace persona::model::rules

#endif  // PERSONA_MODEL_RULES_LEXER_H_
