// The one rocksdb::Status → absl::Status mapping, and the errors Open reports.
#include <filesystem>
#include <string>

#include "common/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/status.h"
#include "storage/database.h"
#include "storage/rocksdb_internal.h"
#include "tests/storage/test_util.h"

namespace persona::storage {
namespace {

using ::testing::HasSubstr;

TEST(StatusMappingTest, MapsEveryKindByCode) {
  struct Case {
    rocksdb::Status in;
    absl::StatusCode want;
  };
  const Case cases[] = {
      {rocksdb::Status::OK(), absl::StatusCode::kOk},
      {rocksdb::Status::NotFound("k"), absl::StatusCode::kNotFound},
      {rocksdb::Status::Corruption("block checksum mismatch in 000012.sst"),
       absl::StatusCode::kDataLoss},
      {rocksdb::Status::IOError("read failed"), absl::StatusCode::kUnavailable},
      {rocksdb::Status::NoSpace("disk full"), absl::StatusCode::kResourceExhausted},
      {rocksdb::Status::IOError("While appending: No space left on device"),
       absl::StatusCode::kResourceExhausted},
      {rocksdb::Status::Busy("write stall"), absl::StatusCode::kUnavailable},
      {rocksdb::Status::TryAgain("conflict"), absl::StatusCode::kUnavailable},
      {rocksdb::Status::ShutdownInProgress(), absl::StatusCode::kUnavailable},
      {rocksdb::Status::InvalidArgument("bad option"), absl::StatusCode::kInvalidArgument},
      {rocksdb::Status::NotSupported("feature"), absl::StatusCode::kUnimplemented},
      {rocksdb::Status::TimedOut("lock"), absl::StatusCode::kDeadlineExceeded},
      {rocksdb::Status::Aborted("stop"), absl::StatusCode::kAborted},
      {rocksdb::Status::MergeInProgress(), absl::StatusCode::kAborted},
      {rocksdb::Status::Incomplete("iterator"), absl::StatusCode::kUnavailable},
  };
  for (const auto& c : cases) {
    const absl::Status out = internal::FromRocksDb(c.in, "reading x");
    EXPECT_EQ(out.code(), c.want) << c.in.ToString();
    if (!out.ok()) {
      EXPECT_THAT(std::string(out.message()), HasSubstr("reading x"));
      EXPECT_THAT(std::string(out.message()), HasSubstr(c.in.ToString()));
    }
  }
}

std::unique_ptr<Database> OpenOrDie(const std::string& path) {
  DatabaseOptions options;
  options.path = path;
  options.block_cache_mb = 8;
  auto db = Database::Open(options);
  EXPECT_TRUE(db.ok()) << db.status();
  return db.ok() ? *std::move(db) : nullptr;
}

TEST(OpenErrorsTest, SecondOpenOfTheSameDirectoryIsUnavailable) {
  testing_util::ScopedTempDir dir;
  auto first = OpenOrDie(dir.path());
  ASSERT_NE(first, nullptr);
  DatabaseOptions options;
  options.path = dir.path();
  auto second = Database::Open(options);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable) << second.status();
  EXPECT_THAT(std::string(second.status().message()), HasSubstr(dir.path()));
}

TEST(OpenErrorsTest, TruncatedTableFileIsDataLossNamingTheFile) {
  testing_util::ScopedTempDir dir;
  {
    auto db = OpenOrDie(dir.path());
    ASSERT_NE(db, nullptr);
    rec::CustomerRecord c;
    c.set_id("c1");
    c.set_email(std::string(1000, 'x'));
    ASSERT_TRUE(db->profiles().PutCustomers("s", {c}).ok());
    ASSERT_TRUE(db->Flush().ok());
  }
  std::string table;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    if (entry.path().extension() == ".sst") table = entry.path().filename().string();
  }
  ASSERT_FALSE(table.empty());
  std::filesystem::resize_file(std::filesystem::path(dir.path()) / table, 10);
  DatabaseOptions options;
  options.path = dir.path();
  auto db = Database::Open(options);
  EXPECT_EQ(db.status().code(), absl::StatusCode::kDataLoss) << db.status();
  EXPECT_THAT(std::string(db.status().message()), HasSubstr(table.substr(0, table.size() - 4)));
}

}  // namespace
}  // namespace persona::storage
