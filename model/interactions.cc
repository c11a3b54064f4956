#include "model/interactions.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/strings/str_cat.h"

namespace persona::model {

absl::StatusOr<InteractionMatrix> InteractionMatrix::Build(int32_t num_users, int32_t num_items,
                                                           std::span<const Triple> triples,
                                                           const InteractionOptions& options) {
  if (num_users < 0 || num_items < 0) {
    return absl::InvalidArgumentError("negative matrix dimensions");
  }
  const bool decay = options.half_life_ms > 0;
  std::vector<Triple> sorted;
  sorted.reserve(triples.size());
  for (const Triple& t : triples) {
    if (t.user < 0 || t.user >= num_users || t.item < 0 || t.item >= num_items) {
      return absl::InvalidArgumentError(
          absl::StrCat("interaction (", t.user, ", ", t.item, ") out of range"));
    }
    if (!std::isfinite(t.weight)) return absl::InvalidArgumentError("non-finite weight");
    Triple u = t;
    if (decay) {
      const double age = static_cast<double>(options.now_ms - t.time_ms);
      u.weight = static_cast<float>(t.weight * std::exp2(-std::max(0.0, age) / options.half_life_ms));
    }
    sorted.push_back(u);
  }
  std::sort(sorted.begin(), sorted.end(), [](const Triple& a, const Triple& b) {
    return a.user != b.user ? a.user < b.user : a.item < b.item;
  });
  InteractionMatrix m;
  m.rows_ = num_users;
  m.cols_ = num_items;
  m.indptr_.assign(num_users + 1, 0);
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i;
    double sum = 0;
    while (j < sorted.size() && sorted[j].user == sorted[i].user &&
           sorted[j].item == sorted[i].item) {
      sum += sorted[j].weight;
      ++j;
    }
    if (sum > options.min_strength) {
      m.indices_.push_back(sorted[i].item);
      m.values_.push_back(static_cast<float>(sum));
      ++m.indptr_[sorted[i].user + 1];
    }
    i = j;
  }
  std::partial_sum(m.indptr_.begin(), m.indptr_.end(), m.indptr_.begin());
  return m;
}

InteractionMatrix InteractionMatrix::Transpose() const {
  InteractionMatrix t;
  t.rows_ = cols_;
  t.cols_ = rows_;
  t.indptr_.assign(cols_ + 1, 0);
  for (int32_t c : indices_) ++t.indptr_[c + 1];
  std::partial_sum(t.indptr_.begin(), t.indptr_.end(), t.indptr_.begin());
  t.indices_.resize(indices_.size());
  t.values_.resize(values_.size());
  std::vector<int64_t> next(t.indptr_.begin(), t.indptr_.end() - 1);
  // Rows are visited in order, so each transposed row comes out sorted.
  for (int32_t r = 0; r < rows_; ++r) {
    for (int64_t k = indptr_[r]; k < indptr_[r + 1]; ++k) {
      const int64_t dst = next[indices_[k]]++;
      t.indices_[dst] = r;
      t.values_[dst] = values_[k];
    }
  }
  return t;
}

}  // namespace persona::model
