// CampaignApi beyond the rows: cross-channel capping (items shown on the
// site are left out, items only emailed are not), the open-time resolver and
// click recording with attribution of the purchase that follows to the
// campaign, and the abandoned cart as context (never recommended itself).
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/campaign_world.h"

namespace persona::server::campaign_testing {
namespace {

using ::testing::Contains;
using ::testing::Not;

// 20 customers "p<NN>" (no consent) whose orders make i10..i19 the best
// sellers, two items an order so that bought-together has pairs.
void AddShoppers(CampaignWorld& w, int first_item) {
  std::vector<CustomerSpec> specs;
  std::vector<v1::Event> events;
  for (int n = 0; n < 20; ++n) {
    specs.push_back({.id = absl::StrFormat("p%02d", n), .email_consent = false});
    for (int k = 0; k < 3; ++k) {
      v1::Event e = MakeEvent(specs.back().id, v1::PURCHASE,
                              {ItemId(first_item + (n + k) % 10), ItemId(first_item + (n + k + 1) % 10)},
                              kNow - (5 + k) * kDay);
      e.set_order_id(absl::StrFormat("p%02d-%d", n, k));
      events.push_back(e);
    }
  }
  w.AddCustomers(specs);
  w.Track(events);
}

std::unique_ptr<CampaignWorld> ShopWith(const std::vector<std::string>& recipients) {
  auto w = CampaignWorld::Create();
  w->AddCatalog();
  AddShoppers(*w, 10);
  std::vector<CustomerSpec> specs;
  for (const std::string& id : recipients) {
    specs.push_back({.id = id, .email_consent = true, .email = id + "@example.com"});
  }
  w->AddCustomers(specs);
  return w;
}

std::vector<std::string> DryRunItems(CampaignWorld& w, const std::string& customer,
                                     v1::CampaignType type, int shown_days,
                                     const std::string& placement = "") {
  v1::RunCampaignRequest req = ListCampaign("look", type, {customer});
  req.set_items_per_customer(4);
  req.set_no_repeat_days(-1);
  req.set_exclude_shown_on_site_days(shown_days);
  req.set_placement(placement);
  req.set_dry_run(true);
  const RunResult run = w.Run(req);
  EXPECT_TRUE(run.status.ok()) << run.status;
  const auto rows = run.Customers();
  if (rows.size() != 1 || !rows[0].has_email()) {
    ADD_FAILURE() << "no email for " << customer;
    return {};
  }
  return ItemIds(rows[0].email());
}

TEST(CampaignCrossChannelTest, ItemsShownOnTheSiteAreLeftOutWithinTheWindow) {
  auto w = ShopWith({"x1", "y1"});
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  const std::vector<std::string> usual = DryRunItems(*w, "x1", v1::NEWSLETTER, 0);
  ASSERT_EQ(usual.size(), 4u);
  // x1 saw them on the site two days ago; y1 was only emailed them then.
  v1::Event shown = MakeEvent("x1", v1::RECOMMENDATION_IMPRESSION, usual, kNow - 2 * kDay);
  w->Track({shown, MakeSend("y1", "old", "WELCOME", usual, kNow - 2 * kDay)});
  for (const std::string& item : DryRunItems(*w, "x1", v1::NEWSLETTER, 3)) {
    EXPECT_THAT(usual, Not(Contains(item))) << "shown on the site within 3 days";
  }
  EXPECT_EQ(DryRunItems(*w, "x1", v1::NEWSLETTER, 0), usual) << "no cross-channel window";
  EXPECT_EQ(DryRunItems(*w, "x1", v1::NEWSLETTER, 1), usual) << "shown before the window";
  // Emails are not showings on the site (no_repeat_days handles them).
  EXPECT_EQ(DryRunItems(*w, "y1", v1::NEWSLETTER, 3), usual);
}

TEST(CampaignOpenTimeTest, ResolvesSlotsRecordsClicksAndAttributesPurchases) {
  auto w = ShopWith({"o1"});
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  v1::RunCampaignRequest req = ListCampaign("spring", v1::WIN_BACK, {"o1"});
  req.set_items_per_customer(3);
  const RunResult run = w->Run(req);
  ASSERT_TRUE(run.status.ok()) << run.status;
  ASSERT_EQ(run.Customers().size(), 1u);
  const v1::EmailContent email = run.Customers()[0].email();
  ASSERT_EQ(email.items_size(), 3);
  const std::string prefix = absl::StrCat(kBase, "/email/click/");
  const std::string click = email.items(1).click_url();
  ASSERT_EQ(click.rfind(prefix, 0), 0u) << click;
  auto claims = w->signer->Verify(click.substr(prefix.size()), kNow);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->slot, 1);

