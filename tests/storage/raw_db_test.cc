// Tests that look at the RocksDB files directly: erasure leaves no trace of a
// customer, a newer schema is refused, and a killed process loses nothing
// acknowledged.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "storage/database.h"
#include "tests/storage/test_util.h"

namespace persona::storage {
namespace {

using ::testing::HasSubstr;
using testing_util::kPurchase;
using testing_util::kView;
using testing_util::MakeEvent;

constexpr int64_t kT0 = 1'700'000'000'000;

// Opens the store with RocksDB itself, every column family included.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    std::vector<std::string> names;
    EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const auto& name : names) descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
    rocksdb::DB* db = nullptr;
    rocksdb::Status s = rocksdb::DB::Open(rocksdb::DBOptions(), path, descriptors, &handles_, &db);
    EXPECT_TRUE(s.ok()) << s.ToString();
    db_.reset(db);
  }
  ~RawDb() {
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  }

  // Returns "cf: key" for every key or value containing `needle`.
  std::vector<std::string> Find(const std::string& needle) {
    std::vector<std::string> hits;
    for (auto* h : handles_) {
      std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), h));
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        if (it->key().ToString().find(needle) != std::string::npos ||
            it->value().ToString().find(needle) != std::string::npos) {
          hits.push_back(h->GetName() + ": " + it->key().ToString(/*hex=*/true));
        }
      }
      EXPECT_TRUE(it->status().ok());
    }
    return hits;
  }

  // Compacts every family down to the last level, dropping deleted entries.
  void CompactAll() {
    rocksdb::CompactRangeOptions options;
    options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    for (auto* h : handles_) EXPECT_TRUE(db_->CompactRange(options, h, nullptr, nullptr).ok());
  }

  rocksdb::DB* db() { return db_.get(); }
  rocksdb::ColumnFamilyHandle* Family(const std::string& name) {
    for (auto* h : handles_) {
      if (h->GetName() == name) return h;
    }
    return nullptr;
  }

 private:
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::unique_ptr<rocksdb::DB> db_;
};

// Returns the names of the files under `dir` whose bytes contain `needle`.
std::vector<std::string> FilesContaining(const std::string& dir, const std::string& needle) {
  std::vector<std::string> hits;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.find(needle) != std::string::npos) hits.push_back(entry.path().filename().string());
  }
  return hits;
}

std::unique_ptr<Database> OpenDb(const std::string& path, const Clock* clock) {
  DatabaseOptions options;
  options.path = path;
  options.clock = clock;
  options.block_cache_mb = 8;
  auto db = Database::Open(options);
  EXPECT_TRUE(db.ok()) << db.status();
  return db.ok() ? *std::move(db) : nullptr;
}

TEST(EraseTest, LeavesNoBytesOfTheCustomerAnywhere) {
  const std::string kId = "zq-erased-7f3a";
  const std::string kSession = "zq-sess-91bd";
  const std::string kLaterSession = "zq-sess-22ce";
  testing_util::ScopedTempDir dir;
  FakeClock clock(kT0);
  {
    auto db = OpenDb(dir.path(), &clock);
    ASSERT_NE(db, nullptr);
    rec::CustomerRecord c;
    c.set_id(kId);
    c.set_email(kId + "@example.com");
    c.set_country("FR");
    rec::CustomerRecord other;
    other.set_id("keeper");
    ASSERT_TRUE(db->profiles().PutCustomers("s", {c, other}).ok());
    auto buy = MakeEvent("ev-3", kId, "", kPurchase, {{"item-1", 1, 9.0}}, kT0 + 3);
    buy.set_order_id("ord-1");
    ASSERT_TRUE(db->events()
                    .Append("s", {MakeEvent("ev-1", "", kSession, kView, {{"item-1"}}, kT0),
                                  MakeEvent("ev-2", kId, kSession, kView, {{"item-2"}}, kT0 + 1),
                                  buy, MakeEvent("ev-4", "keeper", "", kView, {{"item-1"}}, kT0),
                                  MakeEvent("", kId, kLaterSession, kView, {{"item-2"}}, kT0 + 4),
                                  MakeEvent("ev-5", "", kLaterSession, kView, {}, kT0 + 5)})
                    .ok());
    ASSERT_TRUE(db->Flush().ok());  // some of it in SST files, some in the memtable
    ASSERT_TRUE(db->events().Append("s", {MakeEvent("ev-6", kId, "", kView, {}, kT0 + 6)}).ok());

    auto erased = db->profiles().EraseCustomer("s", kId);
    ASSERT_TRUE(erased.ok()) << erased.status();
    // Attributes, aggregates, 6 events, 5 idempotency keys, 2 aliases.
    EXPECT_EQ(*erased, 15);
    EXPECT_EQ(db->profiles().EraseCustomer("s", kId).status().code(), absl::StatusCode::kNotFound);
    EXPECT_EQ(db->profiles().GetCustomer("s", kId).status().code(), absl::StatusCode::kNotFound);
    EXPECT_FALSE(db->profiles().ResolveSession("s", kSession)->has_value());
    EXPECT_TRUE(db->profiles().GetCustomer("s", "keeper").ok());
    EXPECT_EQ(db->profiles().RecentEvents("s", Subject::Customer("keeper"), 10)->size(), 1u);
    // The erased events' ids are free again; the keeper's is not.
    auto again = db->events().Append("s", {MakeEvent("ev-3", "new", "", kView, {}, kT0 + 7),
                                           MakeEvent("ev-4", "keeper", "", kView, {}, kT0 + 7)});
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->outcomes[0], AppendOutcome::kStored);
    EXPECT_EQ(again->outcomes[1], AppendOutcome::kDuplicate);
    // A session event after erasure starts a fresh anonymous session.
    ASSERT_TRUE(db->events().Append("s", {MakeEvent("ev-8", "", kSession, kView, {}, kT0 + 8)}).ok());
    EXPECT_TRUE(db->profiles().GetAggregates("s", Subject::Session(kSession)).ok());
    ASSERT_TRUE(db->profiles().EraseCustomer("s", "new").ok());
  }
  {
    RawDb raw(dir.path());
    EXPECT_THAT(raw.Find(kId), ::testing::IsEmpty());
    EXPECT_THAT(raw.Find(kLaterSession), ::testing::IsEmpty());
    EXPECT_THAT(raw.Find("keeper"), ::testing::Not(::testing::IsEmpty()));  // the scan can find
    raw.CompactAll();
    EXPECT_THAT(raw.Find(kId), ::testing::IsEmpty());
  }
  // After reopening and compaction, not even the files hold the bytes.
  { RawDb raw(dir.path()); raw.CompactAll(); }
  EXPECT_THAT(FilesContaining(dir.path(), kId), ::testing::IsEmpty());
  EXPECT_THAT(FilesContaining(dir.path(), kLaterSession), ::testing::IsEmpty());
  EXPECT_THAT(FilesContaining(dir.path(), "keeper"), ::testing::Not(::testing::IsEmpty()));
}

