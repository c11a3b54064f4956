// A whole campaign stack in-process for the CampaignApi tests: a RocksDB
// database in a temporary directory, a FakeClock, the shop registry,
// PersonaApi, PageApi, the segment engine, a link signer and CampaignApi,
// over a generated catalog of 60 items in 10 categories (the email
// placements' "max per category 2" still allows 20 items). Customers and
// events go in through the public API (UpsertCustomers, TrackEvents), so
// the tests see what a client would.
//
// Not thread-safe; one world per test (or per property-test run).
#ifndef PERSONA_TESTS_SERVER_CAMPAIGN_WORLD_H_
#define PERSONA_TESTS_SERVER_CAMPAIGN_WORLD_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "persona/config/v1/config.pb.h"
#include "server/api.h"
#include "server/campaign_api.h"
#include "server/config.h"
#include "server/link_token.h"
#include "server/page_api.h"
#include "server/segment_engine.h"
#include "server/shop_registry.h"
#include "server/trainer.h"
#include "storage/database.h"
#include "tests/storage/test_util.h"

namespace persona::server::campaign_testing {

namespace rec = ::persona::storage::v1;

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kHour = 3'600'000;
constexpr int64_t kNow = 1'772'359'200'000;  // 2026-03-01T10:00:00Z
constexpr char kBase[] = "https://p.example";
constexpr char kSecret[] = "0123456789abcdef0123456789abcdef-campaign-tests";
constexpr int kItems = 60;
constexpr int kCategories = 10;

inline std::string ItemId(int i) { return absl::StrFormat("i%02d", i); }
inline std::string CategoryOf(int i) { return absl::StrFormat("Cat%d", i % kCategories); }
// The first name AddCustomers gives a customer.
inline std::string FirstName(const std::string& id) { return "First " + id.substr(0, 32); }
inline std::string ItemUrl(const std::string& id) { return "https://shop.example/p/" + id; }
inline std::string ImageUrl(const std::string& id) {
  return "https://shop.example/img/" + id + ".jpg";
}

// What a customer record holds; `exists` false means events only (no record).
struct CustomerSpec {
  std::string id;
  bool exists = true;
  std::optional<bool> email_consent;
  std::string email;
  std::string country = "FR";
};

struct RunResult {
  absl::Status status;
  std::vector<v1::CampaignRow> rows;  // everything emitted, summary included

  // The customer rows (everything but a trailing summary).
  std::vector<v1::CampaignRow> Customers() const {
    std::vector<v1::CampaignRow> out;
    for (const auto& r : rows) {
      if (!r.has_summary()) out.push_back(r);
    }
    return out;
  }
};

class CampaignWorld {
 public:
  // A fresh world; `block` is CampaignSettings.block.
  static std::unique_ptr<CampaignWorld> Create(int block = 256) {
    auto w = std::unique_ptr<CampaignWorld>(new CampaignWorld());
    w->Build(block);
    return w;
  }

  // Upserts the 60 catalog items.
  void AddCatalog() {
    v1::UpsertItemsRequest req;
    for (int i = 0; i < kItems; ++i) {
      v1::Item* item = req.add_items();
      item->set_id(ItemId(i));
      item->set_title("Item " + ItemId(i));
      item->add_category_path(CategoryOf(i));
      item->set_brand(absl::StrFormat("Brand%d", i % 7));
      item->set_price(5 + i);
      item->set_currency("EUR");
      item->set_availability(v1::IN_STOCK);
      item->set_stock(-1);
      item->set_url(ItemUrl(item->id()));
      item->set_image_url(ImageUrl(item->id()));
      item->set_created_time_ms(kNow - 200 * kDay);
    }
    v1::UpsertItemsResponse resp;
    ASSERT_TRUE(api->UpsertItems(req, &resp).ok());
    ASSERT_EQ(resp.rejected_size(), 0);
  }

  void AddCustomers(const std::vector<CustomerSpec>& specs) {
    v1::UpsertCustomersRequest req;
    for (const CustomerSpec& s : specs) {
      if (!s.exists) continue;
      v1::Customer* c = req.add_customers();
      c->set_id(s.id);
      c->set_first_name(FirstName(s.id));
      c->set_last_name("Last");
      c->set_locale("en-GB");
      c->set_country(s.country);
      c->set_email(s.email);
      if (s.email_consent) c->mutable_consents()->set_email_marketing(*s.email_consent);
    }
    if (req.customers_size() == 0) return;
    v1::UpsertCustomersResponse resp;
    ASSERT_TRUE(api->UpsertCustomers(req, &resp).ok());
    ASSERT_EQ(resp.rejected_size(), 0) << resp.rejected(0).field() << ": "
                                       << resp.rejected(0).reason();
  }

  // Stores events (in batches of 1000); fails the test on any rejection.
  void Track(const std::vector<v1::Event>& events) {
    for (size_t at = 0; at < events.size(); at += 1000) {
      v1::TrackEventsRequest req;
      for (size_t i = at; i < std::min(events.size(), at + 1000); ++i) *req.add_events() = events[i];
      v1::TrackEventsResponse resp;
      ASSERT_TRUE(api->TrackEvents(req, &resp).ok());
      ASSERT_EQ(resp.rejected_size(), 0) << resp.rejected(0).field() << ": "
                                         << resp.rejected(0).reason();
    }
  }

