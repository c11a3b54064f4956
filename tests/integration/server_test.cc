// End-to-end behaviour of persona-server through its gRPC API.
#include <filesystem>
#include <map>
#include <set>

#include "gtest/gtest.h"
#include "zlib.h"
#include "grpcpp/generic/generic_stub.h"
#include "tests/integration/client.h"
#include "tests/testing/server_process.h"

namespace persona::testing {
namespace {

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(ServerBinary(), dir_.path() + "/data");
    ASSERT_TRUE(server_->Start());
    client_ = std::make_unique<Client>(server_->channel());
  }

  // Upserts items i0..i19: i0..i9 under Home/Lighting, the rest under Kitchen.
  void LoadCatalog(const std::string& shop = "") {
    v1::UpsertItemsRequest req;
    req.set_shop(shop);
    for (int i = 0; i < 20; ++i) {
      *req.add_items() = MakeItem("i" + std::to_string(i),
                                  i < 10 ? std::vector<std::string>{"Home", "Lighting"}
                                         : std::vector<std::string>{"Kitchen"},
                                  5.0 + i);
    }
    v1::UpsertItemsResponse resp;
    ASSERT_TRUE(client_->catalog->UpsertItems(Ctx().get(), req, &resp).ok());
    ASSERT_EQ(resp.accepted(), 20);
  }

  v1::TrackEventsResponse Track(const std::vector<v1::Event>& events, const std::string& shop = "") {
    v1::TrackEventsRequest req;
    req.set_shop(shop);
    for (const auto& e : events) *req.add_events() = e;
    v1::TrackEventsResponse resp;
    grpc::Status status = client_->events->TrackEvents(Ctx().get(), req, &resp);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return resp;
  }

  v1::RecommendResponse Recommend(v1::RecommendRequest req) {
    v1::RecommendResponse resp;
    grpc::Status status = client_->recommend->Recommend(Ctx().get(), req, &resp);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return resp;
  }

  static std::vector<std::string> Ids(const v1::RecommendResponse& r) {
    std::vector<std::string> ids;
    for (const auto& item : r.items()) ids.push_back(item.item().id());
    return ids;
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<Client> client_;
};

TEST_F(ServerTest, HealthCheckServes) {
  grpc::GenericStub stub(server_->channel());
  grpc::Slice empty{std::string()};
  grpc::ByteBuffer request(&empty, 1);  // an empty HealthCheckRequest: the whole server
  grpc::ByteBuffer response;
  grpc::ClientContext ctx;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  stub.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) {
                   std::lock_guard<std::mutex> lock(mu);
                   status = s;
                   done = true;
                   cv.notify_one();
                 });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  EXPECT_EQ(bytes, std::string("\x08\x01", 2));  // status: SERVING
}

TEST_F(ServerTest, TrackThenRecommendChangesTheNextCall) {
  LoadCatalog();
  // i3 is the best seller, then i12, then i5.
  std::vector<v1::Event> events;
  for (int c = 0; c < 6; ++c) events.push_back(MakeEvent("c" + std::to_string(c), v1::PURCHASE, {"i3"}));
  for (int c = 0; c < 4; ++c) events.push_back(MakeEvent("c" + std::to_string(c), v1::PURCHASE, {"i12"}));
  for (int c = 0; c < 2; ++c) events.push_back(MakeEvent("c" + std::to_string(c), v1::PURCHASE, {"i5"}));
  EXPECT_EQ(Track(events).accepted(), 12);

  v1::RecommendRequest req;
  req.set_customer_id("newcomer");
  req.set_count(3);
  auto cold = Recommend(req);
  EXPECT_EQ(Ids(cold), (std::vector<std::string>{"i3", "i12", "i5"}));
  EXPECT_FALSE(cold.personalized());
  EXPECT_FALSE(cold.recommendation_id().empty());
  for (const auto& item : cold.items()) {
    EXPECT_FALSE(item.reason().empty());
    EXPECT_EQ(item.item().title(), "Title of " + item.item().id());
  }
  // The newcomer buys i3: their very next call no longer offers it.
  Track({MakeEvent("newcomer", v1::PURCHASE, {"i3"})});
  auto after = Recommend(req);
  const auto after_ids = Ids(after);
  EXPECT_EQ(after_ids.size(), 3u);
  EXPECT_EQ(std::count(after_ids.begin(), after_ids.end(), "i3"), 0);
  EXPECT_TRUE(after.personalized());
}

