#include "server/training_worker.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "server/log.h"

namespace persona::server {
namespace {

// How often the worker wakes to check the schedule when idle.
constexpr absl::Duration kScheduleTick = absl::Seconds(30);

void Log(const std::string& shop, const absl::StatusOr<std::shared_ptr<const ServingModel>>& r) {
  if (r.ok()) {
    LogInfo("model trained", {{"shop", shop}, {"version", (*r)->version},
                              {"seconds", (*r)->training_seconds}, {"users", (*r)->users},
                              {"interactions", (*r)->interactions}});
  } else if (absl::IsFailedPrecondition(r.status())) {
    LogInfo("serving popularity only", {{"shop", shop}, {"reason", r.status().message()}});
  } else {
    LogError("training failed", {{"shop", shop}, {"error", r.status()}});
  }
}

}  // namespace

TrainingWorker::TrainingWorker(Trainer* trainer, storage::Database* db, ShopRegistry* shops,
                               int64_t interval_ms, int32_t ann_min_items, const Clock* clock)
    : trainer_(trainer),
      db_(db),
      shops_(shops),
      interval_ms_(interval_ms),
      ann_min_items_(ann_min_items),
      clock_(clock) {}

void TrainingWorker::BuildMissingAnn() {
  if (ann_min_items_ <= 0) return;
  auto shops = db_->ListShops();
  if (!shops.ok()) return;
  for (const std::string& shop : *shops) {
    auto state = shops_->Get(shop);
    if (!state.ok()) continue;
    // Holding the snapshot keeps the recommender (and its factors) alive.
    const auto snap = (*state)->Snapshot();
    if (snap->als == nullptr || snap->als->has_ann() || snap->catalog->size() < ann_min_items_) {
      continue;
    }
    const auto start = std::chrono::steady_clock::now();
    auto index = model::AnnIndex::Build(snap->als->factors(), model::AnnOptions());
    if (!index.ok()) {
      LogError("approximate index failed", {{"shop", shop}, {"error", index.status()}});
      continue;
    }
    snap->als->SetAnn(std::shared_ptr<const model::AnnIndex>(*std::move(index)));
    LogInfo("approximate index built",
            {{"shop", shop}, {"items", snap->catalog->size()},
             {"seconds",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()}});
  }
}

void TrainingWorker::Request(std::string shop, Done done, CallContext call) {
  absl::MutexLock lock(&mu_);
  if (stopping_) {
    done(absl::CancelledError("the server is shutting down"));
    return;
  }
  if (!refusal_.empty()) {
    done(absl::FailedPreconditionError(refusal_));
    return;
  }
  queue_.push_back({std::move(shop), std::move(done), call});
}

void TrainingWorker::RefuseRequests(std::string reason) {
  absl::MutexLock lock(&mu_);
  refusal_ = std::move(reason);
}

void TrainingWorker::LoadOrQueueAll() {
  auto shops = db_->ListShops();
  if (!shops.ok()) return;
  for (const std::string& shop : *shops) {
    auto loaded = trainer_->LoadStored(shop);
    if (loaded.ok()) {
      LogInfo("serving stored model", {{"shop", shop}, {"version", (*loaded)->version}});
    } else {
      Request(shop, [shop](auto result) { Log(shop, result); });
    }
  }
}

void TrainingWorker::RetrainStale() {
  if (interval_ms_ <= 0) return;
  auto shops = db_->ListShops();
  if (!shops.ok()) return;
  for (const std::string& shop : *shops) {
    auto state = shops_->Get(shop);
    if (!state.ok()) continue;
    const auto snap = (*state)->Snapshot();
    const int64_t trained = snap->model ? snap->model->trained_time_ms : 0;
    const int64_t last = std::max(trained, last_attempt_ms_[shop]);
    if (clock_->NowMs() - last < interval_ms_) continue;
    last_attempt_ms_[shop] = clock_->NowMs();
    Log(shop, trainer_->Train(shop));
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
  }
}

void TrainingWorker::Run() {
  while (true) {
    Job job;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || !queue_.empty();
      };
      mu_.AwaitWithTimeout(absl::Condition(&ready), kScheduleTick);
      if (stopping_) break;
      if (!queue_.empty()) {
        job = std::move(queue_.front());
        queue_.pop_front();
      }
    }
    if (job.done) {
      // Nobody waits for a run whose caller went away: skip it.
      absl::Status wanted = job.call.Check("training");
      if (wanted.ok()) {
        job.done(trainer_->Train(job.shop));
      } else {
        job.done(std::move(wanted));
      }
    } else {
      RetrainStale();
    }
    BuildMissingAnn();
  }
  absl::MutexLock lock(&mu_);
  for (Job& job : queue_) job.done(absl::CancelledError("the server is shutting down"));
  queue_.clear();
}

void TrainingWorker::Stop() {
  absl::MutexLock lock(&mu_);
  stopping_ = true;
}

}  // namespace persona::server
