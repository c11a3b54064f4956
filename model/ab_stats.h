// Statistics for comparing experiment variants: confidence intervals of
// proportions (click-through and conversion rates) and of means (revenue per
// impression), and two-sided tests of the difference between two variants.
//
// The tests use the normal approximation: the pooled two-proportion z-test,
// and Welch's test with the standard normal in place of Student's t. Both are
// accurate when each variant has at least a few dozen impressions and a
// handful of successes; with fewer, the p-values are too small (the t
// distribution has heavier tails), so small samples should not be read as
// significant. Recommendation traffic runs to thousands of impressions a day.
//
// Pure functions; thread-safe.
#ifndef PERSONA_MODEL_AB_STATS_H_
#define PERSONA_MODEL_AB_STATS_H_

#include <cstdint>

namespace persona::model {

// z of a two-sided 95% interval: the 0.975 quantile of the standard normal.
inline constexpr double kZ95 = 1.959963984540054;

struct Interval {
  double low = 0;
  double high = 0;
};

// Returns the Wilson score interval of `successes` out of `trials` at `z`.
// Inside [0, 1] even for 0 or all successes (unlike the Wald interval).
// `successes` is clamped to [0, trials]; 0 trials give [0, 1] (nothing known).
Interval WilsonInterval(int64_t successes, int64_t trials, double z = kZ95);

// Returns the two-sided p-value of the pooled two-proportion z-test of
// s1/n1 against s2/n2. Returns 1 (no evidence) when either n is 0 or the
// pooled rate is 0 or 1 (no variance). Successes are clamped to [0, n].
double TwoProportionPValue(int64_t s1, int64_t n1, int64_t s2, int64_t n2);

// A sample of n values summarised by their sum and sum of squares (what the
// store keeps: revenue per impression is 0 for most impressions).
struct SampleSums {
  int64_t n = 0;
  double sum = 0;
  double sum_sq = 0;
};

struct MeanEstimate {
  double mean = 0;
  // Unbiased sample variance (n - 1 in the denominator); 0 when n < 2.
  double variance = 0;
  // mean ± z * sqrt(variance / n); [mean, mean] when n < 2.
  Interval interval;
};

// Returns the mean of the sample with its normal-approximation interval.
// n = 0 gives mean 0 and interval [0, 0]. Rounding that would make the
// variance negative (all values equal) is clamped to 0.
MeanEstimate EstimateMean(const SampleSums& sample, double z = kZ95);

// Returns the two-sided p-value of Welch's test of equal means (unequal
// variances), with the normal approximation. Returns 1 when either sample has
// fewer than 2 values or both variances are 0 with equal means; 0 when both
// variances are 0 and the means differ.
double WelchPValue(const SampleSums& a, const SampleSums& b);

// Returns the two-sided p-value of a standard normal statistic z.
double NormalTwoSidedPValue(double z);

}  // namespace persona::model

#endif  // PERSONA_MODEL_AB_STATS_H_
