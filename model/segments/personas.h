// Behavioural personas: k-means over customer factor vectors, and the
// description of each persona (top categories and brands, average order
// value, size). Growth is the caller's: it compares stored sizes over time.
// Thread-safety: KMeans and NearestCentroid are pure; a PersonaDescriber is
// not thread-safe (one per pass).
#ifndef PERSONA_MODEL_SEGMENTS_PERSONAS_H_
#define PERSONA_MODEL_SEGMENTS_PERSONAS_H_

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "model/segments/facts.h"

namespace persona::model::segments {

inline constexpr int32_t kMinPersonas = 2;
inline constexpr int32_t kMaxPersonas = 64;

struct KMeansOptions {
  // Clusters, 2..64. Default 8.
  int32_t k = 8;
  // Lloyd iterations at most, 1..1000. Default 50.
  int32_t max_iterations = 50;
  // Seed of the k-means++ initialisation; equal inputs and seeds give equal
  // results. Default 1.
  uint64_t seed = 1;
};

struct KMeansResult {
  // Clusters: min(options.k, rows); 0 for no rows.
  int32_t k = 0;
  int32_t dim = 0;
  // k x dim, row-major.
  std::vector<float> centroids;
  // Per input row, its nearest centroid (ties to the lower index).
  std::vector<int32_t> assignment;
  // Rows per cluster. 0 only when there are fewer than k distinct rows.
  std::vector<int64_t> sizes;
  // Lloyd iterations run, and whether the assignment stopped changing.
  int32_t iterations = 0;
  bool converged = false;
};

// Clusters the n = rows.size() / dim rows of `rows` (row-major, n x dim).
// k-means++ initialisation, then Lloyd iterations until the assignment is
// stable or max_iterations. A cluster left empty takes the row farthest from
// its centroid (from a cluster of two or more). Returns INVALID_ARGUMENT for
// k outside 2..64, dim < 1, rows not a multiple of dim, bad max_iterations or
// non-finite values. Single-threaded.
absl::StatusOr<KMeansResult> KMeans(std::span<const float> rows, int32_t dim,
                                    const KMeansOptions& options);

// Returns the index of the centroid (k x dim, row-major) nearest to `vector`
// in Euclidean distance, ties to the lower index; -1 without centroids or
// when `vector` is not dim long. Agrees with KMeansResult::assignment except
// for rows almost equally near two centroids.
int32_t NearestCentroid(std::span<const float> centroids, int32_t dim,
                        std::span<const float> vector);

struct PersonaDescription {
  int32_t persona = 0;
  // Members.
  int64_t size = 0;
  // Up to top_n (name, members who bought it), most members first, ties by
  // name. Categories are the paths as listed in CustomerFacts.
  std::vector<std::pair<std::string, int64_t>> top_categories;
  std::vector<std::pair<std::string, int64_t>> top_brands;
  // Sum of monetary / sum of orders over members with orders; 0 when none.
  double average_order_value = 0;
  // Left 0 here; the server fills it from stored sizes.
  double growth = 0;
};

// Accumulates members one at a time, so a pass over all customers need not
// hold their facts.
class PersonaDescriber {
 public:
  // k personas (0..k-1); top_n categories and brands each (default 5).
  explicit PersonaDescriber(int32_t k, int32_t top_n = 5);

  // Adds one member of `persona`; ignored when persona is outside 0..k-1.
  void Add(int32_t persona, const CustomerFacts& member);
  // Returns the k descriptions, persona 0 first.
  std::vector<PersonaDescription> Finish() const;

 private:
  struct Accumulator {
    int64_t size = 0;
    int64_t orders = 0;
    double monetary = 0;
    absl::flat_hash_map<std::string, int64_t> categories;
    absl::flat_hash_map<std::string, int64_t> brands;
  };
  int32_t top_n_;
  std::vector<Accumulator> personas_;
};

// Describes k personas from members' facts, each in facts.persona.
std::vector<PersonaDescription> DescribePersonas(std::span<const CustomerFacts> members,
                                                 int32_t k, int32_t top_n = 5);

}  // namespace persona::model::segments

#endif  // PERSONA_MODEL_SEGMENTS_PERSONAS_H_
