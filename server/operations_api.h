// Backups and event retention of a running server: the OperationsService
// calls and their periodic runs, over Database::maintenance(). The work runs
// on the operations thread (Start), never on gRPC's: a backup copies the
// whole store and a retention pass scans every event.
//
// Thread-safe. The call methods may also be called directly (tests, tools);
// backups then still run one at a time (storage serialises them).
#ifndef PERSONA_SERVER_OPERATIONS_API_H_
#define PERSONA_SERVER_OPERATIONS_API_H_

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "common/clock.h"
#include "persona/v1/operations.pb.h"
#include "server/privacy_config.h"
#include "storage/database.h"

namespace persona::server {

class OperationsApi {
 public:
  // `db` and `clock` are not owned and must outlive the API.
  OperationsApi(OperationsOptions options, storage::Database* db, const Clock* clock);
  ~OperationsApi();  // Stop()s.
  OperationsApi(const OperationsApi&) = delete;
  OperationsApi& operator=(const OperationsApi&) = delete;

  // OperationsService, on the calling thread. FAILED_PRECONDITION names the
  // config field when backups (privacy.backup_dir) or retention
  // (privacy.event_retention_days) are off.
  absl::Status CreateBackup(const persona::v1::CreateBackupRequest& request,
                            persona::v1::CreateBackupResponse* response);
  absl::Status ListBackups(const persona::v1::ListBackupsRequest& request,
                           persona::v1::ListBackupsResponse* response);
  absl::Status PurgeExpiredEvents(const persona::v1::PurgeExpiredEventsRequest& request,
                                  persona::v1::PurgeExpiredEventsResponse* response);

  // Runs `work` on the operations thread, then `done` with its status (on
  // that thread too). Without a running thread (before Start, after Stop)
  // `done` gets UNAVAILABLE at once, on the caller's thread.
  void Submit(std::function<absl::Status()> work, std::function<void(absl::Status)> done);

  // Starts the operations thread: submitted work first, then a backup every
  // backup_interval_ms and a retention pass every retention_interval_ms
  // (each only when configured), the first one interval after Start.
  void Start();
  // Lets the running work finish, answers queued work with UNAVAILABLE, and
  // joins the thread. Idempotent.
  void Stop();

  const OperationsOptions& options() const { return options_; }

 private:
  using Job = std::pair<std::function<absl::Status()>, std::function<void(absl::Status)>>;
  using Time = std::chrono::steady_clock::time_point;

  void Loop();
  // The periodic runs; failures are logged.
  void PeriodicBackup();
  void PeriodicRetention();

  const OperationsOptions options_;
  storage::Database* const db_;
  const Clock* const clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;  // guarded by mu_
  bool running_ = false;   // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace persona::server

#endif  // PERSONA_SERVER_OPERATIONS_API_H_
