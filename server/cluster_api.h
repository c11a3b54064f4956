// The ClusterService's behaviour (docs/SCALE_OUT.md), independent of the
// transport: exporting this replica's interactions for a cluster-wide
// training run, and storing and serving the model that run publishes, so that
// every shard serves the same item model although each holds only its own
// customers' events. Also the start-up of a publish-only replica.
// Thread-safe.
#ifndef PERSONA_SERVER_CLUSTER_API_H_
#define PERSONA_SERVER_CLUSTER_API_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "persona/v1/cluster.pb.h"
#include "server/api.h"
#include "server/shop_registry.h"
#include "server/trainer.h"
#include "storage/database.h"

namespace persona::server {

// Loads every shop's stored model and logs what serves; used instead of
// TrainingWorker::LoadOrQueueAll on a publish-only replica, which must not
// train on its partial data. Shops without a model serve popularity until
// `persona cluster train` publishes one.
void LoadPublishedModels(Trainer& trainer, storage::Database& db);

struct ClusterOptions {
  // Reported in the first ExportInteractions message.
  std::string replica_name;
  // Reported as the replica's training settings (what local training uses).
  TrainerOptions training;
};

class ClusterApi {
 public:
  // None owned; all must outlive the API.
  ClusterApi(ClusterOptions options, PersonaApi* api, storage::Database* db, ShopRegistry* shops);

  // Streams the shop's interactions: calls `write` for each response message
  // (always at least one, carrying the replica and its settings) and stops
  // with CANCELLED when `write` returns false (the client went away).
  // INVALID_ARGUMENT for a bad shop name or batch size.
  absl::Status ExportInteractions(
      const v1::ExportInteractionsRequest& request,
      const std::function<bool(const v1::ExportInteractionsResponse&)>& write);

  // Reads a published model's parts with `read` (false at the end of the
  // stream), lets `check_shop` admit the shop the header names (empty: the
  // default), stores the model and serves it, and describes it in `response`.
  // Errors as ClusterService.PublishModel documents.
  absl::Status PublishModel(const std::function<bool(v1::PublishModelRequest*)>& read,
                            const std::function<absl::Status(const std::string&)>& check_shop,
                            v1::ModelInfo* response);

 private:
  const ClusterOptions options_;
  PersonaApi* const api_;
  storage::Database* const db_;
  ShopRegistry* const shops_;
  // Serialises publishing: the version check and the store are one step.
  absl::Mutex publish_mu_;
};

}  // namespace persona::server

#endif  // PERSONA_SERVER_CLUSTER_API_H_
