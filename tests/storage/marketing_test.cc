// Email sends and the segment-related aggregates on hand-built events
// (RecordEmailSend, MergeEmailSends, CSAT, last view / cart times, units),
// and MarketingStore through the real RocksDB store: custom segments,
// segment sizes per day, campaigns and secrets, across a reopen.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "storage/aggregates.h"
#include "storage/database.h"
#include "tests/storage/test_util.h"

namespace persona::storage {
namespace {

using testing_util::Line;
using testing_util::MakeEvent;
using testing_util::ScopedTempDir;

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kT0 = 1'700'000'000'000;

rec::EventRecord Send(const std::string& campaign, const std::string& type,
                      std::vector<std::string> items, int64_t t) {
  std::vector<Line> lines;
  for (auto& i : items) lines.push_back({i, 0, 0});
  rec::EventRecord e = MakeEvent("", "c1", "", kEmailSend, lines, t);
  (*e.mutable_properties())["campaign"] = campaign;
  (*e.mutable_properties())["campaign_type"] = type;
  return e;
}

void Apply(const rec::EventRecord& e, const AggregationOptions& o, rec::SubjectAggregatesRecord* a) {
  std::vector<std::string_view> cats(e.items_size(), "");
  ApplyEvent(e, cats, o, a);
}

TEST(EmailSendsTest, RecordsSendsOldestFirstAndCountsItemsAsShown) {
  AggregationOptions o;
  rec::SubjectAggregatesRecord agg;
  Apply(Send("w1", "WIN_BACK", {"a", "b"}, kT0 + 2 * kDay), o, &agg);
  Apply(Send("n1", "NEWSLETTER", {"c"}, kT0), o, &agg);  // arrives late
  ASSERT_EQ(agg.email_sends_size(), 2);
  EXPECT_EQ(agg.email_sends(0).campaign_id(), "n1");
  EXPECT_EQ(agg.email_sends(1).campaign_id(), "w1");
  EXPECT_EQ(agg.email_sends(1).campaign_type(), "WIN_BACK");
  EXPECT_EQ(agg.email_sends(1).item_ids_size(), 2);
  EXPECT_EQ(agg.email_sends(1).item_ids(1), "b");
  EXPECT_EQ(agg.shown_items_size(), 3);
}

TEST(EmailSendsTest, ShowingItemsIsNotBehaviour) {
  AggregationOptions o;
  o.max_recent_interactions = 3;
  rec::SubjectAggregatesRecord agg;
  Apply(MakeEvent("", "c1", "", 1, {{"v1", 0, 0}, {"v2", 0, 0}}, kT0), o, &agg);
  Apply(Send("n1", "NEWSLETTER", {"a", "b", "c", "d"}, kT0 + kDay), o, &agg);
  rec::EventRecord impression = MakeEvent("", "c1", "", kRecommendationImpression,
                                          {{"e", 0, 0}}, kT0 + 2 * kDay);
  Apply(impression, o, &agg);
  // The views stay the recent interactions; seen times are the view's.
  ASSERT_EQ(agg.recent_interactions_size(), 2);
  EXPECT_EQ(agg.recent_interactions(1).item_id(), "v2");
  EXPECT_EQ(agg.first_seen_time_ms(), kT0);
  EXPECT_EQ(agg.last_seen_time_ms(), kT0);
  EXPECT_EQ(agg.shown_items_size(), 5);
  EXPECT_EQ(agg.event_counts().at(kEmailSend), 1);
}

TEST(EmailSendsTest, BoundsByCountAndAge) {
  AggregationOptions o;
  o.max_email_sends = 3;
  o.email_history_ms = 10 * kDay;
  rec::SubjectAggregatesRecord agg;
  for (int i = 0; i < 5; ++i) Apply(Send("c" + std::to_string(i), "NEWSLETTER", {"x"}, kT0 + i * kDay), o, &agg);
  ASSERT_EQ(agg.email_sends_size(), 3);
  EXPECT_EQ(agg.email_sends(0).campaign_id(), "c2");
  Apply(Send("late", "NEWSLETTER", {"x"}, kT0 + 14 * kDay), o, &agg);
  // c2 (day 2) and c3 (day 3) are more than 10 days before day 14; c4 is exactly 10.
  ASSERT_EQ(agg.email_sends_size(), 2);
  EXPECT_EQ(agg.email_sends(0).campaign_id(), "c4");
  EXPECT_EQ(agg.email_sends(1).campaign_id(), "late");
}

TEST(EmailSendsTest, MergeUnitesByTime) {
  AggregationOptions o;
  rec::SubjectAggregatesRecord customer, session;
  Apply(Send("a", "WELCOME", {"x"}, kT0), o, &customer);
  Apply(Send("c", "WELCOME", {"x"}, kT0 + 2 * kDay), o, &customer);
  Apply(Send("b", "WELCOME", {"y"}, kT0 + kDay), o, &session);
  MergeAggregates(session, o, &customer);
  ASSERT_EQ(customer.email_sends_size(), 3);
  EXPECT_EQ(customer.email_sends(0).campaign_id(), "a");
  EXPECT_EQ(customer.email_sends(1).campaign_id(), "b");
  EXPECT_EQ(customer.email_sends(2).campaign_id(), "c");
}

TEST(SegmentAggregatesTest, KeepsCsatViewCartTimesAndUnits) {
  AggregationOptions o;
  rec::SubjectAggregatesRecord agg;
  Apply(MakeEvent("", "c1", "", 1, {{"a", 0, 0}}, kT0), o, &agg);
  Apply(MakeEvent("", "c1", "", 4, {{"a", 0, 0}}, kT0 + 5), o, &agg);
  Apply(MakeEvent("", "c1", "", 6, {{"a", 3, 2.0}, {"b", 0, 1.0}}, kT0 + 9), o, &agg);
  rec::EventRecord csat = MakeEvent("", "c1", "", 13, {}, kT0 + 20);
  (*csat.mutable_properties())["survey"] = "csat";
  csat.set_value(2);
  Apply(csat, o, &agg);
  EXPECT_EQ(agg.last_view_time_ms(), kT0);
  EXPECT_EQ(agg.last_cart_add_time_ms(), kT0 + 5);
  EXPECT_EQ(agg.units_bought(), 4);
  EXPECT_TRUE(agg.has_csat());
  EXPECT_EQ(agg.last_csat(), 2);
  EXPECT_EQ(agg.last_csat_time_ms(), kT0 + 20);
  EXPECT_FALSE(agg.has_nps());
  // An older answer arriving late does not replace the newer one.
  csat.set_value(5);
  csat.set_timestamp_ms(kT0 + 1);
  Apply(csat, o, &agg);
  EXPECT_EQ(agg.last_csat(), 2);
}

class MarketingStoreTest : public ::testing::Test {
 protected:
  void Open() {
    db_.reset();
    DatabaseOptions options;
    options.path = dir_.path();
    auto db = Database::Open(options);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
  }
  MarketingStore& store() { return db_->marketing(); }

