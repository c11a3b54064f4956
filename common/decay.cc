#include "common/decay.h"

#include <algorithm>
#include <cmath>

namespace persona {

double DecayedMerge(double a, double b) {
  if (std::isinf(a) && a < 0) return b;
  if (std::isinf(b) && b < 0) return a;
  const double hi = std::max(a, b);
  const double lo = std::min(a, b);
  return hi + std::log2(1.0 + std::exp2(lo - hi));
}

double DecayedAdd(double log2, double weight, int64_t time_ms, double half_life_ms) {
  if (!(weight > 0)) return log2;
  return DecayedMerge(log2, std::log2(weight) + static_cast<double>(time_ms) / half_life_ms);
}

double DecayedValueAt(double log2, int64_t now_ms, double half_life_ms) {
  if (std::isinf(log2) && log2 < 0) return 0.0;
  return std::exp2(log2 - static_cast<double>(now_ms) / half_life_ms);
}

}  // namespace persona
