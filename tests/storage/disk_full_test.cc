// A full disk: on an 8 MiB tmpfs, appends fail with RESOURCE_EXHAUSTED
// naming the file RocksDB could not write, reads go on, the process does not
// abort, and once the tmpfs grows appends succeed again without reopening;
// after reopening, every acknowledged event is there. Needs CAP_SYS_ADMIN to
// mount (root in the build container); skipped otherwise.
#include <sys/mount.h>

#include <chrono>
#include <memory>
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

// A tmpfs mounted on a fresh directory for the test's lifetime.
class SmallDisk {
 public:
  explicit SmallDisk(const std::string& size) {
    mounted_ = mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted_) umount2(dir_.path().c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  bool Resize(const std::string& size) {
    return mount("tmpfs", dir_.path().c_str(), "tmpfs", MS_REMOUNT, ("size=" + size).c_str()) == 0;
  }
  std::string path() const { return dir_.path() + "/data"; }

 private:
  testing_util::ScopedTempDir dir_;
  bool mounted_ = false;
};

std::unique_ptr<Database> OpenDb(const std::string& path, const Clock* clock) {
  DatabaseOptions options;
  options.path = path;
  options.clock = clock;
  options.block_cache_mb = 8;
  auto db = Database::Open(options);
  EXPECT_TRUE(db.ok()) << db.status();
  return db.ok() ? *std::move(db) : nullptr;
}

// A view event carrying ~2 KiB, so the disk fills in a few thousand appends.
rec::EventRecord BulkyEvent(int i) {
  auto e = MakeEvent("e" + std::to_string(i), "c" + std::to_string(i % 20), "", kView,
                     {{"item-" + std::to_string(i % 100)}}, kT0 + i);
  (*e.mutable_properties())["note"] = std::string(2048, static_cast<char>('a' + i % 26));
  return e;
}

TEST(DiskFullTest, WritesFailReadsGoOnAndWritesResumeWhenSpaceReturns) {
  SmallDisk disk("8m");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root / CAP_SYS_ADMIN)";
  FakeClock clock(kT0);
  auto db = OpenDb(disk.path(), &clock);
  ASSERT_NE(db, nullptr);

  int acked = 0;
  absl::Status failure;
  for (int i = 0; i < 20000 && failure.ok(); ++i) {
    auto r = db->events().Append("s", {BulkyEvent(i)});
    if (r.ok()) {
      ++acked;
    } else {
      failure = r.status();
    }
  }
  ASSERT_FALSE(failure.ok()) << "8 MiB never filled up";
  EXPECT_EQ(failure.code(), absl::StatusCode::kResourceExhausted) << failure;
  EXPECT_THAT(std::string(failure.message()), HasSubstr("No space left on device"));
  EXPECT_THAT(std::string(failure.message()), HasSubstr(disk.path()));
  EXPECT_GT(acked, 100);

  // Writes keep failing cleanly; reads keep working.
  EXPECT_EQ(db->events().Append("s", {BulkyEvent(acked)}).status().code(),
            absl::StatusCode::kResourceExhausted);
  rec::CustomerRecord customer;
  customer.set_id("c1");
  EXPECT_EQ(db->profiles().PutCustomers("s", {customer}).code(),
            absl::StatusCode::kResourceExhausted);
  auto agg = db->profiles().GetAggregates("s", Subject::Customer("c1"));
  ASSERT_TRUE(agg.ok()) << agg.status();
  EXPECT_GT(agg->event_counts().at(kView), 0);
  EXPECT_TRUE(db->profiles().RecentEvents("s", Subject::Customer("c1"), 5).ok());
  EXPECT_EQ(db->GetShopCounters("s")->record.events_total(), acked);

  // Space returns (RocksDB's recovery wants a memtable's worth free, 64 MiB).
  ASSERT_TRUE(disk.Resize("512m"));
  int next = acked;
  absl::Status last;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = db->events().Append("s", {BulkyEvent(next)});
    last = r.status();
    if (r.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_TRUE(last.ok()) << "writes did not resume: " << last;
  ++next;
  for (int i = 0; i < 100; ++i, ++next) ASSERT_TRUE(db->events().Append("s", {BulkyEvent(next)}).ok());

  // Nothing acknowledged was lost and nothing is corrupt after reopening.
  db.reset();
  db = OpenDb(disk.path(), &clock);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->GetShopCounters("s")->record.events_total(), acked + 101);
  int stored = 0;
  for (int c = 0; c < 20; ++c) {
    auto events = db->profiles().RecentEvents("s", Subject::Customer("c" + std::to_string(c)), 10000);
    ASSERT_TRUE(events.ok()) << events.status();
    stored += static_cast<int>(events->size());
  }
  EXPECT_EQ(stored, acked + 101);
}

}  // namespace
}  // namespace persona::storage
