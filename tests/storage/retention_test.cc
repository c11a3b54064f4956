// Event retention through Database::maintenance(): expired events and
// idempotency keys go, aggregates stay, trimming and appends keep working,
// and appends running meanwhile lose nothing. Times are explicit; no sleeps.
#include <atomic>
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

using ::testing::ElementsAre;
using testing_util::kView;
using testing_util::MakeEvent;

constexpr int64_t kT0 = 1'700'000'000'000;
constexpr int64_t kDay = 86'400'000;

class RetentionTest : public ::testing::Test {
 protected:
  RetentionTest() : clock_(kT0) { Reopen(); }

  void Reopen(int max_events = 500) {
    db_.reset();
    DatabaseOptions options;
    options.path = dir_.path();
    options.clock = &clock_;
    options.max_events_per_subject = max_events;
    options.block_cache_mb = 8;
    auto db = Database::Open(options);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
  }

  void Append(const std::vector<rec::EventRecord>& events, const std::string& shop = "s") {
    auto result = db_->events().Append(shop, events);
    ASSERT_TRUE(result.ok()) << result.status();
  }

  std::vector<std::string> StoredIds(const Subject& subject, const std::string& shop = "s") {
    auto events = db_->profiles().RecentEvents(shop, subject, 1000);
    EXPECT_TRUE(events.ok()) << events.status();
    std::vector<std::string> ids;
    for (const auto& e : events.ok() ? *events : std::vector<rec::EventRecord>{}) {
      ids.push_back(e.event_id());
    }
    return ids;
  }

  RetentionReport Purge(int64_t cutoff_ms, const std::string& shop = "s") {
    auto report = db_->maintenance().PurgeExpiredEvents(shop, cutoff_ms);
    EXPECT_TRUE(report.ok()) << report.status();
    return report.ok() ? *report : RetentionReport{};
  }

  // An event at `time_ms`, received then too (so its idempotency key is as old).
  static rec::EventRecord At(const std::string& id, const std::string& customer,
                             const std::string& session, int64_t time_ms) {
    return MakeEvent(id, customer, session, kView, {{"item-1"}}, time_ms);
  }

  testing_util::ScopedTempDir dir_;
  FakeClock clock_;
  std::unique_ptr<Database> db_;
};

TEST_F(RetentionTest, DeletesOldEventsAndKeysButKeepsAggregates) {
  Append({At("old-1", "c1", "", kT0 - 100 * kDay), At("old-2", "c1", "", kT0 - 50 * kDay),
          At("new-1", "c1", "", kT0 - kDay), At("old-s", "", "s1", kT0 - 90 * kDay),
          At("new-2", "c2", "", kT0)});
  Append({At("other-shop", "c1", "", kT0 - 100 * kDay)}, "t");

  const RetentionReport report = Purge(kT0 - 30 * kDay);
  EXPECT_EQ(report.events_deleted, 3);
  EXPECT_EQ(report.idempotency_keys_deleted, 3);

  EXPECT_THAT(StoredIds(Subject::Customer("c1")), ElementsAre("new-1"));
  EXPECT_THAT(StoredIds(Subject::Session("s1")), ::testing::IsEmpty());
  EXPECT_THAT(StoredIds(Subject::Customer("c2")), ElementsAre("new-2"));
  EXPECT_THAT(StoredIds(Subject::Customer("c1"), "t"), ElementsAre("other-shop"));
  // Aggregates are derived and stay: the three views still count.
  auto agg = db_->profiles().GetAggregates("s", Subject::Customer("c1"));
  ASSERT_TRUE(agg.ok()) << agg.status();
  EXPECT_EQ(agg->event_counts().at(kView), 3);
  EXPECT_TRUE(db_->profiles().GetAggregates("s", Subject::Session("s1")).ok());
  // The stored-event counters follow the deletions.
  auto counters = db_->GetShopCounters("s");
  ASSERT_TRUE(counters.ok());
  EXPECT_EQ(counters->events_stored, 2);

  // An expired event id is free again; a kept one is still a duplicate.
  auto again = db_->events().Append("s", {At("old-1", "c1", "", kT0), At("new-1", "c1", "", kT0)});
  ASSERT_TRUE(again.ok());
  EXPECT_THAT(again->outcomes, ElementsAre(AppendOutcome::kStored, AppendOutcome::kDuplicate));
  // A second pass finds nothing more.
  const RetentionReport second = Purge(kT0 - 30 * kDay);
  EXPECT_EQ(second.events_deleted, 0);
  EXPECT_EQ(second.idempotency_keys_deleted, 0);
}

