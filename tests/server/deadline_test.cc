// Deadlines and cancellation inside long calls: the work below the gRPC
// services (campaign blocks, the page pipeline, segment passes, training
// requests) stops at its next check once the thread's CallContext says the
// caller is gone or out of time. In-process over a real RocksDB database.
#include <atomic>
#include <thread>

#include "absl/strings/str_format.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/call_context.h"
#include "server/training_worker.h"
#include "tests/server/campaign_world.h"

namespace persona::server::campaign_testing {
namespace {

using ::testing::HasSubstr;

// `n` customers with consent, an address and a little history.
std::unique_ptr<CampaignWorld> World(int n, int block) {
  auto w = CampaignWorld::Create(block);
  w->AddCatalog();
  std::vector<CustomerSpec> specs;
  std::vector<v1::Event> events;
  for (int i = 0; i < n; ++i) {
    CustomerSpec s;
    s.id = absl::StrFormat("c%03d", i);
    s.email_consent = true;
    s.email = s.id + "@example.com";
    specs.push_back(s);
    events.push_back(
        MakeEvent(s.id, v1::PRODUCT_VIEW, {ItemId(i % kItems)}, kNow - kDay));
    v1::Event buy = MakeEvent(s.id, v1::PURCHASE,
                              {ItemId((3 * i + 1) % kItems)}, kNow - 2 * kDay);
    buy.set_order_id(absl::StrFormat("o%d", i));
    events.push_back(buy);
  }
  w->AddCustomers(specs);
  w->Track(events);
  return w;
}

v1::RunCampaignRequest Campaign(int n) {
  v1::RunCampaignRequest req;
  req.set_campaign_id("spring");
  req.set_type(v1::NEWSLETTER);
  for (int i = 0; i < n; ++i)
    req.mutable_customers()->add_customer_ids(absl::StrFormat("c%03d", i));
  return req;
}

// Customers the campaign recorded a send to.
int SentTo(CampaignWorld& w, int n) {
  int sent = 0;
  for (int i = 0; i < n; ++i)
    sent += !w.SendsOf(absl::StrFormat("c%03d", i), "spring").empty();
  return sent;
}

TEST(CampaignDeadlineTest, ACampaignCancelledMidRunStopsWithinOneBlock) {
  constexpr int kCustomers = 20, kBlock = 4;
  auto w = World(kCustomers, kBlock);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  std::atomic<bool> cancelled{false};
  ScopedCallContext scope(CallContext(CallContext::kNoDeadline, &cancelled));
  std::vector<v1::CampaignRow> rows;
  // The client goes away after the second row; the stream itself still
  // takes rows (they sit in gRPC's buffers), so only the checks stop it.
  const absl::Status status =
      w->campaigns->Run(Campaign(kCustomers), [&](const v1::CampaignRow& r) {
        rows.push_back(r);
        if (rows.size() == 2) cancelled = true;
        return true;
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("campaign block"));
  // The first block's sends were recorded before its rows went out; no
  // block after it was scored, recorded or streamed.
  EXPECT_EQ(rows.size(), static_cast<size_t>(kBlock));
  EXPECT_EQ(SentTo(*w, kCustomers), kBlock);
}

TEST(CampaignDeadlineTest, ADeadlinePassingMidRunStopsAtTheNextBlock) {
  constexpr int kCustomers = 12, kBlock = 4;
  auto w = World(kCustomers, kBlock);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  ScopedCallContext scope(CallContext(kNow + 1000, nullptr, &w->clock));
  std::vector<v1::CampaignRow> rows;
  const absl::Status status =
      w->campaigns->Run(Campaign(kCustomers), [&](const v1::CampaignRow& r) {
        rows.push_back(r);
        w->clock.AdvanceMs(600);  // the second row crosses the deadline
        return true;
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_EQ(rows.size(), static_cast<size_t>(kBlock));
  EXPECT_EQ(SentTo(*w, kCustomers), kBlock);
}

TEST(CampaignDeadlineTest, WithoutACallContextTheCampaignRunsToTheEnd) {
  constexpr int kCustomers = 9, kBlock = 4;
  auto w = World(kCustomers, kBlock);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  const RunResult r = w->Run(Campaign(kCustomers));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.Customers().size(), static_cast<size_t>(kCustomers));
  EXPECT_EQ(SentTo(*w, kCustomers), kCustomers);
}

TEST(PageDeadlineTest, ACancelledCallGetsNoRecommendation) {
  auto w = World(3, 256);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  v1::RecommendRequest req;
  req.set_customer_id("c001");
  req.set_count(5);
  v1::RecommendResponse live;
  ASSERT_TRUE(w->page->Recommend(req, &live).ok());
  ASSERT_GT(live.items_size(), 0);  // the check below is what stops it

  std::atomic<bool> cancelled{true};
  ScopedCallContext scope(CallContext(CallContext::kNoDeadline, &cancelled));
  v1::RecommendResponse resp;
  const absl::Status status = w->page->Recommend(req, &resp);
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled) << status;
  EXPECT_EQ(resp.items_size(), 0);
  v1::RankItemsRequest rank;
  rank.set_customer_id("c001");
  rank.add_item_ids(ItemId(1));
  rank.add_item_ids(ItemId(2));
  v1::RankItemsResponse ranked;
  EXPECT_EQ(w->page->RankItems(rank, &ranked).code(),
            absl::StatusCode::kCancelled);
}

TEST(PageDeadlineTest, APassedDeadlineGetsDeadlineExceeded) {
  auto w = World(3, 256);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  ScopedCallContext scope(CallContext(kNow - 1, nullptr, &w->clock));
  v1::RecommendPageRequest req;
  req.set_customer_id("c002");
  req.add_placements()->set_count(3);
  v1::RecommendPageResponse resp;
  EXPECT_EQ(w->page->RecommendPage(req, &resp).code(),
            absl::StatusCode::kDeadlineExceeded);
}

TEST(SegmentDeadlineTest, ARefreshWhoseCallerWentAwayPublishesNothing) {
  auto w = World(5, 256);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  {
    std::atomic<bool> cancelled{true};
    ScopedCallContext scope(CallContext(CallContext::kNoDeadline, &cancelled));
    auto pass = w->engine->RunPass("default");
    EXPECT_EQ(pass.status().code(), absl::StatusCode::kCancelled);
  }
  EXPECT_EQ(w->engine->Current("default"), nullptr);
  auto pass = w->engine->RunPass("default");  // no caller: runs to the end
  ASSERT_TRUE(pass.ok()) << pass.status();
  EXPECT_EQ((*pass)->customers, 5);
}

TEST(TrainingDeadlineTest, ARequestWhoseCallerWentAwayTrainsNothing) {
  auto w = World(30, 256);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  TrainerOptions options = DefaultTrainerOptions();
  options.als.factors = 8;
  options.min_interactions = 20;
  Trainer trainer(w->db.get(), w->shops.get(), options, &w->clock);
  TrainingWorker worker(&trainer, w->db.get(), w->shops.get(), 0, 0, &w->clock);
  std::thread thread([&] { worker.Run(); });
  std::atomic<bool> cancelled{true};
  absl::Notification skipped, trained;
  absl::Status skipped_status;
  bool trained_ok = false;
  worker.Request(
      "default",
      [&](absl::StatusOr<std::shared_ptr<const ServingModel>> r) {
        skipped_status = r.status();
        skipped.Notify();
      },
      CallContext(CallContext::kNoDeadline, &cancelled));
  skipped.WaitForNotification();
  EXPECT_EQ(skipped_status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ((*w->shops->Get("default"))->Snapshot()->model, nullptr);
  // The same request from a caller still waiting trains.
  worker.Request("default",
                 [&](absl::StatusOr<std::shared_ptr<const ServingModel>> r) {
                   trained_ok = r.ok();
                   trained.Notify();
                 });
  trained.WaitForNotification();
  worker.Stop();
  thread.join();
  EXPECT_TRUE(trained_ok);
  EXPECT_NE((*w->shops->Get("default"))->Snapshot()->model, nullptr);
}

TEST(TrainingDeadlineTest, APublishOnlyWorkerRefusesRequests) {
  auto w = World(30, 256);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  TrainerOptions options = DefaultTrainerOptions();
  options.als.factors = 8;
  options.min_interactions = 20;
  Trainer trainer(w->db.get(), w->shops.get(), options, &w->clock);
  TrainingWorker worker(&trainer, w->db.get(), w->shops.get(), 0, 0, &w->clock);
  worker.RefuseRequests("publish only");
  std::thread thread([&] { worker.Run(); });
  absl::Notification done;
  absl::Status status;
  worker.Request("default", [&](absl::StatusOr<std::shared_ptr<const ServingModel>> r) {
    status = r.status();
    done.Notify();
  });
  done.WaitForNotification();
  worker.Stop();
  thread.join();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), "publish only");
  EXPECT_EQ((*w->shops->Get("default"))->Snapshot()->model, nullptr);
}

}  // namespace
}  // namespace persona::server::campaign_testing
