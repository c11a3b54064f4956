// What a training run produces for one shop, in memory and as stored bytes:
// the ALS factors with their item ids and training options, and the
// "bought together" / "viewed together" neighbour lists. Value types and pure
// functions; thread-safe.
#ifndef PERSONA_SERVER_SERVING_MODEL_H_
#define PERSONA_SERVER_SERVING_MODEL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "model/bought_together.h"
#include "model/model_record.h"

namespace persona::server {

struct ServingModel {
  std::string version;
  model::ModelRecord als;
  std::vector<model::NeighborList> bought_together;
  std::vector<model::NeighborList> viewed_together;
  int64_t users = 0;
  int64_t interactions = 0;
  int64_t trained_time_ms = 0;
  double training_seconds = 0;
};

// Returns the bytes stored in the models column family.
absl::StatusOr<std::string> EncodeServingModel(const ServingModel& model);

// Parses stored bytes. DATA_LOSS names what is damaged (the envelope, the ALS
// record or the neighbour lists) so the caller can report it and fall back.
absl::StatusOr<ServingModel> DecodeServingModel(std::string_view bytes);

}  // namespace persona::server

#endif  // PERSONA_SERVER_SERVING_MODEL_H_
