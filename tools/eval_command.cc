// `persona eval`: offline evaluation of the recommenders (popularity,
// item-kNN, ALS) with the same masked top-k that serves requests. ALS is
// reported twice from one training: with the trained user vectors and
// through fold-in of each user's training history (the served path).
//   MovieLens-100K: Microsoft Recommenders' ranking protocol (random 75/25
//     split stratified per item, every test rating relevant, training items
//     removed, k = 10), over several split seeds, beside the published rows.
//   Online Retail (or any shop log in that format): temporal hold-out of the
//     last N days, per customer or globally.
// --search tunes ALS on a validation split carved out of the first seed's
// training data (never on the test part).
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "model/eval/datasets.h"
#include "model/eval/protocol.h"
#include "model/eval/search.h"
#include "tools/commands.h"

namespace persona::tools {
namespace {

using model::eval::Dataset;
using model::eval::EvalData;
using model::eval::RankingMetrics;

using model::eval::DescribeAls;

struct EvalFlags {
  bool help = false;
  std::string dataset = "movielens";
  std::string data;  // default depends on the dataset
  std::vector<uint64_t> seeds = {42, 43, 44, 45, 46};
  int k = 10;
  double train_ratio = 0.75;
  std::vector<std::string> models = {"popularity", "itemknn", "als"};
  model::eval::AlsEvalOptions als;
  model::NeighborOptions knn;
  bool search = false;
  double holdout_days = 30;
  bool per_customer = false;

