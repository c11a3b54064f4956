// Online backups and restore: a round trip while writers append (every
// append acknowledged before the backup began is in the restored store),
// keeping the newest N, restore refusing to overwrite, and corruption found
// at open reported with the file and the way to recover (and repair).
#include "storage/backup.h"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/database.h"
#include "tests/storage/test_util.h"

namespace persona::storage {
namespace {

using ::testing::HasSubstr;
using testing_util::kView;
using testing_util::MakeEvent;

constexpr int64_t kT0 = 1'700'000'000'000;

std::unique_ptr<Database> OpenDb(const std::string& path, const Clock* clock) {
  DatabaseOptions options;
  options.path = path;
  options.clock = clock;
  options.block_cache_mb = 8;
  auto db = Database::Open(options);
  EXPECT_TRUE(db.ok()) << db.status();
  return db.ok() ? *std::move(db) : nullptr;
}

rec::EventRecord ViewEvent(const std::string& id, const std::string& customer) {
  return MakeEvent(id, customer, "", kView, {{"item-1"}}, kT0);
}

// Appends events with unique ids from `threads` threads until stopped,
// remembering which were acknowledged, in order.
class Writers {
 public:
  Writers(Database* db, int threads) {
    for (int t = 0; t < threads; ++t) {
      threads_.emplace_back([this, db, t] {
        for (int i = 0; !stop_.load(); ++i) {
          const std::string id = "w" + std::to_string(t) + "-" + std::to_string(i);
          auto r = db->events().Append("s", {ViewEvent(id, "c" + std::to_string(i % 50))});
          if (!r.ok()) {
            failures_.fetch_add(1);
            continue;
          }
          std::lock_guard<std::mutex> lock(mu_);
          acked_.push_back(id);
        }
      });
    }
  }
  ~Writers() { Stop(); }

  void Stop() {
    stop_ = true;
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  std::vector<std::string> Acked() {
    std::lock_guard<std::mutex> lock(mu_);
    return acked_;
  }
  size_t Count() {
    std::lock_guard<std::mutex> lock(mu_);
    return acked_.size();
  }
  int failures() const { return failures_.load(); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> failures_{0};
  std::mutex mu_;
  std::vector<std::string> acked_;
  std::vector<std::thread> threads_;
};

TEST(BackupTest, RoundTripUnderWriteLoadKeepsEveryAcknowledgedWrite) {
  testing_util::ScopedTempDir live, backups, restored;
  FakeClock clock(kT0);
  auto db = OpenDb(live.path(), &clock);
  ASSERT_NE(db, nullptr);
  Writers writers(db.get(), 2);
  while (writers.Count() < 2000) std::this_thread::yield();
  const std::vector<std::string> before = writers.Acked();
  auto backup = db->maintenance().CreateBackup(backups.path(), 3);
  ASSERT_TRUE(backup.ok()) << backup.status();
  const size_t during = writers.Count();
  while (writers.Count() < during + 500) std::this_thread::yield();
  writers.Stop();
  EXPECT_EQ(writers.failures(), 0);
  EXPECT_EQ(backup->id, 1u);
  EXPECT_GT(backup->files, 0u);
  EXPECT_GT(backup->size_bytes, 0u);

  std::filesystem::remove(restored.path());  // restore creates it
  auto info = RestoreBackup(backups.path(), 0, restored.path());
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->id, backup->id);
  auto copy = OpenDb(restored.path(), &clock);
  ASSERT_NE(copy, nullptr);
  // Every write acknowledged before the backup began is there: replaying its
  // event id is a duplicate (the key is written with the event).
  std::vector<rec::EventRecord> replay;
  for (const auto& id : before) replay.push_back(ViewEvent(id, "replayer"));
  auto replayed = copy->events().Append("s", replay);
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  int duplicates = 0;
  for (AppendOutcome o : replayed->outcomes) duplicates += o == AppendOutcome::kDuplicate;
  EXPECT_EQ(duplicates, static_cast<int>(before.size()));
  EXPECT_GE(copy->GetShopCounters("s")->record.events_total(), static_cast<int64_t>(before.size()));
  // The live store went on and holds everything.
  EXPECT_EQ(db->GetShopCounters("s")->record.events_total(),
            static_cast<int64_t>(writers.Acked().size()));
}

TEST(BackupTest, KeepsTheNewestBackups) {
  testing_util::ScopedTempDir live, backups;
  FakeClock clock(kT0);
  auto db = OpenDb(live.path(), &clock);
  ASSERT_NE(db, nullptr);
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(db->events().Append("s", {ViewEvent("e" + std::to_string(i), "c1")}).ok());
    auto backup = db->maintenance().CreateBackup(backups.path(), 2);
    ASSERT_TRUE(backup.ok()) << backup.status();
    EXPECT_EQ(backup->id, static_cast<uint32_t>(i + 1));
  }
  auto list = db->maintenance().ListBackups(backups.path());
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, 3u);
  EXPECT_EQ((*list)[1].id, 4u);
  EXPECT_GT((*list)[1].created_time_ms, 0);
  // An older backup restores the state of its time.
  testing_util::ScopedTempDir restored;
  ASSERT_TRUE(RestoreBackup(backups.path(), 3, restored.path()).ok());
  auto copy = OpenDb(restored.path(), &clock);
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(copy->profiles().RecentEvents("s", Subject::Customer("c1"), 10)->size(), 3u);
}

TEST(BackupTest, RestoreRefusesToOverwriteAndNamesWhatIsMissing) {
  testing_util::ScopedTempDir live, backups, target;
  FakeClock clock(kT0);
  auto db = OpenDb(live.path(), &clock);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(RestoreBackup(backups.path(), 0, target.path()).status().code(),
            absl::StatusCode::kNotFound);  // no backup yet
  EXPECT_EQ(RestoreBackup(target.path() + "/nowhere", 0, target.path() + "/x").status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE(db->maintenance().CreateBackup(backups.path(), 1).ok());
  EXPECT_EQ(RestoreBackup(backups.path(), 7, target.path()).status().code(),
            absl::StatusCode::kNotFound);
  // The live directory holds a database: restore must not touch it.
  auto refused = RestoreBackup(backups.path(), 0, live.path());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("not empty"));
  EXPECT_EQ(db->maintenance().CreateBackup(backups.path(), 0).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// Returns the path of one SST file under `dir`, or "".
std::string AnySst(const std::string& dir) {
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".sst") return entry.path().string();
  }
  return "";
}

// Overwrites `n` bytes at `offset` from the end of `path` with 'x'.
void Clobber(const std::string& path, size_t offset_from_end, size_t n) {
  const auto size = std::filesystem::file_size(path);
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(size - offset_from_end));
  f.write(std::string(n, 'x').data(), static_cast<std::streamsize>(n));
}

