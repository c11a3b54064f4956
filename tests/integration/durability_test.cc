// Durability: restarts, replays and a server killed in the middle of a stream.
#include <atomic>
#include <thread>

#include "gtest/gtest.h"
#include "tests/integration/client.h"
#include "tests/testing/server_process.h"

namespace persona::testing {
namespace {

int64_t EventsTotal(Client& client) {
  v1::ShopStats stats;
  EXPECT_TRUE(client.admin->GetStats(Ctx().get(), v1::GetStatsRequest(), &stats).ok());
  return stats.events_total();
}

TEST(DurabilityTest, RestartKeepsCatalogProfilesAndEvents) {
  TempDir dir;
  ServerProcess server(ServerBinary(), dir.path() + "/data");
  ASSERT_TRUE(server.Start());
  {
    Client client(server.channel());
    v1::UpsertItemsRequest items;
    *items.add_items() = MakeItem("lamp", {"Home"}, 20);
    v1::UpsertItemsResponse items_resp;
    ASSERT_TRUE(client.catalog->UpsertItems(Ctx().get(), items, &items_resp).ok());
    v1::UpsertCustomersRequest customers;
    customers.add_customers()->set_id("bob");
    customers.mutable_customers(0)->set_country("France");
    v1::UpsertCustomersResponse customers_resp;
    ASSERT_TRUE(client.customers->UpsertCustomers(Ctx().get(), customers, &customers_resp).ok());
    v1::TrackEventsRequest events;
    *events.add_events() = MakeEvent("bob", v1::PURCHASE, {"lamp"}, "e1");
    *events.add_events() = MakeEvent("bob", v1::PRODUCT_VIEW, {"lamp"}, "e2");
    v1::TrackEventsResponse events_resp;
    ASSERT_TRUE(client.events->TrackEvents(Ctx().get(), events, &events_resp).ok());
    ASSERT_EQ(events_resp.accepted(), 2);
  }
  ASSERT_EQ(server.Stop(), 0);
  ASSERT_TRUE(server.Start());
  Client client(server.channel());
  v1::GetItemsRequest get;
  get.add_ids("lamp");
  v1::GetItemsResponse got;
  ASSERT_TRUE(client.catalog->GetItems(Ctx().get(), get, &got).ok());
  ASSERT_EQ(got.items_size(), 1);
  EXPECT_EQ(got.items(0).price(), 20);
  v1::GetProfileRequest profile_req;
  profile_req.set_customer_id("bob");
  v1::Profile profile;
  ASSERT_TRUE(client.customers->GetProfile(Ctx().get(), profile_req, &profile).ok());
  EXPECT_EQ(profile.customer().country(), "France");
  EXPECT_EQ(profile.stats().frequency(), 1);
  EXPECT_EQ(profile.recent_events_size(), 2);
  EXPECT_EQ(EventsTotal(client), 2);
  // Popularity was rebuilt from storage: the bought lamp leads for a newcomer.
  v1::RecommendRequest rec;
  rec.set_count(1);
  v1::RecommendResponse rec_resp;
  ASSERT_TRUE(client.recommend->Recommend(Ctx().get(), rec, &rec_resp).ok());
  ASSERT_EQ(rec_resp.items_size(), 1);
  EXPECT_EQ(rec_resp.items(0).item().id(), "lamp");
}

TEST(DurabilityTest, ReplayedEventIdIsCountedOnce) {
  TempDir dir;
  ServerProcess server(ServerBinary(), dir.path() + "/data");
  ASSERT_TRUE(server.Start());
  Client client(server.channel());
  v1::TrackEventsRequest req;
  *req.add_events() = MakeEvent("carol", v1::PURCHASE, {"x"}, "order-1");
  *req.add_events() = MakeEvent("carol", v1::PURCHASE, {"x"}, "order-1");  // same call
  v1::TrackEventsResponse resp;
  ASSERT_TRUE(client.events->TrackEvents(Ctx().get(), req, &resp).ok());
  EXPECT_EQ(resp.accepted(), 1);
  EXPECT_EQ(resp.duplicates(), 1);
  // A retry of the whole call, and again after a restart.
  ASSERT_TRUE(client.events->TrackEvents(Ctx().get(), req, &resp).ok());
  EXPECT_EQ(resp.accepted(), 0);
  EXPECT_EQ(resp.duplicates(), 2);
  ASSERT_EQ(server.Stop(), 0);
  ASSERT_TRUE(server.Start());
  Client again(server.channel());
  ASSERT_TRUE(again.events->TrackEvents(Ctx().get(), req, &resp).ok());
  EXPECT_EQ(resp.accepted(), 0);
  v1::GetProfileRequest profile_req;
  profile_req.set_customer_id("carol");
  v1::Profile profile;
  ASSERT_TRUE(again.customers->GetProfile(Ctx().get(), profile_req, &profile).ok());
  EXPECT_EQ(profile.stats().event_counts().at("PURCHASE"), 1);
  EXPECT_EQ(profile.stats().frequency(), 1);
  EXPECT_EQ(EventsTotal(again), 1);
}

// Streams batches of 10 events (one customer per batch) and SIGKILLs the
// server after some acknowledgements; every acknowledged batch must be there
// after a restart.
TEST(DurabilityTest, AcknowledgedStreamEventsSurviveSigkill) {
  TempDir dir;
  ServerProcess server(ServerBinary(), dir.path() + "/data");
  ASSERT_TRUE(server.Start());
  Client client(server.channel());
  grpc::ClientContext ctx;
  auto stream = client.events->StreamEvents(&ctx);
  constexpr int kBatches = 5000;
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int b = 0; b < kBatches && !stop.load(); ++b) {
      v1::TrackEventsRequest req;
      req.set_sequence(b);
      for (int i = 0; i < 10; ++i) {
        *req.add_events() = MakeEvent("k" + std::to_string(b), v1::PRODUCT_VIEW, {"item"},
                                      "k" + std::to_string(b) + "-" + std::to_string(i));
      }
      if (!stream->Write(req)) break;
    }
  });
  std::vector<int64_t> acked;
  v1::TrackEventsResponse ack;
  while (stream->Read(&ack)) {
    EXPECT_EQ(ack.accepted(), 10);
    acked.push_back(ack.sequence());
    if (acked.size() == 200) server.Kill();  // mid-stream, writes still in flight
  }
  stop = true;
  ctx.TryCancel();
  writer.join();
  ASSERT_GE(acked.size(), 200u);

  ASSERT_TRUE(server.Start());
  Client again(server.channel());
  EXPECT_GE(EventsTotal(again), static_cast<int64_t>(acked.size()) * 10);
  for (int64_t seq : acked) {
    v1::GetProfileRequest req;
    req.set_customer_id("k" + std::to_string(seq));
    v1::Profile profile;
    ASSERT_TRUE(again.customers->GetProfile(Ctx().get(), req, &profile).ok()) << seq;
    ASSERT_EQ(profile.stats().event_counts().at("PRODUCT_VIEW"), 10) << seq;
  }
}

}  // namespace
}  // namespace persona::testing
