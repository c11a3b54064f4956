// The Online Retail mapping on a small hand-written file: invoices grouped into
// events, cancellations as returns, skipped rows by reason, item titles,
// prices and categories, time shift, sampling, gzip and line mapping.
#include "tools/importer/online_retail.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/tools/fake_sink.h"
#include "tools/importer/importer.h"

namespace persona::importer {
namespace {

using ::testing::ElementsAre;
using testing::FakeSink;
using testing::WriteFile;

constexpr char kHeader[] =
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n";

// Line numbers are in the comments; line 1 is the header.
constexpr char
    kRows
        [] =
            "536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 "
            "08:26:00,2.55,17850,United Kingdom\n"  // 2
            "536365,71053,WHITE METAL LANTERN,6,2010-12-01 08:26:00,3.39,17850,United Kingdom\n"  // 3
            "536365,POST,POSTAGE,1,2010-12-01 08:26:00,18.00,17850,United Kingdom\n"            // 4
            "536366,22633,HAND WARMER UNION JACK,6,2010-12-01 08:28:00,1.85,,United Kingdom\n"  // 5
            "536367,85123A,\"WHITE HANGING HEART T-LIGHT HOLDER\",2,2010-12-02 "
            "09:00:00,2.95,12583,France\n"  // 6
            "536367,85123A,WHITE HANGING HEART  T-LIGHT HOLDER ,3,2010-12-02 "
            "09:00:00,2.95,12583,France\n"  // 7
            "536367,22720,\"SET OF 3 CAKE TINS, PANTRY DESIGN\",1,2010-12-02 "
            "09:00:00,4.95,12583,France\n"                                                 // 8
            "536367,85123a,white hanging heart,1,2010-12-02 09:00:00,2.55,12583,France\n"  // 9
            "C536368,71053,WHITE METAL LANTERN,-2,2010-12-03 10:00:00,3.39,17850,United Kingdom\n"  // 10
            "536369,21777,,1,2010-12-03 11:00:00,0,,United Kingdom\n"                        // 11
            "536370,21777,,2,2010-12-03 11:05:00,1.00,12583,France\n"                        // 12
            "536371,22633,HAND WARMER UNION JACK,0,2010-12-04 12:00:00,1.85,12583,France\n"  // 13
            "536372,84029G,KNITTED UNION FLAG HOT WATER BOTTLE,4,2010-12-04 "
            "12:00:00,0,12583,France\n"  // 14
            "536373,gift_0001_10,Dotcomgiftshop Gift Voucher,1,2010-12-04 "
            "12:00:00,8.5,12583,France\n"                                                   // 15
            "536374,22633,HAND WARMER UNION JACK,1,yesterday,1.85,12583,France\n"           // 16
            "536375,71053,WHITE METAL LANTERN,1,2011-01-05 10:00:00,3.50,12583,Germany\n";  // 17

constexpr int64_t kDec1At0826 = 1291191960000;  // 2010-12-01 08:26:00 UTC
constexpr int64_t kJan5At1000 = 1294221600000;  // 2011-01-05 10:00:00 UTC

ImportOptions RetailOptions() {
  ImportOptions options;
  options.format = Format::kOnlineRetail;
  return options;
}

std::map<std::string, int64_t> Skipped(const ImportReport& report) {
  return {report.skipped_by_reason.begin(), report.skipped_by_reason.end()};
}

TEST(OnlineRetailTest, MapsItemsCustomersAndInvoices) {
  FakeSink sink;
  auto report =
      ImportFile(WriteFile("retail.csv", std::string(kHeader) + kRows), RetailOptions(), sink);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->rows_read, 16);
  EXPECT_EQ(sink.CallOrder(), "ice");  // Items, then customers, then events.

  ASSERT_EQ(sink.items.size(), 3u);
  const v1::Item& cake = sink.items[0];
  EXPECT_EQ(cake.id(), "22720");
  EXPECT_EQ(cake.title(), "SET OF 3 CAKE TINS, PANTRY DESIGN");
  EXPECT_THAT(cake.category_path(), ElementsAre("Kitchen", "Baking"));
  const v1::Item& lantern = sink.items[1];
  EXPECT_EQ(lantern.id(), "71053");
  EXPECT_DOUBLE_EQ(lantern.price(), 3.50);            // The latest price.
  EXPECT_EQ(lantern.created_time_ms(), kDec1At0826);  // The first sale.
  EXPECT_EQ(lantern.currency(), "GBP");
  EXPECT_THAT(lantern.category_path(), ElementsAre("Home", "Lighting"));
  const v1::Item& heart = sink.items[2];
  EXPECT_EQ(heart.id(), "85123A");                                 // "85123a" is the same product.
  EXPECT_EQ(heart.title(), "WHITE HANGING HEART T-LIGHT HOLDER");  // Most frequent, cleaned.
  EXPECT_THAT(heart.tags(), ElementsAre("heart", "white"));

