// The `persona` command-line tool against a running server: import, stats,
// recommend, train and model, with their exit codes.
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "tests/integration/cli_run.h"
#include "tests/integration/client.h"
#include "tests/testing/server_process.h"

namespace persona::testing {
namespace {

TEST(CliTest, ImportRecommendStatsTrainAndModel) {
  TempDir dir;
  ServerProcess server(ServerBinary(), dir.path() + "/data");
  ASSERT_TRUE(server.Start());
  const std::string at = " --server=" + server.address();

  const std::string items = dir.path() + "/items.csv";
  {
    std::ofstream out(items);
    out << "id,title,category,price,currency\n";
    for (int i = 0; i < 12; ++i) out << "sku" << i << ",Item " << i << ",Home/Lighting," << 2 + i << ",GBP\n";
    out << "bad,Broken item,Home,-4,GBP\n";  // refused by the server: negative price
  }
  CliRun imported = Persona("import --kind=items" + at + " " + items);
  EXPECT_EQ(imported.exit_code, 0) << imported.output;
  EXPECT_NE(imported.output.find("price"), std::string::npos) << imported.output;

  const std::string events = dir.path() + "/events.jsonl";
  {
    std::ofstream out(events);
    for (int i = 0; i < 30; ++i) {
      out << R"({"event_id":"e)" << i << R"(","customer_id":"c)" << i % 5
          << R"(","type":"PURCHASE","items":[{"item_id":"sku)" << i % 4 << R"(","quantity":1}]})" << "\n";
    }
  }
  CliRun tracked = Persona("import --kind=events" + at + " " + events);
  EXPECT_EQ(tracked.exit_code, 0) << tracked.output;

  CliRun stats = Persona("stats --json" + at);
  ASSERT_EQ(stats.exit_code, 0) << stats.output;
  EXPECT_NE(stats.output.find("\"items\": \"12\""), std::string::npos) << stats.output;
  EXPECT_NE(stats.output.find("\"events_total\": \"30\""), std::string::npos) << stats.output;

  CliRun rec = Persona("recommend --customer=newcomer --count=3" + at);
  ASSERT_EQ(rec.exit_code, 0) << rec.output;
  EXPECT_NE(rec.output.find("sku0"), std::string::npos) << rec.output;
  EXPECT_NE(rec.output.find("Popular"), std::string::npos) << rec.output;
  CliRun pinned = Persona("recommend --count=3 --locale=de --rules='pin [\"sku3\"]'" + at);
  ASSERT_EQ(pinned.exit_code, 0) << pinned.output;
  EXPECT_NE(pinned.output.find("sku3"), std::string::npos) << pinned.output;
  EXPECT_NE(pinned.output.find("(pinned)"), std::string::npos) << pinned.output;
  EXPECT_NE(pinned.output.find("--page-token="), std::string::npos) << pinned.output;
  CliRun bad_rule = Persona("recommend --rules=pin" + at);
  EXPECT_NE(bad_rule.exit_code, 0);
  EXPECT_NE(bad_rule.output.find("rules: "), std::string::npos) << bad_rule.output;
  CliRun bad_count = Persona("recommend --count=500" + at);
  EXPECT_NE(bad_count.exit_code, 0);
  EXPECT_NE(bad_count.output.find("count"), std::string::npos) << bad_count.output;

  // 30 interactions are below the default minimum of 100: FAILED_PRECONDITION.
  CliRun train = Persona("train" + at);
  EXPECT_EQ(train.exit_code, 1) << train.output;
  EXPECT_NE(train.output.find("interactions"), std::string::npos) << train.output;
  EXPECT_EQ(Persona("model" + at).exit_code, 1);

  EXPECT_EQ(Persona("no-such-command").exit_code, 2);
  EXPECT_EQ(Persona("stats --server=127.0.0.1:1").exit_code, 1);
}

}  // namespace
}  // namespace persona::testing
