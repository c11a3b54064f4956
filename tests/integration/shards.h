// Helpers for the scale-out tests: publish-only persona-server shards with
// their own names, calls that carry the shard key, and finding which shard
// holds a customer's events by asking every shard directly. Not thread-safe.
#ifndef PERSONA_TESTS_INTEGRATION_SHARDS_H_
#define PERSONA_TESTS_INTEGRATION_SHARDS_H_

#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/integration/client.h"
#include "tests/testing/server_process.h"

namespace persona::testing {

// One persona-server with its data and config in a temp dir.
class Shard {
 public:
  // `publish_only`: the replica never trains itself (cluster.publish_only).
  Shard(const std::string& name, bool publish_only) : name_(name) {
    const std::string config = dir_.path() + "/persona.textproto";
    // A light regularisation: the tests' small two-taste data sets would
    // otherwise shrink everything but popularity away.
    std::ofstream(config) << "training { interval_minutes: 0 min_interactions: 10 "
                          << "regularization: 2 }\n"
                          << "cluster { replica_name: \"" << name << "\" publish_only: "
                          << (publish_only ? "true" : "false") << " }\n";
    server_ = std::make_unique<ServerProcess>(ServerBinary(), dir_.path() + "/data",
                                              std::vector<std::string>{"--config=" + config});
  }
  bool Start() { return server_->Start(); }
  ServerProcess& server() { return *server_; }
  const std::string& name() const { return name_; }
  std::string address() const { return server_->address(); }

 private:
  const std::string name_;
  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

// The same items on every shard, upserted on each directly (catalog writes
// must reach every replica).
inline void UpsertItemsEverywhere(std::vector<std::unique_ptr<Shard>>& shards,
                                  const std::vector<v1::Item>& items) {
  v1::UpsertItemsRequest request;
  for (const auto& item : items) *request.add_items() = item;
  for (auto& shard : shards) {
    Client client(shard->server().channel());
    v1::UpsertItemsResponse response;
    ASSERT_TRUE(client.catalog->UpsertItems(Ctx().get(), request, &response).ok());
    ASSERT_EQ(response.accepted(), request.items_size());
  }
}

// Tracks one event of `customer` through `channel` with the shard key set.
inline grpc::Status TrackKeyed(const std::shared_ptr<grpc::Channel>& channel,
                               const v1::Event& event, const std::string& key) {
  auto stub = v1::EventService::NewStub(channel);
  v1::TrackEventsRequest request;
  *request.add_events() = event;
  v1::TrackEventsResponse response;
  auto ctx = Ctx();
  if (!key.empty()) ctx->AddMetadata("x-persona-shard-key", key);
  grpc::Status status = stub->TrackEvents(ctx.get(), request, &response);
  if (status.ok() && response.accepted() != 1) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "event not accepted");
  }
  return status;
}

// The event ids a shard holds for `customer` (empty when it knows nothing).
inline std::set<std::string> EventIdsOn(Shard& shard, const std::string& customer) {
  Client client(shard.server().channel());
  v1::GetProfileRequest request;
  request.set_customer_id(customer);
  request.set_recent_events(200);
  v1::Profile profile;
  std::set<std::string> ids;
  if (!client.customers->GetProfile(Ctx().get(), request, &profile).ok()) return ids;
  for (const auto& stored : profile.recent_events()) ids.insert(stored.event().event_id());
  return ids;
}

// The indices of the shards holding event `event_id` of `customer`.
inline std::vector<int> ShardsHolding(std::vector<std::unique_ptr<Shard>>& shards,
                                      const std::string& customer, const std::string& event_id) {
  std::vector<int> out;
  for (size_t s = 0; s < shards.size(); ++s) {
    if (!shards[s]->server().running()) continue;
    if (EventIdsOn(*shards[s], customer).count(event_id) > 0) out.push_back(static_cast<int>(s));
  }
  return out;
}

}  // namespace persona::testing

#endif  // PERSONA_TESTS_INTEGRATION_SHARDS_H_
