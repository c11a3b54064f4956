// ModelStore and EventLog::ScanEvents through the public interface.
#include <string>
#include <vector>

#include "common/clock.h"
#include "gtest/gtest.h"
#include "storage/database.h"
#include "tests/storage/test_util.h"

namespace persona::storage {
namespace {

using testing_util::MakeEvent;
using testing_util::ScopedTempDir;

class ModelStoreTest : public ::testing::Test {
 protected:
  void Open() {
    DatabaseOptions options;
    options.path = dir_.path() + "/db";
    options.clock = &clock_;
    auto db = Database::Open(options);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
  }
  void SetUp() override { Open(); }

  std::vector<std::pair<std::string, std::string>> Models(const std::string& shop) {
    std::vector<std::pair<std::string, std::string>> out;
    EXPECT_TRUE(db_->models()
                    .ScanModels(shop,
                                [&](std::string_view v, std::string_view b) {
                                  out.emplace_back(std::string(v), std::string(b));
                                  return true;
                                })
                    .ok());
    return out;
  }

  ScopedTempDir dir_;
  FakeClock clock_{1'700'000'000'000};
  std::unique_ptr<Database> db_;
};

TEST_F(ModelStoreTest, KeepsTheNewestVersionsNewestFirstAcrossReopen) {
  for (const char* v : {"v1", "v2", "v3", "v4"}) {
    ASSERT_TRUE(db_->models().PutModel("s", v, std::string("bytes of ") + v).ok());
  }
  ASSERT_TRUE(db_->models().PutModel("other", "v9", "x").ok());
  auto models = Models("s");
  ASSERT_EQ(models.size(), static_cast<size_t>(ModelStore::kModelsKept));
  EXPECT_EQ(models[0].first, "v4");
  EXPECT_EQ(models[0].second, "bytes of v4");
  EXPECT_EQ(models[2].first, "v2");
  db_.reset();
  Open();
  EXPECT_EQ(Models("s").size(), 3u);
  EXPECT_EQ(Models("other").size(), 1u);
  EXPECT_TRUE(Models("nobody").empty());
  // Re-storing a version replaces it and deletes nothing else.
  ASSERT_TRUE(db_->models().PutModel("s", "v4", "again").ok());
  models = Models("s");
  ASSERT_EQ(models.size(), 3u);
  EXPECT_EQ(models[0].second, "again");
  EXPECT_FALSE(db_->models().PutModel("s", "", "x").ok());
  EXPECT_FALSE(db_->models().PutModel("Bad Shop", "v", "x").ok());
}

TEST_F(ModelStoreTest, ScanEventsVisitsEverySubjectOldestFirst) {
  std::vector<rec::EventRecord> events = {
      MakeEvent("e1", "alice", "", testing_util::kView, {{"lamp", 1, 1.0}}, 1000),
      MakeEvent("e2", "", "s-9", testing_util::kView, {{"mug", 1, 1.0}}, 1001),
      MakeEvent("e3", "alice", "", testing_util::kPurchase, {{"lamp", 1, 1.0}}, 1002),
  };
  for (auto& e : events) e.set_received_time_ms(1003);
  ASSERT_TRUE(db_->events().Append("s", events).ok());
  ASSERT_TRUE(db_->events().Append("t", {events[0]}).ok());
  std::vector<std::string> seen;
  ASSERT_TRUE(db_->events()
                  .ScanEvents("s",
                              [&](const Subject& subject, const rec::EventRecord& e) {
                                seen.push_back((subject.kind == Subject::Kind::kCustomer ? "C:" : "S:") +
                                               subject.id + ":" + e.event_id());
                                return true;
                              })
                  .ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"C:alice:e1", "C:alice:e3", "S:s-9:e2"}));
}

}  // namespace
}  // namespace persona::storage

namespace persona::storage {
namespace {

TEST(RecentInteractionsTest, KeepsTheNewestItemLinesAndMergesSessionsByTime) {
  testing_util::ScopedTempDir dir;
  FakeClock clock(1'700'000'000'000);
  DatabaseOptions options;
  options.path = dir.path() + "/db";
  options.clock = &clock;
  options.aggregation.max_recent_interactions = 5;
  auto db = *Database::Open(options);
  std::vector<rec::EventRecord> events;
  for (int i = 0; i < 7; ++i) {
    events.push_back(testing_util::MakeEvent("", "alice", "", testing_util::kView,
                                             {{"i" + std::to_string(i), 1, 1.0}}, 1000 + i * 10));
  }
  // A session viewed two items in between, then logs in as alice.
  events.push_back(testing_util::MakeEvent("", "", "s1", testing_util::kView, {{"s-a", 1, 1.0}}, 1055));
  events.push_back(testing_util::MakeEvent("", "", "s1", testing_util::kCart, {{"s-b", 1, 1.0}}, 1075));
  events.push_back(testing_util::MakeEvent("", "alice", "s1", 2, {}, 1080));
  for (auto& e : events) e.set_received_time_ms(2000);
  ASSERT_TRUE(db->events().Append("s", events).ok());
  auto agg = db->profiles().GetAggregates("s", Subject::Customer("alice"));
  ASSERT_TRUE(agg.ok()) << agg.status();
  std::vector<std::string> ids;
  for (const auto& r : agg->recent_interactions()) ids.push_back(r.item_id());
  // Newest five by time, oldest first: i4 (1040), s-a (1055), i6 (1060) ... by time order.
  EXPECT_EQ(ids, (std::vector<std::string>{"i4", "i5", "s-a", "i6", "s-b"}));
  EXPECT_EQ(agg->recent_interactions(4).type(), testing_util::kCart);
}

}  // namespace
}  // namespace persona::storage
