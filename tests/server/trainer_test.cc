// Training from stored events, model persistence and fall-back to an older
// model when the newest does not load.
#include "server/trainer.h"

#include <string>
#include <vector>

#include "common/clock.h"
#include "gtest/gtest.h"
#include "server/serving_model.h"
#include "server/shop_registry.h"
#include "storage/database.h"
#include "tests/testing/server_process.h"

namespace persona::server {
namespace {

namespace rec = ::persona::storage::v1;

rec::EventRecord Event(const std::string& customer, int type, const std::string& item,
                       const std::string& order = "") {
  rec::EventRecord e;
  e.set_customer_id(customer);
  e.set_type(type);
  e.set_order_id(order);
  e.set_timestamp_ms(1'700'000'000'000);
  e.set_received_time_ms(1'700'000'000'000);
  auto* line = e.add_items();
  line->set_item_id(item);
  line->set_quantity(1);
  return e;
}

class TrainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::DatabaseOptions options;
    options.path = dir_.path() + "/db";
    options.clock = &clock_;
    db_ = *storage::Database::Open(options);
    shops_ = std::make_unique<ShopRegistry>(db_.get(), ShopOptions(), &clock_);
    TrainerOptions trainer_options = DefaultTrainerOptions();
    trainer_options.als.factors = 8;
    trainer_options.min_interactions = 20;
    trainer_ = std::make_unique<Trainer>(db_.get(), shops_.get(), trainer_options, &clock_);
  }

  // Two clusters: customers c0..c19 buy a-items, c20..c39 b-items, two per order.
  void LoadClusters() {
    std::vector<rec::EventRecord> events;
    for (int c = 0; c < 40; ++c) {
      const std::string prefix = c < 20 ? "a" : "b";
      for (int k = 0; k < 4; ++k) {
        const std::string order = "o" + std::to_string(c) + "-" + std::to_string(k / 2);
        events.push_back(Event("c" + std::to_string(c), 6, prefix + std::to_string((c + k) % 10), order));
      }
    }
    ASSERT_TRUE(db_->events().Append("s", events).ok());
  }

  testing::TempDir dir_;
  FakeClock clock_{1'700'000'100'000};
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<ShopRegistry> shops_;
  std::unique_ptr<Trainer> trainer_;
};

TEST_F(TrainerTest, TrainsStoresAndServesAModel) {
  LoadClusters();
  auto model = trainer_->Train("s");
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ((*model)->users, 40);
  EXPECT_EQ((*model)->als.item_ids.size(), 20u);
  EXPECT_EQ((*model)->als.factors.factors, 8);
  EXPECT_TRUE((*model)->als.factors.user_factors.empty());
  EXPECT_FALSE((*model)->bought_together.empty());
  EXPECT_EQ((*model)->version.rfind("als-2023", 0), 0u) << (*model)->version;
  // Stored, and loadable by a fresh registry.
  int stored = 0;
  ASSERT_TRUE(db_->models().ScanModels("s", [&](auto, auto) { return ++stored, true; }).ok());
  EXPECT_EQ(stored, 1);
  ShopRegistry fresh(db_.get(), ShopOptions(), &clock_);
  Trainer loader(db_.get(), &fresh, DefaultTrainerOptions(), &clock_);
  auto loaded = loader.LoadStored("s");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->version, (*model)->version);
  EXPECT_EQ((*loaded)->als.factors.item_factors, (*model)->als.factors.item_factors);
  EXPECT_EQ((*fresh.Get("s"))->Snapshot()->model->version, (*model)->version);
}

TEST_F(TrainerTest, TooLittleBehaviourIsAPrecondition) {
  ASSERT_TRUE(db_->events().Append("s", {Event("c", 6, "x")}).ok());
  EXPECT_EQ(trainer_->Train("s").status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(trainer_->LoadStored("s").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(TrainerTest, OptedOutCustomersAreKeptOutOfTraining) {
  LoadClusters();
  rec::CustomerRecord opted_out;
  opted_out.set_id("c0");
  opted_out.set_consent_personalization(false);
  ASSERT_TRUE(db_->profiles().PutCustomers("s", {opted_out}).ok());
  auto model = trainer_->Train("s");
  ASSERT_TRUE(model.ok());
  EXPECT_EQ((*model)->users, 39);
}

TEST_F(TrainerTest, CorruptNewestModelFallsBackToTheOlderOne) {
  LoadClusters();
  auto good = trainer_->Train("s");
  ASSERT_TRUE(good.ok());
  ASSERT_TRUE(db_->models().PutModel("s", "als-9999-broken", "definitely not a model").ok());
  auto loaded = trainer_->LoadStored("s");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->version, (*good)->version);
}

TEST(ServingModelTest, RoundTripsAndDetectsDamage) {
  ServingModel m;
  m.version = "als-1";
  m.als.factors = {.num_users = 0, .num_items = 2, .factors = 2, .user_factors = {},
                   .item_factors = {1, 2, 3, 4}};
  m.als.item_ids = {"x", "y"};
  m.bought_together = {{"x", {{"y", 0.5f}}}};
  m.viewed_together = {{"y", {{"x", 0.25f}}}};
  m.users = 3;
  m.interactions = 7;
  auto bytes = EncodeServingModel(m);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  auto back = DecodeServingModel(*bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->version, "als-1");
  EXPECT_EQ(back->als.item_ids, m.als.item_ids);
  EXPECT_EQ(back->als.factors.item_factors, m.als.factors.item_factors);
  ASSERT_EQ(back->bought_together.size(), 1u);
  EXPECT_EQ(back->bought_together[0].neighbors[0].first, "y");
  EXPECT_EQ(back->viewed_together[0].neighbors[0].second, 0.25f);
  // Every single flipped byte is detected (or, in the envelope's own
  // counters, changes nothing that serves).
  int refused = 0;
  for (size_t i = 0; i < bytes->size(); ++i) {
    std::string damaged = *bytes;
    damaged[i] ^= 0x5a;
    auto decoded = DecodeServingModel(damaged);
    if (!decoded.ok()) {
      ++refused;
      continue;
    }
    EXPECT_EQ(decoded->als.factors.item_factors, m.als.factors.item_factors) << i;
    EXPECT_EQ(decoded->bought_together[0].neighbors, m.bought_together[0].neighbors) << i;
  }
  EXPECT_GT(refused, static_cast<int>(bytes->size() / 2));
  EXPECT_FALSE(DecodeServingModel(bytes->substr(0, bytes->size() / 2)).ok());
}

TEST(InteractionStrengthTest, WeighsEventTypes) {
  struct Case {
    int type;
    double value;
    float want;
  };
  const Case cases[] = {{1, 0, 1}, {4, 0, 3}, {6, 0, 5}, {12, 0, 2}, {10, 0, 1}, {8, 5, 4},
                        {8, 3, 1}, {8, 1, -2}, {5, 0, -1}, {7, 0, -5}, {2, 0, 0}, {13, 9, 0}};
  for (const Case& c : cases) {
    rec::EventRecord e;
    e.set_type(c.type);
    e.set_value(c.value);
    EXPECT_EQ(InteractionStrength(e), c.want) << "type " << c.type;
  }
}

}  // namespace
}  // namespace persona::server
