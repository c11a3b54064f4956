// Small status-propagation macros; Debian's abseil (20220623) lacks them.
// Header-only; thread-safe by construction.
#ifndef PERSONA_COMMON_STATUS_MACROS_H_
#define PERSONA_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define PERSONA_CONCAT_INNER_(a, b) a##b
#define PERSONA_CONCAT_(a, b) PERSONA_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function when `expr` is not OK.
#define RETURN_IF_ERROR(expr)                                  \
  do {                                                         \
    ::absl::Status persona_status_ = (expr);                   \
    if (!persona_status_.ok()) return persona_status_;         \
  } while (0)

// Declares or assigns `lhs` from a StatusOr `rexpr`, returning its status when not OK.
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  PERSONA_ASSIGN_OR_RETURN_IMPL_(PERSONA_CONCAT_(persona_statusor_, __LINE__), lhs, rexpr)

#define PERSONA_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                   \
  if (!statusor.ok()) return std::move(statusor).status();   \
  lhs = *std::move(statusor)

#endif  // PERSONA_COMMON_STATUS_MACROS_H_
