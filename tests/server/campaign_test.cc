// CampaignApi::Run: sends are recorded (and a re-run repeats them, a dry run
// records nothing), resuming after a cursor yields exactly the remaining
// audience, rule / segment / targeted audiences, and request validation.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/campaign_world.h"

namespace persona::server::campaign_testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// n customers "<prefix>NN" with consent and an address, each with a view
// and a purchase, except every `no_consent`-th without consent.
std::vector<CustomerSpec> Customers(const std::string& prefix, int n, int no_consent = 0) {
  std::vector<CustomerSpec> out;
  for (int i = 0; i < n; ++i) {
    CustomerSpec s{.id = absl::StrFormat("%s%02d", prefix, i), .email_consent = true};
    s.email = s.id + "@example.com";
    if (no_consent > 0 && i % no_consent == no_consent - 1) s.email_consent = false;
    s.country = i % 3 == 0 ? "DE" : "FR";
    out.push_back(s);
  }
  return out;
}

std::unique_ptr<CampaignWorld> WorldWith(const std::vector<CustomerSpec>& specs, int block = 256) {
  auto w = CampaignWorld::Create(block);
  w->AddCatalog();
  w->AddCustomers(specs);
  std::vector<v1::Event> events;
  for (size_t n = 0; n < specs.size(); ++n) {
    events.push_back(MakeEvent(specs[n].id, v1::PRODUCT_VIEW, {ItemId(n % kItems)}, kNow - kDay));
    v1::Event buy = MakeEvent(specs[n].id, v1::PURCHASE, {ItemId((3 * n + 1) % kItems)},
                              kNow - 2 * kDay);
    buy.set_order_id(absl::StrCat("o", n));
    events.push_back(buy);
  }
  w->Track(events);
  return w;
}

std::vector<std::string> IdsOf(const std::vector<CustomerSpec>& specs) {
  std::vector<std::string> ids;
  for (const auto& s : specs) ids.push_back(s.id);
  return ids;
}

TEST(CampaignRecordTest, SendsAreRecordedRepeatedOnReRunAndNotByDryRuns) {
  const auto specs = Customers("a", 6);
  auto w = WorldWith(specs);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  v1::RunCampaignRequest req = ListCampaign("spring", v1::WIN_BACK, IdsOf(specs));
  req.set_items_per_customer(4);
  const RunResult first = w->Run(req);
  ASSERT_TRUE(first.status.ok()) << first.status;
  const auto rows = first.Customers();
  ASSERT_EQ(rows.size(), specs.size());
  for (const auto& row : rows) {
    SCOPED_TRACE(row.customer_id());
    ASSERT_TRUE(row.has_email());
    EXPECT_FALSE(row.email().repeated());
    const auto sends = w->SendsOf(row.customer_id(), "spring");
    ASSERT_EQ(sends.size(), 1u);
    EXPECT_EQ(std::vector<std::string>(sends[0].item_ids().begin(), sends[0].item_ids().end()),
              ItemIds(row.email()));
    EXPECT_EQ(sends[0].campaign_type(), "WIN_BACK");
    EXPECT_EQ(sends[0].recommendation_id(), row.email().recommendation_id());
  }
  auto stored = w->db->marketing().GetCampaign("default", "spring");
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->placement(), "email_win_back");
  EXPECT_EQ(stored->items_per_customer(), 4);

  // Again, later: the same rows, marked repeated, nothing new recorded.
  w->clock.AdvanceMs(kHour);
  const RunResult again = w->Run(req);
  ASSERT_TRUE(again.status.ok()) << again.status;
  const auto rows2 = again.Customers();
  ASSERT_EQ(rows2.size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    SCOPED_TRACE(rows[i].customer_id());
    ASSERT_TRUE(rows2[i].has_email());
    EXPECT_TRUE(rows2[i].email().repeated());
    EXPECT_EQ(ItemIds(rows2[i].email()), ItemIds(rows[i].email()));
    EXPECT_EQ(rows2[i].email().recommendation_id(), rows[i].email().recommendation_id());
    EXPECT_EQ(w->Aggregates(rows[i].customer_id()).email_sends_size(), 1);
  }
  EXPECT_EQ(again.rows.back().summary().emails(), static_cast<int64_t>(rows.size()));

  // A dry run computes rows but records neither sends nor the campaign.
  v1::RunCampaignRequest preview = req;
  preview.set_campaign_id("preview");
  preview.set_type(v1::NEWSLETTER);
  preview.set_dry_run(true);
  const RunResult dry = w->Run(preview);
  ASSERT_TRUE(dry.status.ok()) << dry.status;
  for (const auto& row : dry.Customers()) {
    ASSERT_TRUE(row.has_email()) << row.customer_id();
    EXPECT_FALSE(row.email().repeated());
    EXPECT_EQ(w->Aggregates(row.customer_id()).email_sends_size(), 1) << row.customer_id();
  }
  EXPECT_TRUE(absl::IsNotFound(w->db->marketing().GetCampaign("default", "preview").status()));
  // ... so the real run afterwards is a first send, not a repeat.
  preview.set_dry_run(false);
  const RunResult real = w->Run(preview);
  ASSERT_TRUE(real.status.ok());
  for (const auto& row : real.Customers()) {
    ASSERT_TRUE(row.has_email());
    EXPECT_FALSE(row.email().repeated());
    EXPECT_EQ(w->SendsOf(row.customer_id(), "preview").size(), 1u);
  }
}