  ASSERT_EQ(sink.customers.size(), 2u);
  EXPECT_EQ(sink.customers[0].id(), "12583");
  EXPECT_EQ(sink.customers[0].country(), "Germany");  // Country of the latest invoice.
  EXPECT_FALSE(sink.customers[0].has_consents());
  EXPECT_EQ(sink.customers[1].id(), "17850");
  EXPECT_EQ(sink.customers[1].country(), "United Kingdom");

  ASSERT_EQ(sink.events.size(), 4u);
  const v1::Event& first = sink.events[0];
  EXPECT_EQ(first.event_id(), "or-536365");
  EXPECT_EQ(first.type(), v1::PURCHASE);
  EXPECT_EQ(first.customer_id(), "17850");
  EXPECT_EQ(first.order_id(), "536365");
  EXPECT_EQ(first.channel(), v1::WEB);
  EXPECT_EQ(first.timestamp_ms(), kDec1At0826);
  ASSERT_EQ(first.items_size(), 2);  // POSTAGE left out.
  EXPECT_DOUBLE_EQ(first.value(), 35.64);
  const v1::Event& second = sink.events[1];
  EXPECT_EQ(second.event_id(), "or-536367");
  ASSERT_EQ(second.items_size(), 3);  // Rows 6 and 7 merged; row 9 has another price.
  EXPECT_EQ(second.items(0).item_id(), "85123A");
  EXPECT_EQ(second.items(0).quantity(), 5);
  EXPECT_DOUBLE_EQ(second.items(0).price(), 2.95);
  EXPECT_EQ(second.items(2).quantity(), 1);
  EXPECT_DOUBLE_EQ(second.value(), 22.25);
  const v1::Event& ret = sink.events[2];
  EXPECT_EQ(ret.type(), v1::RETURN);
  EXPECT_EQ(ret.event_id(), "or-C536368");
  ASSERT_EQ(ret.items_size(), 1);
  EXPECT_EQ(ret.items(0).quantity(), 2);  // Positive.
  EXPECT_DOUBLE_EQ(ret.value(), 6.78);
  EXPECT_EQ(sink.events[3].timestamp_ms(), kJan5At1000);

  EXPECT_EQ(Skipped(*report), (std::map<std::string, int64_t>{
                                  {"no customer id", 2},
                                  {"non-product stock code", 2},
                                  {"no description for the stock code", 1},
                                  {"zero quantity", 1},
                                  {"non-positive price", 1},
                              }));
  EXPECT_EQ(report->rejected, 1);
  ASSERT_EQ(report->rejected_rows.size(), 1u);
  EXPECT_EQ(report->rejected_rows[0].line, 16);
  EXPECT_EQ(report->items, 3);
  EXPECT_EQ(report->customers, 2);
  EXPECT_EQ(report->events, 4);
}

TEST(OnlineRetailTest, GzipGivesTheSameResult) {
  FakeSink plain, gz;
  auto a = ImportFile(WriteFile("r.csv", std::string(kHeader) + kRows), RetailOptions(), plain);
  auto b =
      ImportFile(WriteFile("r.csv.gz", std::string(kHeader) + kRows, true), ImportOptions(), gz);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(plain.events.size(), gz.events.size());
  for (size_t i = 0; i < plain.events.size(); ++i) {
    EXPECT_EQ(plain.events[i].SerializeAsString(), gz.events[i].SerializeAsString());
  }
  EXPECT_EQ(plain.items.size(), gz.items.size());
}

TEST(OnlineRetailTest, ShiftMovesTheNewestEventToNow) {
  FakeSink sink;
  ImportOptions options = RetailOptions();
  const int64_t now = 1767225600000;  // 2026-01-01
  options.shift_newest_to_ms = now;
  ASSERT_TRUE(ImportFile(WriteFile("r.csv", std::string(kHeader) + kRows), options, sink).ok());
  const int64_t delta = now - kJan5At1000;
  ASSERT_EQ(sink.events.size(), 4u);
  EXPECT_EQ(sink.events.back().timestamp_ms(), now);
  EXPECT_EQ(sink.events[0].timestamp_ms(), kDec1At0826 + delta);
  EXPECT_EQ(sink.items[1].created_time_ms(), kDec1At0826 + delta);
}

TEST(OnlineRetailTest, ReimportIsIdempotentThroughEventIds) {
  FakeSink sink;
  const std::string path = WriteFile("r.csv", std::string(kHeader) + kRows);
  ASSERT_TRUE(ImportFile(path, RetailOptions(), sink).ok());
  auto again = ImportFile(path, RetailOptions(), sink);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->events, 0);
  EXPECT_EQ(again->duplicates, 4);
}