TEST(SchemaTest, NewerSchemaIsRefused) {
  testing_util::ScopedTempDir dir;
  FakeClock clock(kT0);
  ASSERT_NE(OpenDb(dir.path(), &clock), nullptr);
  {
    RawDb raw(dir.path());
    rec::SchemaRecord schema;
    schema.set_version(kSchemaVersion + 1);
    schema.set_created_by("persona 9.9");
    ASSERT_TRUE(raw.db()
                    ->Put(rocksdb::WriteOptions(), raw.Family("metadata"), "schema",
                          schema.SerializeAsString())
                    .ok());
    // A newer binary may also have added a column family.
    rocksdb::ColumnFamilyHandle* extra = nullptr;
    ASSERT_TRUE(raw.db()->CreateColumnFamily(rocksdb::ColumnFamilyOptions(), "future", &extra).ok());
    ASSERT_TRUE(raw.db()->DestroyColumnFamilyHandle(extra).ok());
  }
  DatabaseOptions options;
  options.path = dir.path();
  options.clock = &clock;
  auto db = Database::Open(options);
  ASSERT_EQ(db.status().code(), absl::StatusCode::kFailedPrecondition) << db.status();
  EXPECT_THAT(std::string(db.status().message()),
              HasSubstr("version " + std::to_string(kSchemaVersion + 1)));
  EXPECT_THAT(std::string(db.status().message()),
              HasSubstr("version " + std::to_string(kSchemaVersion)));
}

TEST(SchemaTest, SchemaRecordIsWrittenOnCreation) {
  testing_util::ScopedTempDir dir;
  FakeClock clock(kT0);
  ASSERT_NE(OpenDb(dir.path(), &clock), nullptr);
  RawDb raw(dir.path());
  std::string value;
  ASSERT_TRUE(raw.db()->Get(rocksdb::ReadOptions(), raw.Family("metadata"), "schema", &value).ok());
  rec::SchemaRecord schema;
  ASSERT_TRUE(schema.ParseFromString(value));
  EXPECT_EQ(schema.version(), kSchemaVersion);
  EXPECT_EQ(schema.created_time_ms(), kT0);
  for (const char* cf : {"customers", "items", "events", "aggregates", "idempotency", "models",
                         "metadata"}) {
    EXPECT_NE(raw.Family(cf), nullptr) << cf;
  }
}

constexpr char kChildDirEnv[] = "PERSONA_STORAGE_KILL_DIR";
constexpr int kChildEvents = 50;

// The child of KilledProcessLosesNothingAcknowledged (re-executed so no
// thread state is inherited): appends without sync, then dies by SIGKILL
// without closing anything.
TEST(DurabilityTest, ChildWriter) {
  const char* dir = getenv(kChildDirEnv);
  if (dir == nullptr) GTEST_SKIP() << "runs only as the child of KilledProcessLosesNothingAcknowledged";
  FakeClock clock(kT0);
  DatabaseOptions options;
  options.path = dir;
  options.clock = &clock;
  auto db = Database::Open(options);
  if (!db.ok()) _exit(2);
  for (int i = 0; i < kChildEvents; ++i) {
    auto e = MakeEvent("e" + std::to_string(i), "c1", "", kView, {{"i1"}}, kT0 + i);
    if (!(*db)->events().Append("s", {e}).ok()) _exit(3);
  }
  kill(getpid(), SIGKILL);
  _exit(4);
}

TEST(DurabilityTest, KilledProcessLosesNothingAcknowledged) {
  testing_util::ScopedTempDir dir;
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    setenv(kChildDirEnv, dir.path().c_str(), 1);
    execl("/proc/self/exe", "/proc/self/exe", "--gtest_filter=DurabilityTest.ChildWriter",
          static_cast<char*>(nullptr));
    _exit(5);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "child exit code " << WEXITSTATUS(status);
  FakeClock clock(kT0);
  auto db = OpenDb(dir.path(), &clock);
  ASSERT_NE(db, nullptr);
  auto agg = db->profiles().GetAggregates("s", Subject::Customer("c1"));
  ASSERT_TRUE(agg.ok()) << agg.status();
  EXPECT_EQ(agg->event_counts().at(kView), kChildEvents);
  EXPECT_EQ(db->GetShopCounters("s")->record.events_total(), kChildEvents);
  EXPECT_EQ(db->profiles().RecentEvents("s", Subject::Customer("c1"), 100)->size(),
            static_cast<size_t>(kChildEvents));
}

}  // namespace
}  // namespace persona::storage
