// Database through its public interfaces: appends, duplicates, trimming,
// session merges, shop isolation, reopening.
#include "storage/database.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/decay.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/storage/test_util.h"

namespace persona::storage {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing_util::kCart;
using testing_util::kPurchase;
using testing_util::kView;
using testing_util::MakeEvent;
using testing_util::MakeItem;

constexpr int64_t kT0 = 1'700'000'000'000;

// Returns `prefix` followed by `n` in decimal.
std::string Id(const char* prefix, int n) {
  std::string id(prefix);
  id += std::to_string(n);
  return id;
}

class DatabaseTest : public ::testing::Test {
 protected:
  DatabaseTest() : clock_(kT0) { Reopen(); }

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

  AppendResult Append(const std::vector<rec::EventRecord>& events, const std::string& shop = "s") {
    auto result = db_->events().Append(shop, events);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *std::move(result) : AppendResult();
  }

  std::vector<std::string> RecentIds(const Subject& subject, const std::string& shop = "s") {
    auto events = db_->profiles().RecentEvents(shop, subject, 1000);
    EXPECT_TRUE(events.ok()) << events.status();
    std::vector<std::string> ids;
    if (events.ok()) {
      for (const auto& e : *events) ids.push_back(e.event_id());
    }
    return ids;
  }

  rec::SubjectAggregatesRecord Aggregates(const Subject& subject, const std::string& shop = "s") {
    auto agg = db_->profiles().GetAggregates(shop, subject);
    EXPECT_TRUE(agg.ok()) << agg.status();
    return agg.ok() ? *agg : rec::SubjectAggregatesRecord();
  }

  std::string StatsDump(const std::string& shop = "s") {
    std::string dump;
    EXPECT_TRUE(db_->catalog()
                    .ScanItemStats(shop,
                                   [&](std::string_view id, const rec::ItemStatsRecord& stats) {
                                     dump += std::string(id) + ":" + stats.SerializeAsString();
                                     return true;
                                   })
                    .ok());
    return dump;
  }

  ShopCounters Counters(const std::string& shop = "s") {
    auto counters = db_->GetShopCounters(shop);
    EXPECT_TRUE(counters.ok()) << counters.status();
    return counters.ok() ? *counters : ShopCounters();
  }

