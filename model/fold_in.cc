#include "model/fold_in.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "Eigen/Dense"
#include "common/status_macros.h"

namespace persona::model {

absl::StatusOr<std::unique_ptr<const FoldIn>> FoldIn::Create(const FactorView& items,
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
  return std::unique_ptr<const FoldIn>(std::move(f));
}

absl::Status FoldIn::Solve(std::span<const int32_t> item_ids, std::span<const float> strengths,
                           std::span<float> out) const {
  const int dim = items_.dim;
  if (item_ids.size() != strengths.size()) {
    return absl::InvalidArgumentError("item_ids and strengths differ in length");
  }
  if (static_cast<int>(out.size()) != dim) return absl::InvalidArgumentError("bad output size");
  std::vector<std::pair<int32_t, float>> merged;
  merged.reserve(item_ids.size());
  for (size_t k = 0; k < item_ids.size(); ++k) {
    if (item_ids[k] < 0 || item_ids[k] >= items_.rows) {
      return absl::InvalidArgumentError("item index out of range");
    }
    merged.emplace_back(item_ids[k], strengths[k]);
  }
  std::sort(merged.begin(), merged.end());
  // Gather the distinct items with positive strength into a dense block so the
  // rank update is one matrix product.
  Eigen::MatrixXd yu(merged.size(), dim);
  Eigen::VectorXd cm1(merged.size());
  int64_t n = 0;
  for (size_t k = 0; k < merged.size();) {
    double sum = 0;
    size_t j = k;
    for (; j < merged.size() && merged[j].first == merged[k].first; ++j) sum += merged[j].second;
    if (sum > 0) {
      const float* row = items_.data + int64_t{merged[k].first} * dim;
      for (int d = 0; d < dim; ++d) yu(n, d) = row[d];
      cm1[n++] = Confidence(static_cast<float>(sum), options_) - 1.0;
    }
    k = j;
  }
  Eigen::Map<Eigen::VectorXf> x(out.data(), dim);
  if (n == 0) {
    x.setZero();
    return absl::OkStatus();
  }
  const auto block = yu.topRows(n);
  Eigen::MatrixXd a = gram_;
  a.noalias() += block.transpose() * (cm1.head(n).asDiagonal() * block);
  const Eigen::VectorXd b = block.transpose() * (cm1.head(n).array() + 1.0).matrix();
  x = a.llt().solve(b).cast<float>();
  return absl::OkStatus();
}

}  // namespace persona::model
