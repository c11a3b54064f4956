#include "server/operations_api.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/log.h"

namespace persona::server {
namespace {

namespace v1 = ::persona::v1;

void ToProto(const storage::BackupInfo& info, v1::Backup* out) {
  out->set_backup_id(info.id);
  out->set_created_time_ms(info.created_time_ms);
  out->set_size_bytes(static_cast<int64_t>(info.size_bytes));
  out->set_files(static_cast<int32_t>(info.files));
}

absl::Status BackupsOff() {
  return absl::FailedPreconditionError(
      "backups are off: set privacy.backup_dir in the config (best on another disk)");
}

}  // namespace

OperationsApi::OperationsApi(OperationsOptions options, storage::Database* db, const Clock* clock)
    : options_(std::move(options)), db_(db), clock_(clock) {}

OperationsApi::~OperationsApi() { Stop(); }

absl::Status OperationsApi::CreateBackup(const v1::CreateBackupRequest&,
                                         v1::CreateBackupResponse* response) {
  if (options_.backup_dir.empty()) return BackupsOff();
  const auto started = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(const storage::BackupInfo backup,
                   db_->maintenance().CreateBackup(options_.backup_dir, options_.backups_kept));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSIGN_OR_RETURN(const std::vector<storage::BackupInfo> kept,
                   db_->maintenance().ListBackups(options_.backup_dir));
  ToProto(backup, response->mutable_backup());
  response->set_backup_dir(options_.backup_dir);
  response->set_backups_kept(static_cast<int32_t>(kept.size()));
  response->set_seconds(seconds);
  return absl::OkStatus();
}

absl::Status OperationsApi::ListBackups(const v1::ListBackupsRequest&,
                                        v1::ListBackupsResponse* response) {
  if (options_.backup_dir.empty()) return BackupsOff();
  response->set_backup_dir(options_.backup_dir);
  absl::StatusOr<std::vector<storage::BackupInfo>> backups =
      db_->maintenance().ListBackups(options_.backup_dir);
  if (absl::IsNotFound(backups.status())) return absl::OkStatus();  // none taken yet
  RETURN_IF_ERROR(backups.status());
  for (const auto& b : *backups) ToProto(b, response->add_backups());
  return absl::OkStatus();
}

absl::Status OperationsApi::PurgeExpiredEvents(const v1::PurgeExpiredEventsRequest&,
                                               v1::PurgeExpiredEventsResponse* response) {
  if (options_.retention_ms <= 0) {
    return absl::FailedPreconditionError(
        "retention is off: privacy.event_retention_days is 0 (events are kept forever)");
  }
  const int64_t cutoff = clock_->NowMs() - options_.retention_ms;
  response->set_cutoff_time_ms(cutoff);
  ASSIGN_OR_RETURN(const std::vector<std::string> shops, db_->ListShops());
  for (const std::string& shop : shops) {
    absl::StatusOr<storage::RetentionReport> report = db_->maintenance().PurgeExpiredEvents(shop, cutoff);
    if (!report.ok()) {
      return absl::Status(report.status().code(),
                          absl::StrCat("shop ", shop, ": ", report.status().message()));
    }
    v1::ShopRetention* out = response->add_shops();
    out->set_shop(shop);
    out->set_events_deleted(report->events_deleted);
    out->set_idempotency_keys_deleted(report->idempotency_keys_deleted);
    response->set_events_deleted(response->events_deleted() + report->events_deleted);
    response->set_idempotency_keys_deleted(response->idempotency_keys_deleted() +
                                           report->idempotency_keys_deleted);
  }
  return absl::OkStatus();
}

void OperationsApi::Submit(std::function<absl::Status()> work,
                           std::function<void(absl::Status)> done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (running_ && !stopping_) {
      queue_.emplace_back(std::move(work), std::move(done));
      cv_.notify_one();
      return;
    }
  }
  done(absl::UnavailableError("the server is not running operations (starting or stopping)"));
}

void OperationsApi::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (running_ || stopping_) return;
  running_ = true;
  thread_ = std::thread([this] { Loop(); });
}

void OperationsApi::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void OperationsApi::Loop() {
  constexpr Time kNever = Time::max();
  const Time start = std::chrono::steady_clock::now();
  auto after = [&](int64_t ms) {
    return ms > 0 ? start + std::chrono::milliseconds(ms) : kNever;
  };
  Time next_backup = options_.backup_dir.empty() ? kNever : after(options_.backup_interval_ms);
  Time next_retention = options_.retention_ms > 0 ? after(options_.retention_interval_ms) : kNever;
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    // Wake at least hourly: waiting until time_point::max overflows.
    const Time wake = std::min({next_backup, next_retention,
                                std::chrono::steady_clock::now() + std::chrono::hours(1)});
    cv_.wait_until(lock, wake, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) break;
    const Time now = std::chrono::steady_clock::now();
    if (!queue_.empty()) {
      Job job = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      job.second(job.first());
      lock.lock();
    } else if (now >= next_backup) {
      lock.unlock();
      PeriodicBackup();
      lock.lock();
      next_backup = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.backup_interval_ms);
    } else if (now >= next_retention) {
      lock.unlock();
      PeriodicRetention();
      lock.lock();
      next_retention =
          std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.retention_interval_ms);
    }
  }
  std::deque<Job> left;
  left.swap(queue_);
  running_ = false;
  lock.unlock();
  for (Job& job : left) job.second(absl::UnavailableError("the server is stopping"));
}

void OperationsApi::PeriodicBackup() {
  v1::CreateBackupResponse response;
  if (absl::Status s = CreateBackup(v1::CreateBackupRequest(), &response); !s.ok()) {
    LogError("periodic backup failed", {{"backup_dir", options_.backup_dir}, {"error", s}});
    return;
  }
  LogInfo("backup taken", {{"backup_id", static_cast<int64_t>(response.backup().backup_id())},
                           {"backup_dir", options_.backup_dir},
                           {"seconds", response.seconds()},
                           {"kept", static_cast<int64_t>(response.backups_kept())}});
}

void OperationsApi::PeriodicRetention() {
  v1::PurgeExpiredEventsResponse response;
  if (absl::Status s = PurgeExpiredEvents(v1::PurgeExpiredEventsRequest(), &response); !s.ok()) {
    LogError("retention pass failed", {{"error", s}});
    return;
  }
  if (response.events_deleted() + response.idempotency_keys_deleted() == 0) return;
  LogInfo("expired events deleted", {{"events", response.events_deleted()},
                                     {"event_ids", response.idempotency_keys_deleted()},
                                     {"cutoff_ms", response.cutoff_time_ms()}});
}

}  // namespace persona::server
