#include "model/segments/personas.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <set>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace persona::model::segments {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

// `per` points around each of `centres` planted centres (10 * e_c) in `dim`
// dimensions, interleaved, with noise of +-0.5.
std::vector<float> Planted(int centres, int per, int dim, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> noise(-0.5f, 0.5f);
  std::vector<float> rows;
  for (int i = 0; i < centres * per; ++i) {
    for (int d = 0; d < dim; ++d) rows.push_back((d == i % centres ? 10.0f : 0.0f) + noise(rng));
  }
  return rows;
}

TEST(KMeansTest, RecoversWellSeparatedPlantedClusters) {
  const int kCentres = 5, kPer = 200, kDim = 8;
  const std::vector<float> rows = Planted(kCentres, kPer, kDim, 3);
  KMeansOptions options;
  options.k = kCentres;
  absl::StatusOr<KMeansResult> result = KMeans(rows, kDim, options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->k, kCentres);
  EXPECT_TRUE(result->converged);
  EXPECT_THAT(result->sizes, ::testing::Each(kPer));
  // Every planted cluster maps to one k-means cluster, a different one each.
  std::set<int32_t> used;
  for (int c = 0; c < kCentres; ++c) {
    const int32_t label = result->assignment[c];
    used.insert(label);
    for (int i = c; i < kCentres * kPer; i += kCentres) ASSERT_EQ(result->assignment[i], label);
    // Its centroid sits near the planted centre.
    EXPECT_NEAR(result->centroids[label * kDim + c], 10.0f, 0.1f);
  }
  EXPECT_EQ(used.size(), static_cast<size_t>(kCentres));
  // NearestCentroid agrees with the assignment.
  for (int i = 0; i < kCentres * kPer; ++i) {
    const std::span<const float> row(rows.data() + i * kDim, kDim);
    ASSERT_EQ(NearestCentroid(result->centroids, kDim, row), result->assignment[i]);
  }
}

TEST(KMeansTest, IsDeterministicForASeed) {
  const std::vector<float> rows = Planted(4, 50, 6, 9);
  KMeansOptions options;
  options.k = 6;  // more clusters than planted: the split depends on the seed
  auto a = KMeans(rows, 6, options);
  auto b = KMeans(rows, 6, options);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->centroids, b->centroids);
  EXPECT_EQ(a->assignment, b->assignment);
  EXPECT_EQ(a->iterations, b->iterations);
}

TEST(KMeansTest, NoEmptyClustersWhenRowsAreDistinct) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-1, 1);
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    std::vector<float> rows(300 * 4);
    for (float& v : rows) v = u(rng);
    KMeansOptions options;
    options.k = 16;
    options.seed = seed;
    auto r = KMeans(rows, 4, options);
    ASSERT_TRUE(r.ok());
    for (int64_t size : r->sizes) EXPECT_GT(size, 0) << "seed " << seed;
    int64_t total = 0;
    for (int64_t size : r->sizes) total += size;
    EXPECT_EQ(total, 300);
  }
}

TEST(KMeansTest, FewerRowsThanClustersGivesOneClusterPerRow) {
  const std::vector<float> rows = {0, 0, 5, 5, -5, 5};
  KMeansOptions options;
  options.k = 8;
  auto r = KMeans(rows, 2, options);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->k, 3);
  EXPECT_THAT(r->sizes, ElementsAre(1, 1, 1));
  EXPECT_EQ(std::set<int32_t>(r->assignment.begin(), r->assignment.end()).size(), 3u);
}

TEST(KMeansTest, DuplicatePointsShareAClusterAndLeaveTheRestEmpty) {
  std::vector<float> rows;
  for (int i = 0; i < 20; ++i) {
    rows.push_back(i % 2 == 0 ? 1.0f : -3.0f);
    rows.push_back(2.0f);
  }
  KMeansOptions options;
  options.k = 4;
  auto r = KMeans(rows, 2, options);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->k, 4);
  std::vector<int64_t> sizes = r->sizes;
  std::sort(sizes.begin(), sizes.end());
  EXPECT_THAT(sizes, ElementsAre(0, 0, 10, 10));
  for (int i = 2; i < 20; ++i) EXPECT_EQ(r->assignment[i], r->assignment[i % 2]);
  EXPECT_NE(r->assignment[0], r->assignment[1]);
}

TEST(KMeansTest, ZeroVectorsAndNoRows) {
  const std::vector<float> zeros(5 * 3, 0.0f);
  KMeansOptions options;
  options.k = 2;
  auto r = KMeans(zeros, 3, options);
  ASSERT_TRUE(r.ok());
  for (float c : r->centroids) EXPECT_EQ(c, 0.0f);
  EXPECT_EQ(r->sizes[0] + r->sizes[1], 5);
  auto none = KMeans(std::span<const float>(), 3, options);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->k, 0);
  EXPECT_TRUE(none->assignment.empty());
}

