#include "model/fold_in.h"

#include <utility>

#include "Eigen/Dense"
#include "common/status_macros.h"

namespace persona::model {

absl::StatusOr<std::unique_ptr<FoldIn>> FoldIn::Make(const FactorView& items,
                                                    const AlsOptions& options) {
  RETURN_IF_ERROR(ValidateAlsOptions(options));
  if (items.dim <= 0 || items.rows < 0 || (items.rows > 0 && items.data == nullptr)) {
    return absl::InvalidArgumentError("empty item factors");
  }
  std::unique_ptr<FoldIn> f(new FoldIn(items, options));
  Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> y(
      items.data, items.rows, items.dim);
  f->gram_ = (y.transpose() * y).cast<double>();
  f->gram_.diagonal().array() += options.regularization;
  return f;
}

absl::StatusOr<std::unique_ptr<const FoldIn>> FoldIn::Create(const FactorView& items,
                                                             const AlsOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<FoldIn> f, Make(items, options));
  return std::unique_ptr<const FoldIn>(std::move(f));
}

absl::StatusOr<std::unique_ptr<const FoldIn>> FoldIn::Create(const FactorView& items,
                                                             const AlsOptions& options,
                                                             Bm25Weighting weighting) {
  if (weighting.num_items() != items.rows) {
    return absl::InvalidArgumentError("weighting and item factors differ in item count");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<FoldIn> f, Make(items, options));
  f->weighting_ = std::move(weighting);
  return std::unique_ptr<const FoldIn>(std::move(f));
}

absl::Status FoldIn::Solve(std::span<const int32_t> item_ids, std::span<const float> strengths,
                           std::span<float> out) const {
  if (weighting_) {
    ASSIGN_OR_RETURN(const WeightedRow row, weighting_->WeightUser(item_ids, strengths));
    return SolveRow(row, out);
  }
  ASSIGN_OR_RETURN(const WeightedRow row, MergeRow(item_ids, strengths, items_.rows));
  return SolveRow(row, out);
}

absl::Status FoldIn::SolveRow(const WeightedRow& row, std::span<float> out) const {
  const int dim = items_.dim;
  if (static_cast<int>(out.size()) != dim) return absl::InvalidArgumentError("bad output size");
  if (row.items.size() != row.weights.size()) {
    return absl::InvalidArgumentError("row items and weights differ in length");
  }
  const int64_t n = static_cast<int64_t>(row.items.size());
  Eigen::Map<Eigen::VectorXf> x(out.data(), dim);
  if (n == 0) {
    x.setZero();
    return absl::OkStatus();
  }
  // Gather the user's item rows into a dense block so the rank update is one
  // matrix product.
  Eigen::MatrixXd yu(n, dim);
  Eigen::VectorXd cm1(n);
  for (int64_t k = 0; k < n; ++k) {
    const int32_t item = row.items[k];
    if (item < 0 || item >= items_.rows || (k > 0 && item <= row.items[k - 1])) {
      return absl::InvalidArgumentError("row items must be distinct, sorted and in range");
    }
    const float* y = items_.data + int64_t{item} * dim;
    for (int d = 0; d < dim; ++d) yu(k, d) = y[d];
    cm1[k] = Confidence(row.weights[k], options_) - 1.0;
  }
  Eigen::MatrixXd a = gram_;
  a.noalias() += yu.transpose() * (cm1.asDiagonal() * yu);
  const Eigen::VectorXd b = yu.transpose() * (cm1.array() + 1.0).matrix();
  x = a.llt().solve(b).cast<float>();
  return absl::OkStatus();
}

}  // namespace persona::model
