// Helpers for integration tests: stubs over a running server and small
// builders for requests. Not thread-safe.
#ifndef PERSONA_TESTS_INTEGRATION_CLIENT_H_
#define PERSONA_TESTS_INTEGRATION_CLIENT_H_

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "persona/v1/admin.grpc.pb.h"
#include "persona/v1/catalog.grpc.pb.h"
#include "persona/v1/customers.grpc.pb.h"
#include "persona/v1/events.grpc.pb.h"
#include "persona/v1/metrics.grpc.pb.h"
#include "persona/v1/recommend.grpc.pb.h"

namespace persona::testing {

namespace v1 = ::persona::v1;

struct Client {
  explicit Client(const std::shared_ptr<grpc::Channel>& channel)
      : catalog(v1::CatalogService::NewStub(channel)),
        customers(v1::CustomerService::NewStub(channel)),
        events(v1::EventService::NewStub(channel)),
        recommend(v1::RecommendService::NewStub(channel)),
        admin(v1::AdminService::NewStub(channel)),
        metrics(v1::MetricsService::NewStub(channel)) {}

  std::unique_ptr<v1::CatalogService::Stub> catalog;
  std::unique_ptr<v1::CustomerService::Stub> customers;
  std::unique_ptr<v1::EventService::Stub> events;
  std::unique_ptr<v1::RecommendService::Stub> recommend;
  std::unique_ptr<v1::AdminService::Stub> admin;
  std::unique_ptr<v1::MetricsService::Stub> metrics;
};

// A client context with a 30 s deadline.
inline std::unique_ptr<grpc::ClientContext> Ctx() {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return ctx;
}

inline v1::Item MakeItem(const std::string& id, std::vector<std::string> category, double price) {
  v1::Item item;
  item.set_id(id);
  item.set_title("Title of " + id);
  for (auto& c : category) item.add_category_path(c);
  item.set_price(price);
  item.set_currency("GBP");
  item.set_url("https://shop.example/p/" + id);
  item.set_availability(v1::IN_STOCK);
  return item;
}

inline v1::Event MakeEvent(const std::string& customer, v1::EventType type,
                           const std::vector<std::string>& items, const std::string& event_id = "") {
  v1::Event e;
  e.set_customer_id(customer);
  e.set_type(type);
  e.set_event_id(event_id);
  e.set_channel(v1::WEB);
  for (const auto& id : items) {
    auto* item = e.add_items();
    item->set_item_id(id);
    item->set_quantity(1);
    item->set_price(10);
  }
  return e;
}

// Two tastes: a-items (Garden) and b-items (Kitchen). Customers of each taste
// buy four of their items, two per order. Prices are equal, so popularity
// alone cannot tell the tastes apart.
inline void LoadTwoTastes(Client& client) {
  v1::UpsertItemsRequest items;
  for (int i = 0; i < 20; ++i) {
    *items.add_items() = MakeItem("a" + std::to_string(i), {"Garden"}, 10);
    *items.add_items() = MakeItem("b" + std::to_string(i), {"Kitchen"}, 10);
  }
  v1::UpsertItemsResponse items_resp;
  ASSERT_TRUE(client.catalog->UpsertItems(Ctx().get(), items, &items_resp).ok());
  v1::TrackEventsRequest events;
  for (int c = 0; c < 80; ++c) {
    const std::string taste = c % 2 == 0 ? "a" : "b";
    for (int k = 0; k < 4; ++k) {
      v1::Event e = MakeEvent("c" + std::to_string(c), v1::PURCHASE,
                              {taste + std::to_string((c * 3 + k * 7) % 20)});
      e.set_order_id("o" + std::to_string(c) + "-" + std::to_string(k / 2));
      *events.add_events() = e;
    }
  }
  v1::TrackEventsResponse events_resp;
  ASSERT_TRUE(client.events->TrackEvents(Ctx().get(), events, &events_resp).ok());
  ASSERT_EQ(events_resp.accepted(), 320);
}

}  // namespace persona::testing

#endif  // PERSONA_TESTS_INTEGRATION_CLIENT_H_