TEST(CorruptionTest, OpenNamesTheFileAndHowToRecoverAndRepairSalvages) {
  testing_util::ScopedTempDir dir;
  FakeClock clock(kT0);
  {
    auto db = OpenDb(dir.path(), &clock);
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->events().Append("s", {ViewEvent("e1", "c1")}).ok());
    ASSERT_TRUE(db->Flush().ok());
  }
  const std::string sst = AnySst(dir.path());
  ASSERT_FALSE(sst.empty());
  Clobber(sst, 8, 8);  // the table's magic number
  DatabaseOptions options;
  options.path = dir.path();
  options.clock = &clock;
  auto broken = Database::Open(options);
  ASSERT_EQ(broken.status().code(), absl::StatusCode::kDataLoss) << broken.status();
  const std::string message(broken.status().message());
  EXPECT_THAT(message, HasSubstr(std::filesystem::path(sst).filename().string()));
  EXPECT_THAT(message, HasSubstr("--restore_backup="));
  EXPECT_THAT(message, HasSubstr("--repair"));

  ASSERT_TRUE(RepairDatabase(dir.path()).ok());
  auto repaired = OpenDb(dir.path(), &clock);
  ASSERT_NE(repaired, nullptr);
  EXPECT_TRUE(repaired->events().Append("s", {ViewEvent("e2", "c1")}).ok());
  EXPECT_EQ(RepairDatabase(dir.path() + "/missing").code(), absl::StatusCode::kNotFound);
}

TEST(CorruptionTest, DamagedManifestIsReportedWithAdvice) {
  testing_util::ScopedTempDir dir;
  FakeClock clock(kT0);
  {
    auto db = OpenDb(dir.path(), &clock);
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->events().Append("s", {ViewEvent("e1", "c1")}).ok());
    ASSERT_TRUE(db->Flush().ok());
  }
  std::string manifest;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    if (entry.path().filename().string().rfind("MANIFEST-", 0) == 0) manifest = entry.path().string();
  }
  ASSERT_FALSE(manifest.empty());
  Clobber(manifest, std::filesystem::file_size(manifest) / 2, 16);
  DatabaseOptions options;
  options.path = dir.path();
  options.clock = &clock;
  auto broken = Database::Open(options);
  ASSERT_EQ(broken.status().code(), absl::StatusCode::kDataLoss) << broken.status();
  EXPECT_THAT(std::string(broken.status().message()), HasSubstr("MANIFEST"));
  EXPECT_THAT(std::string(broken.status().message()), HasSubstr("--restore_backup="));
}

}  // namespace
}  // namespace persona::storage