  testing_util::ScopedTempDir dir_;
  FakeClock clock_;
  std::unique_ptr<Database> db_;
};

TEST_F(DatabaseTest, AppendStoresEventsAggregatesAndItemStats) {
  auto buy = MakeEvent("e2", "c1", "", kPurchase, {{"i1", 2, 5.0}}, kT0 + 10);
  buy.set_order_id("o1");
  AppendResult result = Append({MakeEvent("e1", "c1", "", kView, {{"i1"}}, kT0), buy});
  EXPECT_THAT(result.outcomes, ElementsAre(AppendOutcome::kStored, AppendOutcome::kStored));
  EXPECT_THAT(result.subjects, ElementsAre(Subject::Customer("c1")));
  ASSERT_EQ(result.item_stats.size(), 1u);
  EXPECT_EQ(result.item_stats[0].first, "i1");
  EXPECT_EQ(result.item_stats[0].second.views(), 1);
  EXPECT_EQ(result.item_stats[0].second.purchases(), 2);

  EXPECT_THAT(RecentIds(Subject::Customer("c1")), ElementsAre("e2", "e1"));
  auto limited = db_->profiles().RecentEvents("s", Subject::Customer("c1"), 1);
  ASSERT_TRUE(limited.ok());
  ASSERT_EQ(limited->size(), 1u);
  EXPECT_EQ((*limited)[0].order_id(), "o1");
  const auto agg = Aggregates(Subject::Customer("c1"));
  EXPECT_EQ(agg.orders(), 1);
  EXPECT_DOUBLE_EQ(agg.monetary(), 10.0);
  EXPECT_EQ(agg.next_seq(), 2u);
  EXPECT_EQ(agg.first_seen_time_ms(), kT0);
  EXPECT_EQ(agg.last_seen_time_ms(), kT0 + 10);

  int scanned = 0;
  ASSERT_TRUE(db_->catalog()
                  .ScanItemStats("s",
                                 [&](std::string_view id, const rec::ItemStatsRecord& stats) {
                                   ++scanned;
                                   EXPECT_EQ(id, "i1");
                                   EXPECT_DOUBLE_EQ(stats.revenue(), 10.0);
                                   return true;
                                 })
                  .ok());
  EXPECT_EQ(scanned, 1);
  const ShopCounters counters = Counters();
  EXPECT_EQ(counters.record.events_total(), 2);
  EXPECT_EQ(counters.record.last_event_time_ms(), kT0 + 10);
  EXPECT_EQ(counters.customers, 1);
  EXPECT_EQ(counters.sessions, 0);
  EXPECT_EQ(counters.events_stored, 2);
}

TEST_F(DatabaseTest, DuplicatesCountOnceWithinCallsAcrossCallsAndReopen) {
  auto e1 = MakeEvent("dup", "c1", "", kView, {{"i1"}}, kT0);
  auto e2 = MakeEvent("other", "c1", "", kView, {{"i1"}}, kT0);
  auto no_id = MakeEvent("", "c1", "", kView, {{"i1"}}, kT0);
  AppendResult first = Append({e1, e1, e2, no_id, no_id});
  EXPECT_THAT(first.outcomes,
              ElementsAre(AppendOutcome::kStored, AppendOutcome::kDuplicate, AppendOutcome::kStored,
                          AppendOutcome::kStored, AppendOutcome::kStored));
  AppendResult second = Append({e2, e1});
  EXPECT_THAT(second.outcomes, ElementsAre(AppendOutcome::kDuplicate, AppendOutcome::kDuplicate));
  Reopen();
  AppendResult third = Append({e1, MakeEvent("new", "c1", "", kView, {{"i1"}}, kT0)});
  EXPECT_THAT(third.outcomes, ElementsAre(AppendOutcome::kDuplicate, AppendOutcome::kStored));

  EXPECT_EQ(Aggregates(Subject::Customer("c1")).event_counts().at(kView), 5);
  const ShopCounters counters = Counters();
  EXPECT_EQ(counters.record.events_total(), 5);
  EXPECT_EQ(counters.record.duplicates_total(), 4);
  EXPECT_EQ(counters.events_stored, 5);
}

TEST_F(DatabaseTest, DuplicateOnlyBatchWritesNothingNew) {
  auto e1 = MakeEvent("a", "c1", "s1", kPurchase, {{"i1", 1, 3.0}}, kT0);
  auto e2 = MakeEvent("b", "", "s2", kCart, {{"i2"}}, kT0);
  Append({e1, e2});
  const auto agg1 = Aggregates(Subject::Customer("c1")).SerializeAsString();
  const auto agg2 = Aggregates(Subject::Session("s2")).SerializeAsString();
  const auto stats = StatsDump();
  const ShopCounters before = Counters();

  clock_.AdvanceMs(1000);
  e1.set_received_time_ms(kT0 + 1000);
  AppendResult result = Append({e2, e1, e2});
  EXPECT_THAT(result.outcomes, ElementsAre(AppendOutcome::kDuplicate, AppendOutcome::kDuplicate,
                                           AppendOutcome::kDuplicate));
  EXPECT_TRUE(result.item_stats.empty());
  EXPECT_TRUE(result.subjects.empty());
  EXPECT_EQ(Aggregates(Subject::Customer("c1")).SerializeAsString(), agg1);
  EXPECT_EQ(Aggregates(Subject::Session("s2")).SerializeAsString(), agg2);
  EXPECT_EQ(StatsDump(), stats);
  EXPECT_THAT(RecentIds(Subject::Customer("c1")), ElementsAre("a"));
  const ShopCounters after = Counters();
  EXPECT_EQ(after.record.events_total(), before.record.events_total());
  EXPECT_EQ(after.record.duplicates_total(), before.record.duplicates_total() + 3);
  EXPECT_EQ(after.events_stored, before.events_stored);
}

TEST_F(DatabaseTest, InvalidBatchWritesNothing) {
  auto good = MakeEvent("g", "c1", "", kView, {{"i1"}}, kT0);
  auto orphan = MakeEvent("o", "", "", kView, {{"i1"}}, kT0);
  auto result = db_->events().Append("s", {good, orphan});
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("events[1]"));
  EXPECT_EQ(db_->profiles().GetAggregates("s", Subject::Customer("c1")).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(db_->events().Append("Bad Shop", {good}).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto listed = db_->ListShops();
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());
}

TEST_F(DatabaseTest, TrimmingKeepsNewestEventsAndAggregatesCountAll) {
  Reopen(/*max_events=*/5);
  std::vector<rec::EventRecord> batch;
  for (int i = 0; i < 7; ++i) {
    batch.push_back(MakeEvent(Id("e", i), "c1", "", kView, {{"i1"}}, kT0 + i));
  }
  Append(batch);
  for (int i = 7; i < 12; ++i) {
    Append({MakeEvent(Id("e", i), "c1", "", kView, {{"i1"}}, kT0 + i)});
  }
  EXPECT_THAT(RecentIds(Subject::Customer("c1")), ElementsAre("e11", "e10", "e9", "e8", "e7"));
  const auto agg = Aggregates(Subject::Customer("c1"));
  EXPECT_EQ(agg.event_counts().at(kView), 12);
  EXPECT_EQ(agg.first_seq(), 7u);
  EXPECT_EQ(agg.next_seq(), 12u);
  EXPECT_EQ(Counters().events_stored, 5);
  EXPECT_EQ(Counters().record.events_total(), 12);
}

TEST_F(DatabaseTest, LoginMergesSessionAndLaterSessionEventsLandOnCustomer) {
  Append({MakeEvent("v1", "", "s1", kView, {{"i1"}}, kT0),
          MakeEvent("v2", "", "s1", kCart, {{"i2"}}, kT0 + 1)});
  EXPECT_EQ(Counters().sessions, 1);
  Append({MakeEvent("v0", "c1", "", kView, {{"i3"}}, kT0 - 5)});
  AppendResult login = Append({MakeEvent("login", "c1", "s1", kView, {{"i3"}}, kT0 + 2)});
  EXPECT_THAT(login.subjects, ElementsAre(Subject::Customer("c1")));
  AppendResult later = Append({MakeEvent("after", "", "s1", kPurchase, {{"i1", 1, 2.0}}, kT0 + 3)});
  EXPECT_THAT(later.subjects, ElementsAre(Subject::Customer("c1")));

  auto owner = db_->profiles().ResolveSession("s", "s1");
  ASSERT_TRUE(owner.ok());
  EXPECT_EQ(owner->value_or(""), "c1");
  EXPECT_EQ(db_->profiles().GetAggregates("s", Subject::Session("s1")).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(RecentIds(Subject::Session("s1")).empty());
  EXPECT_THAT(RecentIds(Subject::Customer("c1")), ElementsAre("after", "login", "v2", "v1", "v0"));
  auto events = db_->profiles().RecentEvents("s", Subject::Customer("c1"), 10);
  ASSERT_TRUE(events.ok());
  for (const auto& e : *events) EXPECT_EQ(e.customer_id(), "c1") << e.event_id();
  const auto agg = Aggregates(Subject::Customer("c1"));
  EXPECT_EQ(agg.event_counts().at(kView), 3);
  EXPECT_EQ(agg.event_counts().at(kCart), 1);
  EXPECT_EQ(agg.orders(), 1);
  EXPECT_EQ(agg.first_seen_time_ms(), kT0 - 5);
  EXPECT_THAT(agg.merged_sessions(), ElementsAre("s1"));
  const ShopCounters counters = Counters();
  EXPECT_EQ(counters.customers, 1);
  EXPECT_EQ(counters.sessions, 0);
  EXPECT_EQ(counters.events_stored, 5);
}

TEST_F(DatabaseTest, LoginWithinOneCallMovesEventsOfTheSameCall) {
  Reopen(/*max_events=*/3);
  Append({MakeEvent("old", "", "s1", kView, {{"i1"}}, kT0)});
  AppendResult result = Append({MakeEvent("v1", "", "s1", kView, {{"i1"}}, kT0 + 1),
                                MakeEvent("v2", "", "s1", kView, {{"i2"}}, kT0 + 2),
                                MakeEvent("login", "c1", "s1", kCart, {{"i2"}}, kT0 + 3),
                                MakeEvent("v3", "", "s1", kView, {{"i3"}}, kT0 + 4)});
  EXPECT_THAT(result.subjects, ElementsAre(Subject::Customer("c1")));
  // Five events in all, the newest three kept.
  EXPECT_THAT(RecentIds(Subject::Customer("c1")), ElementsAre("v3", "login", "v2"));
  EXPECT_TRUE(RecentIds(Subject::Session("s1")).empty());
  EXPECT_EQ(Aggregates(Subject::Customer("c1")).event_counts().at(kView), 4);
  EXPECT_EQ(Counters().events_stored, 3);
  EXPECT_EQ(Counters().sessions, 0);
}

TEST_F(DatabaseTest, ShopsAreIsolated) {
  ASSERT_TRUE(db_->catalog().PutItems("b", {MakeItem("i1", {"Shoes"})}).ok());
  rec::CustomerRecord c;
  c.set_id("c1");
  c.set_country("FR");
  ASSERT_TRUE(db_->profiles().PutCustomers("a", {c}).ok());
  Append({MakeEvent("e1", "c1", "", kView, {{"i1"}}, kT0)}, "a");
  AppendResult in_b = Append({MakeEvent("e1", "c1", "", kPurchase, {{"i1", 1, 1}}, kT0)}, "b");
  EXPECT_THAT(in_b.outcomes, ElementsAre(AppendOutcome::kStored));  // same event id, other shop

  EXPECT_EQ(db_->profiles().GetCustomer("b", "c1").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(db_->catalog().GetItem("a", "i1").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Aggregates(Subject::Customer("c1"), "a").event_counts().count(kPurchase), 0u);
  EXPECT_EQ(Aggregates(Subject::Customer("c1"), "b").event_counts().count(kView), 0u);
  EXPECT_EQ(Aggregates(Subject::Customer("c1"), "b").category_affinity().count("Shoes"), 1u);
  EXPECT_EQ(Aggregates(Subject::Customer("c1"), "a").category_affinity().size(), 0u);
  EXPECT_EQ(Counters("a").customers, 1);
  EXPECT_EQ(Counters("b").record.events_total(), 1);
  EXPECT_EQ(Counters("c").record.events_total(), 0);
  EXPECT_EQ(Counters("c").customers, 0);
  EXPECT_NE(StatsDump("a"), StatsDump("b"));
  ASSERT_TRUE(db_->catalog().PutItems("shop-2_x", {MakeItem("i9", {})}).ok());
  auto shops = db_->ListShops();
  ASSERT_TRUE(shops.ok());
  EXPECT_THAT(*shops, ElementsAre("a", "b", "shop-2_x"));
}

TEST_F(DatabaseTest, CategoriesAndCountriesFeedAggregates) {
  ASSERT_TRUE(db_->catalog().PutItems("s", {MakeItem("i1", {"Shoes", "Running"})}).ok());
  rec::CustomerRecord c;
  c.set_id("c1");
  c.set_country("FR");
  ASSERT_TRUE(db_->profiles().PutCustomers("s", {c}).ok());
  auto de = MakeEvent("e2", "", "s9", kView, {{"i1"}}, kT0);
  (*de.mutable_properties())["country"] = "DE";
  AppendResult result = Append({MakeEvent("e1", "c1", "", kView, {{"i1"}}, kT0), de});
  ASSERT_EQ(result.item_stats.size(), 1u);
  const auto& countries = result.item_stats[0].second.country_popularity();
  EXPECT_EQ(countries.size(), 2u);
  EXPECT_EQ(countries.count("FR"), 1u);
  EXPECT_EQ(countries.count("DE"), 1u);
  EXPECT_EQ(Aggregates(Subject::Customer("c1")).category_affinity().count("Shoes"), 1u);
  // A re-categorised item counts towards its new category from then on.
  ASSERT_TRUE(db_->catalog().PutItems("s", {MakeItem("i1", {"Lamps"})}).ok());
  c.set_country("ES");
  ASSERT_TRUE(db_->profiles().PutCustomers("s", {c}).ok());
  result = Append({MakeEvent("e3", "c1", "", kView, {{"i1"}}, kT0 + 1)});
  EXPECT_EQ(Aggregates(Subject::Customer("c1")).category_affinity().count("Lamps"), 1u);
  EXPECT_EQ(result.item_stats[0].second.country_popularity().count("ES"), 1u);
}

TEST_F(DatabaseTest, DataSurvivesReopen) {
  ASSERT_TRUE(db_->catalog().PutItems("s", {MakeItem("i1", {"Shoes"})}).ok());
  rec::CategoryRecord category;
  category.add_path("Shoes");
  category.set_repeat_purchase(true);
  ASSERT_TRUE(db_->catalog().PutCategories("s", {category}).ok());
  rec::CustomerRecord c;
  c.set_id("c1");
  c.set_email("c1@example.com");
  ASSERT_TRUE(db_->profiles().PutCustomers("s", {c}).ok());
  Append({MakeEvent("e1", "c1", "s1", kView, {{"i1"}}, kT0)});
  const std::string stats = StatsDump();
  ASSERT_TRUE(db_->Flush().ok());
  Append({MakeEvent("e2", "c1", "", kView, {{"i1"}}, kT0 + 1)});  // only in the WAL
  Reopen();

  auto item = db_->catalog().GetItem("s", "i1");
  ASSERT_TRUE(item.ok());
  EXPECT_EQ(item->category_path(0), "Shoes");
  int categories = 0;
  ASSERT_TRUE(db_->catalog()
                  .ScanCategories("s",
                                  [&](const rec::CategoryRecord& r) {
                                    ++categories;
                                    EXPECT_TRUE(r.repeat_purchase());
                                    return true;
                                  })
                  .ok());
  EXPECT_EQ(categories, 1);
  auto customer = db_->profiles().GetCustomer("s", "c1");
  ASSERT_TRUE(customer.ok());
  EXPECT_EQ(customer->email(), "c1@example.com");
  EXPECT_THAT(RecentIds(Subject::Customer("c1")), ElementsAre("e2", "e1"));
  EXPECT_EQ(db_->profiles().ResolveSession("s", "s1")->value_or(""), "c1");
  EXPECT_NE(StatsDump(), stats);  // e2 counted after the reload of the stats cache
  AppendResult more = Append({MakeEvent("e3", "c1", "", kView, {{"i1"}}, kT0 + 2)});
  EXPECT_EQ(more.item_stats[0].second.views(), 3);
  EXPECT_EQ(Counters().record.events_total(), 3);
  int scanned = 0;
  ASSERT_TRUE(db_->profiles()
                  .ScanAggregates("s",
                                  [&](const Subject& s, const rec::SubjectAggregatesRecord&) {
                                    EXPECT_EQ(s, Subject::Customer("c1"));
                                    ++scanned;
                                    return true;
                                  })
                  .ok());
  EXPECT_EQ(scanned, 1);
}

TEST_F(DatabaseTest, ConcurrentAppendsLoseNoUpdates) {
  constexpr int kThreads = 4, kCalls = 40, kPerCall = 10;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int c = 0; c < kCalls; ++c) {
        std::vector<rec::EventRecord> batch;
        for (int i = 0; i < kPerCall; ++i) {
          const int n = (t * kCalls + c) * kPerCall + i;
          batch.push_back(MakeEvent(Id("e", n), Id("c", n % 3),
                                    n % 5 == 0 ? Id("s", n % 2) : "", kView,
                                    {{Id("i", n % 4)}}, kT0 + n));
        }
        EXPECT_TRUE(db_->events().Append("s", batch).ok());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  constexpr int kTotal = kThreads * kCalls * kPerCall;
  int64_t counted = 0;
  ASSERT_TRUE(db_->profiles()
                  .ScanAggregates("s",
                                  [&](const Subject&, const rec::SubjectAggregatesRecord& agg) {
                                    counted += agg.event_counts().at(kView);
                                    return true;
                                  })
                  .ok());
  EXPECT_EQ(counted, kTotal);
  int64_t views = 0;
  ASSERT_TRUE(db_->catalog()
                  .ScanItemStats("s",
                                 [&](std::string_view, const rec::ItemStatsRecord& stats) {
                                   views += stats.views();
                                   return true;
                                 })
                  .ok());
  EXPECT_EQ(views, kTotal);
  EXPECT_EQ(Counters().record.events_total(), kTotal);
  // Three customers of 533 or 534 events each keep their newest 500.
  EXPECT_EQ(Counters().events_stored, 3 * 500);
  EXPECT_EQ(Counters().customers, 3);
}

TEST(DatabaseOpenTest, EmptyPathIsRejected) {
  EXPECT_EQ(Database::Open(DatabaseOptions()).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace persona::storage
