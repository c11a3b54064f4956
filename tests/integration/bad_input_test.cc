// Every invalid request gets a clear status naming the field and leaves the
// stored data exactly as it was.
#include <functional>

#include "gtest/gtest.h"
#include "tests/integration/client.h"
#include "tests/testing/server_process.h"

namespace persona::testing {
namespace {

class BadInputTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    server_ = new ServerProcess(ServerBinary(), dir_->path() + "/data");
    ASSERT_TRUE(server_->Start());
    client_ = new Client(server_->channel());
    v1::UpsertItemsRequest items;
    *items.add_items() = MakeItem("fixture-item", {"Home"}, 10);
    v1::UpsertItemsResponse items_resp;
    ASSERT_TRUE(client_->catalog->UpsertItems(Ctx().get(), items, &items_resp).ok());
    v1::TrackEventsRequest events;
    *events.add_events() = MakeEvent("fixture", v1::PURCHASE, {"fixture-item"}, "fx-1");
    v1::TrackEventsResponse events_resp;
    ASSERT_TRUE(client_->events->TrackEvents(Ctx().get(), events, &events_resp).ok());
  }
  static void TearDownTestSuite() {
    delete client_;
    delete server_;
    delete dir_;
  }

  // Everything a bad request could have damaged, serialised.
  static std::string Fingerprint() {
    std::string out;
    v1::ShopStats stats;
    EXPECT_TRUE(client_->admin->GetStats(Ctx().get(), v1::GetStatsRequest(), &stats).ok());
    out += std::to_string(stats.items()) + "/" + std::to_string(stats.customers()) + "/" +
           std::to_string(stats.events_total()) + "/" + std::to_string(stats.events_stored()) + ";";
    v1::GetProfileRequest req;
    req.set_customer_id("fixture");
    v1::Profile profile;
    EXPECT_TRUE(client_->customers->GetProfile(Ctx().get(), req, &profile).ok());
    // Decayed figures move with the clock; the stored data does not.
    profile.mutable_stats()->clear_recency_days();
    for (auto& a : *profile.mutable_stats()->mutable_category_affinities()) {
      a.clear_score();
      a.clear_share();
    }
    out += profile.SerializeAsString();
    v1::GetItemsRequest get;
    get.add_ids("fixture-item");
    v1::GetItemsResponse items;
    EXPECT_TRUE(client_->catalog->GetItems(Ctx().get(), get, &items).ok());
    return out + items.SerializeAsString();
  }

  static TempDir* dir_;
  static ServerProcess* server_;
  static Client* client_;
};

TempDir* BadInputTest::dir_ = nullptr;
ServerProcess* BadInputTest::server_ = nullptr;
Client* BadInputTest::client_ = nullptr;

struct Case {
  const char* name;
  std::function<grpc::Status(Client&)> call;
  grpc::StatusCode code;
  // Must appear in the status message.
  const char* field;
};

v1::RecommendRequest Rec(std::function<void(v1::RecommendRequest&)> edit) {
  v1::RecommendRequest r;
  edit(r);
  return r;
}

grpc::Status Recommend(Client& c, const v1::RecommendRequest& r) {
  v1::RecommendResponse resp;
  return c.recommend->Recommend(Ctx().get(), r, &resp);
}

grpc::Status TrackAll(Client& c, std::vector<v1::Event> events) {
  v1::TrackEventsRequest req;
  for (auto& e : events) *req.add_events() = std::move(e);
  v1::TrackEventsResponse resp;
  return c.events->TrackEvents(Ctx().get(), req, &resp);
}

