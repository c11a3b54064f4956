// SegmentsApi over a real RocksDB database, a trained model and the segment
// engine: a generated shop of lighting and kitchen buyers, viewers and
// customers without events. Sizes, streamed members and targeted customers
// are checked against brute force (one GetCustomerSegments per customer) or
// against what the generating formulas say.
#include "server/segments_api.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "persona/config/v1/config.pb.h"
#include "server/config.h"
#include "server/trainer.h"
#include "storage/database.h"
#include "tests/storage/test_util.h"

namespace persona::server {
namespace {

namespace rec = ::persona::storage::v1;
namespace tu = ::persona::storage::testing_util;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kHour = 3'600'000;
constexpr int64_t kNow = 1'772'359'200'000;  // 2026-03-01T10:00:00Z
constexpr int kBuyers = 40;                  // c00..c19 lighting, c20..c39 kitchen
constexpr int kViewers = 6;                  // v0..v5 view lighting items only

// One generated customer. Buyer n has 1 + n % 4 orders a week apart, the
// last one days_ago days (and an hour) before kNow; order j (0 = latest)
// holds items (n + 2j) % 10 and (n + 2j + 1) % 10 of its group, price 20.
struct Person {
  std::string id;
  char group = 'N';  // 'L', 'K' buyers, 'V' viewer, 'N' attributes only
  int n = 0;
  int orders = 0;
  int days_ago = 0;
  std::string country;
  bool email_consent = false;
  std::optional<bool> personalize = std::nullopt;
};

std::vector<Person> People() {
  std::vector<Person> people;
  for (int n = 0; n < kBuyers; ++n) {
    Person p{.id = absl::StrFormat("c%02d", n), .group = n < 20 ? 'L' : 'K', .n = n,
             .orders = 1 + n % 4, .days_ago = (n * 23) % 250,
             .country = n % 3 == 0 ? "DE" : "FR", .email_consent = n % 2 == 0};
    if (n == 5) p.personalize = false;
    if (n == 6) p.personalize = true;
    people.push_back(p);
  }
  for (int n = 0; n < kViewers; ++n) {
    people.push_back({.id = absl::StrFormat("v%d", n), .group = 'V', .n = n, .country = "DE",
                      .email_consent = true});
  }
  people.push_back({.id = "x0", .country = "FR"});
  people.push_back({.id = "x1", .country = "DE", .email_consent = true});
  return people;
}

std::string ItemId(char group, int i) { return absl::StrFormat("%c%d", group, i % 10); }
int64_t OrderTime(const Person& p, int j) { return kNow - (p.days_ago + 7 * j) * kDay - kHour; }

// Whether `p` bought item `i` of its group within `days` of kNow.
bool BoughtWithin(const Person& p, int i, int days) {
  for (int j = 0; j < p.orders; ++j) {
    const bool has = (p.n + 2 * j) % 10 == i || (p.n + 2 * j + 1) % 10 == i;
    if (has && kNow - OrderTime(p, j) <= days * kDay) return true;
  }
  return false;
}

rec::CustomerRecord CustomerOf(const Person& p) {
  rec::CustomerRecord c;
  c.set_id(p.id);
  c.set_first_name("Name" + p.id);
  if (p.n % 4 != 3) c.set_email(p.id + "@example.com");
  c.set_locale(p.country == "DE" ? "de-DE" : "fr-FR");
  c.set_country(p.country);
  c.set_consent_email_marketing(p.email_consent);
  if (p.personalize) c.set_consent_personalization(*p.personalize);
  return c;
}

std::vector<rec::EventRecord> EventsOf(const Person& p) {
  std::vector<rec::EventRecord> events;
  if (p.group == 'V') {
    for (int k = 0; k < 3; ++k) {
      events.push_back(tu::MakeEvent("", p.id, "", tu::kView, {{ItemId('L', p.n + k)}},
                                     kNow - (2 + k) * kDay));
    }
  }
  if (p.group != 'L' && p.group != 'K') return events;
  for (int j = 0; j < p.orders; ++j) {
    auto e = tu::MakeEvent("", p.id, "", tu::kPurchase,
                           {{ItemId(p.group, p.n + 2 * j), 1, 20}, {ItemId(p.group, p.n + 2 * j + 1), 1, 20}},
                           OrderTime(p, j));
    e.set_order_id(absl::StrFormat("%s-o%d", p.id, j));
    events.push_back(e);
  }
  return events;
}

class SegmentsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::DatabaseOptions options;
    options.path = dir_.path() + "/db";
    options.clock = &clock_;
    options.block_cache_mb = 8;
    auto db = storage::Database::Open(options);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    std::vector<rec::ItemRecord> items;
    for (int i = 0; i < 10; ++i) {
      items.push_back(tu::MakeItem(ItemId('L', i), {"Home", "Lighting"}));
      items.back().set_brand("Lumo");
      items.push_back(tu::MakeItem(ItemId('K', i), {"Kitchen", "Pans"}));
      items.back().set_brand("Kook");
    }
    ASSERT_TRUE(db_->catalog().PutItems("default", items).ok());
    ASSERT_TRUE(db_->catalog().PutItems("bare", items).ok());
    std::vector<rec::CustomerRecord> customers;
    std::vector<rec::EventRecord> events;
    for (const Person& p : people_) {
      customers.push_back(CustomerOf(p));
      for (auto& e : EventsOf(p)) events.push_back(std::move(e));
    }
    auto cart = tu::MakeEvent("", "c12", "", tu::kCart, {{"L7", 1, 20}}, kNow - 2 * kHour);
    events.push_back(cart);
    auto nps = tu::MakeEvent("", "c00", "", tu::kSurvey, {}, kNow - kDay);
    (*nps.mutable_properties())["survey"] = "nps";
    nps.set_value(10);
    events.push_back(nps);
    ASSERT_TRUE(db_->profiles().PutCustomers("default", customers).ok());
    ASSERT_TRUE(db_->events().Append("default", events).ok());

