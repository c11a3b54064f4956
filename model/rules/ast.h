// The parsed form of the business-rule language (docs/RULES.md): expressions
// over catalog fields and the statements a placement or request states. Plain
// immutable values; RuleSet shares them, so copies are cheap.
// Thread-safety: all types here are immutable once built; safe to share.
#ifndef PERSONA_MODEL_RULES_AST_H_
#define PERSONA_MODEL_RULES_AST_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "model/catalog_index.h"

namespace persona::model::rules {

// Complexity limits, checked by ParseRules (each error names the limit).
inline constexpr int kMaxRuleTextBytes = 64 * 1024;
inline constexpr int kMaxStatements = 64;
// Nodes (and, or, not, predicates) in one statement's expression.
inline constexpr int kMaxExpressionNodes = 128;
inline constexpr int kMaxExpressionDepth = 16;
inline constexpr int kMaxListLength = 1000;
inline constexpr int kMaxStringBytes = 1024;

enum class Field : uint8_t {
  kCategory, kBrand, kTag, kId, kPrice, kStock, kCreated, kAvailability, kAttribute
};

enum class PredicateOp : uint8_t {
  kUnder,         // category under any of `strings` (paths joined with '/')
  kEquals,        // the field equals any of `strings` (tag: has any of them)
  kCompare,       // numeric: cmp against `a` (and `b` for between)
  kExists,        // the item has attribute `attribute`
  kAvailable,     // in stock or pre-order
  kAvailability,  // availability is `availability`
  kWithin,        // created at or after (request time - `ms`)
  kBefore,        // created before epoch ms `ms`
  kAfter,         // created at or after epoch ms `ms`
};

enum class Cmp : uint8_t { kEq, kLt, kLe, kGt, kGe, kBetween };

struct Predicate {
  Field field = Field::kCategory;
  PredicateOp op = PredicateOp::kEquals;
  // Attribute key when field is kAttribute.
  std::string attribute;
  std::vector<std::string> strings;
  Cmp cmp = Cmp::kEq;
  double a = 0;
  double b = 0;
  int64_t ms = 0;
  Availability availability = Availability::kInStock;
};

struct Expr {
  enum class Kind : uint8_t { kAnd, kOr, kNot, kPredicate };
  Kind kind = Kind::kPredicate;
  // kAnd/kOr: two or more (nested ones of the same kind are flattened);
  // kNot: exactly one.
  std::vector<Expr> children;
  Predicate predicate;
};

// filter <expr>: only matching items may be returned (filters AND together).
struct FilterStmt { Expr expr; };
// exclude <expr>: matching items are removed.
struct ExcludeStmt { Expr expr; };
// exclude cart: items in the customer's cart.
struct ExcludeCartStmt {};
// exclude bought [within <d>]: items bought (ever, or within the window),
// except items of repeat-purchase categories.
struct ExcludeBoughtStmt { int64_t within_ms = 0; };  // 0: ever
// exclude shown <n> times within <d>: items shown at least n times.
struct ExcludeShownStmt { int32_t times = 1; int64_t within_ms = 0; };
// exclude ids [...]: these item ids.
struct ExcludeIdsStmt { std::vector<std::string> ids; };
// boost <f> if <expr> (f > 1) / bury <f> if <expr> (0 < f < 1): multiplies
// matching candidates' scores by f.
struct BoostStmt { double factor = 1; Expr expr; };
// boost by <field> weight <w>: score *= 1 + w * (field normalised to [0, 1]).
enum class BoostField : uint8_t { kPrice, kStock, kCreated, kAttribute };
struct BoostByStmt { BoostField field = BoostField::kPrice; std::string attribute; double weight = 0; };
// promote <p>% if <expr>: ceil(p% of the slots) go to the best matching candidates.
struct PromoteStmt { double percent = 0; Expr expr; };
// pin [...]: these ids first, in order, when allowed.
struct PinStmt { std::vector<std::string> ids; };
// max per category[<depth>] <k> / max per brand <k>.
struct MaxPerStmt { bool brand = false; int32_t depth = 1; int32_t max = 1; };
// diversity <lambda>: maximal-marginal-relevance re-ranking, 0..1.
struct DiversityStmt { double lambda = 0; };

using Statement = std::variant<FilterStmt, ExcludeStmt, ExcludeCartStmt, ExcludeBoughtStmt,
                               ExcludeShownStmt, ExcludeIdsStmt, BoostStmt, BoostByStmt,
                               PromoteStmt, PinStmt, MaxPerStmt, DiversityStmt>;

// Returns the canonical text of an expression (fixed point of parse + print).
std::string ExprToString(const Expr& expr);
// Returns the canonical text of one statement.
std::string StatementToString(const Statement& statement);
// Whether the expression depends on the request time (created within).
bool UsesRequestTime(const Expr& expr);

// An immutable list of statements with its canonical text. Cheap to copy.
class RuleSet {
 public:
  // The empty rule set: no filters, no ranking changes.
  RuleSet();
  // Builds a rule set from statements (not checked against the limits;
  // ParseRules is the checked way in).
  static RuleSet FromStatements(std::vector<Statement> statements);
  // Returns config's statements followed by request's: filters and
  // exclusions of both apply, boosts multiply, pins of the request come after
  // the config's, the stricter cap wins, and the request's diversity (the
  // last one stated) overrides.
  static RuleSet Merge(const RuleSet& config, const RuleSet& request);

  std::span<const Statement> statements() const { return *statements_; }
  bool empty() const { return statements_->empty(); }
  // One statement per line in canonical form; ParseRules(ToString()) yields
  // an equal rule set.
  const std::string& ToString() const { return text_; }

 private:
  std::shared_ptr<const std::vector<Statement>> statements_;
  std::string text_;
};

}  // namespace persona::model::rules

#endif  // PERSONA_MODEL_RULES_AST_H_