TEST_F(BadInputTest, RequestLevelProblemsGetTheirStatus) {
  const std::string too_long(257, 'x');
  const std::vector<Case> cases = {
      {"count too large", [](Client& c) { return Recommend(c, Rec([](auto& r) { r.set_count(101); })); },
       grpc::StatusCode::INVALID_ARGUMENT, "count"},
      {"negative count", [](Client& c) { return Recommend(c, Rec([](auto& r) { r.set_count(-1); })); },
       grpc::StatusCode::INVALID_ARGUMENT, "count"},
      {"over-long customer id",
       [&](Client& c) { return Recommend(c, Rec([&](auto& r) { r.set_customer_id(too_long); })); },
       grpc::StatusCode::INVALID_ARGUMENT, "customer_id"},
      {"control character in session",
       [](Client& c) { return Recommend(c, Rec([](auto& r) { r.set_session_id("a\nb"); })); },
       grpc::StatusCode::INVALID_ARGUMENT, "session_id"},
      {"bad shop name",
       [](Client& c) { return Recommend(c, Rec([](auto& r) { r.set_shop("Bad Shop"); })); },
       grpc::StatusCode::INVALID_ARGUMENT, "shop"},
      {"bad placement",
       [](Client& c) { return Recommend(c, Rec([](auto& r) { r.set_placement("Home Page"); })); },
       grpc::StatusCode::INVALID_ARGUMENT, "placement"},
      {"min price above max",
       [](Client& c) {
         return Recommend(c, Rec([](auto& r) {
           r.mutable_filter()->set_min_price(10);
           r.mutable_filter()->set_max_price(5);
         }));
       },
       grpc::StatusCode::INVALID_ARGUMENT, "filter.max_price"},
      {"negative min price",
       [](Client& c) { return Recommend(c, Rec([](auto& r) { r.mutable_filter()->set_min_price(-1); })); },
       grpc::StatusCode::INVALID_ARGUMENT, "filter.min_price"},
      {"empty context id",
       [](Client& c) { return Recommend(c, Rec([](auto& r) { r.add_context_item_ids(""); })); },
       grpc::StatusCode::INVALID_ARGUMENT, "context_item_ids[0]"},
      {"empty event batch", [](Client& c) { return TrackAll(c, {}); },
       grpc::StatusCode::INVALID_ARGUMENT, "events"},
      {"event batch over the limit",
       [](Client& c) {
         return TrackAll(c, std::vector<v1::Event>(1001, MakeEvent("z", v1::PRODUCT_VIEW, {"fixture-item"})));
       },
       grpc::StatusCode::INVALID_ARGUMENT, "events"},
      {"request over the size limit",
       [](Client& c) {
         v1::UpsertItemsRequest req;
         for (int i = 0; i < 10; ++i) {
           auto item = MakeItem("big" + std::to_string(i), {"X"}, 1);
           item.set_title(std::string(1000, 't'));
           (*item.mutable_attributes())["blob"] = std::string(1 << 20, 'b');
           *req.add_items() = item;
         }
         v1::UpsertItemsResponse resp;
         return c.catalog->UpsertItems(Ctx().get(), req, &resp);
       },
       grpc::StatusCode::RESOURCE_EXHAUSTED, ""},
      {"profile of nobody",
       [](Client& c) {
         v1::GetProfileRequest req;
         req.set_customer_id("nobody");
         v1::Profile p;
         return c.customers->GetProfile(Ctx().get(), req, &p);
       },
       grpc::StatusCode::NOT_FOUND, ""},
      {"profile with both ids",
       [](Client& c) {
         v1::GetProfileRequest req;
         req.set_customer_id("a");
         req.set_session_id("b");
         v1::Profile p;
         return c.customers->GetProfile(Ctx().get(), req, &p);
       },
       grpc::StatusCode::INVALID_ARGUMENT, "customer_id"},
      {"erase nobody",
       [](Client& c) {
         v1::EraseCustomerRequest req;
         req.set_customer_id("nobody");
         v1::EraseCustomerResponse resp;
         return c.customers->EraseCustomer(Ctx().get(), req, &resp);
       },
       grpc::StatusCode::NOT_FOUND, ""},
      {"availability of an unknown item",
       [](Client& c) {
         v1::SetAvailabilityRequest req;
         req.add_ids("fixture-item");
         req.add_ids("ghost");
         req.set_availability(v1::OUT_OF_STOCK);
         v1::SetAvailabilityResponse resp;
         return c.catalog->SetAvailability(Ctx().get(), req, &resp);
       },
       grpc::StatusCode::NOT_FOUND, "ids[1]"},
      {"availability unset",
       [](Client& c) {
         v1::SetAvailabilityRequest req;
         req.add_ids("fixture-item");
         v1::SetAvailabilityResponse resp;
         return c.catalog->SetAvailability(Ctx().get(), req, &resp);
       },
       grpc::StatusCode::INVALID_ARGUMENT, "availability"},
      {"category with a slash",
       [](Client& c) {
         v1::UpsertCategoriesRequest req;
         req.add_categories()->add_path("a/b");
         v1::UpsertCategoriesResponse resp;
         return c.catalog->UpsertCategories(Ctx().get(), req, &resp);
       },
       grpc::StatusCode::INVALID_ARGUMENT, "categories[0].path[0]"},
  };
  const std::string before = Fingerprint();
  for (const Case& tc : cases) {
    grpc::Status status = tc.call(*client_);
    EXPECT_EQ(status.error_code(), tc.code) << tc.name << ": " << status.error_message();
    EXPECT_NE(status.error_message().find(tc.field), std::string::npos)
        << tc.name << ": '" << status.error_message() << "' does not name " << tc.field;
  }
  EXPECT_EQ(Fingerprint(), before);
}

struct EventCase {
  const char* name;
  std::function<void(v1::Event&)> edit;
  const char* field;
};