TEST_F(RetentionTest, OutOfOrderEventsGoWhereverTheyAre) {
  // Seqs 0, 1, 2 with the middle one old (a late import of history).
  Append({At("a", "c1", "", kT0), At("b", "c1", "", kT0 - 60 * kDay), At("c", "c1", "", kT0)});
  EXPECT_EQ(Purge(kT0 - 30 * kDay).events_deleted, 1);
  EXPECT_THAT(StoredIds(Subject::Customer("c1")), ElementsAre("c", "a"));
  EXPECT_EQ(db_->GetShopCounters("s")->events_stored, 3);  // first_seq unchanged: a hole
}

TEST_F(RetentionTest, TrimmingStillWorksAfterAPurge) {
  Reopen(/*max_events=*/10);
  std::vector<rec::EventRecord> events;
  for (int i = 0; i < 8; ++i) events.push_back(At("e" + std::to_string(i), "c1", "", kT0 - 40 * kDay + i));
  Append(events);
  EXPECT_EQ(Purge(kT0 - 30 * kDay).events_deleted, 8);
  events.clear();
  for (int i = 0; i < 15; ++i) events.push_back(At("f" + std::to_string(i), "c1", "", kT0 + i));
  Append(events);
  const auto ids = StoredIds(Subject::Customer("c1"));
  ASSERT_EQ(ids.size(), 10u);
  EXPECT_EQ(ids.front(), "f14");
  EXPECT_EQ(ids.back(), "f5");
  EXPECT_EQ(db_->GetShopCounters("s")->events_stored, 10);
}

TEST_F(RetentionTest, SessionEventsMergedAtLoginExpireUnderTheCustomer) {
  Append({At("s-old", "", "sess", kT0 - 45 * kDay), At("login", "c1", "sess", kT0)});
  EXPECT_EQ(Purge(kT0 - 30 * kDay).events_deleted, 1);
  EXPECT_THAT(StoredIds(Subject::Customer("c1")), ElementsAre("login"));
}

TEST_F(RetentionTest, AppendsDuringAPurgeAreKept) {
  // Many expired events spread over many subjects, so the purge takes
  // several batches while a writer appends new events to the same subjects.
  std::vector<rec::EventRecord> old;
  for (int i = 0; i < 3000; ++i) {
    old.push_back(At("old-" + std::to_string(i), "c" + std::to_string(i % 300), "", kT0 - 60 * kDay));
    if (old.size() == 500) {
      Append(old);
      old.clear();
    }
  }
  std::atomic<bool> stop{false};
  std::atomic<int> appended{0};
  std::thread writer([&] {
    for (int i = 0; !stop.load() || i < 50; ++i) {
      auto r = db_->events().Append(
          "s", {At("new-" + std::to_string(i), "c" + std::to_string(i % 300), "", kT0)});
      if (!r.ok()) break;
      appended.fetch_add(1);
    }
  });
  const RetentionReport report = Purge(kT0 - 30 * kDay);
  stop = true;
  writer.join();
  EXPECT_EQ(report.events_deleted, 3000);
  int stored = 0;
  for (int c = 0; c < 300; ++c) {
    for (const std::string& id : StoredIds(Subject::Customer("c" + std::to_string(c)))) {
      EXPECT_EQ(id.rfind("new-", 0), 0u) << id;
      ++stored;
    }
  }
  EXPECT_EQ(stored, appended.load());
  EXPECT_EQ(db_->GetShopCounters("s")->events_stored, appended.load());
}

TEST_F(RetentionTest, RefusesABadShopName) {
  EXPECT_EQ(db_->maintenance().PurgeExpiredEvents("Bad Shop", kT0).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace persona::storage
