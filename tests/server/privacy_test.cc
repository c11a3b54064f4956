// Privacy and operations on the server side, over a real RocksDB store:
// erasure removes model rows (stored and served) and calls the hooks, the
// export document holds everything (valid JSON), OperationsApi's backups and
// retention (direct, queued and periodic), and the privacy config checks.
#include <algorithm>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "server/api.h"
#include "server/config.h"
#include "server/customer_privacy.h"
#include "server/operations_api.h"
#include "server/privacy_config.h"
#include "server/segment_engine.h"
#include "server/serving_model.h"
#include "server/trainer.h"
#include "storage/database.h"
#include "tests/storage/test_util.h"

namespace persona::server {
namespace {

namespace tu = ::persona::storage::testing_util;
namespace rec = ::persona::storage::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kNow = 1'772'359'200'000;
constexpr int64_t kDay = 86'400'000;
constexpr char kId[] = "zq-priv-5e1d";

// A served model that (unlike what training produces) keeps user rows.
ServingModel ModelWithUsers(const std::string& version, std::vector<std::string> users) {
  ServingModel m;
  m.version = version;
  m.als.factors.factors = 2;
  m.als.factors.num_items = 2;
  m.als.factors.item_factors = {1, 2, 3, 4};
  m.als.item_ids = {"i1", "i2"};
  m.als.factors.num_users = static_cast<int32_t>(users.size());
  for (size_t u = 0; u < users.size(); ++u) {
    m.als.factors.user_factors.push_back(10.0f * u);
    m.als.factors.user_factors.push_back(10.0f * u + 1);
  }
  m.als.user_ids = std::move(users);
  return m;
}

class PrivacyTest : public ::testing::Test {
 protected:
  PrivacyTest() : clock_(kNow) {
    storage::DatabaseOptions options;
    options.path = dir_.path() + "/data";
    options.clock = &clock_;
    options.block_cache_mb = 8;
    db_ = *storage::Database::Open(options);
    ApplyDefaults(config_);
    shops_ = std::make_unique<ShopRegistry>(db_.get(), ShopOptions(), &clock_);
    api_ = std::make_unique<PersonaApi>(config_, db_.get(), shops_.get(), &clock_);
  }

  void Track(std::vector<v1::Event> events) {
    v1::TrackEventsRequest req;
    for (auto& e : events) *req.add_events() = std::move(e);
    v1::TrackEventsResponse resp;
    ASSERT_TRUE(api_->TrackEvents(req, &resp).ok());
    ASSERT_EQ(resp.rejected_size(), 0) << resp.rejected(0).reason();
  }

  static v1::Event Event(const std::string& id, const std::string& customer, const std::string& session,
                         v1::EventType type, int64_t time_ms) {
    v1::Event e;
    e.set_event_id(id);
    e.set_customer_id(customer);
    e.set_session_id(session);
    e.set_type(type);
    e.add_items()->set_item_id("i1");
    e.set_timestamp_ms(time_ms);
    return e;
  }