TEST(OnlineRetailTest, SinkRejectionsPointAtTheFirstRowOfTheRecord) {
  FakeSink sink;
  sink.reject_item = [](const v1::Item& i) { return i.id() == "71053" ? "no" : std::string(); };
  sink.reject_event = [](const v1::Event& e) {
    return e.event_id() == "or-536367" ? "no" : std::string();
  };
  auto report = ImportFile(WriteFile("r.csv", std::string(kHeader) + kRows), RetailOptions(), sink);
  ASSERT_TRUE(report.ok());
  std::vector<int64_t> lines;
  for (const auto& row : report->rejected_rows) lines.push_back(row.line);
  EXPECT_THAT(lines, ElementsAre(3, 6, 16)) << "item 71053 first seen on line 3, invoice 536367 "
                                               "starts on line 6, bad date on line 16";
}

TEST(OnlineRetailTest, SampleKeepsCustomersByStableHash) {
  std::string text = kHeader;
  std::map<std::string, int> rows_of;
  for (int c = 0; c < 40; ++c) {
    const std::string customer = std::to_string(13000 + c);
    absl::StrAppend(&text, 540000 + c, ",71053,WHITE METAL LANTERN,1,2011-01-0", 1 + c % 9,
                    " 10:00:00,3.39,", customer, ",France\n");
    ++rows_of[customer];
  }
  FakeSink sink;
  ImportOptions options = RetailOptions();
  options.customer_sample = 0.5;
  auto report = ImportFile(WriteFile("s.csv", text), options, sink);
  ASSERT_TRUE(report.ok());
  int expected = 0;
  for (const auto& [customer, rows] : rows_of) expected += CustomerShare(customer) < 0.5;
  EXPECT_GT(expected, 5);
  EXPECT_LT(expected, 35);
  EXPECT_EQ(static_cast<int>(sink.customers.size()), expected);
  for (const auto& c : sink.customers) EXPECT_LT(CustomerShare(c.id()), 0.5);
  EXPECT_EQ(Skipped(*report)["customer not in the sample"], 40 - expected);
}

TEST(OnlineRetailTest, LargeInvoicesAreSplitIntoEventsOfAtMost100Items) {
  std::string text = kHeader;
  for (int i = 0; i < 150; ++i) {
    text += "550000," + std::to_string(20000 + i) + ",RED MUG " + std::to_string(i) +
            ",1,2011-05-01 10:00:00,1.00,14000,United Kingdom\n";
  }
  FakeSink sink;
  ASSERT_TRUE(ImportFile(WriteFile("big.csv", text), RetailOptions(), sink).ok());
  ASSERT_EQ(sink.events.size(), 2u);
  EXPECT_EQ(sink.events[0].event_id(), "or-550000");
  EXPECT_EQ(sink.events[0].items_size(), kMaxItemsPerEvent);
  EXPECT_EQ(sink.events[1].event_id(), "or-550000-2");
  EXPECT_EQ(sink.events[1].items_size(), 50);
  EXPECT_EQ(sink.events[1].order_id(), "550000");
  EXPECT_DOUBLE_EQ(sink.events[0].value() + sink.events[1].value(), 150.0);
}

TEST(OnlineRetailTest, HeaderWithoutRetailColumnsIsRefused) {
  FakeSink sink;
  auto report = ImportFile(WriteFile("x.csv", "InvoiceNo,StockCode,Quantity\n1,2,3\n"),
                           RetailOptions(), sink);
  EXPECT_EQ(report.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(report.status().message()), ::testing::HasSubstr("Description"));
}

}  // namespace
}  // namespace persona::importer
