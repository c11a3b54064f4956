#include "model/als.h"

#include <cmath>

#include "Eigen/Dense"
#include "absl/strings/str_cat.h"
#include "model/parallel.h"

namespace persona::model {
namespace {

using RowMatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMapF = Eigen::Map<const RowMatrixF>;
using MapF = Eigen::Map<RowMatrixF>;

// A deterministic, platform-independent generator (splitmix64).
class SplitMix {
 public:
  explicit SplitMix(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1).
  float Uniform() { return static_cast<float>(Next() >> 40) * (1.0f / 16777216.0f); }

 private:
  uint64_t state_;
};

void InitFactors(std::vector<float>& v, int64_t size, SplitMix& rng, float scale) {
  v.resize(size);
  for (float& x : v) x = rng.Uniform() * scale;
}

// c - 1 for every stored entry of `m`.
std::vector<float> ConfidenceMinusOne(const InteractionMatrix& m, const AlsOptions& options) {
  std::vector<float> out(m.values().size());
  for (size_t k = 0; k < out.size(); ++k) out[k] = Confidence(m.values()[k], options) - 1.0f;
  return out;
}

// One row by conjugate gradient, warm-started from x (in place).
void SolveRowCg(const InteractionMatrix& m, const std::vector<float>& cm1, int32_t row,
                const ConstMapF& y, const Eigen::MatrixXf& gram, int steps,
                Eigen::Ref<Eigen::VectorXf> x, Eigen::VectorXf& r, Eigen::VectorXf& p,
                Eigen::VectorXf& ap) {
  const int64_t begin = m.indptr()[row];
  const int64_t end = m.indptr()[row + 1];
  const int32_t* idx = m.indices().data();
  r.noalias() = -gram * x;
  for (int64_t k = begin; k < end; ++k) {
    const auto yi = y.row(idx[k]).transpose();
    r += (cm1[k] + 1.0f - cm1[k] * yi.dot(x)) * yi;
  }
  p = r;
  float rs = r.squaredNorm();
  for (int step = 0; step < steps && rs > 1e-20f; ++step) {
    ap.noalias() = gram * p;
    for (int64_t k = begin; k < end; ++k) {
      const auto yi = y.row(idx[k]).transpose();
      ap += (cm1[k] * yi.dot(p)) * yi;
    }
    const float a = rs / p.dot(ap);
    x += a * p;
    r -= a * ap;
    const float rs_new = r.squaredNorm();
    p = r + (rs_new / rs) * p;
    rs = rs_new;
  }
}

// One row exactly, in double precision.
void SolveRowCholesky(const InteractionMatrix& m, const std::vector<float>& cm1, int32_t row,
                      const ConstMapF& y, const Eigen::MatrixXd& gram,
                      Eigen::Ref<Eigen::VectorXf> x) {
  Eigen::MatrixXd a = gram;
  Eigen::VectorXd b = Eigen::VectorXd::Zero(gram.rows());
  for (int64_t k = m.indptr()[row]; k < m.indptr()[row + 1]; ++k) {
    const Eigen::VectorXd yi = y.row(m.indices()[k]).transpose().cast<double>();
    a.selfadjointView<Eigen::Lower>().rankUpdate(yi, cm1[k]);
    b += (cm1[k] + 1.0) * yi;
  }
  x = a.selfadjointView<Eigen::Lower>().llt().solve(b).cast<float>();
}

// Solves all rows of x (one per row of m) with y fixed.
void HalfStep(const InteractionMatrix& m, const std::vector<float>& cm1, const ConstMapF& y,
              MapF& x, const AlsOptions& options) {
  const int f = options.factors;
  Eigen::MatrixXf gram = y.transpose() * y;
  gram.diagonal().array() += options.regularization;
  Eigen::MatrixXd gram_d = gram.cast<double>();
  ParallelFor(m.rows(), options.threads, options.parallel_min_rows, [&](int64_t lo, int64_t hi) {
    Eigen::VectorXf r(f), p(f), ap(f);
    for (int64_t row = lo; row < hi; ++row) {
      auto xr = x.row(row).transpose();
      if (m.indptr()[row] == m.indptr()[row + 1]) {
        xr.setZero();
      } else if (options.solver == AlsSolver::kCholesky) {
        SolveRowCholesky(m, cm1, row, y, gram_d, xr);
      } else {
        SolveRowCg(m, cm1, row, y, gram, options.cg_steps, xr, r, p, ap);
      }
    }
  });
}

}  // namespace

float Confidence(float strength, const AlsOptions& options) {
  if (options.scaling == ConfidenceScaling::kLog) {
    return 1.0f + options.alpha * std::log1p(std::max(0.0f, strength) / options.log_epsilon);
  }
  return 1.0f + options.alpha * strength;
}

absl::Status ValidateAlsOptions(const AlsOptions& o) {
  if (o.factors < 1 || o.factors > 1024) {
    return absl::InvalidArgumentError(absl::StrCat("factors must be in [1, 1024]: ", o.factors));
  }
  if (!(o.regularization >= 0)) return absl::InvalidArgumentError("regularization must be >= 0");
  if (!(o.alpha >= 0)) return absl::InvalidArgumentError("alpha must be >= 0");
  if (!(o.log_epsilon > 0)) return absl::InvalidArgumentError("log_epsilon must be > 0");
  if (o.iterations < 0) return absl::InvalidArgumentError("iterations must be >= 0");
  if (o.cg_steps < 1) return absl::InvalidArgumentError("cg_steps must be >= 1");
  if (o.threads < 1) return absl::InvalidArgumentError("threads must be >= 1");
  return absl::OkStatus();
}

absl::StatusOr<FactorModel> TrainAls(const InteractionMatrix& user_items,
                                     const AlsOptions& options) {
  if (absl::Status s = ValidateAlsOptions(options); !s.ok()) return s;
  FactorModel model;
  model.num_users = user_items.rows();
  model.num_items = user_items.cols();
  model.factors = options.factors;
  const int f = options.factors;
  SplitMix rng(options.seed);
  // Small positive starting values, as in the implicit library: the first
  // item half-step then sees a nearly uniform user population.
  const float scale = 0.1f / std::sqrt(static_cast<float>(f));
  InitFactors(model.user_factors, int64_t{model.num_users} * f, rng, scale);
  InitFactors(model.item_factors, int64_t{model.num_items} * f, rng, scale);
  const InteractionMatrix item_users = user_items.Transpose();
  const std::vector<float> user_cm1 = ConfidenceMinusOne(user_items, options);
  const std::vector<float> item_cm1 = ConfidenceMinusOne(item_users, options);
  MapF users(model.user_factors.data(), model.num_users, f);
  MapF items(model.item_factors.data(), model.num_items, f);
  ConstMapF users_c(model.user_factors.data(), model.num_users, f);
  ConstMapF items_c(model.item_factors.data(), model.num_items, f);
  for (int it = 0; it < options.iterations; ++it) {
    HalfStep(item_users, item_cm1, users_c, items, options);
    HalfStep(user_items, user_cm1, items_c, users, options);
  }
  return model;
}

double AlsLoss(const InteractionMatrix& user_items, const FactorModel& model,
               const AlsOptions& options) {
  const int f = model.factors;
  ConstMapF x(model.user_factors.data(), model.num_users, f);
  ConstMapF y(model.item_factors.data(), model.num_items, f);
  double loss = 0;
  Eigen::VectorXf scores(model.num_items);
  for (int32_t u = 0; u < model.num_users; ++u) {
    scores.noalias() = y * x.row(u).transpose();
    // Every pair contributes (0 - s)^2 with confidence 1; stored pairs are corrected.
    loss += scores.cast<double>().squaredNorm();
    const auto idx = user_items.RowIndices(u);
    const auto val = user_items.RowValues(u);
    for (size_t k = 0; k < idx.size(); ++k) {
      const double s = scores[idx[k]];
      loss += Confidence(val[k], options) * (1.0 - s) * (1.0 - s) - s * s;
    }
  }
  loss += options.regularization * (x.cast<double>().squaredNorm() + y.cast<double>().squaredNorm());
  return loss;
}

}  // namespace persona::model