// A cap of one email per type: a second campaign of the same type skips
// everyone this period, one of another type does not.
TEST(CampaignRecordTest, SecondCampaignOfATypeHitsTheCap) {
  const auto specs = Customers("b", 5);
  auto w = WorldWith(specs);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  ASSERT_TRUE(w->Run(ListCampaign("one", v1::NEWSLETTER, IdsOf(specs))).status.ok());
  w->clock.AdvanceMs(3 * kDay);
  const RunResult capped = w->Run(ListCampaign("two", v1::NEWSLETTER, IdsOf(specs)));
  ASSERT_TRUE(capped.status.ok());
  for (const auto& row : capped.Customers()) EXPECT_EQ(row.skipped(), v1::FREQUENCY_CAP);
  EXPECT_EQ(capped.rows.back().summary().skipped().at("FREQUENCY_CAP"), 5);
  const RunResult other = w->Run(ListCampaign("three", v1::WIN_BACK, IdsOf(specs)));
  for (const auto& row : other.Customers()) EXPECT_TRUE(row.has_email());
  // Past the default 7-day period the newsletter may go again.
  w->clock.AdvanceMs(4 * kDay + 1);
  const RunResult later = w->Run(ListCampaign("four", v1::NEWSLETTER, IdsOf(specs)));
  for (const auto& row : later.Customers()) EXPECT_TRUE(row.has_email());
}

// Stops a run after k rows, resumes after the k-th row's cursor and checks
// that the two runs together cover the audience exactly once, that members
// recorded by the first run come back as repeats, and that everyone
// with consent was recorded exactly once.
void CheckResume(CampaignWorld& w, const v1::RunCampaignRequest& base,
                 const std::vector<std::string>& audience, int k, int block) {
  SCOPED_TRACE(absl::StrCat("k=", k));
  v1::RunCampaignRequest req = base;
  req.set_campaign_id(absl::StrCat(base.campaign_id(), "-", k));
  const RunResult first = w.Run(req, k);
  EXPECT_TRUE(absl::IsCancelled(first.status)) << first.status;
  ASSERT_EQ(first.rows.size(), static_cast<size_t>(k));
  if (k > 0) req.set_resume_after(first.rows[k - 1].cursor());
  // The first run recorded every block it started, including members past
  // row k that the client never took: exactly those come back as repeats.
  std::set<std::string> recorded;
  for (const std::string& id : audience) {
    if (!w.SendsOf(id, req.campaign_id()).empty()) recorded.insert(id);
  }
  const RunResult second = w.Run(req);
  ASSERT_TRUE(second.status.ok()) << second.status;
  std::vector<std::string> seen;
  for (const auto& r : first.rows) seen.push_back(r.customer_id());
  const auto rest = second.Customers();
  for (const auto& r : rest) seen.push_back(r.customer_id());
  EXPECT_EQ(seen, audience) << "no gaps, no duplicates, in order";
  EXPECT_EQ(second.rows.back().summary().audience(), static_cast<int64_t>(rest.size()));
  // With blocks of members (explicit lists), that is up to the end of the
  // block holding row k; rule audiences count candidates per block.
  if (base.has_customers() && k < static_cast<int>(audience.size())) {
    EXPECT_LE(recorded.size(), static_cast<size_t>((k / block + 1) * block));
  }
  for (const auto& r : rest) {
    if (!r.has_email()) continue;
    EXPECT_EQ(r.email().repeated(), recorded.count(r.customer_id()) > 0) << r.customer_id();
  }
  for (const auto& r : first.rows) {
    if (r.has_email()) EXPECT_FALSE(r.email().repeated());
  }
  for (const std::string& id : audience) {
    const size_t sends = w.SendsOf(id, req.campaign_id()).size();
    const bool emailed = std::any_of(first.rows.begin(), first.rows.end(),
                                     [&](const auto& r) { return r.customer_id() == id && r.has_email(); }) ||
                         std::any_of(rest.begin(), rest.end(), [&](const auto& r) {
                           return r.customer_id() == id && r.has_email();
                         });
    EXPECT_EQ(sends, emailed ? 1u : 0u) << id;
  }
}

