// Trains each shop's collaborative-filtering model from its stored behaviour
// and swaps it into serving; loads stored models at start-up.
//
// Training reads a consistent snapshot of the events through the storage
// interface, runs on the caller's thread (main gives it a background thread;
// the admin call runs it on a gRPC thread) and never blocks serving: the new
// model is published through Shop::SetModel, which readers pick up with their
// next snapshot. Thread-safe; training runs are serialised.
#ifndef PERSONA_SERVER_TRAINER_H_
#define PERSONA_SERVER_TRAINER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "model/als.h"
#include "model/item_neighbors.h"
#include "persona/config/v1/config.pb.h"
#include "persona/storage/v1/records.pb.h"
#include "server/serving_model.h"
#include "server/shop_registry.h"
#include "storage/database.h"

namespace persona::server {

struct TrainerOptions {
  model::AlsOptions als;
  // Weight strengths BM25-style before training (and at fold-in); default on.
  bool bm25 = true;
  // Shops with fewer interactions are served by popularity alone (default 100).
  int64_t min_interactions = 100;
  model::NeighborOptions neighbors;
  // Held-out share for the validation figures of each run (0: none).
  double validation_fraction = 0;
};

// Returns the tuned defaults (docs/MODEL.md): 64 factors, lambda 30, log
// confidence with alpha 1, BM25 weighting, 15 iterations of 3 CG steps.
TrainerOptions DefaultTrainerOptions();

// The confidence strength one event adds to each of its items for
// collaborative filtering; negative for returns and cart removals, 0 when the
// event says nothing about preference.
float InteractionStrength(const persona::storage::v1::EventRecord& event);
// The same for an event's persona.v1.EventType number and value.
float InteractionStrength(int type, double value);

// Overrides `options` with the fields set in the config's training section.
void ApplyTrainingConfig(const persona::config::v1::TrainingConfig& config, TrainerOptions& options);

class Trainer {
 public:
  // `db`, `shops` and `clock` are not owned and must outlive the trainer.
  Trainer(storage::Database* db, ShopRegistry* shops, TrainerOptions options, const Clock* clock);

  // Trains `shop` now, stores the model and swaps it into serving.
  // FAILED_PRECONDITION when the shop has fewer than min_interactions.
  absl::StatusOr<std::shared_ptr<const ServingModel>> Train(const std::string& shop);

  // Loads the newest stored model of `shop` that decodes, logging (to stderr)
  // every newer one that does not, and swaps it into serving. NOT_FOUND when
  // no usable model is stored.
  absl::StatusOr<std::shared_ptr<const ServingModel>> LoadStored(const std::string& shop);

 private:
  absl::StatusOr<ServingModel> Build(const std::string& shop);

  storage::Database* const db_;
  ShopRegistry* const shops_;
  const TrainerOptions options_;
  const Clock* const clock_;
  absl::Mutex train_mu_;
};

}  // namespace persona::server

#endif  // PERSONA_SERVER_TRAINER_H_
