// ModelStore::ReplaceModel, which erasure uses to rewrite stored models
// without a customer's row: in place, only for stored versions, and never
// disturbing the versions kept.
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/database.h"
#include "tests/storage/test_util.h"

namespace persona::storage {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

std::vector<std::pair<std::string, std::string>> Models(Database& db, const std::string& shop) {
  std::vector<std::pair<std::string, std::string>> out;
  EXPECT_TRUE(db.models()
                  .ScanModels(shop, [&](std::string_view v, std::string_view b) {
                    out.emplace_back(std::string(v), std::string(b));
                    return true;
                  })
                  .ok());
  return out;
}

TEST(ModelReplaceTest, ReplacesOnlyStoredVersionsInPlace) {
  testing_util::ScopedTempDir dir;
  FakeClock clock(1'700'000'000'000);
  DatabaseOptions options;
  options.path = dir.path();
  options.clock = &clock;
  options.block_cache_mb = 8;
  auto db = Database::Open(options);
  ASSERT_TRUE(db.ok()) << db.status();
  for (const char* v : {"v1", "v2", "v3"}) ASSERT_TRUE((*db)->models().PutModel("s", v, v).ok());
  ASSERT_TRUE((*db)->models().ReplaceModel("s", "v2", "scrubbed").ok());
  EXPECT_THAT(Models(**db, "s"),
              ElementsAre(Pair("v3", "v3"), Pair("v2", "scrubbed"), Pair("v1", "v1")));
  EXPECT_EQ((*db)->models().ReplaceModel("s", "v0", "x").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ((*db)->models().ReplaceModel("t", "v2", "x").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ((*db)->models().ReplaceModel("Bad Shop", "v2", "x").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Models(**db, "t"), ::testing::IsEmpty());
}

}  // namespace
}  // namespace persona::storage
