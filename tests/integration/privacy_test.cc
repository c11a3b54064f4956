// Privacy through the real server: a customer with a merged session, email
// sends, attributed clicks and purchases, a trained model and a segment pass
// is exported, erased, and after a restart and a full compaction no key,
// value or file of the data directory holds their id or their session's;
// retention deletes old events through OperationsService.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "persona/v1/operations.grpc.pb.h"
#include "persona/v1/segments.grpc.pb.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "tests/integration/client.h"
#include "tests/testing/server_process.h"

namespace persona::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kId[] = "zq-erase-4d1c";
constexpr char kSession[] = "zq-sess-77ab";

// The data directory opened with RocksDB itself, every column family; its
// compactions rewrite every file uncompressed.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    std::vector<std::string> names;
    EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
    // Files this writes are uncompressed, so a search of their bytes finds
    // what they hold (the server compresses; a compressed file hides text).
    rocksdb::ColumnFamilyOptions options;
    options.compression = rocksdb::kNoCompression;
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const auto& name : names) families.emplace_back(name, options);
    rocksdb::DB* db = nullptr;
    const rocksdb::Status s = rocksdb::DB::Open(rocksdb::DBOptions(), path, families, &handles_, &db);
    EXPECT_TRUE(s.ok()) << s.ToString();
    db_.reset(db);
  }
  ~RawDb() {
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  }

  // "family: key (hex)" of every entry whose key or value contains `needle`.
  std::vector<std::string> Find(const std::string& needle) {
    std::vector<std::string> hits;
    for (auto* h : handles_) {
      std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), h));
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        if (it->key().ToString().find(needle) != std::string::npos ||
            it->value().ToString().find(needle) != std::string::npos) {
          hits.push_back(h->GetName() + ": " + it->key().ToString(/*hex=*/true));
        }
      }
      EXPECT_TRUE(it->status().ok());
    }
    return hits;
  }

  // Compacts every family to the last level, dropping deleted entries.
  void CompactAll() {
    rocksdb::CompactRangeOptions options;
    options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    for (auto* h : handles_) EXPECT_TRUE(db_->CompactRange(options, h, nullptr, nullptr).ok());
  }

 private:
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::unique_ptr<rocksdb::DB> db_;
};

// Names of the files under `dir` whose bytes contain `needle`.
std::vector<std::string> FilesContaining(const std::string& dir, const std::string& needle) {
  std::vector<std::string> hits;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.find(needle) != std::string::npos) hits.push_back(entry.path().filename().string());
  }
  return hits;
}

v1::TrackEventsResponse Track(Client& client, std::vector<v1::Event> events) {
  v1::TrackEventsRequest req;
  for (auto& e : events) *req.add_events() = std::move(e);
  v1::TrackEventsResponse resp;
  const grpc::Status s = client.events->TrackEvents(Ctx().get(), req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.rejected_size(), 0) << (resp.rejected_size() ? resp.rejected(0).reason() : "");
  return resp;
}

v1::Event WithId(v1::Event e, const std::string& suffix) {
  e.set_event_id(std::string(kId) + "-" + suffix);
  return e;
}

