#include "model/topk.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "Eigen/Dense"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace persona::model {
namespace {

using RowMatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMapF = Eigen::Map<const RowMatrixF>;

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
// adds and 30 shuffles produce all 16 sums in one register. Every sum is
// ((T0 + T2) + (T1 + T3)) with T[e] = (L[e] + L[e+8]) + (L[e+4] + L[e+12])
// over its accumulator's lanes L; SumLanes repeats that order for one
// accumulator, which makes single and batched scores bit-identical.
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
// Returns the 16 accumulators' sums, sum j in lane j.
inline __m512 Sum16(const __m512 (&a)[16]) {
  __m512 c[8], e[4], g[2];
  for (int i = 0; i < 8; ++i) c[i] = Pair1(a[2 * i], a[2 * i + 1]);
  for (int i = 0; i < 4; ++i) e[i] = Pair2(c[2 * i], c[2 * i + 1]);
  for (int i = 0; i < 2; ++i) g[i] = Pair3(e[2 * i], e[2 * i + 1]);
  const __m512 f = Pair4(g[0], g[1]);
  // Lane 4q + e holds accumulator q + 4e.
  const __m512i idx = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  return _mm512_permutexvar_ps(idx, f);
}
// One accumulator's lane sum in Sum16's order.
inline float SumLanes(__m512 a) {
  const __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(a), 1));
  const __m256 s8 = _mm256_add_ps(_mm512_castps512_ps256(a), hi);  // L[e] + L[e+8]
  const __m128 t = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
  const __m128 u = _mm_add_ps(t, _mm_movehl_ps(t, t));  // T0 + T2, T1 + T3
  return _mm_cvtss_f32(_mm_add_ss(u, _mm_shuffle_ps(u, u, 1)));
}
// 16 rows of dim (multiple of 16) floats -> 16 scores.
inline void Score16(const float* p, int64_t dim, const float* q, float* s) {
  __m512 a[16];
  for (int j = 0; j < 16; ++j) a[j] = _mm512_setzero_ps();
  for (int64_t d = 0; d < dim; d += 16) {
    const __m512 qv = _mm512_loadu_ps(q + d);
    for (int j = 0; j < 16; ++j) a[j] = _mm512_fmadd_ps(_mm512_loadu_ps(p + j * dim + d), qv, a[j]);
  }
  _mm512_storeu_ps(s, Sum16(a));
}
// One row's score, bit-identical to the same row's Score16 result.
inline float ExactDot(const float* row, const float* q, int64_t dim) {
  __m512 a = _mm512_setzero_ps();
  for (int64_t d = 0; d < dim; d += 16) {
    a = _mm512_fmadd_ps(_mm512_loadu_ps(row + d), _mm512_loadu_ps(q + d), a);
  }
  return SumLanes(a);
}
#endif

// scores[r] = rows[r] . q for n rows of dim floats.
void ScoreBlock(const float* rows, int64_t n, int64_t dim, const float* q, float* scores) {
#if defined(__AVX512F__)
  if (dim % 16 == 0) {
    int64_t r = 0;
    for (; r + 16 <= n; r += 16) Score16(rows + r * dim, dim, q, scores + r);
    for (; r < n; ++r) scores[r] = ExactDot(rows + r * dim, q, dim);
    return;
  }
#endif
  Eigen::Map<Eigen::VectorXf>(scores, n).noalias() =
      ConstMapF(rows, n, dim) * Eigen::Map<const Eigen::VectorXf>(q, dim);
}

// The fused GEMV + select over mask words [w0, w1) for one query.
void ScanWords(const FactorView& items, const float* query, const ItemMask* allowed,
               int64_t w0, int64_t w1, TopKHeap& heap) {
  const int64_t dim = items.dim;
  alignas(64) float scores[kBlock];
  for (int64_t w = w0; w < w1; ++w) {
    const uint64_t bits = MaskWord(allowed, w, items.rows);
    if (bits == 0) continue;
    const int64_t base = w * kBlock;
    const int64_t n = std::min<int64_t>(kBlock, items.rows - base);
    ScoreBlock(items.data + base * dim, n, dim, query, scores);
    SelectBlock(scores, base, bits, heap);
  }
}

