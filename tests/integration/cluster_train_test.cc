// Training and publishing in the sharded layout: three publish-only shards
// each hold a third of the customers; `persona cluster train` gathers all of
// them, trains once and publishes the same model to every shard. A single
// server holding everything is the reference: the cluster model must learn
// from exactly what it learns from, and every shard must personalise with it.
#include <sys/wait.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "model/model_record.h"
#include "persona/v1/cluster.grpc.pb.h"
#include "tests/integration/cli_run.h"
#include "tests/integration/client.h"
#include "tests/integration/shards.h"

namespace persona::testing {
namespace {

constexpr int kCustomers = 120;

std::string Taste(int c) { return c % 2 == 0 ? "a" : "b"; }

// Customer c buys four items of its taste in two orders and views two more.
std::vector<v1::Event> EventsOf(int c) {
  std::vector<v1::Event> events;
  const std::string customer = "c" + std::to_string(c);
  for (int k = 0; k < 6; ++k) {
    const std::string item = Taste(c) + std::to_string((c * 3 + k * 7) % 20);
    v1::Event e = MakeEvent(customer, k < 4 ? v1::PURCHASE : v1::PRODUCT_VIEW, {item},
                            customer + "-" + std::to_string(k));
    if (k < 4) e.set_order_id("o" + std::to_string(k / 2));
    if (k >= 4) e.set_session_id("s" + std::to_string(c));
    events.push_back(std::move(e));
  }
  return events;
}

void Track(Shard& shard, const std::vector<v1::Event>& events) {
  Client client(shard.server().channel());
  v1::TrackEventsRequest request;
  for (const auto& e : events) *request.add_events() = e;
  v1::TrackEventsResponse response;
  ASSERT_TRUE(client.events->TrackEvents(Ctx().get(), request, &response).ok());
  ASSERT_EQ(response.accepted(), request.events_size());
}

absl::StatusOr<v1::ModelInfo> ModelOf(Shard& shard) {
  Client client(shard.server().channel());
  v1::ModelInfo info;
  grpc::Status s = client.admin->GetModelInfo(Ctx().get(), v1::GetModelInfoRequest(), &info);
  if (!s.ok()) return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
  return info;
}

class ClusterTrainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int s = 0; s < 3; ++s) {
      shards_.push_back(std::make_unique<Shard>("shard-" + std::to_string(s), true));
    }
    shards_.push_back(std::make_unique<Shard>("reference", false));
    for (auto& shard : shards_) ASSERT_TRUE(shard->Start());
    std::vector<v1::Item> items;
    for (int i = 0; i < 20; ++i) {
      items.push_back(MakeItem("a" + std::to_string(i), {"Garden"}, 10));
      items.push_back(MakeItem("b" + std::to_string(i), {"Kitchen"}, 10));
    }
    UpsertItemsEverywhere(shards_, items);
    for (int c = 0; c < kCustomers; ++c) {
      Track(*shards_[c % 3], EventsOf(c));  // as the proxy would spread them
      Track(*shards_[3], EventsOf(c));
    }
  }

  std::string ShardList() const {
    return shards_[0]->address() + "," + shards_[1]->address() + "," + shards_[2]->address();
  }

  // Share of `customer`'s recommendations on `shard` that match `taste`.
  double TasteShare(Shard& shard, int customer) {
    Client client(shard.server().channel());
    v1::RecommendRequest request;
    request.set_customer_id("c" + std::to_string(customer));
    request.set_count(8);
    v1::RecommendResponse response;
    EXPECT_TRUE(client.recommend->Recommend(Ctx().get(), request, &response).ok());
    EXPECT_TRUE(response.personalized());
    int match = 0;
    for (const auto& item : response.items()) match += item.item().id().starts_with(Taste(customer));
    return response.items().empty() ? 0 : static_cast<double>(match) / response.items_size();
  }

  std::vector<std::unique_ptr<Shard>> shards_;  // three shards, then the reference
};