TEST(CampaignResumeTest, ResumingAfterACursorYieldsExactlyTheRest) {
  constexpr int kBlock = 4;
  const auto specs = Customers("r", 22, /*no_consent=*/5);
  auto w = WorldWith(specs, kBlock);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  const std::vector<std::string> audience = IdsOf(specs);
  v1::RunCampaignRequest base = ListCampaign("resume", v1::WIN_BACK, audience);
  // Campaigns of the test must not cap each other.
  base.set_max_emails_per_period(1000);
  base.set_no_repeat_days(-1);
  for (int k : {0, 1, 3, 4, 5, 8, 21, 22}) {
    CheckResume(*w, base, audience, k, kBlock);
  }
}

TEST(CampaignResumeTest, RuleAudienceResumesToo) {
  constexpr int kBlock = 3;
  const auto specs = Customers("q", 20, /*no_consent=*/4);
  auto w = WorldWith(specs, kBlock);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  std::vector<std::string> germans;
  for (const auto& s : specs) {
    if (s.country == "DE") germans.push_back(s.id);
  }
  v1::RunCampaignRequest base;
  base.set_campaign_id("rule");
  base.set_type(v1::NEWSLETTER);
  base.set_rule("country = \"DE\"");
  base.set_max_emails_per_period(1000);
  for (int k : {0, 2, 3, 6}) CheckResume(*w, base, germans, k, kBlock);
}

TEST(CampaignAudienceTest, RuleSegmentAndTargetAudiences) {
  const auto specs = Customers("s", 12, /*no_consent=*/2);
  auto w = WorldWith(specs);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  // Events only (no record, no country): never in a country rule.
  w->Track({MakeEvent("s99", v1::PRODUCT_VIEW, {ItemId(1)}, kNow - kDay)});
  v1::RunCampaignRequest req;
  req.set_campaign_id("germans");
  req.set_type(v1::NEWSLETTER);
  req.set_rule("country = \"DE\"");
  const RunResult run = w->Run(req);
  ASSERT_TRUE(run.status.ok()) << run.status;
  std::vector<std::string> want, got;
  for (const auto& s : specs) {
    if (s.country == "DE") want.push_back(s.id);
  }
  for (const auto& r : run.Customers()) {
    got.push_back(r.customer_id());
    const auto spec = std::find_if(specs.begin(), specs.end(),
                                   [&](const CustomerSpec& s) { return s.id == r.customer_id(); });
    ASSERT_NE(spec, specs.end());
    if (spec->email_consent == true) {
      EXPECT_TRUE(r.has_email()) << r.customer_id();
    } else {
      EXPECT_EQ(r.skipped(), v1::NO_EMAIL_CONSENT) << r.customer_id();
    }
  }
  EXPECT_EQ(got, want);

  req.set_segment("no-such-segment");
  const RunResult unknown = w->Run(req);
  EXPECT_TRUE(absl::IsNotFound(unknown.status)) << unknown.status;
  EXPECT_TRUE(unknown.rows.empty());

  req.set_rule("country = DE");
  const RunResult bad = w->Run(req);
  EXPECT_TRUE(absl::IsInvalidArgument(bad.status)) << bad.status;
  EXPECT_THAT(bad.status.message(), HasSubstr("rule"));
  EXPECT_TRUE(bad.rows.empty());

  // Targeted customers (the TargetFn's answer), unknown ones skipped.
  w->targets = {"s04", "zz-unknown", "s02"};
  v1::RunCampaignRequest target;
  target.set_campaign_id("targeted");
  target.set_type(v1::PRICE_DROP);
  target.mutable_target()->set_item_id(ItemId(3));
  const RunResult targeted = w->Run(target);
  ASSERT_TRUE(targeted.status.ok()) << targeted.status;
  const auto rows = targeted.Customers();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].customer_id(), "s02");
  EXPECT_TRUE(rows[0].has_email());
  EXPECT_EQ(rows[1].customer_id(), "s04");
  EXPECT_TRUE(rows[1].has_email());
  EXPECT_EQ(rows[2].customer_id(), "zz-unknown");
  EXPECT_EQ(rows[2].skipped(), v1::UNKNOWN_CUSTOMER);
}

struct BadRequest {
  const char* field;
  std::function<void(v1::RunCampaignRequest&)> mutate;
};