// The batched path wherever the register tile does not apply (no AVX-512, or
// dims not a multiple of 16): every query runs the single-query kernel over a
// cache-sized range of items before the next range, so the items are read
// from memory once per block instead of once per query, and every score is
// the one TopKDot computes.
void BatchPerQuery(const FactorView& items, const FactorView& queries,
                   std::span<const ItemMask* const> allowed, std::vector<TopKHeap>& heaps) {
  constexpr int64_t kPassBytes = 256 << 10;  // half of a small L2
  const int64_t row_bytes = int64_t{items.dim} * sizeof(float);
  const int64_t step = std::max<int64_t>(1, kPassBytes / (kBlock * std::max<int64_t>(row_bytes, 1)));
  const int64_t words = (items.rows + kBlock - 1) / kBlock;
  for (int64_t w0 = 0; w0 < words; w0 += step) {
    const int64_t w1 = std::min(words, w0 + step);
    for (int64_t q = 0; q < queries.rows; ++q) {
      ScanWords(items, queries.data + q * queries.dim, allowed.empty() ? nullptr : allowed[q],
                w0, w1, heaps[q]);
    }
  }
}

// Below this many queries a register tile is mostly padding; TopKDot per
// query is faster.
constexpr int64_t kMinBatch = 4;

#if defined(__AVX512F__)
// The register-tiled batched path. Queries are packed dim-major (one zmm holds
// 16 queries' value of one dim); R items at a time are broadcast one dim at a
// time and FMA'd into R x NV accumulators, so every loaded value feeds NV (or
// R) FMAs and the loop runs at FMA peak. These sums run in another order than
// the single-query kernel's, so they only filter: an item reaches a query's
// heap when its score plus a bound on that rounding difference is not below
// the query's k-th best, and is then rescored with ExactDot, making the
// answers bit-identical to TopKDot's. The test is one FMA and one compare for
// 16 queries; only the rare passing (query, item) pairs are rescored. The
// bound needs each item's norm, computed per chunk of candidates just before
// the tiles read them, so the chunk is then read from L2.
constexpr int kPanel = 64;    // queries per pass over the items: 4 zmm columns
constexpr int kPad = 48;      // candidates padded to a multiple of 16 and every R
constexpr int kChunk = 960;   // candidates per norm pass: 240 KB at 64 dims
constexpr float kTiny = 0x1p-60f;  // keeps the bound above underflowed products

// One zmm worth of packed query values; a plain struct so std::vector keeps
// its 64-byte alignment without attribute warnings.
struct alignas(64) Lanes {
  float v[16];
};

struct QueryPanel {
  int64_t first = 0;           // index of the panel's first query
  int nv = 0;                  // zmm columns: ceil(queries / 16)
  bool check_masks = false;    // queries' masks differ: test each push
  std::vector<Lanes> packed;   // packed[d * nv + v], lane l: query 16v + l, dim d
  alignas(64) float threshold[kPanel];  // the query's heap threshold
  alignas(64) float slack[kPanel];      // rounding bound per unit of item norm
  __mmask16 live[kPanel / 16];          // lanes holding a query
  const float* query[kPanel];
  const ItemMask* masks[kPanel];        // per query; null allows all items
};

// Writes norm + kTiny of each listed row; n is a multiple of 16.
void RowNorms(const FactorView& items, const int32_t* idx, size_t n, float* out) {
  const int64_t dim = items.dim;
  for (size_t t = 0; t < n; t += 16) {
    __m512 a[16];
    for (int j = 0; j < 16; ++j) a[j] = _mm512_setzero_ps();
    for (int64_t d = 0; d < dim; d += 16) {
      for (int j = 0; j < 16; ++j) {
        const __m512 x = _mm512_loadu_ps(items.data + int64_t{idx[t + j]} * dim + d);
        a[j] = _mm512_fmadd_ps(x, x, a[j]);
      }
    }
    const __m512 norm = _mm512_sqrt_ps(Sum16(a));
    _mm512_store_ps(out + t, _mm512_add_ps(norm, _mm512_set1_ps(kTiny)));
  }
}

// Rescores and pushes the (query, item) pairs whose lanes are set in `pass`.
[[gnu::noinline]] void PushPassing(const float* row, int64_t dim, __mmask16 pass, int v,
                                   int32_t item, QueryPanel& p, std::vector<TopKHeap>& heaps) {
  for (uint32_t bits = pass; bits != 0; bits &= bits - 1) {
    const int q = 16 * v + std::countr_zero(bits);
    if (p.check_masks && p.masks[q] != nullptr && !p.masks[q]->Test(item)) continue;
    TopKHeap& heap = heaps[p.first + q];
    const float score = ExactDot(row, p.query[q], dim);
    if (score >= heap.threshold()) heap.Push(item, score);
    p.threshold[q] = heap.threshold();
  }
}

