// Approximate maximum-inner-product search over item factors for large
// catalogs: an HNSW graph (hnswlib, Debian libhnswlib-dev) over the item
// vectors, searched instead of scoring every item. Results carry exact dot
// products (recomputed from the item factors), best first, like TopKDot.
//
// The request's ItemMask is honoured on every path:
//   - masks allowing few items (<= exact_below) are scored exactly, item by
//     item, over the allowed items only;
//   - otherwise the graph is searched for enough candidates that k of them
//     are expected to be allowed (k / allowed fraction, at least ef), the
//     disallowed ones are dropped, and the fetch is widened 4x while fewer
//     than k remain; once a fetch would exceed items / 64 the exhaustive
//     masked TopKDot answers instead (it is cheaper by then).
// So a request gets k items whenever k are allowed, and the mask is never
// violated; only the ranking is approximate.
//
// hnswlib's types stay inside ann.cc. Build is deterministic for a seed with
// threads = 1 (the graph depends on insertion order otherwise).
// Immutable after Build: Search may be called from many threads at once.
#ifndef PERSONA_MODEL_ANN_H_
#define PERSONA_MODEL_ANN_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "model/item_mask.h"
#include "model/topk.h"

namespace persona::model {

// How the inner product is turned into a graph distance.
enum class AnnSpace {
  // hnswlib's inner-product space: distance 1 - q.y (not a metric).
  kInnerProduct = 0,
  // The MIPS-to-L2 reduction (Bachrach et al. 2014): items get an extra
  // coordinate sqrt(N^2 - |y|^2) with N the largest norm, queries a 0, so
  // the nearest item in L2 has the largest dot product.
  kAugmentedL2 = 1,
};

struct AnnOptions {
  // Default inner product: higher recall at equal cost on trained ALS
  // factors (docs/BENCHMARKS.md).
  AnnSpace space = AnnSpace::kInnerProduct;
  // Graph out-degree M (default 16; layer 0 keeps 2M links).
  int m = 16;
  // Candidate list size while inserting (default 200).
  int ef_construction = 200;
  // Candidate list size while searching (default 64); raises recall and cost.
  int ef_search = 64;
  // Seed of the level assignment (default 42).
  uint64_t seed = 42;
  // Threads inserting in parallel during Build (default 1: deterministic).
  int threads = 1;
  // Masks allowing at most this many items are scored exactly (default 4096).
  int32_t exact_below = 4096;
};

class AnnIndex {
 public:
  // Builds the graph over `items` (copied into the graph; `items` itself
  // must still outlive the index, which rescores from it). INVALID_ARGUMENT
  // for bad options or no items; RESOURCE_EXHAUSTED when hnswlib cannot
  // allocate; INTERNAL for any other hnswlib failure.
  static absl::StatusOr<std::unique_ptr<const AnnIndex>> Build(const FactorView& items,
                                                               const AnnOptions& options);
  ~AnnIndex();

  // Returns up to k allowed items with (approximately) the highest dot
  // product with `query` (dim floats), best first, with exact scores.
  // `allowed` may be null (all items); otherwise its size must equal the
  // number of items. ef <= 0 means options.ef_search.
  std::vector<ScoredIndex> Search(const float* query, int k, const ItemMask* allowed,
                                  int ef = 0) const;

  int32_t size() const { return items_.rows; }
  int32_t dim() const { return items_.dim; }
  // Bytes held by the graph (vectors, links, locks and label map), estimated
  // from hnswlib's allocation sizes.
  int64_t MemoryBytes() const;

 private:
  struct Graph;  // hnswlib's space and index
  AnnIndex(const FactorView& items, const AnnOptions& options);

  // Exact top-k over the allowed items only (few of them).
  std::vector<ScoredIndex> ExactOverAllowed(const float* query, int k,
                                            const ItemMask& allowed) const;

  FactorView items_;
  AnnOptions options_;
  float max_norm_ = 0;  // kAugmentedL2: N
  std::unique_ptr<Graph> graph_;
};

}  // namespace persona::model

#endif  // PERSONA_MODEL_ANN_H_