TEST_F(ClusterTrainTest, EveryShardServesOneModelLearntFromAllShards) {
  for (int s = 0; s < 3; ++s) EXPECT_FALSE(ModelOf(*shards_[s]).ok()) << "shard trained itself";
  const CliRun train = Persona("cluster train --threads=1 --shards=" + shards_[2]->address() + "," + shards_[0]->address() + "," + shards_[1]->address());
  ASSERT_EQ(train.exit_code, 0) << train.output;
  const CliRun models = Persona("cluster models --shards=" + ShardList());
  EXPECT_EQ(models.exit_code, 0) << models.output;

  Client reference(shards_[3]->server().channel());
  v1::TrainModelRequest request;
  v1::ModelInfo local;
  ASSERT_TRUE(reference.admin->TrainModel(Ctx().get(), request, &local).ok());
  absl::StatusOr<v1::ModelInfo> first = ModelOf(*shards_[0]);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->version().ends_with("-cluster")) << first->version();
  for (int s = 0; s < 3; ++s) {
    absl::StatusOr<v1::ModelInfo> info = ModelOf(*shards_[s]);
    ASSERT_TRUE(info.ok()) << info.status();
    EXPECT_EQ(info->version(), first->version());
    EXPECT_EQ(info->users(), local.users());
    EXPECT_EQ(info->interactions(), local.interactions());
    EXPECT_EQ(info->items(), local.items());
    EXPECT_EQ(info->factors(), local.factors());
  }
  double share = 0, reference_share = 0;
  for (int c = 0; c < 12; ++c) {
    share += TasteShare(*shards_[c % 3], c) / 12;
    reference_share += TasteShare(*shards_[3], c) / 12;
  }
  std::printf("own-taste share of recommendations: %.2f on the shards, %.2f on the reference\n",
              share, reference_share);
  EXPECT_GE(share, 0.8) << "customers are not recommended their own taste";

  // A restarted shard serves the published model again, without training.
  ASSERT_EQ(shards_[1]->server().Stop(), 0);
  ASSERT_TRUE(shards_[1]->Start());
  absl::StatusOr<v1::ModelInfo> after = ModelOf(*shards_[1]);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->version(), first->version());
}

TEST_F(ClusterTrainTest, RefusesAReplicaListedTwiceAndUnknownActions) {
  const std::string twice = shards_[0]->address() + "," + shards_[0]->address();
  const CliRun train = Persona("cluster train --shards=" + twice);
  EXPECT_EQ(train.exit_code, 1) << train.output;
  EXPECT_NE(train.output.find("listed twice"), std::string::npos) << train.output;
  EXPECT_FALSE(ModelOf(*shards_[0]).ok()) << "a refused run published a model";
  EXPECT_EQ(Persona("cluster train").exit_code, 2);
  EXPECT_EQ(Persona("cluster rebalance --shards=" + ShardList()).exit_code, 2);
  const CliRun health = Persona("cluster health --shards=" + ShardList());
  EXPECT_EQ(health.exit_code, 0) << health.output;
  shards_[2]->server().Kill();
  EXPECT_EQ(Persona("cluster health --shards=" + ShardList()).exit_code, 1);
}

grpc::Status Publish(Shard& shard, const std::vector<v1::PublishModelRequest>& parts) {
  auto stub = v1::ClusterService::NewStub(shard.server().channel());
  v1::ModelInfo info;
  auto ctx = Ctx();
  auto writer = stub->PublishModel(ctx.get(), &info);
  for (const auto& part : parts) writer->Write(part);
  writer->WritesDone();
  return writer->Finish();
}

v1::PublishModelRequest Header(const std::string& version, const std::string& record) {
  v1::PublishModelRequest part;
  part.mutable_header()->set_version(version);
  part.mutable_header()->set_als_record_bytes(static_cast<int64_t>(record.size()));
  part.set_als_record_chunk(record);
  return part;
}

TEST_F(ClusterTrainTest, PublishRefusesBrokenStreamsAndOlderVersions) {
  model::ModelRecord record;
  record.options.factors = 8;
  record.factors.num_items = 1;
  record.factors.factors = 8;
  record.factors.item_factors.assign(8, 0.5f);
  record.item_ids = {"a1"};
  absl::StatusOr<std::string> bytes = model::SerializeModelRecord(record);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  Shard& shard = *shards_[0];

  v1::PublishModelRequest no_header;
  no_header.set_als_record_chunk(*bytes);
  EXPECT_EQ(Publish(shard, {no_header}).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  std::string damaged = *bytes;
  damaged[damaged.size() / 2] ^= 0x20;
  EXPECT_EQ(Publish(shard, {Header("als-2", damaged)}).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::PublishModelRequest short_stream = Header("als-2", bytes->substr(0, 10));
  short_stream.mutable_header()->set_als_record_bytes(static_cast<int64_t>(bytes->size()));
  EXPECT_EQ(Publish(shard, {short_stream}).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_FALSE(ModelOf(shard).ok()) << "a refused stream was served";

  ASSERT_TRUE(Publish(shard, {Header("als-2", *bytes)}).ok());
  EXPECT_EQ(ModelOf(shard)->version(), "als-2");
  EXPECT_EQ(Publish(shard, {Header("als-1", *bytes)}).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(Publish(shard, {Header("als-3", *bytes)}).ok());
  EXPECT_EQ(ModelOf(shard)->version(), "als-3");
}

}  // namespace
}  // namespace persona::testing
