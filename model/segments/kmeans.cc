// k-means++ and Lloyd iterations; distances as ||x||^2 - 2 x.c + ||c||^2 with
// one matrix product per block of rows.
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "model/segments/personas.h"

namespace persona::model::segments {
namespace {

using RowMatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMapF = Eigen::Map<const RowMatrixF>;
constexpr int64_t kBlockRows = 4096;

absl::Status Validate(std::span<const float> rows, int32_t dim, const KMeansOptions& o) {
  if (o.k < kMinPersonas || o.k > kMaxPersonas) {
    return absl::InvalidArgumentError(absl::StrCat("k (", o.k, ") must be from 2 to 64"));
  }
  if (o.max_iterations < 1 || o.max_iterations > 1000) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_iterations (", o.max_iterations, ") must be from 1 to 1000"));
  }
  if (dim < 1) return absl::InvalidArgumentError(absl::StrCat("dim (", dim, ") must be positive"));
  if (rows.size() % static_cast<size_t>(dim) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(rows.size(), " values are not a whole number of rows of ", dim));
  }
  for (float v : rows) {
    if (!std::isfinite(v)) return absl::InvalidArgumentError("rows hold a non-finite value");
  }
  return absl::OkStatus();
}

class Lloyd {
 public:
  Lloyd(ConstMapF x, int32_t k)
      : x_(x), k_(k), norms_(x.rowwise().squaredNorm()), centroids_(k, x.cols()),
        assignment_(x.rows(), -1) {}

  // k-means++: the first centre uniformly, each next one with probability
  // proportional to the squared distance to the nearest centre so far.
  void Seed(uint64_t seed) {
    std::mt19937_64 rng(seed);
    const int64_t n = x_.rows();
    std::vector<double> d2(n, std::numeric_limits<double>::infinity());
    std::vector<bool> taken(n, false);
    int64_t pick = static_cast<int64_t>(rng() % static_cast<uint64_t>(n));
    for (int32_t c = 0; c < k_; ++c) {
      if (c > 0) pick = Sample(d2, taken, rng);
      taken[pick] = true;
      centroids_.row(c) = x_.row(pick);
      const Eigen::VectorXf dots = x_ * x_.row(pick).transpose();
      const double cn = norms_(pick);
      for (int64_t i = 0; i < n; ++i) {
        d2[i] = std::min(d2[i], std::max(0.0, norms_(i) - 2.0 * dots(i) + cn));
      }
    }
  }

  // Assigns every row to its nearest centroid; returns whether any changed.
  bool Assign() {
    const Eigen::VectorXf cnorms = centroids_.rowwise().squaredNorm();
    bool changed = false;
    for (int64_t begin = 0; begin < x_.rows(); begin += kBlockRows) {
      const int64_t rows = std::min(kBlockRows, x_.rows() - begin);
      const Eigen::MatrixXf dots = x_.middleRows(begin, rows) * centroids_.transpose();
      for (int64_t r = 0; r < rows; ++r) {
        int32_t arg = 0;
        float best = std::numeric_limits<float>::infinity();
        for (int32_t c = 0; c < k_; ++c) {
          const float d = cnorms(c) - 2.0f * dots(r, c);
          if (d < best) best = d, arg = c;
        }
        const int64_t i = begin + r;
        if (assignment_[i] != arg) changed = true, assignment_[i] = arg;
      }
    }
    return changed;
  }