TEST_F(BadInputTest, InvalidEventsAreRejectedByIndexAndValidOnesStored) {
  const int64_t far_future = 4'102'444'800'000;  // 2100-01-01
  const std::vector<EventCase> cases = {
      {"unknown type", [](auto& e) { e.set_type(static_cast<v1::EventType>(999)); }, "events[1].type"},
      {"no type", [](auto& e) { e.set_type(v1::EVENT_TYPE_UNSPECIFIED); }, "events[1].type"},
      {"no subject", [](auto& e) { e.clear_customer_id(); }, "events[1].customer_id"},
      {"negative price", [](auto& e) { e.mutable_items(0)->set_price(-3); }, "events[1].items[0].price"},
      {"NaN value", [](auto& e) { e.set_value(std::nan("")); }, "events[1].value"},
      {"far future", [&](auto& e) { e.set_timestamp_ms(far_future); }, "events[1].timestamp_ms"},
      {"negative time", [](auto& e) { e.set_timestamp_ms(-5); }, "events[1].timestamp_ms"},
      {"view without item", [](auto& e) { e.clear_items(); }, "events[1].items"},
      {"empty item id", [](auto& e) { e.mutable_items(0)->set_item_id(""); }, "events[1].items[0].item_id"},
      {"negative quantity", [](auto& e) { e.mutable_items(0)->set_quantity(-1); }, "events[1].items[0].quantity"},
      {"unknown channel", [](auto& e) { e.set_channel(static_cast<v1::Channel>(77)); }, "events[1].channel"},
      {"long event id", [](auto& e) { e.set_event_id(std::string(300, 'e')); }, "events[1].event_id"},
      {"NPS out of range",
       [](auto& e) {
         e.set_type(v1::SURVEY_RESPONSE);
         (*e.mutable_properties())["survey"] = "nps";
         e.set_value(11);
       },
       "events[1].value"},
  };
  int n = 0;
  for (const EventCase& tc : cases) {
    v1::TrackEventsRequest req;
    const std::string customer = "mixed-" + std::to_string(n++);
    *req.add_events() = MakeEvent(customer, v1::PRODUCT_VIEW, {"fixture-item"});
    v1::Event bad = MakeEvent(customer, v1::PRODUCT_VIEW, {"fixture-item"});
    tc.edit(bad);
    *req.add_events() = bad;
    *req.add_events() = MakeEvent(customer, v1::ADD_TO_CART, {"fixture-item"});
    v1::TrackEventsResponse resp;
    ASSERT_TRUE(client_->events->TrackEvents(Ctx().get(), req, &resp).ok()) << tc.name;
    EXPECT_EQ(resp.accepted(), 2) << tc.name;
    ASSERT_EQ(resp.rejected_size(), 1) << tc.name;
    EXPECT_EQ(resp.rejected(0).index(), 1) << tc.name;
    EXPECT_EQ(resp.rejected(0).field(), tc.field) << tc.name << ": " << resp.rejected(0).reason();
    EXPECT_FALSE(resp.rejected(0).reason().empty());
    // Exactly the two valid events were stored for this customer.
    v1::GetProfileRequest preq;
    preq.set_customer_id(customer);
    v1::Profile profile;
    ASSERT_TRUE(client_->customers->GetProfile(Ctx().get(), preq, &profile).ok());
    EXPECT_EQ(profile.recent_events_size(), 2) << tc.name;
  }
}

TEST_F(BadInputTest, InvalidItemsAndCustomersAreRejectedByIndex) {
  const std::string before = Fingerprint();
  v1::UpsertItemsRequest items;
  *items.add_items() = MakeItem("", {"X"}, 1);
  *items.add_items() = MakeItem("neg", {"X"}, -1);
  *items.add_items() = MakeItem("cur", {"X"}, 1);
  items.mutable_items(2)->set_currency("pounds");
  *items.add_items() = MakeItem("avail", {"X"}, 1);
  items.mutable_items(3)->set_availability(static_cast<v1::Availability>(42));
  *items.add_items() = MakeItem("deep", {"1", "2", "3", "4", "5", "6", "7", "8", "9"}, 1);
  v1::UpsertItemsResponse items_resp;
  ASSERT_TRUE(client_->catalog->UpsertItems(Ctx().get(), items, &items_resp).ok());
  EXPECT_EQ(items_resp.accepted(), 0);
  std::vector<std::string> fields;
  for (const auto& r : items_resp.rejected()) fields.push_back(r.field());
  EXPECT_EQ(fields, (std::vector<std::string>{"items[0].id", "items[1].price", "items[2].currency",
                                              "items[3].availability", "items[4].category_path"}));
  v1::UpsertCustomersRequest customers;
  customers.add_customers()->set_id("");
  customers.add_customers()->set_id("e");
  customers.mutable_customers(1)->set_email("not an email");
  customers.add_customers()->set_id("y");
  customers.mutable_customers(2)->set_birth_year(1200);
  v1::UpsertCustomersResponse customers_resp;
  ASSERT_TRUE(client_->customers->UpsertCustomers(Ctx().get(), customers, &customers_resp).ok());
  EXPECT_EQ(customers_resp.accepted(), 0);
  fields.clear();
  for (const auto& r : customers_resp.rejected()) fields.push_back(r.field());
  EXPECT_EQ(fields, (std::vector<std::string>{"customers[0].id", "customers[1].email",
                                              "customers[2].birth_year"}));
  EXPECT_EQ(Fingerprint(), before);
}

}  // namespace
}  // namespace persona::testing
