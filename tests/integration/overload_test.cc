// Overload and shutdown through the real persona-server binary: SIGTERM
// turns health NOT_SERVING, refuses new calls with UNAVAILABLE, lets the
// call in flight finish and exits 0 with every acknowledged write kept; a
// call still running when the grace period ends is cancelled; a call too
// close to its deadline is refused before any work.
#include <chrono>
#include <fstream>
#include <future>
#include <string>
#include <thread>

#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "tests/integration/client.h"
#include "tests/testing/server_process.h"

namespace persona::testing {
namespace {

using ::testing::HasSubstr;

// Writes `text` as the server's config file and returns the flag naming it.
std::string ConfigFlag(const TempDir& dir, const std::string& text) {
  const std::string path = dir.path() + "/persona.textproto";
  std::ofstream(path) << text;
  return "--config=" + path;
}

// grpc.health.v1.Health/Check for the whole server: 1 SERVING, 2
// NOT_SERVING, -1 when the call failed.
int Health(const std::shared_ptr<grpc::Channel>& channel) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::Slice empty{std::string()};
  grpc::ByteBuffer request(&empty,
                           1);  // HealthCheckRequest{}: the whole server
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(),
                 &request, &response,
                 [&](grpc::Status s) { done.set_value(std::move(s)); });
  if (!done.get_future().get().ok()) return -1;
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return -1;
  std::string bytes;
  for (const auto& s : slices)
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return bytes.size() == 2 && bytes[0] == 0x08 ? bytes[1] : 0;
}

