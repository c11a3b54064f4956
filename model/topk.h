// Top-k selection over item factors: score = item_factors[i] . query for every
// allowed item, keep the k best. The allowed-items mask is applied during the
// selection (64 items per mask word; an empty word skips its items without
// scoring them), so a request gets `k` items whenever k items are allowed.
//
// The exhaustive path is a fused GEMV + select: items are scored in blocks
// of 64 that stay in L1 and only scores above the current k-th best touch
// the heap, so one query runs near the memory-bandwidth bound of reading the
// item matrix. The batched path scores a block of queries per pass over the
// items, which is compute- rather than bandwidth-bound: with AVX-512 and dims
// a multiple of 16 a register tile of 64 queries x a few items whose sums
// only filter (candidates are rescored in the single-query order), otherwise
// the single-query kernel per query over cache-sized item ranges. Either way
// each query's answer is bit-identical to TopKDot's, ties included.
//
// All functions are pure and thread-safe; views must outlive the call.
#ifndef PERSONA_MODEL_TOPK_H_
#define PERSONA_MODEL_TOPK_H_

#include <cstdint>
#include <span>
#include <vector>

#include "model/item_mask.h"

namespace persona::model {

// A row-major float matrix owned elsewhere: row r is data[r*dim .. r*dim+dim).
struct FactorView {
  const float* data = nullptr;
  int32_t rows = 0;
  int32_t dim = 0;
};

struct ScoredIndex {
  int32_t item = -1;
  float score = 0;
};

// Keeps the k best (score, item) pairs seen; ties prefer the lower item.
class TopKHeap {
 public:
  explicit TopKHeap(int k);
  // Scores strictly below this cannot enter (-inf until k items are held).
  float threshold() const { return threshold_; }
  void Push(int32_t item, float score);
  // Returns the kept items, best first; leaves the heap empty.
  std::vector<ScoredIndex> TakeSorted();

 private:
  void ReplaceWorst(const ScoredIndex& e);

  int k_;
  float threshold_;
  std::vector<ScoredIndex> heap_;  // min-heap on (score, -item)
};

// Returns up to k allowed items with the highest dot product with `query`
// (dim floats), best first. `allowed` may be null (all items); otherwise its
// size must equal items.rows.
std::vector<ScoredIndex> TopKDot(const FactorView& items, const float* query, int k,
                                 const ItemMask* allowed);

// Returns each of queries.rows queries' top k, equal item for item and bit
// for bit to TopKDot on that query (queries.dim must equal items.dim).
// `allowed` is empty (no mask) or holds one mask pointer per query (null
// entries mean all items).
std::vector<std::vector<ScoredIndex>> TopKDotBatch(const FactorView& items,
                                                   const FactorView& queries, int k,
                                                   std::span<const ItemMask* const> allowed);

// Returns up to k allowed indices with the highest precomputed score.
std::vector<ScoredIndex> TopKScores(std::span<const float> scores, int k,
                                    const ItemMask* allowed);

}  // namespace persona::model

#endif  // PERSONA_MODEL_TOPK_H_
