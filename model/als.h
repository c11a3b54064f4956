// Implicit-feedback alternating least squares (Hu, Koren and Volinsky 2008):
// factorises a user x item strength matrix R into user factors X and item
// factors Y so that x_u . y_i approximates the preference p_ui = [r_ui > 0],
// weighted by the confidence c_ui = 1 + alpha * r_ui (or 1 + alpha *
// log(1 + r_ui / epsilon)), with L2 regularisation lambda.
//
// Each half-step solves every row's normal equations
//   (Y^T Y + lambda I + sum_i (c_ui - 1) y_i y_i^T) x_u = sum_i c_ui y_i
// either with a few conjugate-gradient steps warm-started from the previous
// factors (Takacs, Pilaszy and Tikk 2011), or exactly by Cholesky.
// An iteration solves items first, then users, so the final user factors are
// the solution for the final item factors (what fold-in computes).
//
// Deterministic for a fixed seed and independent of the thread count.
// TrainAls is thread-compatible: it runs at most options.threads threads of
// its own for the duration of the call.
#ifndef PERSONA_MODEL_ALS_H_
#define PERSONA_MODEL_ALS_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "model/interactions.h"

namespace persona::model {

enum class ConfidenceScaling { kLinear = 0, kLog = 1 };
enum class AlsSolver { kConjugateGradient = 0, kCholesky = 1 };

struct AlsOptions {
  // Latent dimensions, 1..1024 (default 64).
  int factors = 64;
  // L2 regularisation lambda (default 10; MovieLens-100K prefers ~20-40).
  float regularization = 10.0f;
  // Confidence slope alpha (default 2).
  float alpha = 2.0f;
  // Linear: c = 1 + alpha r. Log: c = 1 + alpha log(1 + r / log_epsilon).
  ConfidenceScaling scaling = ConfidenceScaling::kLinear;
  float log_epsilon = 1.0f;
  // Full iterations (one item and one user half-step each); default 15.
  int iterations = 15;
  AlsSolver solver = AlsSolver::kConjugateGradient;
  // Conjugate-gradient steps per row and half-step (default 3).
  int cg_steps = 3;
  // Seed of the initial factors (default 42).
  uint64_t seed = 42;
  // Threads used inside TrainAls (default 1).
  int threads = 1;
  // Half-steps with fewer rows than this run on one thread (default 512).
  int64_t parallel_min_rows = 512;
};

// A trained factorisation. Factors are row-major floats:
// user u's vector is user_factors[u * factors .. (u + 1) * factors).
struct FactorModel {
  int32_t num_users = 0;
  int32_t num_items = 0;
  int32_t factors = 0;
  std::vector<float> user_factors;
  std::vector<float> item_factors;
};

// Returns the confidence c for strength r under `options`.
float Confidence(float strength, const AlsOptions& options);

// Validates options; INVALID_ARGUMENT names the bad field.
absl::Status ValidateAlsOptions(const AlsOptions& options);

// Trains on a user x item matrix. Fails with INVALID_ARGUMENT for bad options.
absl::StatusOr<FactorModel> TrainAls(const InteractionMatrix& user_items,
                                     const AlsOptions& options);

// Computes the implicit-ALS objective (weighted squared error over all
// user-item pairs plus regularisation), for tests and training metrics.
// O(users x items x factors): use on small matrices only.
double AlsLoss(const InteractionMatrix& user_items, const FactorModel& model,
               const AlsOptions& options);

}  // namespace persona::model

#endif  // PERSONA_MODEL_ALS_H_
