// Top-10 over float32 row-major item factors (64 dims): one user at a time
// (fused GEMV + select) and blocks of users (matrix-matrix), beside the
// memory-bandwidth bound measured by a streaming sum over the same matrix,
// and (when built with Debian's libfaiss-dev) Faiss's exhaustive IndexFlatIP
// on one thread, with the same mask as an IDSelectorBitmap.
#include <random>
#include <vector>

#include "benchmark/benchmark.h"
#include "model/topk.h"

#ifdef PERSONA_HAVE_FAISS
#include <omp.h>

#include "faiss/IndexFlat.h"
#include "faiss/impl/IDSelector.h"
#endif

namespace persona::model {
namespace {

constexpr int kDim = 64;

const std::vector<float>& Items(int64_t rows) {
  static std::vector<float> cache;
  static int64_t cached_rows = 0;
  if (cached_rows != rows) {
    cache.assign(rows * kDim, 0.0f);
    std::mt19937 rng(1);
    std::normal_distribution<float> normal;
    for (float& x : cache) x = normal(rng);
    cached_rows = rows;
  }
  return cache;
}

std::vector<float> Queries(int n) {
  std::vector<float> q(n * kDim);
  std::mt19937 rng(2);
  std::normal_distribution<float> normal;
  for (float& x : q) x = normal(rng);
  return q;
}

// Reads the whole item matrix once per iteration: the bandwidth bound.
void BM_StreamingSum(benchmark::State& state) {
  const std::vector<float>& items = Items(state.range(0));
  for (auto _ : state) {
    // 64 independent lanes (four vector accumulators) so the adds never
    // limit the read rate.
    float acc[64] = {};
    for (size_t i = 0; i < items.size(); i += 64) {
      for (int j = 0; j < 64; ++j) acc[j] += items[i + j];
    }
    benchmark::DoNotOptimize(acc);
  }
  state.SetBytesProcessed(state.iterations() * items.size() * sizeof(float));
}

void BM_TopKOneUser(benchmark::State& state) {
  const std::vector<float>& items = Items(state.range(0));
  const std::vector<float> q = Queries(1);
  const FactorView view{items.data(), static_cast<int32_t>(state.range(0)), kDim};
  ItemMask allowed(view.rows, true);
  for (int i = 0; i < view.rows; i += 7) allowed.Reset(i);  // a realistic, dense mask
  for (auto _ : state) benchmark::DoNotOptimize(TopKDot(view, q.data(), 10, &allowed));
  state.SetBytesProcessed(state.iterations() * items.size() * sizeof(float));
}

// Time per iteration covers a block of range(1) users; items/s counts users.
void BM_TopKUserBlock(benchmark::State& state) {
  const std::vector<float>& items = Items(state.range(0));
  const int users = static_cast<int>(state.range(1));
  const std::vector<float> q = Queries(users);
  const FactorView view{items.data(), static_cast<int32_t>(state.range(0)), kDim};
  const FactorView qv{q.data(), users, kDim};
  ItemMask allowed(view.rows, true);
  for (int i = 0; i < view.rows; i += 7) allowed.Reset(i);
  const std::vector<const ItemMask*> masks(users, &allowed);
  for (auto _ : state) benchmark::DoNotOptimize(TopKDotBatch(view, qv, 10, masks));
  state.SetItemsProcessed(state.iterations() * users);
  // Seconds per user (printed with an SI prefix, e.g. 2.1m = 2.1 ms).
  state.counters["s_per_user"] = benchmark::Counter(
      users, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

#ifdef PERSONA_HAVE_FAISS
// Faiss's flat inner-product index, one query at a time on one thread.
void BM_FaissFlatIP(benchmark::State& state) {
  omp_set_num_threads(1);
  const std::vector<float>& items = Items(state.range(0));
  const std::vector<float> q = Queries(1);
  faiss::IndexFlatIP index(kDim);
  index.add(state.range(0), items.data());  // Faiss keeps its own copy
  ItemMask allowed(static_cast<int32_t>(state.range(0)), true);
  for (int i = 0; i < allowed.size(); i += 7) allowed.Reset(i);
  // ItemMask's 64-bit words are little-endian: the same bits as Faiss's bytes.
  faiss::IDSelectorBitmap selector(allowed.words().size() * 8,
                                   reinterpret_cast<const uint8_t*>(allowed.words().data()));
  faiss::SearchParameters params;
  params.sel = &selector;
  float distances[10];
  faiss::Index::idx_t labels[10];
  try {
    for (auto _ : state) {
      index.search(1, q.data(), 10, distances, labels, &params);
      benchmark::DoNotOptimize(labels);
    }
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  // Same answer as ours?
  const FactorView view{items.data(), static_cast<int32_t>(state.range(0)), kDim};
  const std::vector<ScoredIndex> ours = TopKDot(view, q.data(), 10, &allowed);
  int agree = 0;
  for (int r = 0; r < 10; ++r) agree += labels[r] == ours[r].item;
  state.counters["same_top10"] = agree;
  state.SetBytesProcessed(state.iterations() * items.size() * sizeof(float));
}
BENCHMARK(BM_FaissFlatIP)->Arg(10'000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMicrosecond);
#endif

BENCHMARK(BM_StreamingSum)->Arg(10'000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TopKOneUser)->Arg(10'000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TopKUserBlock)
    ->Args({10'000, 4})
    ->Args({10'000, 8})
    ->Args({10'000, 16})
    ->Args({10'000, 64})
    ->Args({100'000, 64})
    ->Args({1'000'000, 64})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace persona::model

BENCHMARK_MAIN();