TEST_F(ServerTest, FiltersContextAndExclusionsAreHonoured) {
  LoadCatalog();
  v1::RecommendRequest req;
  req.set_count(20);
  req.add_context_item_ids("i1");
  req.add_exclude_item_ids("i2");
  req.mutable_filter()->add_category_path("Home");
  req.mutable_filter()->set_max_price(12.0);
  auto resp = Recommend(req);
  // Home items priced <= 12: i0..i7 (5..12), minus context i1 and excluded i2.
  const auto ids = Ids(resp);
  std::set<std::string> got(ids.begin(), ids.end());
  EXPECT_EQ(got, (std::set<std::string>{"i0", "i3", "i4", "i5", "i6", "i7"}));
  EXPECT_EQ(resp.items_size(), 6);
}

TEST_F(ServerTest, UnavailableItemsAreNeverRecommended) {
  LoadCatalog();
  v1::SetAvailabilityRequest req;
  req.add_ids("i0");
  req.add_ids("i1");
  req.set_availability(v1::DISCONTINUED);
  req.set_stock(-1);
  v1::SetAvailabilityResponse resp;
  ASSERT_TRUE(client_->catalog->SetAvailability(Ctx().get(), req, &resp).ok());
  EXPECT_EQ(resp.updated(), 2);
  v1::RecommendRequest rec;
  rec.set_count(100);
  auto ids = Ids(Recommend(rec));
  EXPECT_EQ(ids.size(), 18u);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "i0") + std::count(ids.begin(), ids.end(), "i1"), 0);
}

TEST_F(ServerTest, RepeatPurchaseCategoriesStayRecommendable) {
  LoadCatalog();
  v1::UpsertCategoriesRequest cats;
  auto* c = cats.add_categories();
  c->add_path("Kitchen");
  c->set_repeat_purchase(true);
  v1::UpsertCategoriesResponse cats_resp;
  ASSERT_TRUE(client_->catalog->UpsertCategories(Ctx().get(), cats, &cats_resp).ok());
  Track({MakeEvent("buyer", v1::PURCHASE, {"i15", "i4"})});
  v1::RecommendRequest req;
  req.set_customer_id("buyer");
  req.set_count(100);
  auto ids = Ids(Recommend(req));
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "i15"), 1);  // Kitchen: repeat purchase
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "i4"), 0);   // Lighting: bought, excluded
}

TEST_F(ServerTest, WithheldConsentGivesNonPersonalizedResults) {
  LoadCatalog();
  v1::UpsertCustomersRequest req;
  auto* c = req.add_customers();
  c->set_id("private");
  c->set_country("Germany");
  c->mutable_consents()->set_personalization(false);
  v1::UpsertCustomersResponse resp;
  ASSERT_TRUE(client_->customers->UpsertCustomers(Ctx().get(), req, &resp).ok());
  Track({MakeEvent("private", v1::PURCHASE, {"i7"})});
  v1::RecommendRequest rec;
  rec.set_customer_id("private");
  rec.set_count(20);
  auto out = Recommend(rec);
  EXPECT_FALSE(out.personalized());
  auto ids = Ids(out);
  // Behaviour is not used, so the bought item is not even excluded.
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "i7"), 1);
}

