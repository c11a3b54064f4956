// The one thread that trains models: admin requests first, then a periodic
// retraining of every shop whose model is older than the interval. main()
// runs Run() on its own thread and calls Stop() at shutdown.
// Thread-safe.
#ifndef PERSONA_SERVER_TRAINING_WORKER_H_
#define PERSONA_SERVER_TRAINING_WORKER_H_

#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "server/call_context.h"
#include "server/trainer.h"
#include "storage/database.h"

namespace persona::server {

class TrainingWorker {
 public:
  using Done = std::function<void(absl::StatusOr<std::shared_ptr<const ServingModel>>)>;

  // `interval_ms` 0 disables periodic retraining. Catalogs with at least
  // `ann_min_items` items (0: never) get an approximate top-k index, built
  // here after training or a catalog change. Pointers are not owned.
  TrainingWorker(Trainer* trainer, storage::Database* db, ShopRegistry* shops, int64_t interval_ms,
                 int32_t ann_min_items, const Clock* clock);

  // Queues a training run of `shop`; `done` runs on the worker thread (or
  // with CANCELLED from Stop when the run never started). When `call` is
  // cancelled or past its deadline by the time the run would start, `done`
  // gets that status and nothing is trained; `call` must stay checkable
  // until `done` runs.
  void Request(std::string shop, Done done, CallContext call = CallContext());
  // From now on every Request gets FAILED_PRECONDITION with `reason` and
  // trains nothing (a cluster.publish_only replica, whose models come from
  // PublishModel: training on its shard's part of the data would replace them).
  void RefuseRequests(std::string reason);
  // Loads every shop's stored model; queues training where none is usable.
  void LoadOrQueueAll();
  // Processes requests and the schedule until Stop().
  void Run();
  // Makes Run() return after the run in progress; cancels queued requests.
  void Stop();

 private:
  void RetrainStale();
  // Builds the approximate index for every shop whose served model lacks one.
  void BuildMissingAnn();

  Trainer* const trainer_;
  storage::Database* const db_;
  ShopRegistry* const shops_;
  const int64_t interval_ms_;
  const int32_t ann_min_items_;
  const Clock* const clock_;
  absl::Mutex mu_;
  struct Job {
    std::string shop;
    Done done;
    CallContext call;
  };
  std::deque<Job> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::string refusal_ ABSL_GUARDED_BY(mu_);  // empty: requests are queued
  // When each shop was last trained or tried; only the worker thread uses it.
  absl::flat_hash_map<std::string, int64_t> last_attempt_ms_;
};

}  // namespace persona::server

#endif  // PERSONA_SERVER_TRAINING_WORKER_H_