  // Moves centroids to their members' means; an empty cluster takes the row
  // farthest from its centroid among clusters of two or more.
  void Update() {
    Eigen::MatrixXd sums = Eigen::MatrixXd::Zero(k_, x_.cols());
    std::vector<int64_t> counts(k_, 0);
    for (int64_t i = 0; i < x_.rows(); ++i) {
      sums.row(assignment_[i]) += x_.row(i).cast<double>();
      ++counts[assignment_[i]];
    }
    for (int32_t c = 0; c < k_; ++c) {
      if (counts[c] > 0) continue;
      // Exact distances (not the expanded form), so duplicates of a centroid
      // never count as far.
      int64_t far = -1;
      float far_d2 = 0;
      for (int64_t i = 0; i < x_.rows(); ++i) {
        if (counts[assignment_[i]] < 2) continue;
        const float d2 = (x_.row(i) - centroids_.row(assignment_[i])).squaredNorm();
        if (d2 > far_d2) far = i, far_d2 = d2;
      }
      if (far < 0) continue;  // fewer distinct rows than clusters
      const int32_t from = assignment_[far];
      sums.row(from) -= x_.row(far).cast<double>();
      --counts[from];
      sums.row(c) = x_.row(far).cast<double>();
      counts[c] = 1;
      assignment_[far] = c;
    }
    for (int32_t c = 0; c < k_; ++c) {
      if (counts[c] > 0) centroids_.row(c) = (sums.row(c) / counts[c]).cast<float>();
    }
  }

  KMeansResult Result(int32_t iterations, bool converged) const {
    KMeansResult out;
    out.k = k_;
    out.dim = static_cast<int32_t>(x_.cols());
    out.centroids.assign(centroids_.data(), centroids_.data() + centroids_.size());
    out.assignment = assignment_;
    out.sizes.assign(k_, 0);
    for (int32_t a : assignment_) ++out.sizes[a];
    out.iterations = iterations;
    out.converged = converged;
    return out;
  }

 private:
  // Draws a row with probability proportional to d2; when every row already
  // coincides with a centre, the first row not yet taken.
  static int64_t Sample(const std::vector<double>& d2, const std::vector<bool>& taken,
                        std::mt19937_64& rng) {
    double total = 0;
    for (double d : d2) total += d;
    const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;
    if (total > 0) {
      double target = u * total, acc = 0;
      int64_t last = -1;
      for (size_t i = 0; i < d2.size(); ++i) {
        if (d2[i] <= 0) continue;
        acc += d2[i];
        last = static_cast<int64_t>(i);
        if (acc > target) return last;
      }
      return last;
    }
    for (size_t i = 0; i < taken.size(); ++i) {
      if (!taken[i]) return static_cast<int64_t>(i);
    }
    return 0;
  }

  ConstMapF x_;
  int32_t k_;
  Eigen::VectorXf norms_;
  RowMatrixF centroids_;
  std::vector<int32_t> assignment_;
};

}  // namespace

absl::StatusOr<KMeansResult> KMeans(std::span<const float> rows, int32_t dim,
                                    const KMeansOptions& options) {
  absl::Status status = Validate(rows, dim, options);
  if (!status.ok()) return status;
  const int64_t n = static_cast<int64_t>(rows.size()) / dim;
  if (n == 0) {
    KMeansResult empty;
    empty.dim = dim;
    empty.converged = true;
    return empty;
  }
  const int32_t k = static_cast<int32_t>(std::min<int64_t>(options.k, n));
  Lloyd lloyd(ConstMapF(rows.data(), n, dim), k);
  lloyd.Seed(options.seed);
  lloyd.Assign();
  for (int32_t it = 1; it <= options.max_iterations; ++it) {
    lloyd.Update();
    if (!lloyd.Assign()) return lloyd.Result(it, true);
  }
  return lloyd.Result(options.max_iterations, false);
}

int32_t NearestCentroid(std::span<const float> centroids, int32_t dim,
                        std::span<const float> vector) {
  if (dim < 1 || vector.size() != static_cast<size_t>(dim) || centroids.size() < vector.size()) {
    return -1;
  }
  const int64_t k = static_cast<int64_t>(centroids.size()) / dim;
  const ConstMapF c(centroids.data(), k, dim);
  const Eigen::Map<const Eigen::RowVectorXf> v(vector.data(), dim);
  Eigen::Index arg = 0;
  (c.rowwise() - v).rowwise().squaredNorm().minCoeff(&arg);
  return static_cast<int32_t>(arg);
}

}  // namespace persona::model::segments
