#include "model/item_neighbors.h"

#include <algorithm>
#include <cmath>

#include "model/parallel.h"

namespace persona::model {
namespace {

// Top neighbours of items [lo, hi), computed with a dense accumulator that is
// reset through the list of touched items.
void NeighborsOfRange(const InteractionMatrix& gi, const InteractionMatrix& ig,
                      const std::vector<int32_t>& count, const NeighborOptions& options,
                      int64_t lo, int64_t hi, std::vector<std::vector<ScoredIndex>>& out) {
  std::vector<int32_t> co(gi.cols(), 0);
  std::vector<int32_t> touched;
  for (int64_t i = lo; i < hi; ++i) {
    for (int32_t g : ig.RowIndices(static_cast<int32_t>(i))) {
      for (int32_t j : gi.RowIndices(g)) {
        if (co[j]++ == 0) touched.push_back(j);
      }
    }
    TopKHeap heap(options.max_neighbors);
    for (int32_t j : touched) {
      const int32_t c = co[j];
      co[j] = 0;
      if (j == i || c < options.min_count) continue;
      double sim = c / std::sqrt(static_cast<double>(count[i]) * count[j]);
      if (options.shrink > 0) sim *= c / (c + static_cast<double>(options.shrink));
      heap.Push(j, static_cast<float>(sim));
    }
    touched.clear();
    out[i] = heap.TakeSorted();
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<const ItemNeighbors>> ItemNeighbors::Build(
    const InteractionMatrix& groups_items, const NeighborOptions& options) {
  if (options.max_neighbors < 0 || options.threads < 1 || options.shrink < 0) {
    return absl::InvalidArgumentError("bad neighbour options");
  }
  const InteractionMatrix items_groups = groups_items.Transpose();
  const int32_t n = groups_items.cols();
  std::vector<int32_t> count(n);
  for (int32_t i = 0; i < n; ++i) count[i] = static_cast<int32_t>(items_groups.RowIndices(i).size());
  std::vector<std::vector<ScoredIndex>> lists(n);
  ParallelFor(n, options.threads, 256, [&](int64_t lo, int64_t hi) {
    NeighborsOfRange(groups_items, items_groups, count, options, lo, hi, lists);
  });
  std::unique_ptr<ItemNeighbors> result(new ItemNeighbors());
  result->offsets_.assign(n + 1, 0);
  for (int32_t i = 0; i < n; ++i) result->offsets_[i + 1] = result->offsets_[i] + lists[i].size();
  result->neighbors_.reserve(result->offsets_[n]);
  for (const auto& l : lists) result->neighbors_.insert(result->neighbors_.end(), l.begin(), l.end());
  return std::unique_ptr<const ItemNeighbors>(std::move(result));
}

void ItemNeighbors::AccumulateScores(std::span<const int32_t> items,
                                     std::span<const float> weights,
                                     std::span<float> scores) const {
  for (size_t k = 0; k < items.size(); ++k) {
    if (items[k] < 0 || items[k] >= num_items()) continue;
    const float w = k < weights.size() ? weights[k] : 1.0f;
    for (const ScoredIndex& s : Neighbors(items[k])) scores[s.item] += w * s.score;
  }
}

std::vector<ScoredIndex> ItemNeighbors::Similar(std::span<const int32_t> items, int k,
                                                const ItemMask* allowed) const {
  std::vector<float> scores(num_items(), 0.0f);
  AccumulateScores(items, {}, scores);
  ItemMask mask = allowed != nullptr ? *allowed : ItemMask(num_items(), true);
  // Only items with a positive score are candidates, so unrelated items are
  // never padded in.
  for (int32_t i = 0; i < num_items(); ++i) {
    if (scores[i] <= 0) mask.ResetIfValid(i);
  }
  for (int32_t i : items) mask.ResetIfValid(i);
  return TopKScores(scores, k, &mask);
}

std::unique_ptr<const FactorSimilarity> FactorSimilarity::Build(const FactorView& items) {
  std::unique_ptr<FactorSimilarity> s(new FactorSimilarity());
  s->rows_ = items.rows;
  s->dim_ = items.dim;
  s->normalized_.assign(items.data, items.data + int64_t{items.rows} * items.dim);
  for (int64_t r = 0; r < items.rows; ++r) {
    float* row = s->normalized_.data() + r * items.dim;
    double norm = 0;
    for (int d = 0; d < items.dim; ++d) norm += double{row[d]} * row[d];
    const float inv = norm > 0 ? static_cast<float>(1.0 / std::sqrt(norm)) : 0.0f;
    for (int d = 0; d < items.dim; ++d) row[d] *= inv;
  }
  return std::unique_ptr<const FactorSimilarity>(std::move(s));
}

absl::StatusOr<std::vector<ScoredIndex>> FactorSimilarity::Similar(int32_t item, int k,
                                                                  const ItemMask* allowed) const {
  if (item < 0 || item >= rows_) return absl::InvalidArgumentError("item out of range");
  ItemMask mask = allowed != nullptr ? *allowed : ItemMask(rows_, true);
  mask.Reset(item);
  const FactorView view{normalized_.data(), rows_, dim_};
  return TopKDot(view, normalized_.data() + int64_t{item} * dim_, k, &mask);
}

}  // namespace persona::model
