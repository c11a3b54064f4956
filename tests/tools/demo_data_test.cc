// Imports the committed demo file and checks the result against figures the
// test computes from the file itself with a plain line-by-line reading.
#include <zlib.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/tools/fake_sink.h"
#include "tools/importer/importer.h"
#include "tools/importer/online_retail.h"

namespace persona::importer {
namespace {

using testing::FakeSink;

// What the test expects, from a direct reading of the file.
struct Expected {
  int64_t rows = 0;
  int64_t product_rows = 0;
  int64_t units = 0;  // Sum of |Quantity| over product rows.
  std::set<std::string> items, customers, returns;
  std::map<std::string, std::set<std::pair<std::string, double>>> lines_of_invoice;
};

bool IsNonProduct(const std::string& code) {
  static const std::set<std::string> kCodes = {
      "POST", "DOT", "M", "D", "C2", "CRUK", "PADS", "S", "B", "BANK CHARGES", "AMAZONFEE"};
  return kCodes.count(code) > 0 || absl::StartsWith(code, "GIFT_0001_");
}

Expected ReadDirectly(const char* path) {
  Expected e;
  gzFile f = gzopen(path, "rb");
  EXPECT_NE(f, nullptr);
  char buffer[8192];
  bool header = true;
  while (gzgets(f, buffer, sizeof buffer) != nullptr) {
    if (header) {
      header = false;
      continue;
    }
    ++e.rows;
    // Only Description may be quoted (and hold commas): take the first two
    // fields from the front and the last five from the back.
    std::vector<std::string> f = absl::StrSplit(absl::StripTrailingAsciiWhitespace(buffer), ',');
    const size_t n = f.size();
    const std::string invoice = f[0], code = absl::AsciiStrToUpper(f[1]);
    const long quantity = std::strtol(f[n - 5].c_str(), nullptr, 10);
    const double price = std::strtod(f[n - 3].c_str(), nullptr);
    const std::string customer = f[n - 2];
    if (customer.empty() || IsNonProduct(code) || price <= 0) continue;
    ++e.product_rows;
    e.units += std::labs(quantity);
    e.items.insert(code);
    e.customers.insert(customer);
    if (invoice[0] == 'C') e.returns.insert(invoice);
    e.lines_of_invoice[invoice].insert({code, price});
  }
  gzclose(f);
  return e;
}

TEST(DemoDataTest, ImportMatchesTheFile) {
  if (!std::filesystem::exists(PERSONA_DEMO_CSV)) GTEST_SKIP() << "no demo data";
  const Expected expected = ReadDirectly(PERSONA_DEMO_CSV);
  ASSERT_GT(expected.rows, 50000);

  FakeSink sink;
  ImportOptions options;  // Auto-detected as Online Retail.
  options.batch_size = 1000;
  auto report = ImportFile(PERSONA_DEMO_CSV, options, sink);
  ASSERT_TRUE(report.ok()) << report.status();

  EXPECT_EQ(report->rows_read, expected.rows);
  EXPECT_EQ(report->rejected, 0);
  int64_t skipped = 0;
  for (const auto& [reason, count] : report->skipped_by_reason) skipped += count;
  EXPECT_EQ(skipped, expected.rows - expected.product_rows);

  EXPECT_EQ(report->items, static_cast<int64_t>(expected.items.size()));
  EXPECT_EQ(report->customers, static_cast<int64_t>(expected.customers.size()));
  int64_t events = 0;
  for (const auto& [invoice, lines] : expected.lines_of_invoice) {
    events += (lines.size() + kMaxItemsPerEvent - 1) / kMaxItemsPerEvent;
  }
  EXPECT_EQ(report->events, events);

  int64_t units = 0, returns = 0;
  std::set<std::string> ids;
  std::set<std::string> item_ids;
  for (const auto& item : sink.items) {
    item_ids.insert(item.id());
    EXPECT_FALSE(item.title().empty()) << item.id();
    EXPECT_GT(item.price(), 0) << item.id();
    EXPECT_GE(item.category_path_size(), 1);
  }
  for (size_t i = 0; i < sink.events.size(); ++i) {
    const v1::Event& e = sink.events[i];
    if (i > 0) {
      EXPECT_LE(sink.events[i - 1].timestamp_ms(), e.timestamp_ms());
    }
    EXPECT_TRUE(ids.insert(e.event_id()).second) << e.event_id();
    EXPECT_LE(e.items_size(), kMaxItemsPerEvent);
    returns += e.type() == v1::RETURN && e.order_id() == e.event_id().substr(3);
    for (const auto& item : e.items()) {
      units += item.quantity();
      EXPECT_TRUE(item_ids.count(item.item_id())) << item.item_id();
    }
  }
  EXPECT_EQ(units, expected.units);
  EXPECT_EQ(returns, static_cast<int64_t>(expected.returns.size()));
  // The README's example customer is in the demo shop.
  EXPECT_TRUE(expected.customers.count("12347"));
}

}  // namespace
}  // namespace persona::importer