// The customer to erase: attributes and consents, an anonymous session that
// logs in, a recommendation shown, clicked and bought from, and an email.
void LoadTheCustomer(Client& client) {
  v1::UpsertCustomersRequest up;
  v1::Customer* c = up.add_customers();
  c->set_id(kId);
  c->set_email(std::string(kId) + "@example.com");
  c->set_country("FR");
  c->mutable_consents()->set_personalization(true);
  c->mutable_consents()->set_email_marketing(true);
  v1::Customer* keeper = up.add_customers();
  keeper->set_id("keeper-1");
  keeper->set_email("keeper-1@example.com");
  v1::UpsertCustomersResponse up_resp;
  ASSERT_TRUE(client.customers->UpsertCustomers(Ctx().get(), up, &up_resp).ok());

  v1::Event anon = MakeEvent("", v1::PRODUCT_VIEW, {"a1"});
  anon.set_session_id(kSession);
  v1::Event login = MakeEvent(kId, v1::PRODUCT_VIEW, {"a2"});
  login.set_session_id(kSession);
  Track(client, {WithId(anon, "anon"), WithId(login, "login")});

  v1::RecommendRequest rec_req;
  rec_req.set_customer_id(kId);
  rec_req.set_count(4);
  v1::RecommendResponse rec;
  ASSERT_TRUE(client.recommend->Recommend(Ctx().get(), rec_req, &rec).ok());
  ASSERT_GT(rec.items_size(), 0);
  const std::string item = rec.items(0).item().id();
  v1::Event shown = MakeEvent(kId, v1::RECOMMENDATION_IMPRESSION, {item});
  shown.set_recommendation_id(rec.recommendation_id());
  v1::Event click = MakeEvent(kId, v1::RECOMMENDATION_CLICK, {item});
  click.set_recommendation_id(rec.recommendation_id());
  v1::Event buy = MakeEvent(kId, v1::PURCHASE, {item, "a3"});
  buy.set_order_id(std::string("order-") + kId);
  v1::Event email = MakeEvent(kId, v1::EMAIL_SEND, {"a4", "a5"});
  (*email.mutable_properties())["campaign"] = "spring-zq";
  (*email.mutable_properties())["campaign_type"] = "newsletter";
  email.set_recommendation_id(rec.recommendation_id());
  Track(client, {WithId(shown, "shown"), WithId(click, "click"), WithId(buy, "buy"),
                 WithId(email, "email")});
}