  tu::ScopedTempDir dir_;
  FakeClock clock_;
  cfg::Config config_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<ShopRegistry> shops_;
  std::unique_ptr<PersonaApi> api_;
};

TEST(RemoveUserRowTest, DropsTheIdAndItsFactorRow) {
  ServingModel m = ModelWithUsers("v", {"a", "b", "c"});
  EXPECT_TRUE(RemoveUserRow(m.als, "b"));
  EXPECT_THAT(m.als.user_ids, ElementsAre("a", "c"));
  EXPECT_EQ(m.als.factors.num_users, 2);
  EXPECT_THAT(m.als.factors.user_factors, ElementsAre(0, 1, 20, 21));
  EXPECT_FALSE(RemoveUserRow(m.als, "b"));
}

TEST_F(PrivacyTest, ErasureScrubsStoredAndServedModels) {
  auto with = EncodeServingModel(ModelWithUsers("v1", {"a", kId, "c"}));
  auto without = EncodeServingModel(ModelWithUsers("v2", {"a", "c"}));
  ASSERT_TRUE(with.ok() && without.ok());
  ASSERT_TRUE(db_->models().PutModel("default", "v1", *with).ok());
  ASSERT_TRUE(db_->models().PutModel("default", "v2", *without).ok());
  Shop* shop = *shops_->Get("default");
  shop->SetModel(std::make_shared<ServingModel>(ModelWithUsers("v1", {kId, "a"})));
  Track({Event("e1", kId, "", v1::PRODUCT_VIEW, kNow)});

  std::vector<std::string> erased;
  CustomerDataHooks hooks;
  hooks.on_erased = [&](const std::string& s, const std::string& id) { erased.push_back(s + "/" + id); };
  api_->SetCustomerDataHooks(hooks);
  v1::EraseCustomerRequest req;
  req.set_customer_id(kId);
  v1::EraseCustomerResponse resp;
  ASSERT_TRUE(api_->EraseCustomer(req, &resp).ok());
  EXPECT_THAT(erased, ElementsAre(std::string("default/") + kId));

  db_->models().ScanModels("default", [&](std::string_view version, std::string_view bytes) {
    EXPECT_EQ(bytes.find(kId), std::string_view::npos) << version;
    if (version == "v2") EXPECT_EQ(bytes, *without);  // untouched
    auto m = DecodeServingModel(bytes);
    EXPECT_TRUE(m.ok()) << m.status();
    if (m.ok()) EXPECT_THAT(m->als.user_ids, ElementsAre("a", "c"));
    return true;
  });
  EXPECT_THAT(shop->Snapshot()->model->als.user_ids, ElementsAre("a"));
  // Nothing left anywhere: NOT_FOUND, and the hooks still run (idempotent).
  EXPECT_EQ(api_->EraseCustomer(req, &resp).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(erased.size(), 2u);
}

TEST_F(PrivacyTest, ForgettingACustomerDropsTheirFactorsFromTheSegmentPass) {
  std::vector<rec::ItemRecord> items;
  for (int i = 0; i < 10; ++i) items.push_back(tu::MakeItem("i" + std::to_string(i), {"Home"}));
  ASSERT_TRUE(db_->catalog().PutItems("default", items).ok());
  std::vector<rec::EventRecord> events;
  for (int c = 0; c < 30; ++c) {
    const std::string id = c == 7 ? std::string(kId) : "c" + std::to_string(c);
    for (int k = 0; k < 4; ++k) {
      events.push_back(tu::MakeEvent("", id, "", tu::kPurchase,
                                     {{"i" + std::to_string((c % 2) * 5 + (c + k) % 5), 1, 10}},
                                     kNow - (k + 1) * kDay));
    }
  }
  ASSERT_TRUE(db_->events().Append("default", events).ok());
  TrainerOptions trainer_options = DefaultTrainerOptions();
  trainer_options.als.factors = 8;
  trainer_options.als.regularization = 0.1f;
  trainer_options.min_interactions = 20;
  Trainer trainer(db_.get(), shops_.get(), trainer_options, &clock_);
  ASSERT_TRUE(trainer.Train("default").ok());
  SegmentSettings settings;
  settings.pass_interval_ms = 0;
  SegmentEngine engine(db_.get(), shops_.get(), &clock_, settings);
  auto pass = engine.RunPass("default");
  ASSERT_TRUE(pass.ok()) << pass.status();
  const SegmentState& before = **pass;
  const size_t n = before.ids.size();
  ASSERT_GE(n, 10u);
  auto at = [](const SegmentState& s, const std::string& id) {
    return std::find(s.ids.begin(), s.ids.end(), id) - s.ids.begin();
  };
  ASSERT_LT(static_cast<size_t>(at(before, kId)), n);
  const std::vector<float> c9(before.factors.begin() + at(before, "c9") * before.dim,
                              before.factors.begin() + (at(before, "c9") + 1) * before.dim);

  engine.ForgetCustomer("default", kId);
  const std::shared_ptr<const SegmentState> after = engine.Current("default");
  EXPECT_EQ(static_cast<size_t>(at(*after, kId)), after->ids.size());
  EXPECT_EQ(after->ids.size(), n - 1);
  EXPECT_EQ(after->factors.size(), (n - 1) * after->dim);
  EXPECT_EQ(after->email_consent.size(), n - 1);
  EXPECT_TRUE(std::is_sorted(after->ids.begin(), after->ids.end()));
  const std::vector<float> c9_after(after->factors.begin() + at(*after, "c9") * after->dim,
                                    after->factors.begin() + (at(*after, "c9") + 1) * after->dim);
  EXPECT_EQ(c9_after, c9);
  EXPECT_EQ(before.ids.size(), n);  // readers holding the old pass keep it whole
}

TEST_F(PrivacyTest, ErasureReportsAStoredModelItCannotRewrite) {
  ASSERT_TRUE(db_->models().PutModel("default", "v1", std::string("garbage ") + kId).ok());
  Track({Event("e1", kId, "", v1::PRODUCT_VIEW, kNow)});
  v1::EraseCustomerRequest req;
  req.set_customer_id(kId);
  v1::EraseCustomerResponse resp;
  const absl::Status status = api_->EraseCustomer(req, &resp);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(status.message()), HasSubstr("v1"));
}

TEST_F(PrivacyTest, ExportHoldsEverythingAsValidJson) {
  v1::UpsertCustomersRequest up;
  v1::Customer* c = up.add_customers();
  c->set_id(kId);
  c->set_email("zq@example.com");
  c->mutable_consents()->set_email_marketing(true);
  v1::UpsertCustomersResponse up_resp;
  ASSERT_TRUE(api_->UpsertCustomers(up, &up_resp).ok());
  v1::Event send = Event("send-1", kId, "", v1::EMAIL_SEND, kNow - 2000);
  (*send.mutable_properties())["campaign"] = "spring";
  Track({Event("anon", "", "zq-sess-1", v1::PRODUCT_VIEW, kNow - 3000), send,
         Event("login", kId, "zq-sess-1", v1::ADD_TO_CART, kNow - 1000)});
  CustomerDataHooks hooks;
  hooks.segments_of = [](const std::string&, const std::string&) {
    return absl::StatusOr<std::vector<std::string>>(std::vector<std::string>{"vip", "stage:active"});
  };
  api_->SetCustomerDataHooks(hooks);

  v1::ExportCustomerRequest req;
  req.set_customer_id(kId);
  v1::ExportCustomerResponse resp;
  ASSERT_TRUE(api_->ExportCustomer(req, &resp).ok());
  google::protobuf::Struct doc;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(resp.json(), &doc).ok()) << resp.json();
  const auto& f = doc.fields();
  EXPECT_EQ(f.at("shop").string_value(), "default");
  EXPECT_EQ(f.at("customer_id").string_value(), kId);
  EXPECT_EQ(f.at("customer").struct_value().fields().at("email").string_value(), "zq@example.com");
  EXPECT_TRUE(f.at("customer").struct_value().fields().at("consents").struct_value().fields().at(
      "email_marketing").bool_value());
  ASSERT_EQ(f.at("events").list_value().values_size(), 3);  // the session's view, merged
  EXPECT_EQ(f.at("events").list_value().values(0).struct_value().fields().at("event").struct_value()
                .fields().at("event_id").string_value(),
            "anon");
  ASSERT_EQ(f.at("email_sends").list_value().values_size(), 1);
  EXPECT_EQ(f.at("email_sends").list_value().values(0).struct_value().fields().at("campaign_id")
                .string_value(),
            "spring");
  EXPECT_EQ(f.at("merged_sessions").list_value().values(0).struct_value().fields().at("session_id")
                .string_value(),
            "zq-sess-1");
  EXPECT_TRUE(f.at("aggregates").struct_value().fields().contains("event_counts"));
  EXPECT_FALSE(f.at("aggregates").struct_value().fields().contains("email_sends"));
  EXPECT_EQ(f.at("segments").list_value().values(1).string_value(), "stage:active");
  EXPECT_TRUE(f.at("stats").struct_value().fields().contains("event_counts"));

