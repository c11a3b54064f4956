#include "model/weighting.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace persona::model {
namespace {

absl::Status ValidateParams(float k1, float b) {
  if (!(k1 >= 0) || !std::isfinite(k1)) return absl::InvalidArgumentError("bm25 k1 must be >= 0");
  if (!(b >= 0 && b <= 1)) return absl::InvalidArgumentError("bm25 b must be in [0, 1]");
  return absl::OkStatus();
}

float Idf(int64_t num_users, int64_t count) {
  if (num_users <= 0) return 0.0f;
  const double idf = std::log(static_cast<double>(num_users) / std::max<int64_t>(1, count));
  return static_cast<float>(std::max(idf, 0.0));
}

}  // namespace

absl::StatusOr<WeightedRow> MergeRow(std::span<const int32_t> item_ids,
                                     std::span<const float> strengths, int32_t num_items) {
  if (item_ids.size() != strengths.size()) {
    return absl::InvalidArgumentError("item_ids and strengths differ in length");
  }
  std::vector<std::pair<int32_t, float>> merged;
  merged.reserve(item_ids.size());
  for (size_t k = 0; k < item_ids.size(); ++k) {
    if (item_ids[k] < 0 || item_ids[k] >= num_items) {
      return absl::InvalidArgumentError(absl::StrCat("item index ", item_ids[k], " out of range"));
    }
    if (!std::isfinite(strengths[k])) return absl::InvalidArgumentError("non-finite strength");
    merged.emplace_back(item_ids[k], strengths[k]);
  }
  std::sort(merged.begin(), merged.end());
  WeightedRow row;
  row.items.reserve(merged.size());
  row.weights.reserve(merged.size());
  for (size_t k = 0; k < merged.size();) {
    // Summed in double, in sorted order, like InteractionMatrix::Build.
    double sum = 0;
    size_t j = k;
    for (; j < merged.size() && merged[j].first == merged[k].first; ++j) sum += merged[j].second;
    if (sum > 0) {
      row.items.push_back(merged[k].first);
      row.weights.push_back(static_cast<float>(sum));
    }
    k = j;
  }
  return row;
}

absl::StatusOr<Bm25Weighting> Bm25Weighting::Fit(const InteractionMatrix& m, float k1, float b) {
  RETURN_IF_ERROR(ValidateParams(k1, b));
  std::vector<int64_t> count(m.cols(), 0);
  for (int32_t c : m.indices()) ++count[c];
  std::vector<float> idf(m.cols());
  for (int32_t i = 0; i < m.cols(); ++i) idf[i] = Idf(m.rows(), count[i]);
  const double avg_len =
      m.rows() > 0 && m.nnz() > 0 ? static_cast<double>(m.nnz()) / m.rows() : 1.0;
  return FromParts(k1, b, avg_len, m.rows(), std::move(idf));
}

absl::StatusOr<Bm25Weighting> Bm25Weighting::FromParts(float k1, float b, double avg_len,
                                                       int64_t num_users, std::vector<float> idf) {
  RETURN_IF_ERROR(ValidateParams(k1, b));
  if (!(avg_len > 0) || !std::isfinite(avg_len)) {
    return absl::InvalidArgumentError("bm25 avg_len must be > 0");
  }
  if (num_users < 0) return absl::InvalidArgumentError("bm25 num_users must be >= 0");
  for (float v : idf) {
    if (!(v >= 0) || !std::isfinite(v)) return absl::InvalidArgumentError("bm25 idf must be >= 0");
  }
  Bm25Weighting w;
  w.k1_ = k1;
  w.b_ = b;
  w.avg_len_ = avg_len;
  w.num_users_ = num_users;
  w.idf_ = std::move(idf);
  return w;
}

void Bm25Weighting::WeightRow(std::span<const int32_t> items, std::span<float> values) const {
  const double norm =
      k1_ * (1.0 - b_ + b_ * static_cast<double>(items.size()) / avg_len_);
  for (size_t k = 0; k < items.size(); ++k) {
    const double v = values[k];
    values[k] = static_cast<float>(v * (k1_ + 1.0) / (v + norm) * idf_[items[k]]);
  }
}

absl::Status Bm25Weighting::Apply(InteractionMatrix& m) const {
  if (m.cols() != num_items()) {
    return absl::InvalidArgumentError(absl::StrCat("bm25 weighting has ", num_items(),
                                                   " items, the matrix ", m.cols()));
  }
  std::vector<float>& values = m.mutable_values();
  for (int32_t r = 0; r < m.rows(); ++r) {
    const int64_t begin = m.indptr()[r];
    const int64_t len = m.indptr()[r + 1] - begin;
    WeightRow(m.RowIndices(r), std::span<float>(values.data() + begin, len));
  }
  return absl::OkStatus();
}

absl::StatusOr<WeightedRow> Bm25Weighting::WeightUser(std::span<const int32_t> item_ids,
                                                      std::span<const float> strengths) const {
  ASSIGN_OR_RETURN(WeightedRow row, MergeRow(item_ids, strengths, num_items()));
  WeightRow(row.items, row.weights);
  return row;
}

absl::StatusOr<Bm25Weighting> Bm25Weighting::Reindexed(std::span<const int32_t> new_index,
                                                       int32_t new_num_items) const {
  if (new_index.size() != idf_.size() || new_num_items < 0) {
    return absl::InvalidArgumentError("bm25 reindex: size mismatch");
  }
  std::vector<float> idf(new_num_items, Idf(num_users_, 0));
  for (size_t old = 0; old < new_index.size(); ++old) {
    if (new_index[old] < 0) continue;
    if (new_index[old] >= new_num_items) {
      return absl::InvalidArgumentError("bm25 reindex: index out of range");
    }
    idf[new_index[old]] = idf_[old];
  }
  return FromParts(k1_, b_, avg_len_, num_users_, std::move(idf));
}

absl::Status ApplyBm25(InteractionMatrix& user_items, float k1, float b) {
  ASSIGN_OR_RETURN(const Bm25Weighting w, Bm25Weighting::Fit(user_items, k1, b));
  return w.Apply(user_items);
}

}  // namespace persona::model