TEST(KMeansTest, RejectsBadInput) {
  const std::vector<float> rows = {1, 2, 3, 4};
  const auto error = [&](std::span<const float> x, int32_t dim, int32_t k, int32_t iters = 50) {
    KMeansOptions options;
    options.k = k;
    options.max_iterations = iters;
    auto r = KMeans(x, dim, options);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    return std::string(r.status().message());
  };
  EXPECT_EQ(error(rows, 2, 1), "k (1) must be from 2 to 64");
  EXPECT_EQ(error(rows, 2, 65), "k (65) must be from 2 to 64");
  EXPECT_EQ(error(rows, 0, 2), "dim (0) must be positive");
  EXPECT_EQ(error(rows, 3, 2), "4 values are not a whole number of rows of 3");
  EXPECT_EQ(error(rows, 2, 2, 0), "max_iterations (0) must be from 1 to 1000");
  const std::vector<float> nan = {1, NAN};
  EXPECT_EQ(error(nan, 2, 2), "rows hold a non-finite value");
}

TEST(KMeansTest, NearestCentroidTiesAndBadSizes) {
  const std::vector<float> centroids = {0, 0, 2, 0};
  const std::vector<float> middle = {1, 0};
  EXPECT_EQ(NearestCentroid(centroids, 2, middle), 0);
  const std::vector<float> right = {1.5f, 0};
  EXPECT_EQ(NearestCentroid(centroids, 2, right), 1);
  EXPECT_EQ(NearestCentroid(centroids, 3, right), -1);
  EXPECT_EQ(NearestCentroid({}, 2, right), -1);
}

// Not run by default; prints the time of the brief's size (100k x 64, k = 8):
//   model_segments_test --gtest_also_run_disabled_tests --gtest_filter='*Scale*'
TEST(KMeansTest, DISABLED_ScaleHundredThousandBySixtyFour) {
  // Unstructured data, so Lloyd runs many iterations (planted data converge in one).
  std::mt19937 rng(11);
  std::normal_distribution<float> normal;
  std::vector<float> rows(100000 * 64);
  for (float& v : rows) v = normal(rng);
  KMeansOptions options;
  options.k = 8;
  const auto start = std::chrono::steady_clock::now();
  auto r = KMeans(rows, 64, options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(r.ok());
  std::printf("k-means 100000 x 64, k=8: %.3f s, %d iterations\n", seconds, r->iterations);
}

CustomerFacts Member(int32_t persona, int64_t orders, double monetary,
                     std::vector<std::string> categories, std::vector<std::string> brands) {
  CustomerFacts f;
  f.persona = persona;
  f.orders = orders;
  f.monetary = monetary;
  for (auto& c : categories) f.bought_categories.push_back({std::move(c), 1});
  for (auto& b : brands) f.bought_brands.push_back({std::move(b), 1});
  return f;
}

TEST(PersonaDescriberTest, TopCategoriesBrandsAndAverageOrderValue) {
  std::vector<CustomerFacts> members = {
      Member(0, 2, 100, {"Home/Lighting", "Garden"}, {"Acme"}),
      Member(0, 3, 200, {"Home/Lighting", "Home/Lighting"}, {"Acme", "Bolt"}),
      Member(0, 0, 0, {"Toys"}, {}),
      Member(1, 1, 10, {"Books"}, {"Zed"}),
      Member(7, 1, 10, {"Ignored"}, {}),  // outside 0..k-1
  };
  const std::vector<PersonaDescription> d = DescribePersonas(members, 3, 2);
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].persona, 0);
  EXPECT_EQ(d[0].size, 3);
  // Home/Lighting counted once per member; Garden and Toys tie at 1, by name.
  EXPECT_THAT(d[0].top_categories, ElementsAre(Pair("Home/Lighting", 2), Pair("Garden", 1)));
  EXPECT_THAT(d[0].top_brands, ElementsAre(Pair("Acme", 2), Pair("Bolt", 1)));
  EXPECT_DOUBLE_EQ(d[0].average_order_value, 300.0 / 5);
  EXPECT_EQ(d[1].size, 1);
  EXPECT_DOUBLE_EQ(d[1].average_order_value, 10);
  EXPECT_EQ(d[2].size, 0);
  EXPECT_TRUE(d[2].top_categories.empty());
  EXPECT_EQ(d[2].average_order_value, 0);
  EXPECT_EQ(d[0].growth, 0);
}

}  // namespace
}  // namespace persona::model::segments