    shops_ = std::make_unique<ShopRegistry>(db_.get(), ShopOptions(), &clock_);
    TrainerOptions trainer_options = DefaultTrainerOptions();
    trainer_options.als.factors = 8;
    // The tuned regularisation (30) flattens a 46-customer shop to ~0.
    trainer_options.als.regularization = 0.1f;
    trainer_options.min_interactions = 20;
    Trainer trainer(db_.get(), shops_.get(), trainer_options, &clock_);
    auto model = trainer.Train("default");
    ASSERT_TRUE(model.ok()) << model.status();

    persona::config::v1::Config config;
    ApplyDefaults(config);
    api_ = std::make_unique<PersonaApi>(config, db_.get(), shops_.get(), &clock_);
    SegmentSettings settings;
    settings.personas = 2;
    settings.pass_interval_ms = 0;
    engine_ = std::make_unique<SegmentEngine>(db_.get(), shops_.get(), &clock_, settings);
    segments_ = std::make_unique<SegmentsApi>(api_.get(), db_.get(), shops_.get(), engine_.get(),
                                              &clock_);
    Refresh();
  }

  void Refresh() {
    v1::RefreshSegmentsResponse response;
    ASSERT_TRUE(segments_->RefreshSegments({}, &response).ok());
    EXPECT_EQ(response.customers(), static_cast<int64_t>(people_.size()));
  }

  std::map<std::string, v1::SegmentInfo> List(const std::string& shop = "") {
    v1::ListSegmentsRequest request;
    request.set_shop(shop);
    v1::ListSegmentsResponse response;
    EXPECT_TRUE(segments_->ListSegments(request, &response).ok());
    std::map<std::string, v1::SegmentInfo> out;
    for (const auto& s : response.segments()) out[s.name()] = s;
    return out;
  }

  v1::CustomerSegments Of(const std::string& id) {
    v1::GetCustomerSegmentsRequest request;
    request.set_customer_id(id);
    v1::CustomerSegments response;
    const absl::Status status = segments_->GetCustomerSegments(request, &response);
    EXPECT_TRUE(status.ok()) << id << ": " << status;
    return response;
  }

