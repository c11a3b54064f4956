// The sharded layout of deploy/k8s through a real nginx (Debian's 1.22) on
// loopback: three persona-server shards behind the shipped nginx.conf, then
// four, then one of them killed. Which shard a call landed on is read from
// the data: each shard is asked directly which events it holds.
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/client.h"
#include "tests/integration/nginx_process.h"
#include "tests/integration/shards.h"

namespace persona::testing {
namespace {

constexpr int kCustomers = 1000;

std::string ShippedNginxConf() {
  std::ifstream in(std::string(PERSONA_SOURCE_DIR) + "/deploy/k8s/nginx.conf");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Customer(int c) { return "cust-" + std::to_string(c); }

v1::Event View(int c, const std::string& event_id, const std::string& item) {
  return MakeEvent(Customer(c), v1::PRODUCT_VIEW, {item}, event_id);
}

class ShardingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int s = 0; s < 4; ++s) {
      shards_.push_back(std::make_unique<Shard>("shard-" + std::to_string(s), true));
      ASSERT_TRUE(shards_.back()->Start());
    }
    std::vector<v1::Item> items;
    for (int i = 0; i < 4; ++i) items.push_back(MakeItem("i" + std::to_string(i), {"Home"}, 10));
    UpsertItemsEverywhere(shards_, items);
    port_ = FreeLoopbackPort();
  }

  // (Re)starts nginx in front of the first `n` shards.
  void Proxy(int n) {
    nginx_.reset();
    std::vector<std::string> upstreams;
    for (int s = 0; s < n; ++s) upstreams.push_back(shards_[s]->address());
    nginx_ = std::make_unique<NginxProcess>();
    const std::string conf = RenderNginxConf(ShippedNginxConf(), port_, upstreams,
                                             nginx_->prefix());
    ASSERT_FALSE(conf.empty()) << "deploy/k8s/nginx.conf lost its upstream or listen lines";
    ASSERT_TRUE(nginx_->Start(conf, port_));
    proxy_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(port_),
                                 grpc::InsecureChannelCredentials());
  }

  // Tracks event `tag`-c of every customer through the proxy and returns the
  // shard each one landed on (-1: not exactly one shard holds it).
  std::vector<int> TrackAll(const std::string& tag, const std::string& item,
                            int* failed_calls = nullptr) {
    for (int c = 0; c < kCustomers; ++c) {
      grpc::Status status = TrackKeyed(proxy_, View(c, tag + "-" + std::to_string(c), item),
                                       Customer(c));
      if (failed_calls != nullptr) {
        if (!status.ok()) ++*failed_calls;
      } else {
        EXPECT_TRUE(status.ok()) << status.error_message();
      }
    }
    std::vector<int> owner(kCustomers, -1);
    for (int c = 0; c < kCustomers; ++c) {
      std::vector<int> holding = ShardsHolding(shards_, Customer(c), tag + "-" + std::to_string(c));
      if (holding.size() == 1) owner[c] = holding[0];
    }
    return owner;
  }

  std::vector<std::unique_ptr<Shard>> shards_;
  std::unique_ptr<NginxProcess> nginx_;
  std::shared_ptr<grpc::Channel> proxy_;
  int port_ = 0;
};

TEST_F(ShardingTest, CustomersStayOnOneShardAddingOneMovesAQuarterAndLosingOneLeavesTheRest) {
  Proxy(3);
  // Two separate calls per customer land on the same single shard.
  const std::vector<int> first = TrackAll("a", "i0");
  const std::vector<int> again = TrackAll("b", "i1");
  std::map<int, int> per_shard;
  for (int c = 0; c < kCustomers; ++c) {
    ASSERT_GE(first[c], 0) << Customer(c) << " is not on exactly one shard";
    ASSERT_LT(first[c], 3);
    EXPECT_EQ(again[c], first[c]) << Customer(c);
    EXPECT_EQ(EventIdsOn(*shards_[first[c]], Customer(c)).size(), 2u);
    ++per_shard[first[c]];
  }
  for (int s = 0; s < 3; ++s) EXPECT_GT(per_shard[s], kCustomers / 6) << "shard " << s;

  // A fourth shard: about a quarter of the customers move, all to it.
  Proxy(4);
  const std::vector<int> second = TrackAll("c", "i2");
  int moved = 0;
  for (int c = 0; c < kCustomers; ++c) {
    ASSERT_GE(second[c], 0) << Customer(c) << " is not on exactly one shard";
    if (second[c] == first[c]) continue;
    ++moved;
    EXPECT_EQ(second[c], 3) << Customer(c) << " moved between old shards";
  }
  const double share = static_cast<double>(moved) / kCustomers;
  std::printf("adding a 4th shard moved %d of %d customers (%.3f)\n", moved, kCustomers, share);
  EXPECT_GE(share, 0.10);
  EXPECT_LE(share, 0.45);

  // Kill shard 1: the others' customers keep their shard; shard 1's fall
  // through to the next shard on the ring and are served there.
  shards_[1]->server().Kill();
  int failed = 0;
  const std::vector<int> third = TrackAll("d", "i3", &failed);
  int orphaned = 0, fell_through = 0;
  for (int c = 0; c < kCustomers; ++c) {
    if (second[c] != 1) {
      EXPECT_EQ(third[c], second[c]) << Customer(c) << " left its live shard";
      continue;
    }
    ++orphaned;
    if (third[c] >= 0) ++fell_through;
  }
  std::printf("shard 1 down: %d calls failed, %d of its %d customers served by another shard\n",
              failed, fell_through, orphaned);
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(fell_through, orphaned);
}

TEST_F(ShardingTest, TheProxyRefusesKeylessEventsAndCatalogWrites) {
  Proxy(3);
  grpc::Status keyless = TrackKeyed(proxy_, View(1, "k-1", "i0"), "");
  EXPECT_EQ(keyless.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << keyless.error_message();
  EXPECT_NE(keyless.error_message().find("x-persona-shard-key"), std::string::npos);
  for (auto& shard : shards_) EXPECT_TRUE(EventIdsOn(*shard, Customer(1)).empty());

  Client client(proxy_);
  v1::UpsertItemsRequest upsert;
  *upsert.add_items() = MakeItem("new", {"Home"}, 5);
  v1::UpsertItemsResponse upserted;
  grpc::Status write = client.catalog->UpsertItems(Ctx().get(), upsert, &upserted);
  EXPECT_EQ(write.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << write.error_message();
  // Reads go through: every shard has the catalog.
  v1::GetItemsRequest get;
  get.add_ids("i2");
  v1::GetItemsResponse got;
  ASSERT_TRUE(client.catalog->GetItems(Ctx().get(), get, &got).ok());
  EXPECT_EQ(got.items_size(), 1);
}

}  // namespace
}  // namespace persona::testing