  req.set_customer_id("nobody");
  EXPECT_EQ(api_->ExportCustomer(req, &resp).code(), absl::StatusCode::kNotFound);
}

TEST_F(PrivacyTest, OperationsBackupAndRetentionDirectly) {
  Track({Event("old", "c1", "", v1::PRODUCT_VIEW, kNow - 40 * kDay),
         Event("new", "c1", "", v1::PRODUCT_VIEW, kNow - kDay)});
  OperationsApi off({}, db_.get(), &clock_);
  v1::CreateBackupResponse backup;
  EXPECT_EQ(off.CreateBackup({}, &backup).code(), absl::StatusCode::kFailedPrecondition);
  v1::PurgeExpiredEventsResponse purge;
  EXPECT_EQ(off.PurgeExpiredEvents({}, &purge).code(), absl::StatusCode::kFailedPrecondition);

  OperationsOptions options;
  options.backup_dir = dir_.path() + "/backups";
  options.backups_kept = 2;
  options.retention_ms = 30 * kDay;
  OperationsApi ops(options, db_.get(), &clock_);
  v1::ListBackupsResponse list;
  ASSERT_TRUE(ops.ListBackups({}, &list).ok());  // none yet: not an error
  EXPECT_EQ(list.backups_size(), 0);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(ops.CreateBackup({}, &backup).ok());
  EXPECT_EQ(backup.backup().backup_id(), 3u);
  EXPECT_EQ(backup.backups_kept(), 2);
  ASSERT_TRUE(ops.ListBackups({}, &list).ok());
  ASSERT_EQ(list.backups_size(), 2);
  EXPECT_EQ(list.backups(0).backup_id(), 2u);

  ASSERT_TRUE(ops.PurgeExpiredEvents({}, &purge).ok());
  EXPECT_EQ(purge.cutoff_time_ms(), kNow - 30 * kDay);
  EXPECT_EQ(purge.events_deleted(), 1);
  ASSERT_EQ(purge.shops_size(), 1);
  EXPECT_EQ(purge.shops(0).shop(), "default");
  auto left = db_->profiles().RecentEvents("default", storage::Subject::Customer("c1"), 10);
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].event_id(), "new");
}