  // Trains a small model (8 factors) and serves it; fails the test when the
  // shop's snapshot has no ALS recommender afterwards.
  void Train() {
    TrainerOptions options = DefaultTrainerOptions();
    options.als.factors = 8;
    options.min_interactions = 20;
    Trainer trainer(db.get(), shops.get(), options, &clock);
    auto model = trainer.Train("default");
    ASSERT_TRUE(model.ok()) << model.status();
    // Served, so campaigns score the "als" stage of their blocks.
    auto shop = shops->Get("default");
    ASSERT_TRUE(shop.ok());
    ASSERT_NE((*shop)->Snapshot()->als, nullptr);
  }

  // Runs `req`; emit refuses the row after `stop_after` rows (-1: never).
  RunResult Run(const v1::RunCampaignRequest& req, int stop_after = -1) {
    RunResult out;
    out.status = campaigns->Run(req, [&](const v1::CampaignRow& row) {
      if (stop_after >= 0 && static_cast<int>(out.rows.size()) >= stop_after) return false;
      out.rows.push_back(row);
      return true;
    });
    return out;
  }

  // The customer's stored aggregates (empty when none).
  rec::SubjectAggregatesRecord Aggregates(const std::string& id) {
    auto a = db->profiles().GetAggregates("default", storage::Subject::Customer(id));
    return a.ok() ? *a : rec::SubjectAggregatesRecord();
  }

  // The stored sends of `campaign` to the customer.
  std::vector<rec::EmailSendRecord> SendsOf(const std::string& id, const std::string& campaign) {
    std::vector<rec::EmailSendRecord> out;
    const rec::SubjectAggregatesRecord a = Aggregates(id);
    for (const auto& s : a.email_sends()) {
      if (s.campaign_id() == campaign) out.push_back(s);
    }
    return out;
  }

  storage::testing_util::ScopedTempDir dir;
  FakeClock clock{kNow};
  config::v1::Config config;
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<ShopRegistry> shops;
  std::unique_ptr<PersonaApi> api;
  std::unique_ptr<PageApi> page;
  std::unique_ptr<SegmentEngine> engine;
  std::optional<LinkSigner> signer;
  // What the TargetFn answers.
  std::vector<std::string> targets;
  std::unique_ptr<CampaignApi> campaigns;

 private:
  CampaignWorld() = default;

  void Build(int block) {
    ApplyDefaults(config);
    storage::DatabaseOptions options;
    options.path = dir.path() + "/db";
    options.clock = &clock;
    options.block_cache_mb = 8;
    auto opened = storage::Database::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    db = *std::move(opened);
    shops = std::make_unique<ShopRegistry>(db.get(), ShopOptions(), &clock);
    api = std::make_unique<PersonaApi>(config, db.get(), shops.get(), &clock);
    auto page_api = PageApi::Create(config, api.get(), db.get(), shops.get(), &clock);
    ASSERT_TRUE(page_api.ok()) << page_api.status();
    page = *std::move(page_api);
    SegmentSettings segment_settings;
    segment_settings.personas = 2;
    segment_settings.pass_interval_ms = 0;
    engine = std::make_unique<SegmentEngine>(db.get(), shops.get(), &clock, segment_settings);
    page->SetSegments(engine.get());
    auto made = LinkSigner::Create(kSecret);
    ASSERT_TRUE(made.ok());
    signer.emplace(*std::move(made));
    CampaignSettings settings;
    settings.block = block;
    settings.public_base_url = kBase;
    TargetFn target = [this](const std::string&, const v1::TargetCustomersRequest&)
        -> absl::StatusOr<std::vector<std::string>> { return targets; };
    campaigns = std::make_unique<CampaignApi>(api.get(), page.get(), db.get(), shops.get(),
                                              engine.get(), std::move(target), &*signer, &clock,
                                              settings);
  }
};

// An event of `type` by `customer` on `items` at `time_ms`.
inline v1::Event MakeEvent(const std::string& customer, v1::EventType type,
                           const std::vector<std::string>& items, int64_t time_ms) {
  v1::Event e;
  e.set_customer_id(customer);
  e.set_type(type);
  e.set_timestamp_ms(time_ms);
  e.set_channel(v1::WEB);
  for (const std::string& id : items) {
    v1::EventItem* line = e.add_items();
    line->set_item_id(id);
    line->set_quantity(1);
    line->set_price(10);
  }
  return e;
}

// An EMAIL_SEND of `campaign` (of `type`, e.g. "WIN_BACK") as a provider
// would report it.
inline v1::Event MakeSend(const std::string& customer, const std::string& campaign,
                          const std::string& type, const std::vector<std::string>& items,
                          int64_t time_ms) {
  v1::Event e = MakeEvent(customer, v1::EMAIL_SEND, items, time_ms);
  e.set_channel(v1::EMAIL);
  (*e.mutable_properties())["campaign"] = campaign;
  (*e.mutable_properties())["campaign_type"] = type;
  return e;
}

// A campaign over an explicit customer list.
inline v1::RunCampaignRequest ListCampaign(const std::string& id, v1::CampaignType type,
                                           const std::vector<std::string>& customers) {
  v1::RunCampaignRequest r;
  r.set_campaign_id(id);
  r.set_type(type);
  for (const std::string& c : customers) r.mutable_customers()->add_customer_ids(c);
  return r;
}

inline std::vector<std::string> ItemIds(const v1::EmailContent& e) {
  std::vector<std::string> out;
  for (const auto& item : e.items()) out.push_back(item.item_id());
  return out;
}

}  // namespace persona::server::campaign_testing

#endif  // PERSONA_TESTS_SERVER_CAMPAIGN_WORLD_H_