  bool HasModel(const std::string& m) const {
    for (const std::string& x : models) {
      if (x == m) return true;
    }
    return false;
  }
};

const char* EvalUsage() {
  return "usage: persona eval [flags]\n"
         "  --dataset=movielens|online-retail   (default movielens)\n"
         "  --data=PATH     ml-100k directory (default ../shared/data/ml-100k) or Online Retail\n"
         "                  CSV[.gz] (default ../shared/data/online-retail/OnlineRetail.csv.gz)\n"
         "  --seeds=42,43,44,45,46   split seeds (MovieLens)\n"
         "  --k=10  --models=popularity,itemknn,als\n"
         "  --factors=N --reg=X --alpha=X --scaling=linear|log --iterations=N --cg-steps=N\n"
         "  --solver=cg|cholesky --bm25=on|off --bm25-k1=X --bm25-b=X --binary=on|off\n"
         "  --threads=N --als-seed=N --neighbors=N\n"
         "  --search        grid-search ALS on a validation split of the first seed's training set\n"
         "  --holdout-days=30 --per-customer   temporal split (Online Retail)\n";
}

bool ParseBool(const std::string& v, bool& out) {
  if (v == "on" || v == "true" || v == "1" || v.empty()) return out = true, true;
  if (v == "off" || v == "false" || v == "0") return out = false, true;
  return false;
}

// Applies one --name=value; false when the name or value is bad.
bool ApplyFlag(const std::string& name, const std::string& v, EvalFlags& f) {
  model::AlsOptions& a = f.als.als;
  if (name == "help" || name == "h") return f.help = true, true;
  if (name == "dataset") return f.dataset = v, v == "movielens" || v == "online-retail";
  if (name == "data") return f.data = v, !v.empty();
  if (name == "k") return absl::SimpleAtoi(v, &f.k) && f.k > 0;
  if (name == "train-ratio") return absl::SimpleAtod(v, &f.train_ratio);
  if (name == "models") return f.models = absl::StrSplit(v, ','), true;
  if (name == "factors") return absl::SimpleAtoi(v, &a.factors);
  if (name == "reg") return absl::SimpleAtof(v, &a.regularization);
  if (name == "alpha") return absl::SimpleAtof(v, &a.alpha);
  if (name == "iterations") return absl::SimpleAtoi(v, &a.iterations);
  if (name == "cg-steps") return absl::SimpleAtoi(v, &a.cg_steps);
  if (name == "threads") return absl::SimpleAtoi(v, &a.threads) && (f.knn.threads = a.threads);
  if (name == "als-seed") return absl::SimpleAtoi(v, &a.seed);
  if (name == "neighbors") return absl::SimpleAtoi(v, &f.knn.max_neighbors);
  if (name == "bm25") return ParseBool(v, f.als.bm25);
  if (name == "bm25-k1") return absl::SimpleAtof(v, &f.als.bm25_k1);
  if (name == "bm25-b") return absl::SimpleAtof(v, &f.als.bm25_b);
  if (name == "binary") return ParseBool(v, f.als.binary);
  if (name == "search") return ParseBool(v, f.search);
  if (name == "per-customer") return ParseBool(v, f.per_customer);
  if (name == "holdout-days") return absl::SimpleAtod(v, &f.holdout_days) && f.holdout_days > 0;
  if (name == "scaling") {
    a.scaling = v == "log" ? model::ConfidenceScaling::kLog : model::ConfidenceScaling::kLinear;
    return v == "log" || v == "linear";
  }
  if (name == "solver") {
    a.solver = v == "cholesky" ? model::AlsSolver::kCholesky : model::AlsSolver::kConjugateGradient;
    return v == "cholesky" || v == "cg";
  }
  if (name == "seeds") {
    f.seeds.clear();
    for (absl::string_view s : absl::StrSplit(v, ',')) {
      uint64_t seed = 0;
      if (!absl::SimpleAtoi(s, &seed)) return false;
      f.seeds.push_back(seed);
    }
    return !f.seeds.empty();
  }
  return false;
}

absl::StatusOr<EvalFlags> ParseEvalFlags(int argc, char** argv) {
  EvalFlags f;
  // Tuned on a MovieLens-100K validation split (docs/MODEL.md).
  f.als = model::eval::TunedAlsEvalOptions();
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) return absl::InvalidArgumentError("unexpected argument " + arg);
    arg = arg.substr(2);
    const size_t eq = arg.find('=');
    const std::string name = arg.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : arg.substr(eq + 1);
    if (!ApplyFlag(name, value, f)) return absl::InvalidArgumentError("bad flag --" + arg);
  }
  if (f.data.empty()) {
    f.data = f.dataset == "movielens" ? "../shared/data/ml-100k"
                                      : "../shared/data/online-retail/OnlineRetail.csv.gz";
  }
  if (absl::Status s = model::ValidateAlsOptions(f.als.als); !s.ok()) return s;
  return f;
}

void PrintMetrics(const RankingMetrics& m) {
  std::printf("nDCG %.4f  P %.4f  R %.4f  MAP %.4f", m.ndcg, m.precision, m.recall, m.map);
}

// Tunes ALS on a per-item split of `train_events` (the outer training set).
int SearchAls(const EvalFlags& flags, const Dataset& d, const std::vector<model::Triple>& train_events) {
  const model::eval::Split inner = model::eval::StratifiedSplit(
      train_events, flags.train_ratio, flags.seeds[0] + 1000, model::eval::StratifyBy::kItem);
  absl::StatusOr<EvalData> data =
      model::eval::MakeEvalData(d.num_users(), d.num_items(), inner, /*drop_seen=*/false);
  if (!data.ok()) return 1;
  std::printf("search on a validation split of seed %llu's training set\n",
              static_cast<unsigned long long>(flags.seeds[0]));
  model::eval::SearchSpace space;
  auto results = model::eval::GridSearchAls(*data, flags.k, flags.als, space,
                                            [](const model::eval::SearchResult& r) {
                                              PrintMetrics(r.metrics);
                                              std::printf("  %s\n", DescribeAls(r.options).c_str());
                                              std::fflush(stdout);
                                            });
  if (!results.ok()) {
    std::fprintf(stderr, "persona eval: %s\n", results.status().ToString().c_str());
    return 1;
  }
  std::printf("\nbest 5:\n");
  for (size_t i = 0; i < results->size() && i < 5; ++i) {
    PrintMetrics((*results)[i].metrics);
    std::printf("  %s\n", DescribeAls((*results)[i].options).c_str());
  }
  return 0;
}