// Polls `done` every 10 ms for up to 30 s.
template <typename Pred>
bool Eventually(Pred done) {
  for (int i = 0; i < 3000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

// A batch of 10 product views by `customer`, numbered `sequence`.
v1::TrackEventsRequest Batch(const std::string& customer, int sequence) {
  v1::TrackEventsRequest req;
  req.set_sequence(sequence);
  for (int i = 0; i < 10; ++i) {
    *req.add_events() = MakeEvent(customer, v1::PRODUCT_VIEW, {"item"},
                                  customer + "-" + std::to_string(i));
  }
  return req;
}

int64_t Views(Client& client, const std::string& customer) {
  v1::GetProfileRequest req;
  req.set_customer_id(customer);
  v1::Profile profile;
  const grpc::Status s =
      client.customers->GetProfile(Ctx().get(), req, &profile);
  if (!s.ok()) return -1;
  auto it = profile.stats().event_counts().find("PRODUCT_VIEW");
  return it == profile.stats().event_counts().end() ? 0 : it->second;
}

TEST(ShutdownTest,
     SigtermDrainsTheCallInFlightRefusesNewOnesAndKeepsEveryWrite) {
  TempDir dir;
  const std::string config =
      ConfigFlag(dir, "overload { drain_delay_ms: 0 grace_period_ms: 120000 }");
  ServerProcess server(ServerBinary(), dir.path() + "/data", {config});
  ASSERT_TRUE(server.Start());
  const std::shared_ptr<grpc::Channel> channel = server.channel();
  Client client(channel);
  ASSERT_EQ(Health(channel), 1);
  // The call in flight: an event stream with one acknowledged batch.
  grpc::ClientContext stream_ctx;
  auto stream = client.events->StreamEvents(&stream_ctx);
  v1::TrackEventsResponse ack;
  ASSERT_TRUE(stream->Write(Batch("before", 0)));
  ASSERT_TRUE(stream->Read(&ack));
  ASSERT_EQ(ack.accepted(), 10);

  std::future<int> exit_code =
      std::async(std::launch::async, [&] { return server.Stop(); });
  EXPECT_TRUE(Eventually([&] { return Health(channel) == 2; }))
      << "health never NOT_SERVING";
  // New calls are refused (UNAVAILABLE) while the stream is still open.
  grpc::Status refused;
  EXPECT_TRUE(Eventually([&] {
    v1::TrackEventsRequest late = Batch("late", 0);
    v1::TrackEventsResponse resp;
    refused = client.events->TrackEvents(Ctx().get(), late, &resp);
    return refused.error_code() == grpc::StatusCode::UNAVAILABLE;
  })) << refused.error_message();
  EXPECT_THAT(refused.error_message(), HasSubstr("shutting down"));
  EXPECT_EQ(exit_code.wait_for(std::chrono::seconds(0)),
            std::future_status::timeout);

  // The call in flight goes on and finishes normally.
  ASSERT_TRUE(stream->Write(Batch("during", 1)));
  ASSERT_TRUE(stream->Read(&ack));
  EXPECT_EQ(ack.accepted(), 10);
  EXPECT_EQ(ack.sequence(), 1);
  ASSERT_TRUE(stream->WritesDone());
  EXPECT_FALSE(stream->Read(&ack));
  const grpc::Status finished = stream->Finish();
  EXPECT_TRUE(finished.ok()) << finished.error_message();
  EXPECT_EQ(exit_code.get(), 0);

  // Every acknowledged write survived the shutdown.
  ASSERT_TRUE(server.Start());
  Client again(server.channel());
  EXPECT_EQ(Views(again, "before"), 10);
  EXPECT_EQ(Views(again, "during"), 10);
}

TEST(ShutdownTest, CallsStillRunningAfterTheGracePeriodAreCancelled) {
  TempDir dir;
  const std::string config =
      ConfigFlag(dir, "overload { drain_delay_ms: 0 grace_period_ms: 200 }");
  ServerProcess server(ServerBinary(), dir.path() + "/data", {config});
  ASSERT_TRUE(server.Start());
  Client client(server.channel());
  grpc::ClientContext stream_ctx;
  auto stream = client.events->StreamEvents(&stream_ctx);
  v1::TrackEventsResponse ack;
  ASSERT_TRUE(stream->Write(Batch("kept", 0)));
  ASSERT_TRUE(stream->Read(&ack));
  ASSERT_EQ(ack.accepted(), 10);
  // The client never closes its stream; the server ends it after the grace.
  std::future<int> exit_code =
      std::async(std::launch::async, [&] { return server.Stop(); });
  EXPECT_FALSE(stream->Read(&ack));
  const grpc::Status ended = stream->Finish();
  EXPECT_FALSE(ended.ok());
  EXPECT_EQ(exit_code.get(), 0);
  ASSERT_TRUE(server.Start());
  Client again(server.channel());
  EXPECT_EQ(Views(again, "kept"), 10);
}

TEST(DeadlineTest, ACallTooCloseToItsDeadlineIsRefusedWithoutWork) {
  TempDir dir;
  // Calls need a minute left; the client gives 30 s.
  const std::string config =
      ConfigFlag(dir, "overload { min_deadline_ms: 60000 }");
  ServerProcess server(ServerBinary(), dir.path() + "/data", {config});
  ASSERT_TRUE(server.Start());
  Client client(server.channel());
  v1::TrackEventsResponse resp;
  const grpc::Status hurried =
      client.events->TrackEvents(Ctx().get(), Batch("hurried", 0), &resp);
  EXPECT_EQ(hurried.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_THAT(hurried.error_message(), HasSubstr("before the call started"));
  // Calls without a deadline are taken; the refused one stored nothing.
  grpc::ClientContext patient;
  ASSERT_TRUE(
      client.events->TrackEvents(&patient, Batch("patient", 0), &resp).ok());
  EXPECT_EQ(resp.accepted(), 10);
  v1::GetProfileRequest req;
  req.set_customer_id("hurried");
  v1::Profile profile;
  grpc::ClientContext read;
  EXPECT_EQ(client.customers->GetProfile(&read, req, &profile).error_code(),
            grpc::StatusCode::NOT_FOUND);
  ASSERT_EQ(server.Stop(), 0);
}

}  // namespace
}  // namespace persona::testing