TEST_F(ServerTest, SessionMergesIntoCustomerAtLogin) {
  LoadCatalog();
  v1::Event view = MakeEvent("", v1::PRODUCT_VIEW, {"i2"});
  view.set_session_id("s-1");
  v1::Event view2 = MakeEvent("", v1::PRODUCT_VIEW, {"i4"});
  view2.set_session_id("s-1");
  Track({view, view2});
  v1::Event login = MakeEvent("alice", v1::PAGE_VIEW, {});
  login.set_session_id("s-1");
  Track({login});
  v1::GetProfileRequest req;
  req.set_customer_id("alice");
  v1::Profile profile;
  ASSERT_TRUE(client_->customers->GetProfile(Ctx().get(), req, &profile).ok());
  EXPECT_EQ(profile.stats().event_counts().at("PRODUCT_VIEW"), 2);
  EXPECT_EQ(profile.stats().event_counts().at("PAGE_VIEW"), 1);
  EXPECT_EQ(profile.recent_events_size(), 3);
  ASSERT_EQ(profile.stats().merged_sessions_size(), 1);
  EXPECT_EQ(profile.stats().merged_sessions(0), "s-1");
  // The session now resolves to alice.
  v1::GetProfileRequest by_session;
  by_session.set_session_id("s-1");
  v1::Profile via_session;
  ASSERT_TRUE(client_->customers->GetProfile(Ctx().get(), by_session, &via_session).ok());
  EXPECT_EQ(via_session.customer().id(), "alice");
}