bool Targets(Client& client, const std::shared_ptr<grpc::Channel>& channel, const std::string& id) {
  auto segments = v1::SegmentService::NewStub(channel);
  v1::TargetCustomersRequest req;
  req.set_item_id("a1");
  req.set_count(1000);
  v1::TargetCustomersResponse resp;
  const grpc::Status s = segments->TargetCustomers(Ctx().get(), req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  for (const auto& c : resp.customers()) {
    if (c.customer_id() == id) return true;
  }
  return false;
}

grpc::StatusCode ProfileCode(Client& client, const std::string& id) {
  v1::GetProfileRequest req;
  req.set_customer_id(id);
  v1::Profile profile;
  return client.customers->GetProfile(Ctx().get(), req, &profile).error_code();
}

TEST(PrivacyTest, ErasedCustomerLeavesNoTraceAfterRestartAndCompaction) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  {
    ServerProcess server(ServerBinary(), data);
    ASSERT_TRUE(server.Start());
    Client client(server.channel());
    LoadTwoTastes(client);
    LoadTheCustomer(client);
    v1::ModelInfo model;
    ASSERT_TRUE(client.admin->TrainModel(Ctx().get(), v1::TrainModelRequest(), &model).ok());
    auto segments = v1::SegmentService::NewStub(server.channel());
    v1::RefreshSegmentsResponse refreshed;
    ASSERT_TRUE(segments->RefreshSegments(Ctx().get(), {}, &refreshed).ok());
    ASSERT_TRUE(Targets(client, server.channel(), kId));  // the pass holds their factors

    v1::ExportCustomerRequest exp;
    exp.set_customer_id(kId);
    v1::ExportCustomerResponse exported;
    ASSERT_TRUE(client.customers->ExportCustomer(Ctx().get(), exp, &exported).ok());
    for (const std::string& part : {std::string(kId) + "@example.com", std::string(kSession),
                                    std::string("spring-zq"), std::string(kId) + "-buy",
                                    std::string("\"consents\""), std::string("\"segments\"")}) {
      EXPECT_THAT(exported.json(), HasSubstr(part));
    }

    v1::EraseCustomerRequest erase;
    erase.set_customer_id(kId);
    v1::EraseCustomerResponse erased;
    ASSERT_TRUE(client.customers->EraseCustomer(Ctx().get(), erase, &erased).ok());
    EXPECT_GE(erased.records_deleted(), 15);
    EXPECT_EQ(ProfileCode(client, kId), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(client.customers->ExportCustomer(Ctx().get(), exp, &exported).error_code(),
              grpc::StatusCode::NOT_FOUND);
    EXPECT_FALSE(Targets(client, server.channel(), kId));  // gone from the pass, no new pass
    EXPECT_TRUE(Targets(client, server.channel(), "c0"));
    EXPECT_EQ(server.Stop(), 0);
  }
  {
    ServerProcess server(ServerBinary(), data);
    ASSERT_TRUE(server.Start());
    Client client(server.channel());
    EXPECT_EQ(ProfileCode(client, kId), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(ProfileCode(client, "keeper-1"), grpc::StatusCode::OK);
    EXPECT_EQ(server.Stop(), 0);
  }
  {
    RawDb raw(data);
    EXPECT_THAT(raw.Find(kId), IsEmpty());
    EXPECT_THAT(raw.Find(kSession), IsEmpty());
    EXPECT_THAT(raw.Find("keeper-1@example.com"), Not(IsEmpty()));  // the scan can find
    raw.CompactAll();
  }
  { RawDb(data).CompactAll(); }  // a fresh MANIFEST, no tombstones, plain files
  EXPECT_THAT(FilesContaining(data, kId), IsEmpty());
  EXPECT_THAT(FilesContaining(data, kSession), IsEmpty());
  EXPECT_THAT(FilesContaining(data, "keeper-1@example.com"), Not(IsEmpty()));
}

TEST(PrivacyTest, RetentionDeletesOldEventsThroughTheApiAndTheCli) {
  TempDir dir;
  const std::string config = dir.path() + "/persona.textproto";
  std::ofstream(config) << "privacy { event_retention_days: 30 }\n";
  ServerProcess server(ServerBinary(), dir.path() + "/data", {"--config=" + config});
  ASSERT_TRUE(server.Start());
  Client client(server.channel());
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  v1::Event old_event = MakeEvent("c1", v1::PRODUCT_VIEW, {"i1"}, "old");
  old_event.set_timestamp_ms(now - 40 * 86'400'000LL);
  v1::Event recent = MakeEvent("c1", v1::PRODUCT_VIEW, {"i1"}, "recent");
  recent.set_timestamp_ms(now - 86'400'000LL);
  Track(client, {old_event, recent});

  auto ops = v1::OperationsService::NewStub(server.channel());
  v1::PurgeExpiredEventsResponse purged;
  const grpc::Status s = ops->PurgeExpiredEvents(Ctx().get(), {}, &purged);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(purged.events_deleted(), 1);
  EXPECT_EQ(purged.idempotency_keys_deleted(), 0);  // received just now
  v1::GetProfileRequest req;
  req.set_customer_id("c1");
  v1::Profile profile;
  ASSERT_TRUE(client.customers->GetProfile(Ctx().get(), req, &profile).ok());
  ASSERT_EQ(profile.recent_events_size(), 1);
  EXPECT_EQ(profile.recent_events(0).event().event_id(), "recent");
  EXPECT_EQ(profile.stats().event_counts().at("PRODUCT_VIEW"), 2);  // aggregates stay

  const std::string out = dir.path() + "/cli.txt";
  const int rc = std::system((std::string(PERSONA_CLI_BIN) + " purge-events --server=" +
                              server.address() + " > " + out + " 2>&1")
                                 .c_str());
  std::ifstream in(out);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(rc, 0) << text;
  EXPECT_THAT(text, HasSubstr("default"));
  // Backups are off in this config: a clear refusal.
  v1::CreateBackupResponse backup;
  EXPECT_EQ(ops->CreateBackup(Ctx().get(), {}, &backup).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

}  // namespace
}  // namespace persona::testing