  // Sorted ids of the customers whose segments contain `segment`.
  std::vector<std::string> BruteForce(const std::string& segment) {
    std::vector<std::string> ids;
    for (const Person& p : people_) {
      const auto s = Of(p.id).segments();
      if (std::find(s.begin(), s.end(), segment) != s.end()) ids.push_back(p.id);
    }
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  absl::StatusOr<std::vector<v1::SegmentMember>> Stream(v1::StreamSegmentMembersRequest request,
                                                        int stop_after = -1) {
    std::vector<v1::SegmentMember> out;
    const absl::Status status = segments_->StreamSegmentMembers(request, [&](const auto& m) {
      out.push_back(m);
      return static_cast<int>(out.size()) != stop_after;
    });
    if (!status.ok()) return status;
    return out;
  }

  static std::vector<std::string> Ids(const std::vector<v1::SegmentMember>& members) {
    std::vector<std::string> ids;
    for (const auto& m : members) ids.push_back(m.customer_id());
    return ids;
  }

  absl::StatusOr<std::vector<v1::TargetedCustomer>> Target(v1::TargetCustomersRequest request) {
    v1::TargetCustomersResponse response;
    const absl::Status status = segments_->TargetCustomers(request, &response);
    if (!status.ok()) return status;
    EXPECT_FALSE(response.model_version().empty());
    return std::vector<v1::TargetedCustomer>(response.customers().begin(),
                                             response.customers().end());
  }

  std::set<std::string> TargetIds(const v1::TargetCustomersRequest& request) {
    const auto result = Target(request);
    EXPECT_TRUE(result.ok()) << result.status();
    std::set<std::string> ids;
    for (const auto& c : result.ok() ? *result : std::vector<v1::TargetedCustomer>{}) {
      ids.insert(c.customer_id());
    }
    return ids;
  }

  const Person& Find(const std::string& id) const {
    for (const Person& p : people_) {
      if (p.id == id) return p;
    }
    ADD_FAILURE() << "no person " << id;
    return people_.front();
  }

  const std::vector<Person> people_ = People();
  tu::ScopedTempDir dir_;
  FakeClock clock_{kNow};
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<ShopRegistry> shops_;
  std::unique_ptr<PersonaApi> api_;
  std::unique_ptr<SegmentEngine> engine_;
  std::unique_ptr<SegmentsApi> segments_;
};

TEST_F(SegmentsApiTest, ListedSizesMatchABruteForceCountAndKindsFollowNames) {
  const auto listed = List();
  int64_t stages = 0;
  for (const auto& [name, info] : listed) {
    EXPECT_EQ(info.size(), static_cast<int64_t>(BruteForce(name).size())) << name;
    EXPECT_EQ(info.computed_time_ms(), kNow) << name;
    EXPECT_FALSE(info.description().empty()) << name;
    if (name.rfind("stage:", 0) == 0) stages += info.size();
  }
  EXPECT_EQ(stages, static_cast<int64_t>(people_.size()));  // one stage each
  EXPECT_EQ(listed.at("stage:active").kind(), v1::LIFECYCLE);
  EXPECT_EQ(listed.at("abandoned_cart").kind(), v1::LIFECYCLE);
  EXPECT_EQ(listed.at("viewed_not_bought").kind(), v1::LIFECYCLE);
  EXPECT_EQ(listed.at("rfm:champions").kind(), v1::RFM);
  EXPECT_EQ(listed.at("nps:promoter").kind(), v1::FEEDBACK);
  EXPECT_EQ(listed.at("high_return_rate").kind(), v1::FEEDBACK);
  EXPECT_EQ(listed.at("persona:1").kind(), v1::PERSONA);
  EXPECT_EQ(listed.count("persona:2"), 0u);  // k = 2
  // The generated shop fills these (so the comparison above is not 0 == 0).
  EXPECT_EQ(listed.at("viewed_not_bought").size(), kViewers);
  EXPECT_EQ(listed.at("abandoned_cart").size(), 1);
  EXPECT_EQ(listed.at("nps:promoter").size(), 1);
  EXPECT_EQ(listed.at("stage:prospect").size(), 2);  // x0, x1
  EXPECT_GT(listed.at("persona:0").size() + listed.at("persona:1").size(), 30);
}

TEST_F(SegmentsApiTest, CustomSegmentsAreListedWithRuleAndCountedFromTheNextPass) {
  v1::PutSegmentRequest put;
  put.set_name("de-lighting");
  put.set_rule("country = \"DE\" and bought category \"Home\"");
  put.set_description("German lighting buyers");
  v1::SegmentInfo info;
  ASSERT_TRUE(segments_->PutSegment(put, &info).ok());
  EXPECT_EQ(info.kind(), v1::CUSTOM);
  EXPECT_EQ(info.size(), -1);
  EXPECT_EQ(info.rule(), "country = \"DE\" and bought category \"Home\"");
  auto listed = List();
  EXPECT_EQ(listed.at("de-lighting").size(), -1);
  EXPECT_EQ(listed.at("de-lighting").description(), "German lighting buyers");
  // Members are live before the pass counts them.
  const std::vector<std::string> members = BruteForce("de-lighting");
  std::vector<std::string> expected;
  for (const Person& p : people_) {
    if (p.group == 'L' && p.country == "DE") expected.push_back(p.id);
  }
  EXPECT_EQ(members, expected);
  clock_.AdvanceMs(60'000);
  Refresh();
  EXPECT_EQ(List().at("de-lighting").size(), static_cast<int64_t>(expected.size()));

  // Replacing keeps the creation time and makes the size unknown again.
  clock_.AdvanceMs(60'000);
  put.set_rule("orders >= 3");
  ASSERT_TRUE(segments_->PutSegment(put, &info).ok());
  EXPECT_EQ(List().at("de-lighting").size(), -1);
  std::vector<rec::SegmentDefinitionRecord> stored;
  ASSERT_TRUE(db_->marketing().ScanSegments("default", [&](const auto& r) {
    stored.push_back(r);
    return true;
  }).ok());
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].created_time_ms(), kNow);
  EXPECT_EQ(stored[0].updated_time_ms(), kNow + 120'000);
  EXPECT_EQ(stored[0].rule(), "orders >= 3");

  v1::DeleteSegmentRequest del;
  del.set_name("de-lighting");
  v1::DeleteSegmentResponse deleted;
  ASSERT_TRUE(segments_->DeleteSegment(del, &deleted).ok());
  EXPECT_EQ(List().count("de-lighting"), 0u);
  EXPECT_EQ(segments_->DeleteSegment(del, &deleted).code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Of("c00").segments(), ::testing::Not(::testing::Contains("de-lighting")));
}

TEST_F(SegmentsApiTest, PutSegmentRejectsBadNamesAndRulesNamingTheField) {
  struct Case {
    std::string name, rule, field;
  };
  const std::vector<Case> cases = {
      {"", "orders > 1", "name: "},
      {std::string(65, 'a'), "orders > 1", "name: "},
      {"vip:gold", "orders > 1", "name: may not contain ':'"},
      {"VIP", "orders > 1", "name: may contain only"},
      {"a b", "orders > 1", "name: "},
      {"abandoned_cart", "orders > 1", "name: \"abandoned_cart\" is a built-in"},
      {"vip", "", "rule: is required"},
      {"vip", std::string(4097, ' '), "rule: must be at most 4096"},
      {"vip", "country = DE", "rule: rule 1 (\"country = DE\"): expected a string"},
      {"vip", "last_purchase > 60", "rule: "},
  };
  for (const Case& c : cases) {
    v1::PutSegmentRequest put;
    put.set_name(c.name);
    put.set_rule(c.rule);
    v1::SegmentInfo info;
    const absl::Status status = segments_->PutSegment(put, &info);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.name << " " << c.rule;
    EXPECT_THAT(std::string(status.message()), StartsWith(c.field)) << status;
  }
  v1::PutSegmentRequest put;
  put.set_name("vip");
  put.set_rule("country = DE");
  v1::SegmentInfo info;
  EXPECT_THAT(std::string(segments_->PutSegment(put, &info).message()), HasSubstr("at column 11"));
  put.set_rule("orders > 1");
  put.set_shop("Bad Shop");
  EXPECT_THAT(std::string(segments_->PutSegment(put, &info).message()), StartsWith("shop: "));
  EXPECT_EQ(List().count("vip"), 0u);
}

TEST_F(SegmentsApiTest, StreamingARuleGivesExactlyItsMembersInIdOrder) {
  v1::StreamSegmentMembersRequest request;
  request.set_rule("country = \"DE\" and bought category \"Home/Lighting\"");
  auto members = Stream(request);
  ASSERT_TRUE(members.ok()) << members.status();
  std::vector<std::string> expected;
  for (const Person& p : people_) {
    if (p.group == 'L' && p.country == "DE") expected.push_back(p.id);
  }
  ASSERT_GE(expected.size(), 5u);
  EXPECT_EQ(Ids(*members), expected);
  for (const v1::SegmentMember& m : *members) {
    const Person& p = Find(m.customer_id());
    EXPECT_EQ(m.email(), p.n % 4 != 3 ? p.id + "@example.com" : "");
    EXPECT_EQ(m.first_name(), "Name" + p.id);
    EXPECT_EQ(m.locale(), "de-DE");
    EXPECT_EQ(m.stage(), Of(p.id).stage());
  }
  // A built-in segment streams exactly its brute-force members.
  for (const std::string segment : {"stage:lost", "stage:active", "viewed_not_bought", "persona:1"}) {
    v1::StreamSegmentMembersRequest by_name;
    by_name.set_segment(segment);
    auto streamed = Stream(by_name);
    ASSERT_TRUE(streamed.ok()) << streamed.status();
    EXPECT_EQ(Ids(*streamed), BruteForce(segment)) << segment;
  }
}

TEST_F(SegmentsApiTest, StartAfterAndLimitResumeExactly) {
  v1::StreamSegmentMembersRequest request;
  request.set_rule("orders >= 1 or count(PRODUCT_VIEW) >= 1");
  const std::vector<std::string> all = Ids(*Stream(request));
  ASSERT_EQ(all.size(), static_cast<size_t>(kBuyers + kViewers));
  ASSERT_TRUE(std::is_sorted(all.begin(), all.end()));
  request.set_limit(7);
  std::vector<std::string> resumed;
  for (int round = 0; round < 20; ++round) {
    const std::vector<std::string> page = Ids(*Stream(request));
    EXPECT_LE(page.size(), 7u);
    if (page.empty()) break;
    resumed.insert(resumed.end(), page.begin(), page.end());
    request.set_start_after(page.back());
  }
  EXPECT_EQ(resumed, all);
  // After an id that is no member (nor a customer): the members above it.
  request.set_limit(0);
  request.set_start_after("c05a");
  const auto after = Ids(*Stream(request));
  EXPECT_EQ(after, std::vector<std::string>(all.begin() + 6, all.end()));
  // A client that goes away stops the scan.
  request.clear_start_after();
  EXPECT_EQ(Stream(request, 3)->size(), 3u);
}

TEST_F(SegmentsApiTest, StreamRejectsBadRequests) {
  v1::StreamSegmentMembersRequest request;
  EXPECT_THAT(std::string(Stream(request).status().message()), StartsWith("segment: exactly one"));
  request.set_segment("stage:new");
  request.set_rule("orders > 1");
  EXPECT_THAT(std::string(Stream(request).status().message()), StartsWith("rule: exactly one"));
  request.clear_rule();
  request.set_segment("vip");
  EXPECT_EQ(Stream(request).status().code(), absl::StatusCode::kNotFound);
  request.clear_segment();
  request.set_rule("orders >");
  EXPECT_EQ(Stream(request).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(Stream(request).status().message()), StartsWith("rule: "));
  request.set_rule(std::string(4097, ' '));
  EXPECT_THAT(std::string(Stream(request).status().message()), StartsWith("rule: "));
  request.set_rule("orders > 1");
  request.set_limit(-1);
  EXPECT_THAT(std::string(Stream(request).status().message()), StartsWith("limit: "));
  request.set_limit(0);
  request.set_start_after(std::string(300, 'a'));
  EXPECT_THAT(std::string(Stream(request).status().message()), StartsWith("start_after"));
}

TEST_F(SegmentsApiTest, CustomerSegmentsShowRawRfmStageAndPersona) {
  const Person& p = Find("c07");  // 4 orders, last 161 days ago
  const v1::CustomerSegments c = Of("c07");
  EXPECT_EQ(c.customer_id(), "c07");
  EXPECT_EQ(c.rfm().orders(), p.orders);
  EXPECT_DOUBLE_EQ(c.rfm().monetary_value(), 40.0 * p.orders);
  EXPECT_DOUBLE_EQ(c.rfm().recency_days(), p.days_ago);
  EXPECT_GE(c.rfm().recency(), 1);
  EXPECT_FALSE(c.rfm().group().empty());
  EXPECT_EQ(c.stage(), "at_risk");
  EXPECT_GE(c.persona(), 0);
  EXPECT_THAT(c.segments(), ::testing::Contains("stage:at_risk"));
  EXPECT_THAT(c.segments(), ::testing::Contains("rfm:" + c.rfm().group()));
  EXPECT_THAT(c.segments(), ::testing::Contains(absl::StrCat("persona:", c.persona())));

  const v1::CustomerSegments x = Of("x0");  // attributes only
  EXPECT_EQ(x.stage(), "prospect");
  EXPECT_EQ(x.rfm().recency(), 0);
  EXPECT_EQ(x.rfm().group(), "");
  EXPECT_EQ(x.persona(), -1);
  EXPECT_EQ(Of("c05").persona(), -1);  // no personalization consent

  v1::GetCustomerSegmentsRequest request;
  v1::CustomerSegments response;
  request.set_customer_id("nobody");
  EXPECT_EQ(segments_->GetCustomerSegments(request, &response).code(),
            absl::StatusCode::kNotFound);
  request.set_customer_id("");
  EXPECT_THAT(std::string(segments_->GetCustomerSegments(request, &response).message()),
              StartsWith("customer_id"));
}

TEST_F(SegmentsApiTest, HistoryKeepsOnePointPerDayOldestFirst) {
  const auto day0 = List();
  clock_.AdvanceMs(kDay);
  // x0 buys: a prospect becomes new.
  auto buy = tu::MakeEvent("", "x0", "", tu::kPurchase, {{"K1", 1, 20}}, clock_.NowMs());
  buy.set_order_id("x0-o0");
  ASSERT_TRUE(db_->events().Append("default", {buy}).ok());
  Refresh();
  const auto day1 = List();
  EXPECT_EQ(day1.at("stage:prospect").size(), day0.at("stage:prospect").size() - 1);

  v1::GetSegmentHistoryRequest request;
  request.set_from_date("2026-03-01");
  request.set_to_date("2026-03-02");
  request.add_segments("stage:new");
  request.add_segments("stage:prospect");
  request.add_segments("nope");
  v1::GetSegmentHistoryResponse response;
  ASSERT_TRUE(segments_->GetSegmentHistory(request, &response).ok());
  ASSERT_EQ(response.segments_size(), 3);
  for (int i = 0; i < 2; ++i) {
    const auto& h = response.segments(i);
    EXPECT_EQ(h.segment(), request.segments(i));
    ASSERT_EQ(h.points_size(), 2);
    EXPECT_EQ(h.points(0).date(), "2026-03-01");
    EXPECT_EQ(h.points(0).size(), day0.at(h.segment()).size());
    EXPECT_EQ(h.points(1).date(), "2026-03-02");
    EXPECT_EQ(h.points(1).size(), day1.at(h.segment()).size());
  }
  EXPECT_EQ(response.segments(2).segment(), "nope");
  EXPECT_EQ(response.segments(2).points_size(), 0);

  // Defaults: the 30 days through today, every segment seen, by name.
  ASSERT_TRUE(segments_->GetSegmentHistory({}, &response).ok());
  EXPECT_EQ(response.segments_size(), static_cast<int>(day1.size()));
  for (int i = 0; i < response.segments_size(); ++i) {
    if (i > 0) {
      EXPECT_LT(response.segments(i - 1).segment(), response.segments(i).segment());
    }
    EXPECT_EQ(response.segments(i).points_size(), 2) << response.segments(i).segment();
  }
  // Personas grow against the previous day's stored sizes.
  v1::ListPersonasResponse personas;
  ASSERT_TRUE(segments_->ListPersonas({}, &personas).ok());
  for (const v1::Persona& p : personas.personas()) {
    EXPECT_EQ(p.growth(), p.size() - day0.at(p.segment()).size());
  }
}

TEST_F(SegmentsApiTest, HistoryRejectsBadDates) {
  const std::vector<std::pair<std::pair<std::string, std::string>, std::string>> cases = {
      {{"2026-3-01", ""}, "from_date: "},
      {{"", "2026-02-30"}, "to_date: "},
      {{"2026-03-02", "2026-03-01"}, "from_date: must not be after"},
      {{"2025-02-28", "2026-03-01"}, "from_date: the range may cover at most 366"},
  };
  for (const auto& [dates, prefix] : cases) {
    v1::GetSegmentHistoryRequest request;
    request.set_from_date(dates.first);
    request.set_to_date(dates.second);
    v1::GetSegmentHistoryResponse response;
    const absl::Status status = segments_->GetSegmentHistory(request, &response);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(status.message()), StartsWith(prefix));
  }
  v1::GetSegmentHistoryRequest request;
  request.set_from_date("2025-03-01");
  request.set_to_date("2026-03-01");
  v1::GetSegmentHistoryResponse response;
  EXPECT_TRUE(segments_->GetSegmentHistory(request, &response).ok());  // exactly 366 days
}

TEST_F(SegmentsApiTest, PersonasSplitLightingFromKitchen) {
  v1::ListPersonasResponse response;
  ASSERT_TRUE(segments_->ListPersonas({}, &response).ok());
  ASSERT_EQ(response.personas_size(), 2);
  EXPECT_FALSE(response.model_version().empty());
  EXPECT_EQ(response.computed_time_ms(), kNow);
  // Each persona's strongest category and brand are one group's (a category
  // counts with every prefix of its path; ties go by name).
  std::set<std::string> tops;
  int64_t members = 0;
  for (const v1::Persona& p : response.personas()) {
    EXPECT_EQ(p.segment(), absl::StrCat("persona:", p.index()));
    ASSERT_GE(p.top_categories_size(), 2);
    ASSERT_GE(p.top_brands_size(), 1);
    EXPECT_EQ(p.label(), p.top_categories(0) + ", " + p.top_categories(1));
    EXPECT_EQ(p.top_brands(0), p.top_categories(0) == "Home" ? "Lumo" : "Kook");
    tops.insert(p.top_categories(0));
    EXPECT_GT(p.average_order_value(), 0);
    members += p.size();
  }
  EXPECT_EQ(tops, (std::set<std::string>{"Home", "Kitchen"}));
  EXPECT_EQ(members, kBuyers - 1 + kViewers);  // everyone with factors but c05
}

// Everyone the pass has factors for: consenting customers with events.
std::set<std::string> WithFactors(const std::vector<Person>& people) {
  std::set<std::string> out;
  for (const Person& p : people) {
    if (p.group != 'N' && p.personalize.value_or(true)) out.insert(p.id);
  }
  return out;
}

TEST_F(SegmentsApiTest, TargetingRanksCategoryBuyersFirstAndExcludesRecentBuyers) {
  v1::TargetCustomersRequest request;
  request.set_category("Home/Lighting");
  request.set_count(1000);
  auto ranked = Target(request);
  ASSERT_TRUE(ranked.ok()) << ranked.status();
  std::set<std::string> ids;
  int last_lighting = -1, first_kitchen = 1 << 20;
  for (int i = 0; i < static_cast<int>(ranked->size()); ++i) {
    const std::string& id = (*ranked)[i].customer_id();
    ids.insert(id);
    if (i > 0) {
      EXPECT_GE((*ranked)[i - 1].score(), (*ranked)[i].score());
    }
    if (Find(id).group == 'L') last_lighting = i;
    if (Find(id).group == 'K') first_kitchen = std::min(first_kitchen, i);
  }
  EXPECT_LT(last_lighting, first_kitchen);  // every lighting buyer above every kitchen buyer
  EXPECT_EQ(ids, WithFactors(people_));     // exclude 0 keeps buyers; c05 never

  // The default count; the brand of the same items ranks the same way.
  request.clear_count();
  request.clear_category();
  request.set_brand("Lumo");
  auto by_brand = Target(request);
  ASSERT_TRUE(by_brand.ok());
  ASSERT_EQ(by_brand->size(), ranked->size());  // fewer than 100 eligible
  for (size_t i = 0; i < ranked->size(); ++i) {
    EXPECT_EQ((*by_brand)[i].customer_id(), (*ranked)[i].customer_id());
  }

  // Recent buyers of L3 are left out; those who bought it longer ago are not.
  request.clear_brand();
  request.set_item_id("L3");
  request.set_exclude_bought_within_days(60);
  auto item = Target(request);
  ASSERT_TRUE(item.ok());
  std::set<std::string> expected = WithFactors(people_);
  int excluded = 0, kept_old = 0;
  for (const Person& p : people_) {
    if (p.group == 'L' && BoughtWithin(p, 3, 60) && expected.erase(p.id) > 0) ++excluded;
    if (p.group == 'L' && !BoughtWithin(p, 3, 60) && BoughtWithin(p, 3, 3650)) ++kept_old;
  }
  EXPECT_EQ(excluded, 5);  // c01, c02, c11, c12, c13
  EXPECT_EQ(kept_old, 5);  // c03, c07, c10, c18, c19
  std::set<std::string> got;
  for (const auto& c : *item) got.insert(c.customer_id());
  EXPECT_EQ(got, expected);

  // A smaller count is the head of the same ranking.
  request.set_count(3);
  auto head = Target(request);
  ASSERT_TRUE(head.ok());
  ASSERT_EQ(head->size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ((*head)[i].customer_id(), (*item)[i].customer_id());
}

TEST_F(SegmentsApiTest, TargetingHonoursConsentChangedSinceThePassAndErasure) {
  v1::TargetCustomersRequest request;
  request.set_category("Home");
  request.set_count(1000);
  std::set<std::string> before = TargetIds(request);
  ASSERT_TRUE(before.count("c02") && before.count("c03") && before.count("c04"));
  rec::CustomerRecord revoked = CustomerOf(Find("c02"));
  revoked.set_consent_personalization(false);
  ASSERT_TRUE(db_->profiles().PutCustomers("default", {revoked}).ok());
  ASSERT_TRUE(db_->profiles().EraseCustomer("default", "c03").ok());
  std::set<std::string> after = TargetIds(request);
  before.erase("c02");
  before.erase("c03");
  EXPECT_EQ(after, before);

  // Email consent: only those who gave it, also re-read now.
  rec::CustomerRecord no_email = CustomerOf(Find("c04"));
  no_email.set_consent_email_marketing(false);
  ASSERT_TRUE(db_->profiles().PutCustomers("default", {no_email}).ok());
  request.set_require_email_consent(true);
  std::set<std::string> emailable = TargetIds(request);
  std::set<std::string> expected;
  for (const std::string& id : before) {
    if (Find(id).email_consent && id != "c04") expected.insert(id);
  }
  EXPECT_FALSE(expected.empty());
  EXPECT_EQ(emailable, expected);
}

TEST_F(SegmentsApiTest, TargetingRejectsBadRequests) {
  struct Case {
    std::string item, category, brand;
    int count = 0, days = 0;
    absl::StatusCode code;
    std::string prefix;
  };
  const std::vector<Case> cases = {
      {"", "", "", 0, 0, absl::StatusCode::kInvalidArgument, "item_id: one of"},
      {"L0", "", "Lumo", 0, 0, absl::StatusCode::kInvalidArgument, "item_id, brand: only one"},
      {"", "Home", "Lumo", 0, 0, absl::StatusCode::kInvalidArgument, "category, brand: only one"},
      {"L0", "", "", -1, 0, absl::StatusCode::kInvalidArgument, "count: "},
      {"L0", "", "", 100'001, 0, absl::StatusCode::kInvalidArgument, "count: "},
      {"L0", "", "", 0, -1, absl::StatusCode::kInvalidArgument, "exclude_bought_within_days: "},
      {"nope", "", "", 0, 0, absl::StatusCode::kNotFound, "item_id: "},
      {"", "Home/Lamps", "", 0, 0, absl::StatusCode::kNotFound, "category: "},
      {"", "Lighting", "", 0, 0, absl::StatusCode::kNotFound, "category: "},
      {"", "", "Acme", 0, 0, absl::StatusCode::kNotFound, "brand: "},
  };
  for (const Case& c : cases) {
    v1::TargetCustomersRequest request;
    request.set_item_id(c.item);
    request.set_category(c.category);
    request.set_brand(c.brand);
    request.set_count(c.count);
    request.set_exclude_bought_within_days(c.days);
    const auto result = Target(request);
    EXPECT_EQ(result.status().code(), c.code) << c.prefix;
    EXPECT_THAT(std::string(result.status().message()), StartsWith(c.prefix));
  }
  v1::TargetCustomersRequest ok;
  ok.set_item_id("L0");
  ok.set_count(100'000);
  EXPECT_TRUE(Target(ok).ok());
  ok.set_shop("bad shop");
  EXPECT_THAT(std::string(Target(ok).status().message()), StartsWith("shop: "));
}

TEST_F(SegmentsApiTest, AShopWithoutAModelHasNoPersonasAndCannotTarget) {
  v1::TargetCustomersRequest request;
  request.set_shop("bare");
  request.set_item_id("L0");
  const auto result = Target(request);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("no trained model"));
  request.set_item_id("nope");
  EXPECT_EQ(Target(request).status().code(), absl::StatusCode::kNotFound);

  const auto listed = List("bare");
  EXPECT_EQ(listed.count("persona:0"), 0u);
  EXPECT_EQ(listed.at("stage:prospect").size(), 0);
  v1::ListPersonasRequest personas_request;
  personas_request.set_shop("bare");
  v1::ListPersonasResponse personas;
  ASSERT_TRUE(segments_->ListPersonas(personas_request, &personas).ok());
  EXPECT_EQ(personas.personas_size(), 0);
  EXPECT_EQ(personas.model_version(), "");
}

TEST_F(SegmentsApiTest, TargetingRunsAPassWhenTheModelChangedSinceTheLastOne) {
  // A retrain publishes a new version; the pass's factors are of the old one.
  TrainerOptions trainer_options = DefaultTrainerOptions();
  trainer_options.als.factors = 6;
  trainer_options.als.regularization = 0.1f;
  trainer_options.min_interactions = 20;
  clock_.AdvanceMs(1000);
  Trainer trainer(db_.get(), shops_.get(), trainer_options, &clock_);
  auto model = trainer.Train("default");
  ASSERT_TRUE(model.ok()) << model.status();
  v1::TargetCustomersRequest request;
  request.set_item_id("K3");
  v1::TargetCustomersResponse response;
  ASSERT_TRUE(segments_->TargetCustomers(request, &response).ok());
  EXPECT_FALSE(response.customers().empty());
  v1::ListPersonasResponse personas;
  ASSERT_TRUE(segments_->ListPersonas({}, &personas).ok());
  EXPECT_EQ(response.model_version(), personas.model_version());
  EXPECT_EQ(personas.computed_time_ms(), kNow + 1000);
}

}  // namespace
}  // namespace persona::server
