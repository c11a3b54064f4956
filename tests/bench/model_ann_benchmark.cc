// Approximate (HNSW) vs exhaustive top-10 over trained item factors.
// Setup trains implicit ALS (64 factors, tuned defaults with BM25, fewer
// iterations) on a synthetic power-law shop with PERSONA_ANN_ITEMS items
// (default 1,000,000) and PERSONA_ANN_USERS users (default 300,000, ~20
// events each), builds the HNSW index once, and queries with trained user
// vectors. Reported beside the times: recall@10 against the exact answer,
// build time and memory. A second data set of Gaussian random vectors (same
// size; no structure, the hard case for graph search) bounds the recall from
// below. ctest's smoke run sets a small catalog.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "model/ann.h"
#include "model/serving_model.h"
#include "model/topk.h"
#include "tests/model/power_law_data.h"

namespace persona::model {
namespace {

constexpr int kQueries = 1000;
constexpr int kK = 10;

int64_t EnvOr(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::atoll(v) : fallback;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

int64_t RssBytes() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atoll(line.c_str() + 6) * 1024;
  }
  return 0;
}

struct Setup {
  WeightedAlsModel model;
  std::vector<int32_t> query_users;
  std::vector<float> random_items;    // same shape as the item factors
  std::vector<float> random_queries;  // kQueries rows
  ItemMask mask;  // 1 in 7 items masked out, as in the top-k benchmark
  double train_s = 0;
};

const Setup& GetSetup() {
  static const Setup* setup = [] {
    auto* s = new Setup();
    testing::PowerLawOptions p;
    p.items = static_cast<int32_t>(EnvOr("PERSONA_ANN_ITEMS", 1'000'000));
    p.users = static_cast<int32_t>(EnvOr("PERSONA_ANN_USERS", 300'000));
    p.topics = 200;
    p.mean_interactions = 20;
    const auto start = std::chrono::steady_clock::now();
    const InteractionMatrix m =
        *InteractionMatrix::Build(p.users, p.items, testing::MakePowerLawData(p));
    AlsOptions o = TunedAlsOptions();
    o.iterations = static_cast<int>(EnvOr("PERSONA_ANN_ITERATIONS", 8));
    o.threads = 2;
    s->model = *TrainWeightedAls(m, o, /*bm25=*/true);
    s->train_s = Seconds(start);
    for (int32_t u = 0; u < m.rows() && static_cast<int>(s->query_users.size()) < kQueries; ++u) {
      if (!m.RowIndices(u).empty()) s->query_users.push_back(u);
    }
    std::mt19937 rng(1);
    std::normal_distribution<float> normal;
    s->random_items.resize(s->model.factors.item_factors.size());
    for (float& x : s->random_items) x = normal(rng);
    s->random_queries.resize(kQueries * s->model.factors.factors);
    for (float& x : s->random_queries) x = normal(rng);
    s->mask = ItemMask(p.items, true);
    for (int32_t i = 0; i < p.items; i += 7) s->mask.Reset(i);
    std::fprintf(stderr, "setup: %d users x %d items, %lld events, ALS %d iterations in %.1f s\n",
                 p.users, p.items, static_cast<long long>(m.nnz()), o.iterations, s->train_s);
    return s;
  }();
  return *setup;
}

// Data sets: 0 = trained ALS factors, 1 = Gaussian random vectors.
FactorView Items(int data = 0) {
  const FactorModel& f = GetSetup().model.factors;
  return {data == 0 ? f.item_factors.data() : GetSetup().random_items.data(), f.num_items,
          f.factors};
}

const float* Query(int q, int data = 0) {
  const Setup& s = GetSetup();
  const int dim = s.model.factors.factors;
  if (data == 1) return s.random_queries.data() + (q % kQueries) * dim;
  const int32_t u = s.query_users[q % s.query_users.size()];
  return s.model.factors.user_factors.data() + int64_t{u} * dim;
}

struct BuiltIndex {
  std::unique_ptr<const AnnIndex> index;
  double build_s = 0;
  int64_t rss_growth = 0;
};

// One index per (data set, space), built on first use (M 16,
// ef_construction 100, two threads).
const BuiltIndex& GetIndex(int data, AnnSpace space) {
  static BuiltIndex built[2][2];
  BuiltIndex& b = built[data][static_cast<int>(space)];
  if (b.index == nullptr) {
    AnnOptions o;
    o.space = space;
    o.ef_construction = static_cast<int>(EnvOr("PERSONA_ANN_EF_CONSTRUCTION", 100));
    o.threads = static_cast<int>(EnvOr("PERSONA_ANN_BUILD_THREADS", 2));
    const int64_t rss = RssBytes();
    const auto start = std::chrono::steady_clock::now();
    b.index = *AnnIndex::Build(Items(data), o);
    b.build_s = Seconds(start);
    b.rss_growth = RssBytes() - rss;
    std::fprintf(stderr, "built data %d space %d: %.1f s, %.0f MB resident, %.0f MB estimated\n",
                 data, static_cast<int>(space), b.build_s, b.rss_growth / 1e6, b.index->MemoryBytes() / 1e6);
  }
  return b;
}

// range(0) = data set.
void BM_ExactTopK(benchmark::State& state) {
  const Setup& s = GetSetup();
  const int data = static_cast<int>(state.range(0));
  int q = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(TopKDot(Items(data), Query(q++, data), kK, &s.mask));
  }
}

// range(0) = ef, range(1) = space, range(2) = data set.
void BM_AnnTopK(benchmark::State& state) {
  const Setup& s = GetSetup();
  const int ef = static_cast<int>(state.range(0));
  const int data = static_cast<int>(state.range(2));
  const BuiltIndex& b = GetIndex(data, static_cast<AnnSpace>(state.range(1)));
  double hits = 0;
  // How spread the exact answers are: distinct items over all queries' top 10.
  ItemMask answered(Items(data).rows);
  for (int q = 0; q < kQueries; ++q) {
    const auto exact = TopKDot(Items(data), Query(q, data), kK, &s.mask);
    const auto ann = b.index->Search(Query(q, data), kK, &s.mask, ef);
    for (const ScoredIndex& e : exact) answered.Set(e.item);
    for (const ScoredIndex& e : exact) {
      for (const ScoredIndex& a : ann) hits += a.item == e.item;
    }
  }
  int q = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(b.index->Search(Query(q++, data), kK, &s.mask, ef));
  }
  state.counters["recall@10"] = hits / (kQueries * kK);
  state.counters["distinct_top10"] = answered.Count();
  state.counters["build_s"] = b.build_s;
  state.counters["rss_MB"] = b.rss_growth / 1e6;
  state.counters["index_MB"] = b.index->MemoryBytes() / 1e6;
}

BENCHMARK(BM_ExactTopK)->ArgName("data")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AnnTopK)
    ->ArgNames({"ef", "space", "data"})
    ->Args({16, 0, 0})
    ->Args({32, 0, 0})
    ->Args({64, 0, 0})
    ->Args({128, 0, 0})
    ->Args({64, 1, 0})
    ->Args({256, 1, 0})
    ->Args({64, 0, 1})
    ->Args({128, 0, 1})
    ->Args({256, 0, 1})
    ->Args({512, 0, 1})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace persona::model

BENCHMARK_MAIN();
