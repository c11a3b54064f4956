// Parses the business-rule language (grammar and examples: docs/RULES.md).
// Rules come from a placement's config (an error stops start-up) and from a
// request (an error is INVALID_ARGUMENT); both name the bad rule and column.
// Thread-safety: pure functions; safe from any thread.
#ifndef PERSONA_MODEL_RULES_PARSER_H_
#define PERSONA_MODEL_RULES_PARSER_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "model/rules/ast.h"

namespace persona::model::rules {

// Parses statements separated by ';' or newlines ('#' starts a comment).
// Returns INVALID_ARGUMENT naming the first bad statement, e.g.
//   rule 2 ("boost 1.5 iff new"): expected 'if', found 'iff' at column 11
// and when a limit of ast.h (statements, expression size, depth, list
// length, text length) is exceeded. Empty text gives the empty rule set.
absl::StatusOr<RuleSet> ParseRules(std::string_view text);

}  // namespace persona::model::rules

#endif  // PERSONA_MODEL_RULES_PARSER_H_