TEST_F(ServerTest, ShopsAreIsolated) {
  LoadCatalog("shop-a");
  v1::UpsertItemsRequest req;
  req.set_shop("shop-b");
  *req.add_items() = MakeItem("only-b", {"Garden"}, 3);
  v1::UpsertItemsResponse resp;
  ASSERT_TRUE(client_->catalog->UpsertItems(Ctx().get(), req, &resp).ok());
  Track({MakeEvent("same-id", v1::PURCHASE, {"i1"})}, "shop-a");

  v1::RecommendRequest rec;
  rec.set_shop("shop-b");
  rec.set_count(50);
  EXPECT_EQ(Ids(Recommend(rec)), std::vector<std::string>{"only-b"});
  v1::GetItemsRequest get;
  get.set_shop("shop-a");
  get.add_ids("only-b");
  v1::GetItemsResponse got;
  ASSERT_TRUE(client_->catalog->GetItems(Ctx().get(), get, &got).ok());
  EXPECT_EQ(got.items_size(), 0);
  EXPECT_EQ(got.missing_ids_size(), 1);
  v1::GetProfileRequest profile_req;
  profile_req.set_shop("shop-b");
  profile_req.set_customer_id("same-id");
  v1::Profile profile;
  EXPECT_EQ(client_->customers->GetProfile(Ctx().get(), profile_req, &profile).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::ListShopsResponse shops;
  ASSERT_TRUE(client_->admin->ListShops(Ctx().get(), v1::ListShopsRequest(), &shops).ok());
  EXPECT_EQ(std::vector<std::string>(shops.shops().begin(), shops.shops().end()),
            (std::vector<std::string>{"shop-a", "shop-b"}));
}

TEST_F(ServerTest, ExportThenEraseRemovesTheCustomer) {
  LoadCatalog();
  v1::UpsertCustomersRequest req;
  auto* c = req.add_customers();
  c->set_id("gone");
  c->set_email("gone@example.com");
  v1::UpsertCustomersResponse resp;
  ASSERT_TRUE(client_->customers->UpsertCustomers(Ctx().get(), req, &resp).ok());
  Track({MakeEvent("gone", v1::PURCHASE, {"i1"}, "ev-gone-1")});

  v1::ExportCustomerRequest exp;
  exp.set_customer_id("gone");
  v1::ExportCustomerResponse exported;
  ASSERT_TRUE(client_->customers->ExportCustomer(Ctx().get(), exp, &exported).ok());
  EXPECT_NE(exported.json().find("gone@example.com"), std::string::npos);
  EXPECT_NE(exported.json().find("ev-gone-1"), std::string::npos);

  v1::EraseCustomerRequest erase;
  erase.set_customer_id("gone");
  v1::EraseCustomerResponse erased;
  ASSERT_TRUE(client_->customers->EraseCustomer(Ctx().get(), erase, &erased).ok());
  EXPECT_GE(erased.records_deleted(), 3);
  v1::GetProfileRequest get;
  get.set_customer_id("gone");
  v1::Profile profile;
  EXPECT_EQ(client_->customers->GetProfile(Ctx().get(), get, &profile).error_code(),
            grpc::StatusCode::NOT_FOUND);
  // The event id is forgotten too: replaying it stores it as new.
  EXPECT_EQ(Track({MakeEvent("gone", v1::PURCHASE, {"i1"}, "ev-gone-1")}).accepted(), 1);
}

TEST_F(ServerTest, StreamingUpsertSumsBatches) {
  v1::UpsertItemsResponse resp;
  auto ctx = Ctx();
  auto writer = client_->catalog->StreamUpsertItems(ctx.get(), &resp);
  for (int b = 0; b < 3; ++b) {
    v1::UpsertItemsRequest req;
    for (int i = 0; i < 5; ++i) *req.add_items() = MakeItem("s" + std::to_string(b * 5 + i), {"X"}, 1);
    if (b == 1) req.mutable_items(2)->set_price(-1);  // stream index 7
    ASSERT_TRUE(writer->Write(req));
  }
  writer->WritesDone();
  ASSERT_TRUE(writer->Finish().ok());
  EXPECT_EQ(resp.accepted(), 14);
  ASSERT_EQ(resp.rejected_size(), 1);
  EXPECT_EQ(resp.rejected(0).index(), 7);
  EXPECT_EQ(resp.rejected(0).field(), "items[2].price");
}

// Returns the CustomerID of the first purchase row of the demo file.
std::string FirstCustomerInDemo() {
  gzFile f = gzopen(PERSONA_DEMO_CSV, "rb");
  if (f == nullptr) return "";
  char line[4096];
  std::string customer;
  gzgets(f, line, sizeof line);  // header
  while (customer.empty() && gzgets(f, line, sizeof line) != nullptr) {
    // InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country;
    // descriptions may be quoted with commas, so count fields from the end.
    std::string row(line);
    while (!row.empty() && (row.back() == '\n' || row.back() == '\r')) row.pop_back();
    if (row[0] == 'C') continue;
    const size_t country = row.rfind(',');
    const size_t id = row.rfind(',', country - 1);
    customer = row.substr(id + 1, country - id - 1);
  }
  gzclose(f);
  return customer;
}

TEST(DemoShopTest, LoadsOnFirstStartAndRecommendsToItsCustomers) {
  if (!std::filesystem::exists(PERSONA_DEMO_CSV)) GTEST_SKIP() << "no demo data";
  TempDir dir;
  ServerProcess server(ServerBinary(), dir.path() + "/data",
                       {std::string("--demo_csv=") + PERSONA_DEMO_CSV});
  ASSERT_TRUE(server.Start());
  Client client(server.channel());
  v1::ShopStats stats;
  ASSERT_TRUE(client.admin->GetStats(Ctx().get(), v1::GetStatsRequest(), &stats).ok());
  EXPECT_GT(stats.items(), 500);
  EXPECT_GT(stats.customers(), 100);
  EXPECT_GT(stats.events_total(), 1000);
  ASSERT_EQ(stats.top_items_size(), 10);
  EXPECT_GT(stats.top_items(0).purchases(), 0);

  // A customer from the data gets ten items, personalised by their country.
  const std::string customer = FirstCustomerInDemo();
  ASSERT_FALSE(customer.empty());
  v1::GetProfileRequest probe;
  probe.set_customer_id(customer);
  v1::Profile profile;
  ASSERT_TRUE(client.customers->GetProfile(Ctx().get(), probe, &profile).ok());
  EXPECT_GT(profile.stats().frequency(), 0);
  EXPECT_FALSE(profile.customer().country().empty());
  v1::RecommendRequest req;
  req.set_count(10);
  req.set_customer_id(customer);
  v1::RecommendResponse resp;
  ASSERT_TRUE(client.recommend->Recommend(Ctx().get(), req, &resp).ok());
  EXPECT_EQ(resp.items_size(), 10);
  EXPECT_TRUE(resp.personalized());
  for (const auto& item : resp.items()) {
    EXPECT_FALSE(item.item().title().empty());
    EXPECT_FALSE(item.reason().empty());
  }
  // Restarting does not import twice.
  ASSERT_EQ(server.Stop(), 0);
  ASSERT_TRUE(server.Start());
  Client again(server.channel());
  v1::ShopStats stats2;
  ASSERT_TRUE(again.admin->GetStats(Ctx().get(), v1::GetStatsRequest(), &stats2).ok());
  EXPECT_EQ(stats2.events_total(), stats.events_total());
}

}  // namespace
}  // namespace persona::testing