TEST(CampaignValidationTest, EveryBadFieldIsNamedAndNothingIsSent) {
  const auto specs = Customers("v", 3);
  auto w = WorldWith(specs);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  const v1::RunCampaignRequest good = ListCampaign("valid", v1::WELCOME, IdsOf(specs));
  using R = v1::RunCampaignRequest;
  const std::vector<BadRequest> cases = {
      {"campaign_id", [](R& r) { r.clear_campaign_id(); }},
      {"campaign_id", [](R& r) { r.set_campaign_id("Spring"); }},
      {"campaign_id", [](R& r) { r.set_campaign_id(std::string(65, 'a')); }},
      {"type", [](R& r) { r.set_type(v1::CAMPAIGN_TYPE_UNSPECIFIED); }},
      {"type", [](R& r) { r.set_type(static_cast<v1::CampaignType>(99)); }},
      {"audience", [](R& r) { r.clear_audience(); }},
      {"segment", [](R& r) { r.set_segment(""); }},
      {"rule", [](R& r) { r.set_rule(""); }},
      {"rule", [](R& r) { r.set_rule(std::string(4097, 'x')); }},
      {"customers.customer_ids", [](R& r) { r.mutable_customers()->clear_customer_ids(); }},
      {"customers.customer_ids[1]", [](R& r) { r.mutable_customers()->set_customer_ids(1, ""); }},
      {"customers.customer_ids[2]",
       [](R& r) { r.mutable_customers()->set_customer_ids(2, "a\x01" "b"); }},
      {"customers.customer_ids[0]",
       [](R& r) { r.mutable_customers()->set_customer_ids(0, std::string(257, 'c')); }},
      {"items_per_customer", [](R& r) { r.set_items_per_customer(-1); }},
      {"items_per_customer", [](R& r) { r.set_items_per_customer(51); }},
      {"max_emails_per_period", [](R& r) { r.set_max_emails_per_period(-1); }},
      {"cap_period_days", [](R& r) { r.set_cap_period_days(-1); }},
      {"cap_period_days", [](R& r) { r.set_cap_period_days(91); }},
      {"no_repeat_days", [](R& r) { r.set_no_repeat_days(-2); }},
      {"no_repeat_days", [](R& r) { r.set_no_repeat_days(91); }},
      {"exclude_shown_on_site_days", [](R& r) { r.set_exclude_shown_on_site_days(-1); }},
      {"exclude_shown_on_site_days", [](R& r) { r.set_exclude_shown_on_site_days(31); }},
      {"placement", [](R& r) { r.set_placement("Email Promo"); }},
      {"rules", [](R& r) { r.set_rules(std::string(4097, ' ')); }},
      {"resume_after", [](R& r) { r.set_resume_after(std::string(300, 'r')); }},
      {"rules", [](R& r) { r.set_rules("exclude banana"); }},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    R req = good;
    cases[i].mutate(req);
    SCOPED_TRACE(absl::StrCat("case ", i, ": ", req.ShortDebugString()));
    const RunResult run = w->Run(req);
    EXPECT_TRUE(absl::IsInvalidArgument(run.status)) << run.status;
    EXPECT_THAT(std::string(run.status.message()), StartsWith(std::string(cases[i].field) + ":"));
    EXPECT_TRUE(run.rows.empty());
  }
  for (const auto& s : specs) EXPECT_EQ(w->Aggregates(s.id).email_sends_size(), 0) << s.id;
  EXPECT_TRUE(absl::IsNotFound(w->db->marketing().GetCampaign("default", "valid").status()));
  // The good request itself passes (so the cases above fail for their field).
  const RunResult ok = w->Run(good);
  EXPECT_TRUE(ok.status.ok()) << ok.status;
  EXPECT_EQ(ok.rows.back().summary().emails(), 3);
}

// Customer ids may be 256 bytes and campaign ids 64: the send still records.
TEST(CampaignRecordTest, LongestIdsAreRecorded) {
  std::vector<CustomerSpec> specs = {{.id = std::string(256, 'L'), .email_consent = true,
                                      .email = "long@example.com"}};
  auto w = WorldWith(specs);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  const std::string campaign(64, 'c');
  const RunResult run = w->Run(ListCampaign(campaign, v1::NEWSLETTER, {specs[0].id}));
  ASSERT_TRUE(run.status.ok()) << run.status;
  ASSERT_EQ(run.Customers().size(), 1u);
  EXPECT_TRUE(run.Customers()[0].has_email());
  EXPECT_EQ(w->SendsOf(specs[0].id, campaign).size(), 1u);
}

}  // namespace
}  // namespace persona::server::campaign_testing
