#include "model/serving_model.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "model/eval/protocol.h"
#include "model/eval/split.h"

namespace persona::model {
namespace {

constexpr int kValidationK = 10;

// The matrix's entries as triples (time 0), for re-splitting.
std::vector<Triple> ToTriples(const InteractionMatrix& m) {
  std::vector<Triple> out;
  out.reserve(m.nnz());
  for (int32_t u = 0; u < m.rows(); ++u) {
    const auto idx = m.RowIndices(u);
    const auto val = m.RowValues(u);
    for (size_t k = 0; k < idx.size(); ++k) out.push_back({u, idx[k], val[k], 0});
  }
  return out;
}

// Holds out part of each user's items, trains on the rest and evaluates the
// served ranker; appends the figures to `metrics`.
absl::Status Validate(const InteractionMatrix& user_items, const ServingTrainOptions& options,
                      std::vector<std::pair<std::string, double>>& metrics) {
  const eval::Split split = eval::StratifiedSplit(
      ToTriples(user_items), 1.0 - options.validation_fraction, options.als.seed,
      eval::StratifyBy::kUser);
  ASSIGN_OR_RETURN(const eval::EvalData data,
                   eval::MakeEvalData(user_items.rows(), user_items.cols(), split,
                                      /*drop_seen=*/true));
  eval::AlsEvalOptions eval_options;
  eval_options.als = options.als;
  eval_options.bm25 = options.bm25;
  eval_options.bm25_k1 = options.bm25_k1;
  eval_options.bm25_b = options.bm25_b;
  ASSIGN_OR_RETURN(const eval::Ranker served, eval::AlsFoldInRanker(data.train, eval_options));
  const eval::RankingMetrics m = eval::Evaluate(data, kValidationK, served);
  const std::string at = absl::StrCat("@", kValidationK);
  metrics.emplace_back(absl::StrCat("validation_ndcg", at), m.ndcg);
  metrics.emplace_back(absl::StrCat("validation_precision", at), m.precision);
  metrics.emplace_back(absl::StrCat("validation_recall", at), m.recall);
  metrics.emplace_back(absl::StrCat("validation_map", at), m.map);
  metrics.emplace_back("validation_users", static_cast<double>(m.users));
  return absl::OkStatus();
}

// Removes the items without interactions from `model`, `item_ids` and the
// weighting.
absl::Status DropEmptyItems(const InteractionMatrix& user_items, WeightedAlsModel& model,
                            std::vector<std::string>& item_ids) {
  std::vector<int32_t> new_index(user_items.cols(), -1);
  for (int32_t c : user_items.indices()) new_index[c] = 0;
  int32_t kept = 0;
  FactorModel& f = model.factors;
  for (int32_t i = 0; i < user_items.cols(); ++i) {
    if (new_index[i] < 0) continue;
    new_index[i] = kept;
    if (kept != i) {
      std::copy_n(f.item_factors.begin() + int64_t{i} * f.factors, f.factors,
                  f.item_factors.begin() + int64_t{kept} * f.factors);
      item_ids[kept] = std::move(item_ids[i]);
    }
    ++kept;
  }
  f.num_items = kept;
  f.item_factors.resize(int64_t{kept} * f.factors);
  item_ids.resize(kept);
  if (model.weighting) {
    ASSIGN_OR_RETURN(model.weighting, model.weighting->Reindexed(new_index, kept));
  }
  return absl::OkStatus();
}

}  // namespace

AlsOptions TunedAlsOptions() {
  AlsOptions o;
  o.factors = 64;
  o.regularization = 30;
  o.alpha = 1;
  o.scaling = ConfidenceScaling::kLog;
  o.log_epsilon = 1;
  o.iterations = 15;
  o.solver = AlsSolver::kConjugateGradient;
  o.cg_steps = 3;
  o.seed = 42;
  o.threads = 1;
  return o;
}

absl::StatusOr<WeightedAlsModel> TrainWeightedAls(const InteractionMatrix& user_items,
                                                  const AlsOptions& als, bool bm25,
                                                  float bm25_k1, float bm25_b) {
  WeightedAlsModel out;
  if (!bm25) {
    ASSIGN_OR_RETURN(out.factors, TrainAls(user_items, als));
    return out;
  }
  ASSIGN_OR_RETURN(out.weighting, Bm25Weighting::Fit(user_items, bm25_k1, bm25_b));
  InteractionMatrix weighted = user_items;
  RETURN_IF_ERROR(out.weighting->Apply(weighted));
  ASSIGN_OR_RETURN(out.factors, TrainAls(weighted, als));
  return out;
}

absl::StatusOr<ModelRecord> TrainServingModel(const InteractionMatrix& user_items,
                                              std::vector<std::string> item_ids,
                                              const ServingTrainOptions& options,
                                              const Clock& clock) {
  if (item_ids.size() != static_cast<size_t>(user_items.cols())) {
    return absl::InvalidArgumentError(absl::StrCat("item_ids has ", item_ids.size(),
                                                   " ids for ", user_items.cols(), " columns"));
  }
  if (!(options.validation_fraction >= 0 && options.validation_fraction < 1)) {
    return absl::InvalidArgumentError("validation_fraction must be in [0, 1)");
  }
  RETURN_IF_ERROR(ValidateAlsOptions(options.als));
  ModelRecord record;
  record.trained_at_ms = clock.NowMs();
  record.options = options.als;
  if (options.validation_fraction > 0) {
    RETURN_IF_ERROR(Validate(user_items, options, record.metrics));
  }
  ASSIGN_OR_RETURN(WeightedAlsModel model,
                   TrainWeightedAls(user_items, options.als, options.bm25, options.bm25_k1,
                                    options.bm25_b));
  RETURN_IF_ERROR(DropEmptyItems(user_items, model, item_ids));
  if (!options.keep_user_factors) {
    model.factors.num_users = 0;
    model.factors.user_factors.clear();
    model.factors.user_factors.shrink_to_fit();
  }
  record.metrics.emplace_back("users", user_items.rows());
  record.metrics.emplace_back("items", model.factors.num_items);
  record.metrics.emplace_back("interactions", static_cast<double>(user_items.nnz()));
  record.factors = std::move(model.factors);
  record.weighting = std::move(model.weighting);
  record.item_ids = std::move(item_ids);
  record.training_time_ms = clock.NowMs() - record.trained_at_ms;
  return record;
}

absl::StatusOr<std::unique_ptr<const FoldIn>> FoldInFromRecord(const ModelRecord& record) {
  const FactorModel& f = record.factors;
  if (f.factors <= 0 || f.num_items < 0 ||
      f.item_factors.size() != static_cast<size_t>(f.num_items) * f.factors) {
    return absl::InvalidArgumentError("model record: item factors do not match dimensions");
  }
  AlsOptions options = record.options;
  options.factors = f.factors;
  const FactorView items{f.item_factors.data(), f.num_items, f.factors};
  if (record.weighting) return FoldIn::Create(items, options, *record.weighting);
  return FoldIn::Create(items, options);
}

}  // namespace persona::model
