// A seeded property test of CampaignApi::Run over random campaigns: random
// customers (email consent given, refused or unanswered; with or without an
// address; events only), random behaviour, a random history of email sends
// (other campaigns of the same and other types, sometimes this campaign
// itself), random caps, no-repeat windows, item counts and block sizes, and
// an explicit audience with unknown and duplicate ids. Every streamed row is
// checked against what the generated data says, and the stored sends after
// the run against the caps.
#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "tests/server/campaign_world.h"

namespace persona::server::campaign_testing {
namespace {

constexpr int kCustomers = 40;
constexpr v1::CampaignType kTypes[] = {v1::WIN_BACK, v1::NEWSLETTER, v1::WELCOME,
                                       v1::CROSS_SELL};

struct Send {
  std::string campaign;
  std::string type;
  int64_t time_ms = 0;
  std::vector<std::string> items;
};

struct Generated {
  std::vector<CustomerSpec> specs;
  std::map<std::string, std::vector<Send>> sends;  // history per customer
  std::set<std::string> known;                     // a record or events
  std::vector<v1::Event> events;
  std::vector<std::string> audience;
  v1::RunCampaignRequest req;
  int block = 256;
  bool train = false;
};

// A time `days` days, `hours` hours and a few odd milliseconds ago, so no
// generated time falls exactly on a window's edge.
int64_t Ago(int days, int hours) { return kNow - days * kDay - hours * kHour - 1237; }

std::vector<std::string> RandomItems(std::mt19937& rng, int n) {
  std::vector<int> all(kItems);
  for (int i = 0; i < kItems; ++i) all[i] = i;
  std::shuffle(all.begin(), all.end(), rng);
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(ItemId(all[i]));
  return out;
}

Generated Generate(uint32_t seed) {
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  Generated g;
  const v1::CampaignType type = kTypes[pick(4)];
  const std::string campaign = absl::StrCat("camp-", seed);
  for (int n = 0; n < kCustomers; ++n) {
    CustomerSpec s;
    s.id = absl::StrFormat("c%02d", n);
    s.exists = pick(10) != 0;
    const int consent = pick(4);
    if (consent <= 1) s.email_consent = true;
    if (consent == 2) s.email_consent = false;
    if (pick(5) != 0) s.email = s.id + "@example.com";
    g.specs.push_back(s);
    if (s.exists) g.known.insert(s.id);
    const int views = pick(5) + (s.exists ? 0 : 1);
    for (int k = 0; k < views; ++k) {
      const v1::EventType t = pick(3) == 0 ? v1::ADD_TO_CART : v1::PRODUCT_VIEW;
      g.events.push_back(MakeEvent(s.id, t, RandomItems(rng, 1), Ago(1 + pick(30), pick(24))));
    }
    for (int k = pick(3); k > 0; --k) {
      v1::Event e = MakeEvent(s.id, v1::PURCHASE, RandomItems(rng, 1 + pick(2)),
                              Ago(1 + pick(60), pick(24)));
      e.set_order_id(absl::StrCat(s.id, "-o", k));
      g.events.push_back(e);
    }
    for (int k = pick(5); k > 0; --k) {
      Send send{.campaign = absl::StrCat("hist-", pick(3)),
                .type = v1::CampaignType_Name(kTypes[pick(4)]),
                .time_ms = Ago(pick(20), 1 + pick(23)),
                .items = RandomItems(rng, 1 + pick(4))};
      g.sends[s.id].push_back(send);
    }
    if (pick(10) == 0) {  // this campaign reached them already
      g.sends[s.id].push_back({.campaign = campaign, .type = v1::CampaignType_Name(type),
                               .time_ms = Ago(0, 1 + pick(5)), .items = RandomItems(rng, 3)});
    }
    for (const Send& send : g.sends[s.id]) {
      g.events.push_back(MakeSend(s.id, send.campaign, send.type, send.items, send.time_ms));
    }
    if (!g.sends[s.id].empty() || views > 0) g.known.insert(s.id);
    if (pick(4) != 0) g.audience.push_back(s.id);
  }
  for (int k = pick(4); k > 0; --k) g.audience.push_back(absl::StrFormat("u%02d", pick(100)));
  if (g.audience.empty()) g.audience.push_back("c00");
  g.audience.push_back(g.audience[pick(static_cast<int>(g.audience.size()))]);  // a duplicate
  std::shuffle(g.audience.begin(), g.audience.end(), rng);
  g.req = ListCampaign(campaign, type, g.audience);
  g.req.set_max_emails_per_period(pick(4));
  g.req.set_cap_period_days(pick(15));
  g.req.set_no_repeat_days(pick(4) == 0 ? -1 : pick(21));
  g.req.set_items_per_customer(pick(9));
  g.block = pick(4) == 0 ? 256 : 1 + pick(6);
  g.train = seed % 3 == 0;
  return g;
}

// What the run must do for one audience member.
struct Expected {
  enum Kind { kSkip, kNew, kRepeat } kind = kSkip;
  v1::SkipReason reason = v1::SKIP_REASON_UNSPECIFIED;
  const Send* previous = nullptr;
};

struct Effective {
  int max_emails, items;
  int64_t cap_ms, no_repeat_ms;
};

Effective EffectiveOf(const v1::RunCampaignRequest& r) {
  const int no_repeat = r.no_repeat_days() == 0 ? 14 : r.no_repeat_days();
  return {.max_emails = r.max_emails_per_period() > 0 ? r.max_emails_per_period() : 1,
          .items = r.items_per_customer() > 0 ? r.items_per_customer() : 6,
          .cap_ms = (r.cap_period_days() > 0 ? r.cap_period_days() : 7) * kDay,
          .no_repeat_ms = no_repeat < 0 ? -1 : no_repeat * kDay};
}

Expected Expect(const Generated& g, const Effective& eff, const std::string& id) {
  if (!g.known.count(id)) return {.reason = v1::UNKNOWN_CUSTOMER};
  const CustomerSpec* spec = nullptr;
  for (const CustomerSpec& s : g.specs) {
    if (s.id == id) spec = &s;
  }
  if (!spec->exists || spec->email_consent != true) return {.reason = v1::NO_EMAIL_CONSENT};
  if (spec->email.empty()) return {.reason = v1::NO_EMAIL_ADDRESS};
  const std::string type = v1::CampaignType_Name(g.req.type());
  int in_period = 0;
  auto it = g.sends.find(id);
  if (it != g.sends.end()) {
    for (const Send& s : it->second) {
      if (s.campaign == g.req.campaign_id()) return {.kind = Expected::kRepeat, .previous = &s};
      in_period += s.type == type && s.time_ms >= kNow - eff.cap_ms;
    }
  }
  if (in_period >= eff.max_emails) return {.reason = v1::FREQUENCY_CAP};
  return {.kind = Expected::kNew};
}

// The token of an open-time link, or "" when it does not have the shape.
std::string TokenOf(const std::string& url, const std::string& kind) {
  const std::string prefix = absl::StrCat(kBase, "/email/", kind, "/");
  return absl::StartsWith(url, prefix) ? url.substr(prefix.size()) : "";
}

void CheckItems(CampaignWorld& w, const Generated& g, const Effective& eff,
                const std::string& id, const v1::EmailContent& e, bool repeated) {
  std::set<std::string> distinct;
  for (int k = 0; k < e.items_size(); ++k) {
    const v1::EmailItem& item = e.items(k);
    SCOPED_TRACE(absl::StrCat("slot ", k, " ", item.item_id()));
    distinct.insert(item.item_id());
    ASSERT_EQ(item.item_id().size(), 3u);
    const int i = std::stoi(item.item_id().substr(1));
    EXPECT_EQ(item.title(), "Item " + ItemId(i));
    EXPECT_EQ(item.price(), 5 + i);
    EXPECT_EQ(item.currency(), "EUR");
    EXPECT_EQ(item.url(), ItemUrl(item.item_id()));
    EXPECT_EQ(item.image_url(), ImageUrl(item.item_id()));
    if (!repeated) EXPECT_FALSE(item.reason().empty());
    const std::string token = TokenOf(item.click_url(), "click");
    EXPECT_EQ(TokenOf(item.open_image_url(), "open"), token) << item.open_image_url();
    auto claims = w.signer->Verify(token, kNow);
    ASSERT_TRUE(claims.ok()) << item.click_url() << " " << claims.status();
    EXPECT_EQ(claims->customer_id, id);
    EXPECT_EQ(claims->campaign_id, g.req.campaign_id());
    EXPECT_EQ(claims->slot, k);
    if (repeated || eff.no_repeat_ms < 0) continue;
    auto it = g.sends.find(id);
    if (it == g.sends.end()) continue;
    for (const Send& s : it->second) {
      if (s.time_ms < kNow - eff.no_repeat_ms) continue;
      EXPECT_EQ(std::count(s.items.begin(), s.items.end(), item.item_id()), 0)
          << "emailed by " << s.campaign << " " << (kNow - s.time_ms) / kHour << " h ago";
    }
  }
  EXPECT_EQ(distinct.size(), static_cast<size_t>(e.items_size()));
}

void CheckRun(CampaignWorld& w, const Generated& g, const RunResult& result) {
  ASSERT_TRUE(result.status.ok()) << result.status;
  ASSERT_FALSE(result.rows.empty());
  ASSERT_TRUE(result.rows.back().has_summary());
  const std::vector<v1::CampaignRow> rows = result.Customers();
  ASSERT_EQ(rows.size() + 1, result.rows.size()) << "one summary, last";
  std::vector<std::string> audience = g.audience;
  std::sort(audience.begin(), audience.end());
  audience.erase(std::unique(audience.begin(), audience.end()), audience.end());
  std::vector<std::string> ids;
  for (const auto& r : rows) ids.push_back(r.customer_id());
  ASSERT_EQ(ids, audience) << "ascending, each member once";
  const Effective eff = EffectiveOf(g.req);
  const std::string type = v1::CampaignType_Name(g.req.type());
  std::map<std::string, int64_t> skipped;
  int64_t emails = 0;
  for (const v1::CampaignRow& row : rows) {
    const std::string& id = row.customer_id();
    SCOPED_TRACE(id);
    EXPECT_EQ(row.cursor(), id);
    const Expected want = Expect(g, eff, id);
    int history = 0;  // sends of this campaign generated before the run
    if (auto it = g.sends.find(id); it != g.sends.end()) {
      for (const Send& s : it->second) history += s.campaign == g.req.campaign_id();
    }
    if (want.kind == Expected::kSkip) {
      ASSERT_EQ(row.outcome_case(), v1::CampaignRow::kSkipped);
      EXPECT_EQ(v1::SkipReason_Name(row.skipped()), v1::SkipReason_Name(want.reason));
      ++skipped[v1::SkipReason_Name(row.skipped())];
      const size_t stored = w.SendsOf(id, g.req.campaign_id()).size();
      EXPECT_EQ(stored, static_cast<size_t>(history)) << "a skipped customer was recorded as sent";
      continue;
    }
    ASSERT_EQ(row.outcome_case(), v1::CampaignRow::kEmail) << v1::SkipReason_Name(row.skipped());
    ++emails;
    const v1::EmailContent& e = row.email();
    EXPECT_EQ(e.email(), id + "@example.com");
    EXPECT_EQ(e.first_name(), FirstName(id));
    EXPECT_EQ(e.locale(), "en-GB");
    EXPECT_EQ(e.repeated(), want.kind == Expected::kRepeat);
    const std::vector<rec::EmailSendRecord> sends = w.SendsOf(id, g.req.campaign_id());
    ASSERT_EQ(sends.size(), 1u) << "one recorded send of this campaign";
    EXPECT_EQ(sends[0].recommendation_id(), e.recommendation_id());
    if (want.kind == Expected::kRepeat) {
      EXPECT_EQ(ItemIds(e), want.previous->items);
      EXPECT_EQ(sends[0].time_ms(), want.previous->time_ms);
    } else {
      EXPECT_EQ(e.items_size(), eff.items);
      EXPECT_FALSE(e.recommendation_id().empty());
      EXPECT_EQ(std::vector<std::string>(sends[0].item_ids().begin(), sends[0].item_ids().end()),
                ItemIds(e));
      EXPECT_EQ(sends[0].time_ms(), kNow);
      EXPECT_EQ(sends[0].campaign_type(), type);
      int in_period = 0;
      const rec::SubjectAggregatesRecord stored = w.Aggregates(id);
      for (const auto& s : stored.email_sends()) {
        in_period += s.campaign_type() == type && s.time_ms() >= kNow - eff.cap_ms;
      }
      EXPECT_LE(in_period, eff.max_emails) << "frequency cap exceeded";
    }
    CheckItems(w, g, eff, id, e, want.kind == Expected::kRepeat);
  }
  const v1::CampaignSummary& summary = result.rows.back().summary();
  EXPECT_EQ(summary.audience(), static_cast<int64_t>(rows.size()));
  EXPECT_EQ(summary.emails(), emails);
  const std::map<std::string, int64_t> reported(summary.skipped().begin(),
                                                summary.skipped().end());
  EXPECT_EQ(reported, skipped);
}

TEST(CampaignPropertyTest, ConsentCapsAndRowsHoldOverRandomCampaigns) {
  std::map<std::string, int> outcomes;  // the runs must cover every outcome
  for (uint32_t seed = 1; seed <= 30; ++seed) {
    const Generated g = Generate(seed);
    SCOPED_TRACE(absl::StrCat("seed ", seed, " block ", g.block, " request ",
                              g.req.ShortDebugString()));
    auto w = CampaignWorld::Create(g.block);
    ASSERT_FALSE(::testing::Test::HasFatalFailure());
    w->AddCatalog();
    w->AddCustomers(g.specs);
    w->Track(g.events);
    if (g.train) w->Train();
    ASSERT_FALSE(::testing::Test::HasFatalFailure());
    const RunResult result = w->Run(g.req);
    CheckRun(*w, g, result);
    ASSERT_FALSE(::testing::Test::HasFatalFailure());
    for (const auto& row : result.Customers()) {
      ++outcomes[row.has_email() ? (row.email().repeated() ? "repeated" : "email")
                                 : v1::SkipReason_Name(row.skipped())];
    }
  }
  for (const char* o : {"email", "repeated", "NO_EMAIL_CONSENT", "NO_EMAIL_ADDRESS",
                        "FREQUENCY_CAP", "UNKNOWN_CUSTOMER"}) {
    EXPECT_GT(outcomes[o], 0) << o << " never happened: the generator does not test it";
  }
}

}  // namespace
}  // namespace persona::server::campaign_testing