  // Opened two days later.
  w->clock.AdvanceMs(2 * kDay);
  auto slot = w->campaigns->Resolve(*claims);
  ASSERT_TRUE(slot.ok()) << slot.status();
  ASSERT_EQ(slot->item_id.size(), 3u);
  EXPECT_EQ(slot->item_id[0], 'i');
  EXPECT_EQ(slot->image_url, ImageUrl(slot->item_id));
  EXPECT_EQ(slot->url, ItemUrl(slot->item_id));
  EXPECT_EQ(slot->recommendation_id, email.recommendation_id());
  auto again = w->campaigns->Resolve(*claims);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->item_id, slot->item_id);
  EXPECT_EQ(again->recommendation_id, slot->recommendation_id);

  // The click, then a purchase of the clicked item: a conversion of the campaign.
  ASSERT_TRUE(w->campaigns->RecordClick(*claims, *slot).ok());
  w->clock.AdvanceMs(kHour);
  v1::Event buy = MakeEvent("o1", v1::PURCHASE, {slot->item_id}, w->clock.NowMs());
  buy.set_order_id("o1-after-email");
  w->Track({buy});
  const int32_t day = static_cast<int32_t>(kNow / kDay);
  rec::PlacementMetricsRecord metrics;
  int rows = 0;
  ASSERT_TRUE(w->db->events()
                  .ScanPlacementMetrics("default", "email_win_back", day - 1, day + 3,
                                        [&](const storage::PlacementMetricsRow& r) {
                                          if (r.variant == "spring") {
                                            storage::AddPlacementMetrics(r.metrics, &metrics);
                                            ++rows;
                                          }
                                          return true;
                                        })
                  .ok());
  ASSERT_GT(rows, 0) << "nothing attributed to email_win_back/spring";
  EXPECT_EQ(metrics.impressions(), 3) << "the email's items count as its impressions";
  EXPECT_EQ(metrics.clicks(), 1);
  EXPECT_EQ(metrics.conversions(), 1);
  EXPECT_GT(metrics.revenue(), 0);

  // Claims the shop never issued a campaign for, or for nobody it knows.
  LinkClaims other = *claims;
  other.campaign_id = "nope";
  EXPECT_TRUE(absl::IsNotFound(w->campaigns->Resolve(other).status()));
  other = *claims;
  other.customer_id = "stranger";
  EXPECT_TRUE(absl::IsNotFound(w->campaigns->Resolve(other).status()));
  other = *claims;
  other.slot = 3;
  EXPECT_TRUE(absl::IsNotFound(w->campaigns->Resolve(other).status()));
}

TEST(CampaignContextTest, AbandonedCartItemsAreContextNotRecommendations) {
  auto w = ShopWith({"cart1", "cart2"});
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  // The cart holds best sellers, so they would be candidates if allowed.
  const std::vector<std::string> cart = {ItemId(10), ItemId(11), ItemId(12)};
  w->Track({MakeEvent("cart1", v1::ADD_TO_CART, cart, kNow - 3 * kHour),
            MakeEvent("cart2", v1::ADD_TO_CART, {ItemId(13)}, kNow - 3 * kHour),
            MakeEvent("cart2", v1::PRODUCT_VIEW, {ItemId(14)}, kNow - 4 * kHour)});
  w->Train();
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  // The same placement without the cart as context recommends cart items.
  const std::vector<std::string> plain =
      DryRunItems(*w, "cart1", v1::NEWSLETTER, 0, "email_abandoned_cart");
  EXPECT_TRUE(std::any_of(plain.begin(), plain.end(), [&](const std::string& id) {
    return std::count(cart.begin(), cart.end(), id) > 0;
  })) << "the test cannot fail: no cart item is a candidate";
  v1::RunCampaignRequest req = ListCampaign("carts", v1::ABANDONED_CART, {"cart1", "cart2"});
  req.set_items_per_customer(6);
  const RunResult run = w->Run(req);
  ASSERT_TRUE(run.status.ok()) << run.status;
  const auto rows = run.Customers();
  ASSERT_EQ(rows.size(), 2u);
  ASSERT_TRUE(rows[0].has_email());
  EXPECT_EQ(rows[0].email().items_size(), 6);
  for (const std::string& id : ItemIds(rows[0].email())) {
    EXPECT_THAT(cart, Not(Contains(id))) << "cart item recommended";
  }
  ASSERT_TRUE(rows[1].has_email());
  EXPECT_THAT(ItemIds(rows[1].email()), Not(Contains(ItemId(13))));
}

}  // namespace
}  // namespace persona::server::campaign_testing
