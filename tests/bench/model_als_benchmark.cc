// ALS training at 64 factors on 1 and 2 threads: MovieLens-100K and Online
// Retail (read from ../shared/data beside the source tree, skipped when
// absent) and a synthetic power-law shop of PERSONA_SHOP_USERS customers
// (default 1,000,000) x PERSONA_SHOP_ITEMS items (default 100,000), ~20
// events each. The shop runs use the serving trainer's path (BM25 fitted and
// applied, tuned options); CPU time is the whole process's (all threads).
// Also fold-in of one user with 10, 100 and 1000 interactions, and campaign
// scoring: AlsRecommender::RecommendBatch against one Recommend per customer.
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "model/als.h"
#include "model/als_recommender.h"
#include "model/eval/datasets.h"
#include "model/fold_in.h"
#include "model/serving_model.h"
#include "tests/model/power_law_data.h"

namespace persona::model {
namespace {

const InteractionMatrix* MovieLens() {
  static const InteractionMatrix* m = [] () -> const InteractionMatrix* {
    const std::string dir = std::string(PERSONA_SOURCE_DIR) + "/../shared/data/ml-100k";
    if (!std::filesystem::exists(dir + "/u.data")) return nullptr;
    absl::StatusOr<eval::Dataset> d = eval::LoadMovieLens(dir);
    if (!d.ok()) return nullptr;
    auto built = InteractionMatrix::Build(d->num_users(), d->num_items(), d->events);
    return built.ok() ? new InteractionMatrix(*std::move(built)) : nullptr;
  }();
  return m;
}

// range(0) = iterations, range(1) = threads, range(2) = 1 for Cholesky.
void BM_TrainMovieLens(benchmark::State& state) {
  const InteractionMatrix* m = MovieLens();
  if (m == nullptr) {
    state.SkipWithError("ml-100k not found");
    return;
  }
  AlsOptions o;
  o.factors = 64;
  o.iterations = static_cast<int>(state.range(0));
  o.threads = static_cast<int>(state.range(1));
  o.solver = state.range(2) == 1 ? AlsSolver::kCholesky : AlsSolver::kConjugateGradient;
  for (auto _ : state) benchmark::DoNotOptimize(TrainAls(*m, o));
  state.counters["s_per_iteration"] = benchmark::Counter(
      o.iterations, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

const InteractionMatrix* OnlineRetail() {
  static const InteractionMatrix* m = []() -> const InteractionMatrix* {
    const std::string path =
        std::string(PERSONA_SOURCE_DIR) + "/../shared/data/online-retail/OnlineRetail.csv.gz";
    if (!std::filesystem::exists(path)) return nullptr;
    absl::StatusOr<eval::Dataset> d = eval::LoadOnlineRetail(path);
    if (!d.ok()) return nullptr;
    auto built = InteractionMatrix::Build(d->num_users(), d->num_items(), d->events);
    return built.ok() ? new InteractionMatrix(*std::move(built)) : nullptr;
  }();
  return m;
}

const InteractionMatrix& SyntheticShop() {
  static const InteractionMatrix* m = [] {
    testing::PowerLawOptions p;
    const char* users = std::getenv("PERSONA_SHOP_USERS");
    const char* items = std::getenv("PERSONA_SHOP_ITEMS");
    p.users = users != nullptr ? std::atoi(users) : 1'000'000;
    p.items = items != nullptr ? std::atoi(items) : 100'000;
    p.topics = 200;
    p.mean_interactions = 20;
    return new InteractionMatrix(
        *InteractionMatrix::Build(p.users, p.items, testing::MakePowerLawData(p)));
  }();
  return *m;
}

// 15 iterations (tuned defaults, BM25) on `m`; range(0) = threads.
void TrainShop(benchmark::State& state, const InteractionMatrix& m) {
  AlsOptions o = TunedAlsOptions();
  o.threads = static_cast<int>(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(TrainWeightedAls(m, o, /*bm25=*/true));
  state.counters["users"] = m.rows();
  state.counters["items"] = m.cols();
  state.counters["events"] = static_cast<double>(m.nnz());
  state.counters["s_per_iteration"] = benchmark::Counter(
      o.iterations, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void BM_TrainOnlineRetail(benchmark::State& state) {
  const InteractionMatrix* m = OnlineRetail();
  if (m == nullptr) {
    state.SkipWithError("online retail data not found");
    return;
  }
  TrainShop(state, *m);
}

void BM_TrainSyntheticShop(benchmark::State& state) { TrainShop(state, SyntheticShop()); }

void BM_FoldIn(benchmark::State& state) {
  const int32_t num_items = 100'000;
  const int dim = 64;
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0, 0.1f);
  std::vector<float> items(static_cast<size_t>(num_items) * dim);
  for (float& x : items) x = normal(rng);
  AlsOptions o;
  o.factors = dim;
  auto fold = FoldIn::Create({items.data(), num_items, dim}, o);
  const int n = static_cast<int>(state.range(0));
  std::vector<int32_t> ids(n);
  std::vector<float> strengths(n, 1.0f);
  for (int32_t& id : ids) id = static_cast<int32_t>(rng() % num_items);
  std::vector<float> out(dim);
  for (auto _ : state) benchmark::DoNotOptimize((*fold)->Solve(ids, strengths, out));
}

// An email campaign's scoring inputs: a catalog of `items` items with random
// 64-dim factors (all trained), 256 customers with ~20 interactions each
// (views, one in five a purchase), each asking for 10 items not interacted with.
struct Campaign {
  std::shared_ptr<const AlsRecommender> rec;
  std::deque<ItemMask> masks;
  std::deque<std::vector<Interaction>> histories;
  std::vector<RecommendContext> contexts;
};

const Campaign& CampaignOf(int32_t items) {
  static auto* cache = new std::map<int32_t, std::unique_ptr<Campaign>>();
  std::unique_ptr<Campaign>& c = (*cache)[items];
  if (c != nullptr) return *c;
  c = std::make_unique<Campaign>();
  constexpr int kDim = 64;
  constexpr int kCustomers = 256;
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0, 0.1f);
  TrainedItems trained;
  trained.dim = kDim;
  std::vector<ItemInfo> infos;
  for (int32_t i = 0; i < items; ++i) {
    infos.push_back({"i" + std::to_string(i), {"c" + std::to_string(i % 50)}, "", 1.0,
                     Availability::kInStock, 0});
    trained.item_ids.push_back(infos.back().id);
  }
  trained.factors.resize(static_cast<size_t>(items) * kDim);
  for (float& x : trained.factors) x = normal(rng);
  AlsOptions o;
  o.factors = kDim;
  c->rec = *AlsRecommender::Create(CatalogIndex::Build(infos, {}), trained, o, "bench");
  for (int u = 0; u < kCustomers; ++u) {
    std::vector<Interaction>& history = c->histories.emplace_back();
    ItemMask& mask = c->masks.emplace_back(items, true);
    for (int e = 0; e < 20; ++e) {
      const int32_t item = static_cast<int32_t>(rng() % items);
      history.push_back({item, e % 5 == 0 ? 3.0f : 1.0f, e, InteractionKind::kView});
      mask.Reset(item);
    }
    RecommendContext& ctx = c->contexts.emplace_back();
    ctx.count = 10;
    ctx.allowed = &mask;
    ctx.history = history;
    ctx.personalized = true;
  }
  return *c;
}

void SetCustomerCounters(benchmark::State& state, const Campaign& c) {
  const double n = static_cast<double>(c.contexts.size());
  state.counters["customers_per_s"] =
      benchmark::Counter(n, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["per_customer"] = benchmark::Counter(
      n, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// range(0) = catalog items.
void BM_RecommendOneByOne(benchmark::State& state) {
  const Campaign& c = CampaignOf(static_cast<int32_t>(state.range(0)));
  for (auto _ : state) {
    for (const RecommendContext& ctx : c.contexts) benchmark::DoNotOptimize(c.rec->Recommend(ctx));
  }
  SetCustomerCounters(state, c);
}

// range(0) = catalog items.
void BM_RecommendBatch(benchmark::State& state) {
  const Campaign& c = CampaignOf(static_cast<int32_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(c.rec->RecommendBatch(c.contexts));
  SetCustomerCounters(state, c);
}

BENCHMARK(BM_TrainMovieLens)
    ->Args({15, 1, 0})
    ->Args({15, 2, 0})
    ->Args({1, 1, 0})
    ->Args({15, 1, 1})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TrainOnlineRetail)
    ->Arg(1)
    ->Arg(2)
    ->MeasureProcessCPUTime()
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TrainSyntheticShop)
    ->Arg(1)
    ->Arg(2)
    ->Iterations(1)
    ->MeasureProcessCPUTime()
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FoldIn)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RecommendOneByOne)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RecommendBatch)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace persona::model

BENCHMARK_MAIN();
