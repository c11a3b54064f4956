#include "model/eval/protocol.h"

#include <algorithm>

#include "common/status_macros.h"
#include "model/fold_in.h"
#include "model/serving_model.h"

namespace persona::model::eval {

absl::StatusOr<EvalData> MakeEvalData(int32_t num_users, int32_t num_items, const Split& split,
                                      bool drop_seen) {
  EvalData data;
  ASSIGN_OR_RETURN(data.train, InteractionMatrix::Build(num_users, num_items, split.train));
  data.candidates = ItemMask(num_items);
  for (int32_t i : data.train.indices()) data.candidates.Set(i);
  data.test.resize(num_users);
  for (const Triple& t : split.test) {
    if (t.user < 0 || t.user >= num_users || t.item < 0 || t.item >= num_items) {
      return absl::InvalidArgumentError("test event out of range");
    }
    data.test[t.user].push_back(t.item);
  }
  for (int32_t u = 0; u < num_users; ++u) {
    std::vector<int32_t>& items = data.test[u];
    std::sort(items.begin(), items.end());
    items.erase(std::unique(items.begin(), items.end()), items.end());
    if (!drop_seen) continue;
    const auto seen = data.train.RowIndices(u);
    if (seen.empty()) {
      items.clear();
      continue;
    }
    std::erase_if(items, [&](int32_t i) { return std::binary_search(seen.begin(), seen.end(), i); });
  }
  return data;
}

RankingMetrics Evaluate(const EvalData& data, int k, const Ranker& ranker) {
  MetricsAccumulator acc;
  ItemMask allowed;
  std::vector<int32_t> ranked;
  for (int32_t u = 0; u < static_cast<int32_t>(data.test.size()); ++u) {
    if (data.test[u].empty()) continue;
    allowed = data.candidates;
    for (int32_t i : data.train.RowIndices(u)) allowed.Reset(i);
    ranked.clear();
    for (const ScoredIndex& s : ranker(u, allowed, k)) ranked.push_back(s.item);
    acc.Add(ranked, data.test[u], k);
  }
  return acc.Mean();
}

Ranker PopularityRanker(const InteractionMatrix& train) {
  auto counts = std::make_shared<std::vector<float>>(train.cols(), 0.0f);
  for (int32_t i : train.indices()) (*counts)[i] += 1.0f;
  return [counts](int32_t, const ItemMask& allowed, int k) {
    return TopKScores(*counts, k, &allowed);
  };
}

absl::StatusOr<Ranker> ItemKnnRanker(const InteractionMatrix& train,
                                     const NeighborOptions& options) {
  ASSIGN_OR_RETURN(std::shared_ptr<const ItemNeighbors> neighbors,
                   ItemNeighbors::Build(train, options));
  auto history = std::make_shared<const InteractionMatrix>(train);
  return Ranker([neighbors, history](int32_t user, const ItemMask& allowed, int k) {
    std::vector<float> scores(history->cols(), 0.0f);
    neighbors->AccumulateScores(history->RowIndices(user), {}, scores);
    return TopKScores(scores, k, &allowed);
  });
}

absl::StatusOr<AlsRankers> MakeAlsRankers(const InteractionMatrix& train,
                                          const AlsEvalOptions& options) {
  auto history = std::make_shared<InteractionMatrix>(train);
  if (options.binary) {
    std::fill(history->mutable_values().begin(), history->mutable_values().end(), 1.0f);
  }
  ASSIGN_OR_RETURN(WeightedAlsModel trained,
                   TrainWeightedAls(*history, options.als, options.bm25, options.bm25_k1,
                                    options.bm25_b));
  auto model = std::make_shared<const WeightedAlsModel>(std::move(trained));
  const FactorModel& f = model->factors;
  const FactorView items{f.item_factors.data(), f.num_items, f.factors};
  absl::StatusOr<std::unique_ptr<const FoldIn>> fold =
      model->weighting ? FoldIn::Create(items, options.als, *model->weighting)
                       : FoldIn::Create(items, options.als);
  if (!fold.ok()) return fold.status();
  std::shared_ptr<const FoldIn> fold_in = *std::move(fold);
  AlsRankers rankers;
  rankers.trained = [model, items](int32_t user, const ItemMask& allowed, int k) {
    const FactorModel& f = model->factors;
    return TopKDot(items, f.user_factors.data() + int64_t{user} * f.factors, k, &allowed);
  };
  rankers.served = [model, items, fold_in, history](int32_t user, const ItemMask& allowed, int k) {
    std::vector<float> x(items.dim);
    // The history comes from the training matrix, so it is always valid.
    if (!fold_in->Solve(history->RowIndices(user), history->RowValues(user), x).ok()) {
      return std::vector<ScoredIndex>();
    }
    return TopKDot(items, x.data(), k, &allowed);
  };
  return rankers;
}

absl::StatusOr<Ranker> AlsRanker(const InteractionMatrix& train, const AlsEvalOptions& options) {
  ASSIGN_OR_RETURN(AlsRankers rankers, MakeAlsRankers(train, options));
  return std::move(rankers.trained);
}

absl::StatusOr<Ranker> AlsFoldInRanker(const InteractionMatrix& train,
                                       const AlsEvalOptions& options) {
  ASSIGN_OR_RETURN(AlsRankers rankers, MakeAlsRankers(train, options));
  return std::move(rankers.served);
}

}  // namespace persona::model::eval