struct Row {
  std::string name;
  std::vector<RankingMetrics> runs;
};

void PrintRow(const std::string& name, const std::vector<RankingMetrics>& runs) {
  auto stat = [&](auto field, double& mean, double& sd) {
    mean = sd = 0;
    for (const RankingMetrics& m : runs) mean += field(m);
    mean /= runs.size();
    for (const RankingMetrics& m : runs) sd += (field(m) - mean) * (field(m) - mean);
    sd = runs.size() > 1 ? std::sqrt(sd / (runs.size() - 1)) : 0;
  };
  double v[4][2];
  stat([](const RankingMetrics& m) { return m.ndcg; }, v[0][0], v[0][1]);
  stat([](const RankingMetrics& m) { return m.precision; }, v[1][0], v[1][1]);
  stat([](const RankingMetrics& m) { return m.recall; }, v[2][0], v[2][1]);
  stat([](const RankingMetrics& m) { return m.map; }, v[3][0], v[3][1]);
  std::printf("  %-22s", name.c_str());
  for (auto& x : v) std::printf("  %.3f±%.3f", x[0], x[1]);
  std::printf("\n");
}

void PrintHeader(int k) {
  std::printf("  %-22s  %-11s  %-11s  %-11s  %-11s\n", "model", ("nDCG@" + std::to_string(k)).c_str(),
              ("P@" + std::to_string(k)).c_str(), ("R@" + std::to_string(k)).c_str(), "MAP");
}

// Evaluates the selected models on one split and appends to rows.
absl::Status RunModels(const EvalFlags& flags, const EvalData& data, std::vector<Row>& rows) {
  size_t r = 0;
  auto add = [&](const std::string& name, const RankingMetrics& m) {
    if (rows.size() <= r) rows.push_back({name, {}});
    rows[r++].runs.push_back(m);
  };
  if (flags.HasModel("popularity")) {
    add("popularity", Evaluate(data, flags.k, model::eval::PopularityRanker(data.train)));
  }
  if (flags.HasModel("itemknn")) {
    absl::StatusOr<model::eval::Ranker> knn = model::eval::ItemKnnRanker(data.train, flags.knn);
    if (!knn.ok()) return knn.status();
    add("item-kNN (cosine)", Evaluate(data, flags.k, *knn));
  }
  if (flags.HasModel("als")) {
    // One training, two ways of getting the user vector: the trained factors,
    // and fold-in of the user's training history as the server does it.
    absl::StatusOr<model::eval::AlsRankers> als = model::eval::MakeAlsRankers(data.train, flags.als);
    if (!als.ok()) return als.status();
    add("ALS (trained vectors)", Evaluate(data, flags.k, als->trained));
    add("ALS (served: fold-in)", Evaluate(data, flags.k, als->served));
  }
  return absl::OkStatus();
}

