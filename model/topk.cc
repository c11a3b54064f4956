#include "model/topk.h"

#include <algorithm>
#include <bit>
#include <limits>

#include "Eigen/Dense"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

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

#if defined(__AVX512F__)
// Horizontal sums of 16 accumulators without 16 separate reductions: each
// step adds two vectors' halves (then quarters, pairs, single lanes) so 15
// adds and 30 shuffles produce all 16 sums in one register.
inline __m512 Pair1(__m512 a, __m512 b) {
  return _mm512_add_ps(_mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(1, 0, 1, 0)),
                       _mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(3, 2, 3, 2)));
}
inline __m512 Pair2(__m512 a, __m512 b) {
  return _mm512_add_ps(_mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(2, 0, 2, 0)),
                       _mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(3, 1, 3, 1)));
}
inline __m512 Pair3(__m512 a, __m512 b) {
  return _mm512_add_ps(_mm512_shuffle_ps(a, b, _MM_SHUFFLE(1, 0, 1, 0)),
                       _mm512_shuffle_ps(a, b, _MM_SHUFFLE(3, 2, 3, 2)));
}
inline __m512 Pair4(__m512 a, __m512 b) {
  return _mm512_add_ps(_mm512_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0)),
                       _mm512_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1)));
}
// 16 rows of dim (multiple of 16) floats -> 16 scores.
inline void Score16(const float* p, int64_t dim, const float* q, float* s) {
  __m512 a[16];
  for (int j = 0; j < 16; ++j) a[j] = _mm512_setzero_ps();
  for (int64_t d = 0; d < dim; d += 16) {
    const __m512 qv = _mm512_loadu_ps(q + d);
    for (int j = 0; j < 16; ++j) a[j] = _mm512_fmadd_ps(_mm512_loadu_ps(p + j * dim + d), qv, a[j]);
  }
  __m512 c[8], e[4], g[2];
  for (int i = 0; i < 8; ++i) c[i] = Pair1(a[2 * i], a[2 * i + 1]);
  for (int i = 0; i < 4; ++i) e[i] = Pair2(c[2 * i], c[2 * i + 1]);
  for (int i = 0; i < 2; ++i) g[i] = Pair3(e[2 * i], e[2 * i + 1]);
  const __m512 f = Pair4(g[0], g[1]);
  // Lane 4q + e holds item q + 4e.
  const __m512i idx = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  _mm512_storeu_ps(s, _mm512_permutexvar_ps(idx, f));
}
#endif

// scores[r] = rows[r] . q for n rows of dim floats.
void ScoreBlock(const float* rows, int64_t n, int64_t dim, const float* q, float* scores) {
  int64_t r = 0;
#if defined(__AVX512F__)
  if (dim % 16 == 0) {
    for (; r + 16 <= n; r += 16) Score16(rows + r * dim, dim, q, scores + r);
  }
#endif
  if (r < n) {
    Eigen::Map<Eigen::VectorXf>(scores + r, n - r).noalias() =
        ConstMapF(rows + r * dim, n - r, dim) * Eigen::Map<const Eigen::VectorXf>(q, dim);
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
  alignas(64) float scores[kBlock];
  const int64_t words = (items.rows + kBlock - 1) / kBlock;
  for (int64_t w = 0; w < words; ++w) {
    const uint64_t bits = MaskWord(allowed, w, items.rows);
    if (bits == 0) continue;
    const int64_t base = w * kBlock;
    const int64_t n = std::min<int64_t>(kBlock, items.rows - base);
    ScoreBlock(items.data + base * dim, n, dim, query, scores);
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
