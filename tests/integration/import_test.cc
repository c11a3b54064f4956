// `persona import` against the real server: each common tool's sample file
// (tools/importer/samples) ends up in the customers' profiles as the mapping
// tables of docs/IMPORT.md say, and an import broken off by SIGKILL or by
// --max_rows, then resumed from its checkpoint, stores exactly the events,
// customers and sessions of an uninterrupted import of the same file.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/cli_run.h"
#include "tests/integration/client.h"
#include "tests/testing/server_process.h"

extern char** environ;

namespace persona::testing {
namespace {

using ::testing::HasSubstr;

std::string Sample(const std::string& name) {
  return std::string(PERSONA_IMPORT_SAMPLES) + "/" + name;
}

v1::Profile Profile(Client& client, const std::string& shop, const std::string& customer) {
  v1::GetProfileRequest request;
  request.set_shop(shop);
  request.set_customer_id(customer);
  request.set_recent_events(50);
  v1::Profile profile;
  const grpc::Status status = client.customers->GetProfile(Ctx().get(), request, &profile);
  EXPECT_TRUE(status.ok()) << customer << ": " << status.error_message();
  return profile;
}

v1::ShopStats Stats(Client& client, const std::string& shop) {
  v1::GetStatsRequest request;
  request.set_shop(shop);
  v1::ShopStats stats;
  EXPECT_TRUE(client.admin->GetStats(Ctx().get(), request, &stats).ok());
  return stats;
}

int64_t Count(const v1::Profile& p, const std::string& type) {
  const auto it = p.stats().event_counts().find(type);
  return it == p.stats().event_counts().end() ? 0 : it->second;
}

class ImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(ServerBinary(), dir_.path() + "/data");
    ASSERT_TRUE(server_->Start());
    client_ = std::make_unique<Client>(server_->channel());
    at_ = " --server=" + server_->address();
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<Client> client_;
  std::string at_;
};

TEST_F(ImportTest, Ga4SampleBuildsTheBuyersProfileAndCatalog) {
  const CliRun run = Persona("import --shop=ga4" + at_ + " " + Sample("ga4-export.jsonl"));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("12 rows read; stored 4 items, 0 customers, 10 events"));
  EXPECT_THAT(run.output, HasSubstr("event_timestamp: '…' is not an integer"));
  const v1::Profile p = Profile(*client_, "ga4", "ga-cust-42");
  // The pseudo id's browsing before login was merged into the customer.
  EXPECT_THAT(p.stats().merged_sessions(), ::testing::Contains("1184.7731"));
  EXPECT_EQ(Count(p, "PURCHASE"), 1);
  EXPECT_EQ(Count(p, "RETURN"), 1);
  EXPECT_EQ(Count(p, "PRODUCT_VIEW"), 2);  // select_item and view_item
  EXPECT_EQ(Count(p, "ADD_TO_CART"), 1);
  EXPECT_EQ(Count(p, "SEARCH"), 1);
  EXPECT_EQ(p.stats().frequency(), 1);
  EXPECT_EQ(Stats(*client_, "ga4").items(), 3);
}

TEST_F(ImportTest, SegmentSampleUpsertsTheCustomerWithStatedConsents) {
  const std::string rejects = dir_.path() + "/segment.rejects.csv";
  const CliRun run = Persona("import --shop=seg --rejects=" + rejects + at_ + " " +
                             Sample("segment-events.jsonl"));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("stored 4 items, 1 customers, 9 events"));
  EXPECT_THAT(run.output, HasSubstr("all 1 rejected rows are in " + rejects));
  std::ifstream in(rejects);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "file,line,reason\n" + Sample("segment-events.jsonl") +
                            ",12,properties.product_id: missing (and no sku)\n");
  const v1::Profile p = Profile(*client_, "seg", "seg-user-7");
  EXPECT_EQ(p.customer().email(), "mia.lopez@example.com");
  EXPECT_EQ(p.customer().city(), "Lyon");
  EXPECT_TRUE(p.customer().consents().email_marketing());
  EXPECT_TRUE(p.customer().consents().personalization());
  EXPECT_EQ(p.customer().attributes().at("plan"), "gold");
  EXPECT_THAT(p.stats().merged_sessions(), ::testing::Contains("anon-3f2a"));
  EXPECT_EQ(Count(p, "PURCHASE"), 1);
  EXPECT_EQ(Count(p, "ADD_TO_CART"), 2);
  EXPECT_EQ(Count(p, "PAGE_VIEW"), 1);
}

TEST_F(ImportTest, ShopifySampleGivesOrdersReturnsAndCustomers) {
  const CliRun run = Persona("import --shop=shopify" + at_ + " " + Sample("shopify-orders.csv"));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("line 8: Lineitem quantity: 'two' is not an integer"));
  const v1::Profile noor = Profile(*client_, "shopify", "noor.haddad@example.com");
  EXPECT_EQ(noor.stats().frequency(), 2);
  EXPECT_EQ(noor.customer().country(), "NL");
  EXPECT_TRUE(noor.customer().consents().email_marketing());
  const v1::Profile tom = Profile(*client_, "shopify", "tom.berg@example.com");
  EXPECT_EQ(Count(tom, "RETURN"), 1);
  EXPECT_FALSE(tom.customer().consents().email_marketing());
  const v1::Profile ana = Profile(*client_, "shopify", "ana.costa@example.com");
  EXPECT_EQ(Count(ana, "PURCHASE"), 1);  // #1006; the voided #1005 is skipped.
  EXPECT_FALSE(ana.customer().consents().has_email_marketing());
}

