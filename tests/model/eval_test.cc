#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "gtest/gtest.h"
#include "model/eval/datasets.h"
#include "model/eval/metrics.h"
#include "model/eval/protocol.h"
#include "model/eval/search.h"
#include "model/eval/split.h"

namespace persona::model::eval {
namespace {

TEST(MetricsTest, HandComputedExample) {
  // Hits at ranks 2 and 4; three relevant items, k = 4.
  const std::vector<int32_t> ranked = {5, 1, 7, 3, 9};
  const std::vector<int32_t> relevant = {1, 3, 9};
  const RankingMetrics m = UserMetrics(ranked, relevant, 4);
  EXPECT_DOUBLE_EQ(m.precision, 0.5);
  EXPECT_DOUBLE_EQ(m.recall, 2.0 / 3.0);
  const double dcg = 1 / std::log2(3.0) + 1 / std::log2(5.0);
  const double idcg = 1 + 1 / std::log2(3.0) + 0.5;
  EXPECT_NEAR(m.ndcg, dcg / idcg, 1e-12);
  EXPECT_NEAR(m.ndcg, 0.49819, 1e-5);
  EXPECT_NEAR(m.map, (1.0 / 2 + 2.0 / 4) / 3, 1e-12);  // divided by |relevant|, not by hits
}

TEST(MetricsTest, EdgeCasesAndAveraging) {
  const std::vector<int32_t> relevant = {2};
  EXPECT_EQ(UserMetrics({}, relevant, 10).users, 1);
  EXPECT_EQ(UserMetrics({}, relevant, 10).ndcg, 0);
  EXPECT_EQ(UserMetrics(relevant, {}, 10).users, 0);
  const std::vector<int32_t> perfect = {2};
  EXPECT_DOUBLE_EQ(UserMetrics(perfect, relevant, 10).ndcg, 1.0);
  EXPECT_DOUBLE_EQ(UserMetrics(perfect, relevant, 10).precision, 0.1);
  MetricsAccumulator acc;
  acc.Add(perfect, relevant, 10);
  const std::vector<int32_t> miss = {4};
  acc.Add(miss, relevant, 10);
  acc.Add(miss, {}, 10);  // skipped: nothing relevant
  EXPECT_EQ(acc.Mean().users, 2);
  EXPECT_DOUBLE_EQ(acc.Mean().ndcg, 0.5);
  EXPECT_DOUBLE_EQ(acc.Mean().recall, 0.5);
}

TEST(SplitTest, StratifiedPerItemKeepsRatioAndIsSeeded) {
  std::vector<Triple> events;
  for (int32_t i = 0; i < 20; ++i) {
    for (int32_t u = 0; u < 4 + i; ++u) events.push_back({u, i, 1, 0});
  }
  const Split a = StratifiedSplit(events, 0.75, 42, StratifyBy::kItem);
  const Split b = StratifiedSplit(events, 0.75, 42, StratifyBy::kItem);
  const Split c = StratifiedSplit(events, 0.75, 7, StratifyBy::kItem);
  EXPECT_EQ(a.train.size() + a.test.size(), events.size());
  for (int32_t i = 0; i < 20; ++i) {
    const auto n_train = std::count_if(a.train.begin(), a.train.end(), [&](const Triple& t) { return t.item == i; });
    EXPECT_EQ(n_train, std::llround(0.75 * (4 + i))) << i;
  }
  auto users = [](const Split& s) {
    std::vector<int32_t> u;
    for (const Triple& t : s.test) u.push_back(t.user * 100 + t.item);
    return u;
  };
  EXPECT_EQ(users(a), users(b));
  EXPECT_NE(users(a), users(c));
}

TEST(SplitTest, TemporalHoldsOutTheLastDays) {
  const std::vector<Triple> events = {{0, 0, 1, 100}, {0, 1, 1, 950}, {1, 2, 1, 500}, {1, 3, 1, 520}};
  const Split global = TemporalSplit(events, 100, /*per_user=*/false);
  ASSERT_EQ(global.test.size(), 1u);
  EXPECT_EQ(global.test[0].item, 1);
  const Split per_user = TemporalSplit(events, 100, /*per_user=*/true);
  ASSERT_EQ(per_user.test.size(), 3u);  // user 1's last event is at 520
}

TEST(ProtocolTest, EvaluatesOnlyCandidatesNotSeenInTraining) {
  Split s;
  s.train = {{0, 0, 1, 0}, {1, 0, 1, 0}, {1, 1, 1, 0}, {2, 2, 1, 0}};
  s.test = {{0, 1, 1, 0}, {0, 3, 1, 0}, {2, 2, 1, 0}};
  absl::StatusOr<EvalData> d = MakeEvalData(3, 4, s, /*drop_seen=*/true);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->candidates.Test(1));
  EXPECT_FALSE(d->candidates.Test(3));  // test-only item
  EXPECT_EQ(d->test[0], (std::vector<int32_t>{1, 3}));
  EXPECT_TRUE(d->test[2].empty());  // already seen in training
  const RankingMetrics m = Evaluate(*d, 2, PopularityRanker(d->train));
  // User 0 may get items 1 and 2 (0 is theirs, 3 is no candidate); 1 is a hit.
  EXPECT_EQ(m.users, 1);
  EXPECT_DOUBLE_EQ(m.precision, 0.5);
  EXPECT_DOUBLE_EQ(m.recall, 0.5);
}

TEST(DatasetsTest, SplitsQuotedCsv) {
  EXPECT_EQ(SplitCsvLine(R"(a,"b, c","d ""e""",)"),
            (std::vector<std::string>{"a", "b, c", "d \"e\"", ""}));
}

// The MovieLens-100K protocol once, seed 42, with the tuned defaults, for the
// trained user vectors and for the served path (fold-in through the BM25
// weighting). Runs only where the data set is present beside the repository.
TEST(MovieLensTest, TunedAlsMeetsTheQualityBar) {
  const std::string dir = std::string(PERSONA_SOURCE_DIR) + "/../shared/data/ml-100k";
  if (!std::filesystem::exists(dir + "/u.data")) GTEST_SKIP() << "no " << dir;
  absl::StatusOr<Dataset> d = LoadMovieLens(dir);
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_EQ(d->events.size(), 100000u);
  const Split split = StratifiedSplit(d->events, 0.75, 42, StratifyBy::kItem);
  absl::StatusOr<EvalData> data = MakeEvalData(d->num_users(), d->num_items(), split, false);
  ASSERT_TRUE(data.ok());
  absl::StatusOr<AlsRankers> als = MakeAlsRankers(data->train, TunedAlsEvalOptions());
  ASSERT_TRUE(als.ok()) << als.status();
  const RankingMetrics m = Evaluate(*data, 10, als->trained);
  EXPECT_EQ(m.users, 943);
  EXPECT_GE(m.ndcg, 0.48);
  EXPECT_GE(m.precision, 0.42);
  const RankingMetrics served = Evaluate(*data, 10, als->served);
  EXPECT_EQ(served.users, 943);
  EXPECT_GE(served.ndcg, 0.48);
  EXPECT_GE(served.precision, 0.42);
  const RankingMetrics pop = Evaluate(*data, 10, PopularityRanker(data->train));
  EXPECT_LT(pop.ndcg, m.ndcg - 0.1);
}

}  // namespace
}  // namespace persona::model::eval
