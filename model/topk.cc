#include "model/topk.h"

#include <algorithm>
#include <bit>
#include <limits>

#include "Eigen/Dense"

namespace persona::model {
namespace {

using RowMatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMapF = Eigen::Map<const RowMatrixF>;
using ColMatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic>;

constexpr int kBlock = 64;  // one mask word
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// "a is worse than b": lower score, or equal score and higher index.
bool Worse(const ScoredIndex& a, const ScoredIndex& b) {
  return a.score != b.score ? a.score < b.score : a.item > b.item;
}
// Heap comparator putting the worst element at the front.
bool HeapLess(const ScoredIndex& a, const ScoredIndex& b) { return Worse(b, a); }

uint64_t MaskWord(const ItemMask* allowed, int64_t w, int32_t rows) {
  if (allowed != nullptr) return allowed->words()[w];
  const int64_t left = rows - w * kBlock;
  return left >= kBlock ? ~uint64_t{0} : (uint64_t{1} << left) - 1;
}

// Pushes the allowed scores of one 64-item block.
void SelectBlock(const float* scores, int64_t base, uint64_t bits, TopKHeap& heap) {
  while (bits != 0) {
    const int j = std::countr_zero(bits);
    bits &= bits - 1;
    if (scores[j] >= heap.threshold()) heap.Push(static_cast<int32_t>(base + j), scores[j]);
  }
}

}  // namespace

TopKHeap::TopKHeap(int k) : k_(std::max(k, 0)), threshold_(k > 0 ? kNegInf : 0) {
  heap_.reserve(k_);
}

void TopKHeap::Push(int32_t item, float score) {
  if (k_ == 0) return;
  const ScoredIndex e{item, score};
  if (static_cast<int>(heap_.size()) < k_) {
    heap_.push_back(e);
    std::push_heap(heap_.begin(), heap_.end(), HeapLess);
  } else if (Worse(heap_.front(), e)) {
    std::pop_heap(heap_.begin(), heap_.end(), HeapLess);
    heap_.back() = e;
    std::push_heap(heap_.begin(), heap_.end(), HeapLess);
  } else {
    return;
  }
  if (static_cast<int>(heap_.size()) == k_) threshold_ = heap_.front().score;
}

std::vector<ScoredIndex> TopKHeap::TakeSorted() {
  std::vector<ScoredIndex> out = std::move(heap_);
  std::sort(out.begin(), out.end(), [](const ScoredIndex& a, const ScoredIndex& b) {
    return Worse(b, a);
  });
  heap_.clear();
  threshold_ = k_ > 0 ? kNegInf : 0;
  return out;
}

std::vector<ScoredIndex> TopKDot(const FactorView& items, const float* query, int k,
                                 const ItemMask* allowed) {
  TopKHeap heap(k);
  if (k <= 0 || items.rows == 0) return {};
  const int64_t dim = items.dim;
  Eigen::Map<const Eigen::VectorXf> q(query, dim);
  alignas(64) float scores[kBlock];
  const int64_t words = (items.rows + kBlock - 1) / kBlock;
  for (int64_t w = 0; w < words; ++w) {
    const uint64_t bits = MaskWord(allowed, w, items.rows);
    if (bits == 0) continue;
    const int64_t base = w * kBlock;
    const int64_t n = std::min<int64_t>(kBlock, items.rows - base);
    ConstMapF block(items.data + base * dim, n, dim);
    Eigen::Map<Eigen::VectorXf>(scores, n).noalias() = block * q;
    SelectBlock(scores, base, bits, heap);
  }
  return heap.TakeSorted();
}

std::vector<std::vector<ScoredIndex>> TopKDotBatch(const FactorView& items,
                                                   const FactorView& queries, int k,
                                                   std::span<const ItemMask* const> allowed) {
  const int64_t nq = queries.rows;
  std::vector<TopKHeap> heaps(nq, TopKHeap(k));
  std::vector<std::vector<ScoredIndex>> out(nq);
  if (k <= 0 || items.rows == 0 || nq == 0) return out;
  const int64_t dim = items.dim;
  // Queries as a dim x nq column-major matrix: the row-major buffer reinterpreted.
  Eigen::Map<const ColMatrixF> qt(queries.data, dim, nq);
  // 256 items x nq scores per pass keeps the score tile in L2.
  constexpr int64_t kTile = 4 * kBlock;
  ColMatrixF tile(kTile, nq);
  for (int64_t base = 0; base < items.rows; base += kTile) {
    const int64_t n = std::min<int64_t>(kTile, items.rows - base);
    ConstMapF block(items.data + base * dim, n, dim);
    tile.topRows(n).noalias() = block * qt;
    for (int64_t q = 0; q < nq; ++q) {
      const ItemMask* mask = allowed.empty() ? nullptr : allowed[q];
      const float* col = tile.col(q).data();
      for (int64_t off = 0; off < n; off += kBlock) {
        const uint64_t bits = MaskWord(mask, (base + off) / kBlock, items.rows);
        if (bits != 0) SelectBlock(col + off, base + off, bits, heaps[q]);
      }
    }
  }
  for (int64_t q = 0; q < nq; ++q) out[q] = heaps[q].TakeSorted();
  return out;
}

std::vector<ScoredIndex> TopKScores(std::span<const float> scores, int k,
                                    const ItemMask* allowed) {
  TopKHeap heap(k);
  const int32_t rows = static_cast<int32_t>(scores.size());
  const int64_t words = (rows + kBlock - 1) / kBlock;
  for (int64_t w = 0; w < words && k > 0; ++w) {
    const uint64_t bits = MaskWord(allowed, w, rows);
    if (bits != 0) SelectBlock(scores.data() + w * kBlock, w * kBlock, bits, heap);
  }
  return heap.TakeSorted();
}

}  // namespace persona::model
