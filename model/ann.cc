#include "model/ann.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <mutex>
#include <new>
#include <utility>

#include "Eigen/Core"
#include "absl/strings/str_cat.h"
#include "hnswlib/hnswlib.h"
#include "model/parallel.h"

namespace persona::model {
namespace {

float Dot(const float* a, const float* b, int32_t dim) {
  return Eigen::Map<const Eigen::VectorXf>(a, dim).dot(Eigen::Map<const Eigen::VectorXf>(b, dim));
}

absl::Status ValidateAnnOptions(const AnnOptions& o) {
  if (o.m < 2 || o.m > 256) return absl::InvalidArgumentError("ann m must be in [2, 256]");
  if (o.ef_construction < 1) return absl::InvalidArgumentError("ann ef_construction must be >= 1");
  if (o.ef_search < 1) return absl::InvalidArgumentError("ann ef_search must be >= 1");
  if (o.threads < 1) return absl::InvalidArgumentError("ann threads must be >= 1");
  if (o.exact_below < 0) return absl::InvalidArgumentError("ann exact_below must be >= 0");
  if (o.space != AnnSpace::kInnerProduct && o.space != AnnSpace::kAugmentedL2) {
    return absl::InvalidArgumentError("ann space unknown");
  }
  return absl::OkStatus();
}

}  // namespace

struct AnnIndex::Graph {
  std::unique_ptr<hnswlib::SpaceInterface<float>> space;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> hnsw;
  int32_t graph_dim = 0;  // dim, or dim + 1 for kAugmentedL2
};

AnnIndex::AnnIndex(const FactorView& items, const AnnOptions& options)
    : items_(items), options_(options), graph_(std::make_unique<Graph>()) {}

AnnIndex::~AnnIndex() = default;

absl::StatusOr<std::unique_ptr<const AnnIndex>> AnnIndex::Build(const FactorView& items,
                                                                const AnnOptions& options) {
  if (absl::Status s = ValidateAnnOptions(options); !s.ok()) return s;
  if (items.rows <= 0 || items.dim <= 0 || items.data == nullptr) {
    return absl::InvalidArgumentError("ann: no item factors");
  }
  std::unique_ptr<AnnIndex> index(new AnnIndex(items, options));
  Graph& g = *index->graph_;
  const int32_t dim = items.dim;
  const bool augmented = options.space == AnnSpace::kAugmentedL2;
  if (augmented) {
    for (int32_t i = 0; i < items.rows; ++i) {
      const float* y = items.data + int64_t{i} * dim;
      index->max_norm_ = std::max(index->max_norm_, std::sqrt(Dot(y, y, dim)));
    }
  }
  g.graph_dim = augmented ? dim + 1 : dim;
  try {
    if (augmented) {
      g.space = std::make_unique<hnswlib::L2Space>(g.graph_dim);
    } else {
      g.space = std::make_unique<hnswlib::InnerProductSpace>(g.graph_dim);
    }
    g.hnsw = std::make_unique<hnswlib::HierarchicalNSW<float>>(
        g.space.get(), items.rows, options.m, options.ef_construction, options.seed);
    const float n2 = index->max_norm_ * index->max_norm_;
    // Insertion in item order; with threads > 1 the order interleaves.
    std::mutex failure_mu;
    std::exception_ptr failure;
    ParallelFor(items.rows, options.threads, 1024, [&](int64_t lo, int64_t hi) {
      std::vector<float> row(g.graph_dim);
      try {
        for (int64_t i = lo; i < hi; ++i) {
          const float* y = items.data + i * dim;
          const float* point = y;
          if (augmented) {
            std::copy_n(y, dim, row.begin());
            row[dim] = std::sqrt(std::max(0.0f, n2 - Dot(y, y, dim)));
            point = row.data();
          }
          g.hnsw->addPoint(point, static_cast<hnswlib::labeltype>(i));
        }
      } catch (...) {
        // The first failure is reported; the other workers finish their chunks.
        std::lock_guard<std::mutex> lock(failure_mu);
        if (failure == nullptr) failure = std::current_exception();
      }
    });
    if (failure) std::rethrow_exception(failure);
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError("ann: out of memory building the graph");
  } catch (const std::exception& e) {
    const std::string what = e.what();
    if (what.find("memory") != std::string::npos) {
      return absl::ResourceExhaustedError(absl::StrCat("ann: ", what));
    }
    return absl::InternalError(absl::StrCat("ann: ", what));
  }
  return std::unique_ptr<const AnnIndex>(std::move(index));
}

std::vector<ScoredIndex> AnnIndex::ExactOverAllowed(const float* query, int k,
                                                    const ItemMask& allowed) const {
  TopKHeap heap(k);
  allowed.ForEach([&](int32_t i) {
    heap.Push(i, Dot(query, items_.data + int64_t{i} * items_.dim, items_.dim));
  });
  return heap.TakeSorted();
}

std::vector<ScoredIndex> AnnIndex::Search(const float* query, int k, const ItemMask* allowed,
                                          int ef) const {
  const int32_t n = items_.rows;
  if (k <= 0 || (allowed != nullptr && allowed->size() != n)) return {};
  const int32_t count = allowed != nullptr ? allowed->Count() : n;
  if (count == 0) return {};
  if (allowed != nullptr && count <= options_.exact_below) {
    return ExactOverAllowed(query, k, *allowed);
  }
  k = std::min(k, count);
  if (ef <= 0) ef = options_.ef_search;
  const Graph& g = *graph_;
  std::vector<float> q(query, query + items_.dim);
  if (g.graph_dim > items_.dim) q.push_back(0.0f);
  // Enough candidates that k of them are expected to be allowed, with margin.
  int64_t fetch = static_cast<int64_t>(std::ceil(1.25 * k * n / static_cast<double>(count)));
  const int64_t max_fetch = std::max<int64_t>(n / 64, k);
  while (fetch <= max_fetch) {
    const int64_t want = std::max<int64_t>(fetch, ef);
    TopKHeap heap(k);
    try {
      auto found = g.hnsw->searchKnn(q.data(), static_cast<size_t>(std::min<int64_t>(want, n)));
      for (; !found.empty(); found.pop()) {
        const auto item = static_cast<int32_t>(found.top().second);
        if (allowed != nullptr && !allowed->Test(item)) continue;
        heap.Push(item, Dot(query, items_.data + int64_t{item} * items_.dim, items_.dim));
      }
    } catch (const std::exception&) {
      break;  // hnswlib only throws on a corrupt graph: answer exactly
    }
    std::vector<ScoredIndex> out = heap.TakeSorted();
    if (static_cast<int>(out.size()) >= k) return out;
    fetch *= 4;
  }
  return TopKDot(items_, query, k, allowed);
}

int64_t AnnIndex::MemoryBytes() const {
  const hnswlib::HierarchicalNSW<float>& h = *graph_->hnsw;
  int64_t upper_links = 0;
  for (int level : h.element_levels_) upper_links += int64_t{level} * h.size_links_per_element_;
  const int64_t per_element = static_cast<int64_t>(h.size_data_per_element_) +
                              sizeof(void*) +           // linkLists_ entry
                              sizeof(int) +             // element_levels_
                              sizeof(std::mutex) +      // link_list_locks_
                              3 * sizeof(void*) + 16;   // label_lookup_ node, roughly
  return static_cast<int64_t>(h.max_elements_) * per_element + upper_links;
}

}  // namespace persona::model