// Writes the dot products of R rows with the panel's packed queries:
// out[j][v] lane l is row j . query 16v + l. Kept out of line so the
// selection's calls cannot push the R x NV accumulators out of registers.
template <int NV, int R>
[[gnu::noinline]] void TileDots(const float* const (&rows)[R], const Lanes* q, int64_t dim,
                                __m512 (&out)[R][NV]) {
  __m512 acc[R][NV];
#pragma GCC unroll 24
  for (int j = 0; j < R; ++j) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[j][v] = _mm512_setzero_ps();
  }
  for (int64_t d = 0; d < dim; ++d) {
    __m512 qv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) qv[v] = _mm512_load_ps(q[d * NV + v].v);
#pragma GCC unroll 24
    for (int j = 0; j < R; ++j) {
      const __m512 b = _mm512_set1_ps(rows[j][d]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[j][v] = _mm512_fmadd_ps(b, qv[v], acc[j][v]);
    }
  }
#pragma GCC unroll 24
  for (int j = 0; j < R; ++j) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) out[j][v] = acc[j][v];
  }
}

// Scores candidates cand[0, R) against the panel and selects; norms[j] is
// cand[j]'s norm.
template <int NV, int R>
void ScanTile(const FactorView& items, const int32_t* cand, const float* norms, QueryPanel& p,
              std::vector<TopKHeap>& heaps) {
  const int64_t dim = items.dim;
  const float* rows[R];
  for (int j = 0; j < R; ++j) rows[j] = items.data + int64_t{cand[j]} * dim;
  __m512 dots[R][NV];
  TileDots<NV, R>(rows, p.packed.data(), dim, dots);
  for (int j = 0; j < R; ++j) {
    const __m512 nx = _mm512_set1_ps(norms[j]);
    for (int v = 0; v < NV; ++v) {
      // Unordered (NaN, e.g. from an infinite norm) passes: ExactDot decides.
      const __m512 bound = _mm512_fmadd_ps(nx, _mm512_load_ps(p.slack + 16 * v), dots[j][v]);
      const __mmask16 pass = _mm512_mask_cmp_ps_mask(
          p.live[v], bound, _mm512_load_ps(p.threshold + 16 * v), _CMP_NLT_UQ);
      if (pass != 0) PushPassing(rows[j], dim, pass, v, cand[j], p, heaps);
    }
  }
}

// Scans the first n of `cand` (padded to a multiple of kPad) in chunks whose
// rows stay in L2 between the norm pass and the tiles.
template <int NV, int R>
void ScanPanel(const FactorView& items, const std::vector<int32_t>& cand, size_t n,
               QueryPanel& p, std::vector<TopKHeap>& heaps) {
  static_assert(kPad % R == 0 && kPad % 16 == 0 && kChunk % kPad == 0);
  alignas(64) float norms[kChunk];
  for (size_t start = 0; start < n; start += kChunk) {
    const size_t end = std::min(n, start + kChunk);
    const size_t padded = std::min(cand.size(), start + kChunk);
    RowNorms(items, cand.data() + start, padded - start, norms);
    for (size_t t = start; t + R <= end; t += R) {
      ScanTile<NV, R>(items, cand.data() + t, norms + (t - start), p, heaps);
    }
    // A partial last tile: the padding rows' scores must not be selected.
    if (const size_t t = end - (end - start) % R; t < end) {
      for (size_t i = t; i < end; ++i) {
        ScanTile<NV, 1>(items, cand.data() + i, norms + (i - start), p, heaps);
      }
    }
  }
}

// Fills `p` with queries [first, first + n): packed values, thresholds,
// rounding slack, masks.
void PackPanel(const FactorView& queries, std::span<const ItemMask* const> allowed,
               int64_t first, int n, QueryPanel& p) {
  const int64_t dim = queries.dim;
  p.first = first;
  p.nv = (n + 15) / 16;
  p.packed.assign(dim * p.nv, Lanes{});
  // Any two summation orders of a length-dim dot product differ by at most
  // 2 * dim * 2^-24 * |x| * |y| (Higham, inner products); twice that covers
  // the rounding of the norms and of the bound itself.
  const float unit = 4.0f * static_cast<float>(dim + 2) * 0x1p-24f;
  for (int q = 0; q < kPanel; ++q) {
    p.query[q] = q < n ? queries.data + (first + q) * dim : nullptr;
    p.masks[q] = q < n && !allowed.empty() ? allowed[first + q] : nullptr;
    p.threshold[q] = kNegInf;
    float norm2 = 0;
    for (int64_t d = 0; q < n && d < dim; ++d) {
      const float x = p.query[q][d];
      p.packed[d * p.nv + q / 16].v[q % 16] = x;
      norm2 += x * x;
    }
    p.slack[q] = q < n ? unit * (std::sqrt(norm2) + kTiny) : 0;
  }
  for (int v = 0; v < kPanel / 16; ++v) {
    const int lanes = std::clamp(n - 16 * v, 0, 16);
    p.live[v] = static_cast<__mmask16>((uint32_t{1} << lanes) - 1);
  }
  p.check_masks = false;
  for (int q = 1; q < n; ++q) p.check_masks |= p.masks[q] != p.masks[0];
}