// A GA4 export of `rows` rows: 400 visitors browsing and buying 60 items.
std::string WriteGa4(const std::string& path, int rows) {
  std::ofstream out(path);
  for (int i = 0; i < rows; ++i) {
    const int visitor = (i * 7919) % 400;
    const char* name = i % 10 == 9 ? "purchase" : i % 5 == 2 ? "add_to_cart" : "view_item";
    out << R"({"event_name":")" << name << R"(","event_timestamp":")"
        << 1790000000000000LL + i * 1000000LL << R"(","user_pseudo_id":"v)" << visitor << '"'
        << (i % 3 == 0 ? absl::StrCat(R"(,"user_id":"u)", visitor % 150, "\"") : "")
        << R"(,"ecommerce":{"transaction_id":"T)" << i << R"("},"items":[{"item_id":"I)"
        << i % 60 << R"(","item_name":"Item )" << i % 60 << R"(","price":)" << 1 + i % 9
        << "}]}\n";
  }
  return path;
}

pid_t Spawn(const std::string& args) {
  std::vector<std::string> parts = absl::StrSplit(args, ' ', absl::SkipEmpty());
  std::vector<char*> argv;
  const std::string binary = PERSONA_CLI_BIN;
  argv.push_back(const_cast<char*>(binary.c_str()));
  for (std::string& p : parts) argv.push_back(p.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  EXPECT_EQ(posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

// Returns the checkpoint's "line" once it is past 0 (polling while the import runs).
int64_t WaitForCheckpoint(const std::string& path, pid_t pid) {
  while (true) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("line ", 0) == 0 && std::stoll(line.substr(5)) > 0) {
        return std::stoll(line.substr(5));
      }
    }
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return -1;  // Ended before any checkpoint.
    usleep(2000);
  }
}

void ExpectSameShops(Client& client, const std::string& a, const std::string& b) {
  const v1::ShopStats x = Stats(client, a), y = Stats(client, b);
  EXPECT_GT(x.events_total(), 0);
  EXPECT_EQ(x.events_total(), y.events_total());
  EXPECT_EQ(x.events_stored(), y.events_stored());
  EXPECT_EQ(x.customers(), y.customers());
  EXPECT_EQ(x.sessions(), y.sessions());
  EXPECT_EQ(x.items(), y.items());
  for (const char* customer : {"u0", "u77", "u149"}) {
    const v1::Profile p = Profile(client, a, customer), q = Profile(client, b, customer);
    const std::map<std::string, int64_t> a_counts(p.stats().event_counts().begin(),
                                                  p.stats().event_counts().end());
    const std::map<std::string, int64_t> b_counts(q.stats().event_counts().begin(),
                                                  q.stats().event_counts().end());
    EXPECT_FALSE(a_counts.empty()) << customer;
    EXPECT_EQ(a_counts, b_counts) << customer;
    EXPECT_EQ(p.stats().frequency(), q.stats().frequency()) << customer;
  }
}

TEST_F(ImportTest, KilledImportResumedStoresExactlyTheUninterruptedEvents) {
  const std::string file = WriteGa4(dir_.path() + "/big-ga4.jsonl", 20000);
  const CliRun whole = Persona("import --shop=whole --batch=200" + at_ + " " + file);
  ASSERT_EQ(whole.exit_code, 0) << whole.output;

  const std::string checkpoint = dir_.path() + "/big.checkpoint";
  const pid_t pid = Spawn("import --shop=killed --batch=20 --checkpoint=" + checkpoint + at_ +
                          " " + file);
  const int64_t line = WaitForCheckpoint(checkpoint, pid);
  ASSERT_GT(line, 0) << "the import ended before its first checkpoint";
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));

  const CliRun resumed = Persona("import --shop=killed --batch=200 --resume --checkpoint=" +
                                 checkpoint + at_ + " " + file);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_THAT(resumed.output, HasSubstr("resuming after line"));
  EXPECT_THAT(resumed.output, HasSubstr("20000 rows read"));
  ExpectSameShops(*client_, "whole", "killed");
}

TEST_F(ImportTest, MaxRowsStopThenResumeStoresExactlyTheUninterruptedEvents) {
  const std::string file = WriteGa4(dir_.path() + "/ga4.jsonl", 3000);
  ASSERT_EQ(Persona("import --shop=whole" + at_ + " " + file).exit_code, 0);
  const std::string checkpoint = dir_.path() + "/stop.checkpoint";
  const std::string flags = " --shop=stopped --batch=50 --checkpoint=" + checkpoint + at_ + " ";
  const CliRun first = Persona("import --max_rows=1234" + flags + file);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_THAT(first.output, HasSubstr("1234 rows read"));
  EXPECT_THAT(first.output, HasSubstr("stopped at --max_rows after line 1234"));
  const CliRun rest = Persona("import --resume" + flags + file);
  ASSERT_EQ(rest.exit_code, 0) << rest.output;
  EXPECT_THAT(rest.output, HasSubstr("3000 rows read"));
  EXPECT_THAT(rest.output, ::testing::Not(HasSubstr("duplicates")));
  ExpectSameShops(*client_, "whole", "stopped");
  const CliRun again = Persona("import --resume" + flags + file);
  EXPECT_THAT(again.output, HasSubstr("already imported completely"));
}

TEST_F(ImportTest, UsageErrors) {
  EXPECT_EQ(Persona("import --resume" + at_ + " " + Sample("ga4-export.jsonl")).exit_code, 2);
  EXPECT_EQ(Persona("import --checkpoint=x" + at_ + " a.jsonl b.jsonl").exit_code, 2);
  EXPECT_EQ(Persona("import --upsert=orders" + at_ + " " + Sample("ga4-export.jsonl")).exit_code,
            2);
  EXPECT_EQ(Persona("import --format=magento" + at_ + " " + Sample("ga4-export.jsonl")).exit_code,
            2);
}

}  // namespace
}  // namespace persona::testing
