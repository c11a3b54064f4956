// Durability through the real server: an online backup under write load
// restored with `persona-server --restore_backup` keeps every write
// acknowledged before it; a full disk (a small tmpfs) fails writes with
// RESOURCE_EXHAUSTED while reads go on, and writes resume when space
// returns, without a restart; corruption found at start names the file and
// the way to recover, and `--repair` salvages the store.
#include <sys/mount.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "persona/v1/operations.grpc.pb.h"
#include "tests/integration/client.h"
#include "tests/testing/server_process.h"

namespace persona::testing {
namespace {

using ::testing::HasSubstr;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Runs a shell command with its output in `log`; returns the exit code.
int RunShell(const std::string& command, const std::string& log) {
  const int rc = std::system((command + " > " + log + " 2>&1").c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

v1::Event Numbered(const std::string& id, int n) {
  return MakeEvent("c" + std::to_string(n % 40), v1::PRODUCT_VIEW, {"i" + std::to_string(n % 10)}, id);
}

// Tracks one event per call from `threads` threads until stopped, keeping
// the ids the server acknowledged.
class TrackingLoad {
 public:
  TrackingLoad(const std::shared_ptr<grpc::Channel>& channel, int threads) {
    for (int t = 0; t < threads; ++t) {
      threads_.emplace_back([this, channel, t] {
        auto stub = v1::EventService::NewStub(channel);
        for (int i = 0; !stop_.load(); ++i) {
          const std::string id = "load-" + std::to_string(t) + "-" + std::to_string(i);
          v1::TrackEventsRequest req;
          *req.add_events() = Numbered(id, i);
          v1::TrackEventsResponse resp;
          if (!stub->TrackEvents(Ctx().get(), req, &resp).ok() || resp.accepted() != 1) {
            failures_.fetch_add(1);
            continue;
          }
          std::lock_guard<std::mutex> lock(mu_);
          acked_.push_back(id);
        }
      });
    }
  }
  ~TrackingLoad() { Stop(); }
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

void WaitFor(TrackingLoad& load, size_t n) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (load.Count() < n && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_GE(load.Count(), n);
}

TEST(BackupTest, OnlineBackupUnderWriteLoadRestoresEveryAcknowledgedWrite) {
  TempDir dir;
  const std::string backups = dir.path() + "/backups";
  const std::string config = dir.path() + "/persona.textproto";
  std::ofstream(config) << "privacy { backup_dir: \"" << backups << "\" backups_kept: 3 }\n";
  ServerProcess server(ServerBinary(), dir.path() + "/data", {"--config=" + config});
  ASSERT_TRUE(server.Start());
  auto ops = v1::OperationsService::NewStub(server.channel());

  TrackingLoad load(server.channel(), 2);
  WaitFor(load, 300);
  const std::vector<std::string> before = load.Acked();
  v1::CreateBackupResponse backup;
  auto ctx = Ctx();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
  const grpc::Status s = ops->CreateBackup(ctx.get(), {}, &backup);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const size_t during = load.Count();
  WaitFor(load, during + 100);  // the server kept taking writes
  load.Stop();
  EXPECT_EQ(load.failures(), 0);
  EXPECT_EQ(backup.backup().backup_id(), 1u);
  EXPECT_EQ(backup.backups_kept(), 1);
  EXPECT_EQ(backup.backup_dir(), backups);

  // The CLI lists it.
  const std::string cli_log = dir.path() + "/cli.txt";
  EXPECT_EQ(RunShell(std::string(PERSONA_CLI_BIN) + " backup --list --server=" + server.address(), cli_log),
            0)
      << ReadAll(cli_log);
  EXPECT_THAT(ReadAll(cli_log), HasSubstr(backups));

  // Restore refuses a directory holding data, then restores into a new one.
  const std::string restore_log = dir.path() + "/restore.txt";
  EXPECT_EQ(RunShell(ServerBinary() + " --restore_backup=" + backups + " --data_dir=" + dir.path() + "/data",
                restore_log),
            1);
  EXPECT_THAT(ReadAll(restore_log), HasSubstr("not empty"));
  const std::string restored = dir.path() + "/restored";
  ASSERT_EQ(RunShell(ServerBinary() + " --restore_backup=" + backups + " --data_dir=" + restored, restore_log),
            0)
      << ReadAll(restore_log);
  EXPECT_THAT(ReadAll(restore_log), HasSubstr("restored backup 1"));

  ServerProcess copy(ServerBinary(), restored);
  ASSERT_TRUE(copy.Start());
  Client client(copy.channel());
  // Replaying every write acknowledged before the backup finds it stored.
  int64_t duplicates = 0;
  for (size_t i = 0; i < before.size(); i += 500) {
    v1::TrackEventsRequest req;
    for (size_t j = i; j < std::min(before.size(), i + 500); ++j) {
      *req.add_events() = Numbered(before[j], static_cast<int>(j));
    }
    v1::TrackEventsResponse resp;
    ASSERT_TRUE(client.events->TrackEvents(Ctx().get(), req, &resp).ok());
    duplicates += resp.duplicates();
  }
  EXPECT_EQ(duplicates, static_cast<int64_t>(before.size()));
  v1::GetStatsRequest stats_req;
  v1::ShopStats stats;
  ASSERT_TRUE(client.admin->GetStats(Ctx().get(), stats_req, &stats).ok());
  EXPECT_GE(stats.events_total(), static_cast<int64_t>(before.size()));
  EXPECT_LE(stats.events_total(), static_cast<int64_t>(during));
}

// A tmpfs of the given size; unmounted on destruction.
class SmallDisk {
 public:
  SmallDisk(const std::string& path, const std::string& size) : path_(path) {
    std::filesystem::create_directories(path_);
    mounted_ = mount("tmpfs", path_.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted_) umount2(path_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  bool Resize(const std::string& size) {
    return mount("tmpfs", path_.c_str(), "tmpfs", MS_REMOUNT, ("size=" + size).c_str()) == 0;
  }

 private:
  std::string path_;
  bool mounted_ = false;
};

v1::TrackEventsRequest BulkyBatch(int first) {
  v1::TrackEventsRequest req;
  for (int i = first; i < first + 20; ++i) {
    v1::Event e = Numbered("bulk-" + std::to_string(i), i);
    (*e.mutable_properties())["note"] = std::string(1000, static_cast<char>('a' + i % 26));
    *req.add_events() = e;
  }
  return req;
}

TEST(DiskFullTest, WritesFailClearlyReadsGoOnAndTheServerRecoversWhenSpaceReturns) {
  TempDir dir;
  SmallDisk disk(dir.path() + "/disk", "8m");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root / CAP_SYS_ADMIN)";
  const std::string data = dir.path() + "/disk/data";
  {
    ServerProcess server(ServerBinary(), data);
    ASSERT_TRUE(server.Start());
    Client client(server.channel());
    int64_t acked = 0;
    grpc::Status failure;
    for (int batch = 0; batch < 2000 && failure.ok(); ++batch) {
      v1::TrackEventsResponse resp;
      failure = client.events->TrackEvents(Ctx().get(), BulkyBatch(batch * 20), &resp);
      if (failure.ok()) acked += resp.accepted();
    }
    ASSERT_FALSE(failure.ok()) << "8 MiB never filled up";
    EXPECT_EQ(failure.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << failure.error_message();
    EXPECT_THAT(failure.error_message(), HasSubstr("No space left on device"));
    EXPECT_THAT(failure.error_message(), HasSubstr(data));
    EXPECT_GT(acked, 100);

    // Reads go on.
    v1::GetProfileRequest profile_req;
    profile_req.set_customer_id("c1");
    v1::Profile profile;
    ASSERT_TRUE(client.customers->GetProfile(Ctx().get(), profile_req, &profile).ok());
    v1::ShopStats stats;
    ASSERT_TRUE(client.admin->GetStats(Ctx().get(), v1::GetStatsRequest(), &stats).ok());
    EXPECT_EQ(stats.events_total(), acked);

    // Space returns; writes resume without a restart (RocksDB checks every
    // few seconds and wants a memtable's worth, 64 MiB, free).
    ASSERT_TRUE(disk.Resize("512m"));
    grpc::Status last;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
    int next = 100000;
    while (std::chrono::steady_clock::now() < deadline) {
      v1::TrackEventsResponse resp;
      last = client.events->TrackEvents(Ctx().get(), BulkyBatch(next), &resp);
      if (last.ok()) {
        acked += resp.accepted();
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    ASSERT_TRUE(last.ok()) << "writes did not resume: " << last.error_message();
    EXPECT_EQ(server.Stop(), 0);  // the shutdown flush works again too
    // Nothing acknowledged was lost; the store opens cleanly.
    ServerProcess again(ServerBinary(), data);
    ASSERT_TRUE(again.Start());
    Client reopened(again.channel());
    ASSERT_TRUE(reopened.admin->GetStats(Ctx().get(), v1::GetStatsRequest(), &stats).ok());
    EXPECT_EQ(stats.events_total(), acked);
    EXPECT_EQ(again.Stop(), 0);
  }
}

TEST(CorruptionTest, StartUpNamesTheDamagedFileAndRepairSalvages) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  {
    ServerProcess server(ServerBinary(), data);
    ASSERT_TRUE(server.Start());
    Client client(server.channel());
    v1::TrackEventsRequest req;
    for (int i = 0; i < 50; ++i) *req.add_events() = Numbered("e" + std::to_string(i), i);
    v1::TrackEventsResponse resp;
    ASSERT_TRUE(client.events->TrackEvents(Ctx().get(), req, &resp).ok());
    ASSERT_EQ(server.Stop(), 0);  // flushes: the events are in SST files
  }
  std::string sst;
  for (const auto& entry : std::filesystem::directory_iterator(data)) {
    if (entry.path().extension() == ".sst") sst = entry.path().string();
  }
  ASSERT_FALSE(sst.empty());
  {
    std::fstream f(sst, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(std::filesystem::file_size(sst) - 8));
    f.write("xxxxxxxx", 8);  // the table's magic number
  }
  const std::string log = dir.path() + "/start.txt";
  EXPECT_EQ(RunShell(ServerBinary() + " --listen=127.0.0.1:0 --data_dir=" + data, log), 1);
  const std::string text = ReadAll(log);
  EXPECT_THAT(text, HasSubstr(std::filesystem::path(sst).filename().string()));
  EXPECT_THAT(text, HasSubstr("--restore_backup="));
  EXPECT_THAT(text, HasSubstr("--repair"));

  ASSERT_EQ(RunShell(ServerBinary() + " --repair --data_dir=" + data, log), 0) << ReadAll(log);
  ServerProcess server(ServerBinary(), data);
  ASSERT_TRUE(server.Start());
  Client client(server.channel());
  v1::TrackEventsRequest req;
  *req.add_events() = Numbered("after-repair", 1);
  v1::TrackEventsResponse resp;
  EXPECT_TRUE(client.events->TrackEvents(Ctx().get(), req, &resp).ok());
}

}  // namespace
}  // namespace persona::testing