  ScopedTempDir dir_;
  std::unique_ptr<Database> db_;
};

TEST_F(MarketingStoreTest, SegmentsPutScanDeleteAcrossShopsAndReopen) {
  Open();
  rec::SegmentDefinitionRecord s;
  s.set_name("de_lighting");
  s.set_rule("country = \"DE\"");
  ASSERT_TRUE(store().PutSegment("shop1", s).ok());
  s.set_name("vip");
  ASSERT_TRUE(store().PutSegment("shop1", s).ok());
  ASSERT_TRUE(store().PutSegment("shop2", s).ok());
  Open();
  std::vector<std::string> names;
  ASSERT_TRUE(store().ScanSegments("shop1", [&](const auto& r) {
    names.push_back(r.name());
    return true;
  }).ok());
  EXPECT_EQ(names, (std::vector<std::string>{"de_lighting", "vip"}));
  EXPECT_TRUE(store().DeleteSegment("shop1", "vip").ok());
  EXPECT_EQ(store().DeleteSegment("shop1", "vip").code(), absl::StatusCode::kNotFound);
  names.clear();
  ASSERT_TRUE(store().ScanSegments("shop2", [&](const auto& r) {
    names.push_back(r.name());
    return true;
  }).ok());
  EXPECT_EQ(names, (std::vector<std::string>{"vip"}));
  auto shops = db_->ListShops();
  ASSERT_TRUE(shops.ok());
  EXPECT_EQ(*shops, (std::vector<std::string>{"shop1", "shop2"}));
}

TEST_F(MarketingStoreTest, SegmentSizesByDayInRangeOldestFirst) {
  Open();
  for (int32_t day : {19'000, 19'002, 19'001, 19'010}) {
    rec::SegmentSizesRecord r;
    (*r.mutable_sizes())["stage:new"] = day;
    ASSERT_TRUE(store().PutSegmentSizes("s", day, r).ok());
  }
  rec::SegmentSizesRecord replaced;
  (*replaced.mutable_sizes())["stage:new"] = 7;
  ASSERT_TRUE(store().PutSegmentSizes("s", 19'001, replaced).ok());
  std::vector<std::pair<int32_t, int64_t>> seen;
  ASSERT_TRUE(store().ScanSegmentSizes("s", 19'001, 19'009, [&](int32_t day, const auto& r) {
    seen.emplace_back(day, r.sizes().at("stage:new"));
    return true;
  }).ok());
  EXPECT_EQ(seen, (std::vector<std::pair<int32_t, int64_t>>{{19'001, 7}, {19'002, 19'002}}));
  // Segment sizes are not subjects: ScanAggregates does not see them.
  int subjects = 0;
  ASSERT_TRUE(db_->profiles().ScanAggregates("s", [&](const Subject&, const auto&) {
    ++subjects;
    return true;
  }).ok());
  EXPECT_EQ(subjects, 0);
}

TEST_F(MarketingStoreTest, CampaignsAndSecrets) {
  Open();
  EXPECT_EQ(store().GetCampaign("s", "w1").status().code(), absl::StatusCode::kNotFound);
  rec::CampaignRecord c;
  c.set_campaign_id("w1");
  c.set_type(2);
  c.set_items_per_customer(4);
  ASSERT_TRUE(store().PutCampaign("s", c).ok());
  int made = 0;
  auto make = [&] {
    ++made;
    return std::string("secret-") + std::to_string(made);
  };
  auto first = store().GetOrCreateSecret("links", make);
  ASSERT_TRUE(first.ok());
  Open();
  auto got = store().GetCampaign("s", "w1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->items_per_customer(), 4);
  auto again = store().GetOrCreateSecret("links", make);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *first);
  EXPECT_EQ(made, 1);
  // A secret is not a shop.
  auto shops = db_->ListShops();
  ASSERT_TRUE(shops.ok());
  EXPECT_EQ(*shops, (std::vector<std::string>{"s"}));
}

TEST_F(MarketingStoreTest, ScanCustomerProfilesJoinsAttributesAndAggregatesInIdOrder) {
  Open();
  std::vector<rec::CustomerRecord> customers(2);
  customers[0].set_id("b");
  customers[1].set_id("d");
  ASSERT_TRUE(db_->profiles().PutCustomers("s", customers).ok());
  std::vector<rec::EventRecord> events;
  for (const char* id : {"a", "b", "c"}) events.push_back(MakeEvent("", id, "", 1, {{"x", 0, 0}}, kT0));
  ASSERT_TRUE(db_->events().Append("s", events).ok());
  rec::CustomerRecord other;
  other.set_id("a");
  ASSERT_TRUE(db_->profiles().PutCustomers("t", {other}).ok());
  auto scan = [&](std::string_view after, int stop_after) {
    std::string seen;
    int n = 0;
    EXPECT_TRUE(db_->profiles().ScanCustomerProfiles("s", after, [&](std::string_view id,
                                                                      const rec::CustomerRecord* c,
                                                                      const rec::SubjectAggregatesRecord* a) {
      seen += std::string(id) + (c ? "+" : "-") + (a ? "+" : "-") + " ";
      if (c) EXPECT_EQ(c->id(), id);
      return ++n < stop_after;
    }).ok());
    return seen;
  };
  EXPECT_EQ(scan("", 100), "a-+ b++ c-+ d+- ");
  EXPECT_EQ(scan("b", 100), "c-+ d+- ");
  EXPECT_EQ(scan("a", 2), "b++ c-+ ");
  EXPECT_EQ(scan("d", 100), "");
  auto counters = db_->GetShopCounters("s");
  ASSERT_TRUE(counters.ok());
  EXPECT_EQ(counters->customers, 4);
}

}  // namespace
}  // namespace persona::storage
