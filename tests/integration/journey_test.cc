// A visitor's whole journey through the running server (issue 4): anonymous
// browsing personalises the session's pages, impressions and a click are
// reported, login carries the session's history to the customer, a purchase
// of the clicked item is attributed, the cart page leaves out what was
// bought, and the placement metrics show the funnel.
#include <set>

#include "gtest/gtest.h"
#include "tests/integration/client.h"
#include "tests/testing/server_process.h"

namespace persona::testing {
namespace {

// The two-taste shop of client.h, trained.
void LoadAndTrain(Client& client) {
  LoadTwoTastes(client);
  v1::ModelInfo info;
  grpc::Status status = client.admin->TrainModel(Ctx().get(), {}, &info);
  ASSERT_TRUE(status.ok()) << status.error_message();
}

void Track(Client& client, const std::vector<v1::Event>& events) {
  v1::TrackEventsRequest request;
  for (const auto& e : events) *request.add_events() = e;
  v1::TrackEventsResponse response;
  grpc::Status status = client.events->TrackEvents(Ctx().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.accepted(), request.events_size());
}

v1::Event SessionEvent(const std::string& session, v1::EventType type,
                       const std::vector<std::string>& items) {
  v1::Event e = MakeEvent("", type, items);
  e.set_session_id(session);
  return e;
}

int CountTaste(const v1::RecommendResponse& r, char taste) {
  int n = 0;
  for (const auto& item : r.items()) n += item.item().id()[0] == taste;
  return n;
}

v1::RecommendPageResponse Page(Client& client, const v1::RecommendPageRequest& request) {
  v1::RecommendPageResponse response;
  grpc::Status status = client.recommend->RecommendPage(Ctx().get(), request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response;
}

TEST(JourneyTest, AnonymousBrowsingToLoginToPurchaseAndTheMetrics) {
  TempDir dir;
  ServerProcess server(ServerBinary(), dir.path() + "/data");
  ASSERT_TRUE(server.Start());
  Client client(server.channel());
  LoadAndTrain(client);

  // 1. An anonymous visitor views three Kitchen items.
  Track(client, {SessionEvent("s-1", v1::PRODUCT_VIEW, {"b1"}),
                 SessionEvent("s-1", v1::PRODUCT_VIEW, {"b4"}),
                 SessionEvent("s-1", v1::PRODUCT_VIEW, {"b9"})});
  // Alone, "recently viewed" lists them newest first.
  v1::RecommendRequest viewed;
  viewed.set_session_id("s-1");
  viewed.set_placement("recently_viewed");
  viewed.set_count(3);
  v1::RecommendResponse viewed_resp;
  ASSERT_TRUE(client.recommend->Recommend(Ctx().get(), viewed, &viewed_resp).ok());
  ASSERT_EQ(viewed_resp.items_size(), 3);
  EXPECT_EQ(viewed_resp.items(0).item().id(), "b9") << viewed_resp.DebugString();
  EXPECT_EQ(viewed_resp.items(1).item().id(), "b4");
  EXPECT_EQ(viewed_resp.items(2).item().id(), "b1");
  EXPECT_EQ(viewed_resp.items(0).reason(), "You viewed this recently");

  // 2. The home page: "for you" leans Kitchen, "recently viewed" lists the views.
  v1::RecommendPageRequest home;
  home.set_session_id("s-1");
  auto* for_you = home.add_placements();
  for_you->set_placement("for_you");  // not configured: the "default" strategy (als)
  for_you->set_count(8);
  auto* recent = home.add_placements();
  recent->set_placement("recently_viewed");
  recent->set_count(3);
  v1::RecommendPageResponse page = Page(client, home);
  ASSERT_EQ(page.placements_size(), 2);
  const v1::RecommendResponse& first = page.placements(0);
  ASSERT_EQ(first.items_size(), 8);
  EXPECT_TRUE(first.personalized());
  EXPECT_GE(CountTaste(first, 'b'), 6) << first.DebugString();
  EXPECT_EQ(first.items(0).reason_code(), v1::PERSONALIZED);
  EXPECT_EQ(first.items(0).reason().rfind("Because you viewed Title of b", 0), 0u)
      << first.items(0).reason();
  std::set<std::string> recently;
  for (const auto& item : page.placements(1).items()) {
    recently.insert(item.item().id());
    if (!item.fallback()) EXPECT_EQ(item.reason_code(), v1::RECENTLY_VIEWED);
  }
  // The viewed items went to "recently viewed", or to "for you" before it.
  for (const auto& item : first.items()) recently.insert(item.item().id());
  for (const char* id : {"b1", "b4", "b9"}) EXPECT_TRUE(recently.contains(id)) << id;

  // 3. The visitor sees the "for you" list and clicks its first item.
  const std::string rec_id = first.recommendation_id();
  const std::string clicked = first.items(0).item().id();
  std::vector<std::string> shown;
  for (const auto& item : first.items()) shown.push_back(item.item().id());
  v1::Event impression = SessionEvent("s-1", v1::RECOMMENDATION_IMPRESSION, shown);
  impression.set_recommendation_id(rec_id);
  v1::Event click = SessionEvent("s-1", v1::RECOMMENDATION_CLICK, {clicked});
  click.set_recommendation_id(rec_id);
  Track(client, {impression, click});

  // 4. Login: one event with both ids merges the session into the customer.
  v1::Event login = SessionEvent("s-1", v1::PAGE_VIEW, {});
  login.set_customer_id("newbie");
  Track(client, {login});
  v1::RecommendRequest as_customer;
  as_customer.set_customer_id("newbie");
  as_customer.set_placement("for_you");
  as_customer.set_count(8);
  v1::RecommendResponse logged_in;
  ASSERT_TRUE(client.recommend->Recommend(Ctx().get(), as_customer, &logged_in).ok());
  EXPECT_TRUE(logged_in.personalized());
  EXPECT_GE(CountTaste(logged_in, 'b'), 6) << logged_in.DebugString();
  EXPECT_EQ(logged_in.variant(), "default");

  // 5. The customer buys the clicked item (no id on the purchase: the click
  //    within the window is what credits it).
  v1::Event purchase = MakeEvent("newbie", v1::PURCHASE, {clicked});
  purchase.set_order_id("order-1");
  purchase.mutable_items(0)->set_price(25);
  Track(client, {purchase});

  // 6. The cart page: "bought together" with the purchase, never the item bought.
  v1::RecommendPageRequest cart;
  cart.set_customer_id("newbie");
  cart.add_context_item_ids("b2");
  auto* together = cart.add_placements();
  together->set_placement("cart");
  together->set_count(5);
  v1::RecommendPageResponse cart_page = Page(client, cart);
  ASSERT_EQ(cart_page.placements(0).items_size(), 5);
  for (const auto& item : cart_page.placements(0).items()) {
    EXPECT_NE(item.item().id(), clicked);
    EXPECT_NE(item.item().id(), "b2");
  }

  // 7. The metrics: one list of 8 shown, 1 click, 1 order of 25.
  v1::GetPlacementMetricsRequest metrics_request;
  metrics_request.set_placement("for_you");
  v1::GetPlacementMetricsResponse metrics;
  grpc::Status status =
      client.metrics->GetPlacementMetrics(Ctx().get(), metrics_request, &metrics);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(metrics.placements_size(), 1) << metrics.DebugString();
  ASSERT_EQ(metrics.placements(0).variants_size(), 1);
  const v1::MetricFigures& totals = metrics.placements(0).variants(0).totals();
  EXPECT_EQ(totals.impressions(), 8);
  EXPECT_EQ(totals.list_impressions(), 1);
  EXPECT_EQ(totals.clicks(), 1);
  EXPECT_EQ(totals.conversions(), 1);
  EXPECT_DOUBLE_EQ(totals.revenue().value(), 25);
  EXPECT_DOUBLE_EQ(totals.click_through_rate().value(), 1.0 / 8);
  EXPECT_LT(totals.click_through_rate().low(), 1.0 / 8);
  EXPECT_GT(totals.click_through_rate().high(), 1.0 / 8);
}

}  // namespace
}  // namespace persona::testing
