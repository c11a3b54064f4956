#include "model/eval/search.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "model/serving_model.h"

namespace persona::model::eval {

absl::StatusOr<std::vector<SearchResult>> GridSearchAls(
    const EvalData& validation, int k, const AlsEvalOptions& base, const SearchSpace& space,
    const std::function<void(const SearchResult&)>& on_result) {
  std::vector<SearchResult> results;
  for (int f : space.factors) {
    for (float reg : space.regularization) {
      for (float alpha : space.alpha) {
        for (ConfidenceScaling scaling : space.scaling) {
          for (int it : space.iterations) {
            for (int variant = 0; variant < static_cast<int>(space.bm25.size() * space.binary.size());
                 ++variant) {
              SearchResult r{base, {}};
              r.options.bm25 = space.bm25[variant / space.binary.size()];
              r.options.binary = space.binary[variant % space.binary.size()];
              r.options.als.factors = f;
              r.options.als.regularization = reg;
              r.options.als.alpha = alpha;
              r.options.als.scaling = scaling;
              r.options.als.iterations = it;
              absl::StatusOr<Ranker> ranker = AlsRanker(validation.train, r.options);
              if (!ranker.ok()) return ranker.status();
              r.metrics = Evaluate(validation, k, *ranker);
              if (on_result) on_result(r);
              results.push_back(r);
            }
          }
        }
      }
    }
  }
  std::stable_sort(results.begin(), results.end(), [](const SearchResult& a, const SearchResult& b) {
    return a.metrics.ndcg > b.metrics.ndcg;
  });
  return results;
}

AlsEvalOptions TunedAlsEvalOptions() {
  AlsEvalOptions o;
  o.als = TunedAlsOptions();  // the serving defaults are these
  o.bm25 = true;
  o.bm25_k1 = 100;
  o.bm25_b = 0.8f;
  return o;
}

std::string DescribeAls(const AlsEvalOptions& o) {
  return absl::StrFormat(
      "factors=%d reg=%g alpha=%g scaling=%s iterations=%d cg_steps=%d solver=%s bm25=%s%s "
      "binary=%s seed=%d threads=%d",
      o.als.factors, o.als.regularization, o.als.alpha,
      o.als.scaling == ConfidenceScaling::kLog ? "log" : "linear", o.als.iterations,
      o.als.cg_steps, o.als.solver == AlsSolver::kCholesky ? "cholesky" : "cg",
      o.bm25 ? "on" : "off",
      o.bm25 ? absl::StrFormat("(k1=%g,b=%g)", o.bm25_k1, o.bm25_b) : std::string(),
      o.binary ? "on" : "off", o.als.seed, o.als.threads);
}

}  // namespace persona::model::eval
