// Exponentially decaying scores kept in the log domain.
//
// A score is the sum of weights w_i * 2^((t_i - t)/h) at time t, with half-life h.
// We store L = log2(sum w_i * 2^(t_i / h)), i.e. the score relative to the Unix
// epoch: scores of different items compare directly without decaying each one
// to "now", and never overflow. Pure functions; thread-safe.
#ifndef PERSONA_COMMON_DECAY_H_
#define PERSONA_COMMON_DECAY_H_

#include <cstdint>
#include <limits>

namespace persona {

// The log-domain value of "nothing yet".
inline constexpr double kEmptyDecayedLog = -std::numeric_limits<double>::infinity();

// Returns L after adding `weight` (> 0) at time `time_ms` to the score `log2`.
double DecayedAdd(double log2, double weight, int64_t time_ms, double half_life_ms);

// Returns the score's value at `now_ms` (0 for an empty score).
double DecayedValueAt(double log2, int64_t now_ms, double half_life_ms);

// Returns the log-domain sum of two scores with the same half-life.
double DecayedMerge(double a_log2, double b_log2);

// Milliseconds in `days` days.
inline double DaysToMs(double days) { return days * 86'400'000.0; }

}  // namespace persona

#endif  // PERSONA_COMMON_DECAY_H_