int RunMovieLens(const EvalFlags& flags) {
  absl::StatusOr<Dataset> d = model::eval::LoadMovieLens(flags.data);
  if (!d.ok()) {
    std::fprintf(stderr, "persona eval: %s\n", d.status().ToString().c_str());
    return 1;
  }
  std::printf("MovieLens-100K from %s: %zu ratings, %d users, %d items\n", flags.data.c_str(),
              d->events.size(), d->num_users(), d->num_items());
  if (flags.search) {
    model::eval::Split outer = model::eval::StratifiedSplit(d->events, flags.train_ratio,
                                                            flags.seeds[0], model::eval::StratifyBy::kItem);
    return SearchAls(flags, *d, outer.train);
  }
  std::printf("protocol: random %.0f/%.0f split stratified per item, k=%d, seeds", flags.train_ratio * 100,
              (1 - flags.train_ratio) * 100, flags.k);
  for (uint64_t s : flags.seeds) std::printf(" %llu", static_cast<unsigned long long>(s));
  std::printf("\nALS: %s\n", DescribeAls(flags.als).c_str());
  std::vector<Row> rows;
  for (uint64_t seed : flags.seeds) {
    const model::eval::Split split =
        model::eval::StratifiedSplit(d->events, flags.train_ratio, seed, model::eval::StratifyBy::kItem);
    absl::StatusOr<EvalData> data =
        model::eval::MakeEvalData(d->num_users(), d->num_items(), split, /*drop_seen=*/false);
    if (!data.ok()) return 1;
    if (absl::Status s = RunModels(flags, *data, rows); !s.ok()) {
      std::fprintf(stderr, "persona eval: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  std::printf("\nours (mean±sd over %zu seeds):\n", flags.seeds.size());
  PrintHeader(flags.k);
  for (const Row& row : rows) PrintRow(row.name, row.runs);
  std::printf(
      "\npublished (Microsoft Recommenders, MovieLens-100K, seed 42):\n"
      "  %-22s  %-11s  %-11s  %-11s  %-11s\n"
      "  BiVAE                   0.475        0.412        0.219        0.146\n"
      "  BPR                     0.442        0.388        0.213        0.132\n"
      "  LightGCN                0.420        0.380        0.144        0.089\n"
      "  NCF                     0.396        0.347        0.181        0.108\n"
      "  SAR                     0.382        0.331        0.176        0.111\n"
      "  Spark ALS (explicit)    0.044        0.048        0.018        0.005\n",
      "model", "nDCG@10", "P@10", "R@10", "MAP");
  return 0;
}

int RunOnlineRetail(const EvalFlags& flags) {
  absl::StatusOr<Dataset> d = model::eval::LoadOnlineRetail(flags.data);
  if (!d.ok()) {
    std::fprintf(stderr, "persona eval: %s\n", d.status().ToString().c_str());
    return 1;
  }
  const model::eval::Split split = model::eval::TemporalSplit(
      d->events, static_cast<int64_t>(flags.holdout_days * 86'400'000.0), flags.per_customer);
  absl::StatusOr<EvalData> data =
      model::eval::MakeEvalData(d->num_users(), d->num_items(), split, /*drop_seen=*/true);
  if (!data.ok()) return 1;
  int64_t test_users = 0;
  for (const auto& t : data->test) test_users += !t.empty();
  std::printf("Online Retail purchases from %s: %zu lines, %d customers, %d items, %d orders\n",
              flags.data.c_str(), d->events.size(), d->num_users(), d->num_items(), d->num_baskets);
  std::printf("protocol: last %.0f days %s held out; test = items new to the customer; "
              "%lld test customers; k=%d\nALS: %s\n",
              flags.holdout_days, flags.per_customer ? "of each customer" : "globally",
              static_cast<long long>(test_users), flags.k, DescribeAls(flags.als).c_str());
  std::vector<Row> rows;
  if (absl::Status s = RunModels(flags, *data, rows); !s.ok()) {
    std::fprintf(stderr, "persona eval: %s\n", s.ToString().c_str());
    return 1;
  }
  PrintHeader(flags.k);
  for (const Row& row : rows) PrintRow(row.name, row.runs);
  return 0;
}

}  // namespace

int RunEval(int argc, char** argv) {
  absl::StatusOr<EvalFlags> flags = ParseEvalFlags(argc, argv);
  if (!flags.ok()) {
    std::fprintf(stderr, "persona eval: %s\n\n%s", flags.status().message().data(), EvalUsage());
    return 2;
  }
  if (flags->help) {
    std::printf("%s", EvalUsage());
    return 0;
  }
  return flags->dataset == "movielens" ? RunMovieLens(*flags) : RunOnlineRetail(*flags);
}

}  // namespace persona::tools