TEST_F(PrivacyTest, SubmittedWorkRunsOnTheOperationsThread) {
  OperationsApi ops({}, db_.get(), &clock_);
  absl::Status before;
  ops.Submit([] { return absl::OkStatus(); }, [&](absl::Status s) { before = s; });
  EXPECT_EQ(before.code(), absl::StatusCode::kUnavailable);  // not started
  ops.Start();
  std::promise<absl::Status> done;
  std::thread::id ran_on;
  ops.Submit(
      [&] {
        ran_on = std::this_thread::get_id();
        return absl::AbortedError("from the job");
      },
      [&](absl::Status s) { done.set_value(s); });
  const absl::Status status = done.get_future().get();
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  EXPECT_NE(ran_on, std::this_thread::get_id());
  ops.Stop();
  absl::Status after;
  ops.Submit([] { return absl::OkStatus(); }, [&](absl::Status s) { after = s; });
  EXPECT_EQ(after.code(), absl::StatusCode::kUnavailable);
}

TEST_F(PrivacyTest, PeriodicRetentionRunsByItself) {
  Track({Event("old", "c1", "", v1::PRODUCT_VIEW, kNow - 40 * kDay)});
  OperationsOptions options;
  options.retention_ms = 30 * kDay;
  options.retention_interval_ms = 10;
  OperationsApi ops(options, db_.get(), &clock_);
  ops.Start();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  size_t stored = 1;
  while (stored > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    stored = db_->profiles().RecentEvents("default", storage::Subject::Customer("c1"), 10)->size();
  }
  EXPECT_EQ(stored, 0u);
}

TEST(PrivacyConfigTest, DefaultsAndBadFieldsNamed) {
  cfg::Config config;
  ApplyDefaults(config);
  EXPECT_EQ(config.privacy().event_retention_days(), 0);
  EXPECT_EQ(config.privacy().retention_interval_minutes(), 60);
  EXPECT_EQ(config.privacy().backups_kept(), 7);
  EXPECT_TRUE(ValidateConfig(config).ok());
  const OperationsOptions o = OperationsOptionsFrom(config);
  EXPECT_EQ(o.retention_ms, 0);
  EXPECT_EQ(o.retention_interval_ms, 3'600'000);

  struct Case {
    std::function<void(cfg::PrivacyConfig*)> set;
    const char* field;
  };
  const std::vector<Case> cases = {
      {[](auto* p) { p->set_event_retention_days(-1); }, "privacy.event_retention_days"},
      {[](auto* p) { p->set_retention_interval_minutes(0); }, "privacy.retention_interval_minutes"},
      {[](auto* p) { p->set_backups_kept(0); }, "privacy.backups_kept"},
      {[](auto* p) { p->set_backup_interval_minutes(60); }, "privacy.backup_interval_minutes"},
      {[](auto* p) { p->set_backup_dir("var/data"); }, "privacy.backup_dir"},
  };
  for (const Case& c : cases) {
    cfg::Config bad = config;
    c.set(bad.mutable_privacy());
    const absl::Status s = ValidateConfig(bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.field;
    EXPECT_THAT(std::string(s.message()), HasSubstr(c.field));
  }
  config.mutable_privacy()->set_event_retention_days(400);
  config.mutable_privacy()->set_backup_dir("/backups");
  config.mutable_privacy()->set_backup_interval_minutes(1440);
  ASSERT_TRUE(ValidateConfig(config).ok());
  const OperationsOptions set = OperationsOptionsFrom(config);
  EXPECT_EQ(set.retention_ms, 400 * kDay);
  EXPECT_EQ(set.backup_interval_ms, 1440 * 60'000);
  EXPECT_EQ(set.backup_dir, "/backups");
}

}  // namespace
}  // namespace persona::server
