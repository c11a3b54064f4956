// One training run for a sharded deployment (docs/SCALE_OUT.md): the
// interactions every shard exports are gathered here, one model is trained
// from all of them the way a server trains locally (BM25-weighted implicit
// ALS through model::TrainServingModel, bought- and viewed-together lists
// through model::ItemNeighbors), and cut into the PublishModel messages every
// shard receives. Not thread-safe; one object per run.
#ifndef PERSONA_TOOLS_CLUSTER_TRAINING_H_
#define PERSONA_TOOLS_CLUSTER_TRAINING_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "model/bought_together.h"
#include "model/interactions.h"
#include "model/model_record.h"
#include "persona/v1/cluster.pb.h"

namespace persona::tools {

// What one run produces, before it is cut into messages.
struct ClusterModel {
  model::ModelRecord als;
  std::vector<model::NeighborList> bought_together;
  std::vector<model::NeighborList> viewed_together;
  int64_t users = 0;
  int64_t interactions = 0;
};

class ClusterTrainingSet {
 public:
  // Adds one exported row: one (user, item) interaction per item.
  void Add(const persona::v1::Interaction& row);

  // (user, item) interactions added so far, as local training counts them.
  int64_t interactions() const { return static_cast<int64_t>(interactions_.size()); }
  int32_t users() const { return users_.size(); }

  // Trains with the shards' settings, using up to `threads` threads.
  // FAILED_PRECONDITION when there are fewer than settings.min_interactions.
  absl::StatusOr<ClusterModel> Train(const persona::v1::TrainingSettings& settings, int threads,
                                     const Clock& clock) const;

 private:
  // Dense indices for string keys, in order of first sight.
  class Indexer {
   public:
    int32_t Index(std::string_view key);
    int32_t size() const { return static_cast<int32_t>(keys_.size()); }
    const std::vector<std::string>& keys() const { return keys_; }

   private:
    absl::flat_hash_map<std::string, int32_t> index_;
    std::vector<std::string> keys_;
  };

  static absl::StatusOr<std::vector<model::NeighborList>> Neighbors(
      const Indexer& groups, const std::vector<model::Triple>& triples, int32_t num_items,
      const std::vector<std::string>& item_ids, int max_neighbors, int threads);

  Indexer users_, items_, orders_, sessions_;
  std::vector<model::Triple> interactions_, bought_, viewed_;
};

// Returns the version a run finishing at `ms` publishes: the server's
// "als-<UTC time>" form with a "-cluster" suffix, so versions keep sorting by age.
std::string ClusterModelVersion(int64_t ms);

// Cuts `model` into PublishModel messages: the header first, then the ALS
// record in chunks of at most `chunk_bytes` and the lists in groups of at
// most `lists_per_message`. `header` has shop, version and times set; sizes
// and counts are filled here. INVALID_ARGUMENT when the record does not
// serialise.
absl::StatusOr<std::vector<persona::v1::PublishModelRequest>> PublishMessages(
    const ClusterModel& model, persona::v1::PublishedModelHeader header,
    size_t chunk_bytes = 1 << 20, int lists_per_message = 500);

}  // namespace persona::tools

#endif  // PERSONA_TOOLS_CLUSTER_TRAINING_H_
