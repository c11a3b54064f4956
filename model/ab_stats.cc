#include "model/ab_stats.h"

#include <algorithm>
#include <cmath>

namespace persona::model {
namespace {

int64_t Clamp(int64_t successes, int64_t trials) {
  return std::clamp<int64_t>(successes, 0, std::max<int64_t>(trials, 0));
}

double SampleVariance(const SampleSums& s) {
  if (s.n < 2) return 0;
  const double n = static_cast<double>(s.n);
  const double mean = s.sum / n;
  return std::max(0.0, (s.sum_sq - mean * s.sum) / (n - 1));
}

}  // namespace

double NormalTwoSidedPValue(double z) {
  if (std::isnan(z)) return 1;
  // P(|Z| > |z|) = erfc(|z| / sqrt(2)).
  return std::erfc(std::abs(z) / std::sqrt(2.0));
}

Interval WilsonInterval(int64_t successes, int64_t trials, double z) {
  if (trials <= 0) return {0, 1};
  const double n = static_cast<double>(trials);
  const double p = static_cast<double>(Clamp(successes, trials)) / n;
  const double z2 = z * z;
  const double denominator = 1 + z2 / n;
  const double center = (p + z2 / (2 * n)) / denominator;
  const double half = z / denominator * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
  return {std::max(0.0, center - half), std::min(1.0, center + half)};
}

double TwoProportionPValue(int64_t s1, int64_t n1, int64_t s2, int64_t n2) {
  if (n1 <= 0 || n2 <= 0) return 1;
  const double a = static_cast<double>(Clamp(s1, n1));
  const double b = static_cast<double>(Clamp(s2, n2));
  const double na = static_cast<double>(n1);
  const double nb = static_cast<double>(n2);
  const double pooled = (a + b) / (na + nb);
  const double se = std::sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb));
  if (!(se > 0)) return 1;
  return NormalTwoSidedPValue((a / na - b / nb) / se);
}

MeanEstimate EstimateMean(const SampleSums& sample, double z) {
  MeanEstimate out;
  if (sample.n <= 0) return out;
  const double n = static_cast<double>(sample.n);
  out.mean = sample.sum / n;
  out.variance = SampleVariance(sample);
  const double half = z * std::sqrt(out.variance / n);
  out.interval = {out.mean - half, out.mean + half};
  return out;
}

double WelchPValue(const SampleSums& a, const SampleSums& b) {
  if (a.n < 2 || b.n < 2) return 1;
  const double mean_a = a.sum / static_cast<double>(a.n);
  const double mean_b = b.sum / static_cast<double>(b.n);
  const double se = std::sqrt(SampleVariance(a) / static_cast<double>(a.n) +
                              SampleVariance(b) / static_cast<double>(b.n));
  if (!(se > 0)) return mean_a == mean_b ? 1 : 0;
  return NormalTwoSidedPValue((mean_a - mean_b) / se);
}

}  // namespace persona::model
