// The collaborative-filtering model through the running server: training on
// the admin call, real-time fold-in of a new customer's events, persistence.
#include <map>

#include "gtest/gtest.h"
#include "tests/integration/client.h"
#include "tests/testing/server_process.h"

namespace persona::testing {
namespace {

// Counts the items of each taste in a recommendation.
std::map<char, int> Tastes(const v1::RecommendResponse& r) {
  std::map<char, int> counts;
  for (const auto& item : r.items()) ++counts[item.item().id()[0]];
  return counts;
}

TEST(ModelTest, NewCustomersEventsSteerTheirNextRecommendations) {
  TempDir dir;
  ServerProcess server(ServerBinary(), dir.path() + "/data");
  ASSERT_TRUE(server.Start());
  Client client(server.channel());
  LoadTwoTastes(client);

  v1::TrainModelRequest train;
  v1::ModelInfo info;
  grpc::Status status = client.admin->TrainModel(Ctx().get(), train, &info);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(info.users(), 80);
  EXPECT_EQ(info.items(), 40);
  EXPECT_EQ(info.trained_items(), 40);
  EXPECT_FALSE(info.version().empty());

  // A brand-new customer views three Kitchen items: the next call leans Kitchen.
  v1::TrackEventsRequest views;
  for (const char* id : {"b1", "b4", "b9"}) *views.add_events() = MakeEvent("fresh", v1::PRODUCT_VIEW, {id});
  v1::TrackEventsResponse views_resp;
  ASSERT_TRUE(client.events->TrackEvents(Ctx().get(), views, &views_resp).ok());
  v1::RecommendRequest req;
  req.set_customer_id("fresh");
  req.set_count(10);
  v1::RecommendResponse kitchen;
  ASSERT_TRUE(client.recommend->Recommend(Ctx().get(), req, &kitchen).ok());
  EXPECT_EQ(kitchen.model_version(), info.version());
  EXPECT_TRUE(kitchen.personalized());
  EXPECT_GE(Tastes(kitchen)['b'], 8) << kitchen.DebugString();
  EXPECT_EQ(kitchen.items(0).source(), "als");
  EXPECT_NE(kitchen.items(0).reason().find("Because you viewed Title of b"), std::string::npos)
      << kitchen.items(0).reason();

  // Then buys Garden items: without retraining, the next call turns to Garden.
  v1::TrackEventsRequest buys;
  for (const char* id : {"a2", "a5", "a8", "a11", "a14", "a17"}) {
    *buys.add_events() = MakeEvent("fresh", v1::PURCHASE, {id});
  }
  v1::TrackEventsResponse buys_resp;
  ASSERT_TRUE(client.events->TrackEvents(Ctx().get(), buys, &buys_resp).ok());
  v1::RecommendResponse garden;
  ASSERT_TRUE(client.recommend->Recommend(Ctx().get(), req, &garden).ok());
  EXPECT_GT(Tastes(garden)['a'], Tastes(kitchen)['a'] + 3) << garden.DebugString();
  // Reasons say how the customer met the anchor: bought, not viewed.
  EXPECT_EQ(garden.items(0).reason().rfind("Because you bought Title of a", 0), 0u)
      << garden.items(0).reason();
  for (const auto& item : garden.items()) {
    for (const char* bought : {"a2", "a5", "a8", "a11", "a14", "a17"}) {
      EXPECT_NE(item.item().id(), bought);  // bought items are not offered again
    }
  }

  // An anonymous visitor on a Garden product page gets Garden items "bought with" it.
  v1::RecommendRequest cart;
  cart.set_session_id("anon-1");
  cart.set_placement("cart");
  cart.add_context_item_ids("a3");
  cart.set_count(5);
  v1::RecommendResponse cart_resp;
  ASSERT_TRUE(client.recommend->Recommend(Ctx().get(), cart, &cart_resp).ok());
  ASSERT_GT(cart_resp.items_size(), 0);
  EXPECT_EQ(cart_resp.items(0).source(), "bought_together");
  EXPECT_EQ(cart_resp.items(0).reason_code(), v1::BOUGHT_TOGETHER);
  EXPECT_EQ(cart_resp.items(0).item().id()[0], 'a');

  // The model survives a restart: the stored version serves at once.
  ASSERT_EQ(server.Stop(), 0);
  ASSERT_TRUE(server.Start());
  Client again(server.channel());
  v1::ModelInfo after;
  ASSERT_TRUE(again.admin->GetModelInfo(Ctx().get(), v1::GetModelInfoRequest(), &after).ok());
  EXPECT_EQ(after.version(), info.version());
}

TEST(ModelTest, TooLittleBehaviourIsAFailedPrecondition) {
  TempDir dir;
  ServerProcess server(ServerBinary(), dir.path() + "/data");
  ASSERT_TRUE(server.Start());
  Client client(server.channel());
  v1::ModelInfo info;
  EXPECT_EQ(client.admin->TrainModel(Ctx().get(), v1::TrainModelRequest(), &info).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(client.admin->GetModelInfo(Ctx().get(), v1::GetModelInfoRequest(), &info).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace persona::testing