// Lists the items any of the panel's queries may return (the union of their
// masks), padded to a multiple of kPad; returns the real count.
size_t Candidates(const QueryPanel& p, int n, int32_t rows, std::vector<int32_t>& cand) {
  cand.clear();
  const int64_t words = (rows + kBlock - 1) / kBlock;
  for (int64_t w = 0; w < words; ++w) {
    uint64_t bits = 0;
    for (int q = 0; q < n && bits != ~uint64_t{0}; ++q) bits |= MaskWord(p.masks[q], w, rows);
    for (; bits != 0; bits &= bits - 1) {
      cand.push_back(static_cast<int32_t>(w * kBlock + std::countr_zero(bits)));
    }
  }
  const size_t real = cand.size();
  // Padding repeats a real row so the norm pass stays in bounds.
  while (real > 0 && cand.size() % kPad != 0) cand.push_back(cand.back());
  return real;
}

void BatchTiled(const FactorView& items, const FactorView& queries,
                std::span<const ItemMask* const> allowed, std::vector<TopKHeap>& heaps) {
  QueryPanel p;
  std::vector<int32_t> cand;
  for (int64_t first = 0; first < queries.rows; first += kPanel) {
    const int n = static_cast<int>(std::min<int64_t>(kPanel, queries.rows - first));
    PackPanel(queries, allowed, first, n, p);
    const size_t real = Candidates(p, n, items.rows, cand);
    if (real == 0) continue;
    switch (p.nv) {
      case 1: ScanPanel<1, 12>(items, cand, real, p, heaps); break;
      case 2: ScanPanel<2, 12>(items, cand, real, p, heaps); break;
      case 3: ScanPanel<3, 8>(items, cand, real, p, heaps); break;
      default: ScanPanel<4, 6>(items, cand, real, p, heaps); break;
    }
  }
}
#endif

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
    ReplaceWorst(e);
  } else {
    return;
  }
  if (static_cast<int>(heap_.size()) == k_) threshold_ = heap_.front().score;
}

// Sifts `e` down from the root in place of the worst element: one pass
// instead of pop_heap + push_heap.
void TopKHeap::ReplaceWorst(const ScoredIndex& e) {
  ScoredIndex* h = heap_.data();
  const size_t n = heap_.size();
  size_t i = 0;
  for (size_t c = 1; c < n; c = 2 * i + 1) {
    if (c + 1 < n && Worse(h[c + 1], h[c])) ++c;  // the worse child
    if (!Worse(h[c], e)) break;
    h[i] = h[c];
    i = c;
  }
  h[i] = e;
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
  ScanWords(items, query, allowed, 0, (items.rows + kBlock - 1) / kBlock, heap);
  return heap.TakeSorted();
}

std::vector<std::vector<ScoredIndex>> TopKDotBatch(const FactorView& items,
                                                   const FactorView& queries, int k,
                                                   std::span<const ItemMask* const> allowed) {
  const int64_t nq = queries.rows;
  std::vector<std::vector<ScoredIndex>> out(nq);
  if (k <= 0 || items.rows == 0 || nq == 0) return out;
  if (nq < kMinBatch) {
    // Too few queries to fill a register tile: the fused GEMV path is faster.
    for (int64_t q = 0; q < nq; ++q) {
      out[q] = TopKDot(items, queries.data + q * queries.dim, k,
                       allowed.empty() ? nullptr : allowed[q]);
    }
    return out;
  }
  std::vector<TopKHeap> heaps(nq, TopKHeap(k));
#if defined(__AVX512F__)
  if (items.dim % 16 == 0) {
    BatchTiled(items, queries, allowed, heaps);
  } else {
    BatchPerQuery(items, queries, allowed, heaps);
  }
#else
  BatchPerQuery(items, queries, allowed, heaps);
#endif
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
