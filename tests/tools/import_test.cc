// ImportFile over JSON Lines and CSV files with a header, through a fake sink:
// good and bad rows, line numbers of refused rows, batching and auto-detection.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/tools/fake_sink.h"
#include "tools/importer/importer.h"

namespace persona::importer {
namespace {

using testing::FakeSink;
using ::testing::HasSubstr;
using testing::WriteFile;

ImportOptions Options(Format format, RecordKind kind) {
  ImportOptions options;
  options.format = format;
  options.kind = kind;
  return options;
}

TEST(JsonLinesTest, ImportsGoodLinesAndRejectsBadOnesWithLineNumbers) {
  const std::string path =
      WriteFile("items.jsonl",
                "{\"id\":\"a\",\"title\":\"Lamp\",\"price\":12.5,"
                "\"categoryPath\":[\"Home\",\"Lighting\"]}\n"
                "\n"
                "{\"id\":\"b\",\"category_path\":[\"Home\"],\"tags\":[\"x\"]}\n"
                "{\"id\":\"c\",\"colour\":\"red\"}\n"
                "{\"id\":\"d\",\"price\":\"cheap\"}\n"
                "not json at all\n"
                "{\"id\":\"e\",\"availability\":\"OUT_OF_STOCK\"}\n");
  FakeSink sink;
  auto report = ImportFile(path, Options(Format::kJsonLines, RecordKind::kItems), sink);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->rows_read, 6);
  EXPECT_EQ(report->items, 3);
  ASSERT_EQ(sink.items.size(), 3u);
  EXPECT_EQ(sink.items[0].title(), "Lamp");
  EXPECT_EQ(sink.items[0].category_path_size(), 2);
  EXPECT_DOUBLE_EQ(sink.items[0].price(), 12.5);
  EXPECT_EQ(sink.items[1].tags(0), "x");
  EXPECT_EQ(sink.items[2].availability(), v1::OUT_OF_STOCK);
  EXPECT_EQ(report->rejected, 3);
  ASSERT_EQ(report->rejected_rows.size(), 3u);
  EXPECT_EQ(report->rejected_rows[0].line, 4);
  EXPECT_THAT(report->rejected_rows[0].reason, HasSubstr("colour"));  // Unknown fields refused.
  EXPECT_EQ(report->rejected_rows[1].line, 5);
  EXPECT_EQ(report->rejected_rows[2].line, 6);
}

TEST(JsonLinesTest, EventsAndCustomers) {
  FakeSink sink;
  const std::string events = WriteFile(
      "events.jsonl",
      "{\"eventId\":\"e1\",\"customerId\":\"c1\",\"type\":\"PURCHASE\",\"items\":[{\"itemId\":"
      "\"a\",\"quantity\":2,\"price\":3}],\"timestampMs\":\"1000\",\"channel\":\"WEB\"}\n"
      "{\"event_id\":\"e2\",\"session_id\":\"s1\",\"type\":\"NO_SUCH_TYPE\"}\n");
  auto report = ImportFile(events, Options(Format::kAuto, RecordKind::kEvents), sink);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->events, 1);
  EXPECT_EQ(report->rejected, 1);
  ASSERT_EQ(sink.events.size(), 1u);
  EXPECT_EQ(sink.events[0].items(0).quantity(), 2);
  EXPECT_EQ(sink.events[0].timestamp_ms(), 1000);

  const std::string customers = WriteFile(
      "customers.jsonl",
      "{\"id\":\"c1\",\"country\":\"France\",\"consents\":{\"personalization\":false}}\n");
  report = ImportFile(customers, Options(Format::kAuto, RecordKind::kCustomers), sink);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(sink.customers.size(), 1u);
  EXPECT_TRUE(sink.customers[0].consents().has_personalization());
  EXPECT_FALSE(sink.customers[0].consents().personalization());
}

TEST(JsonLinesTest, ReimportCountsDuplicates) {
  FakeSink sink;
  const std::string path =
      WriteFile("e.jsonl",
                "{\"eventId\":\"x1\",\"customerId\":\"c\",\"type\":\"PAGE_VIEW\"}\n"
                "{\"eventId\":\"x2\",\"customerId\":\"c\",\"type\":\"PAGE_VIEW\"}\n");
  ASSERT_TRUE(ImportFile(path, Options(Format::kJsonLines, RecordKind::kEvents), sink).ok());
  auto again = ImportFile(path, Options(Format::kJsonLines, RecordKind::kEvents), sink);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->events, 0);
  EXPECT_EQ(again->duplicates, 2);
}

TEST(CsvImportTest, ItemsWithEveryColumn) {
  const std::string path = WriteFile(
      "items.csv",
      "\xEF\xBB\xBFid,title,category,brand,price,currency,availability,stock,tags,url,image_url,"
      "created_time,attr.Colour\r\n"
      "A1,\"Lamp, brass\",Home > Lighting,Acme,19.90,gbp,in_stock,4,brass|gift,https://x/a,"
      "https://x/a.jpg,2024-05-01T10:00:00Z,gold\r\n"
      "A2,Mug,Kitchen/Tableware,,3,,,,,,,1700000000000,\r\n");
  FakeSink sink;
  auto report = ImportFile(path, Options(Format::kAuto, RecordKind::kItems), sink);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->items, 2);
  EXPECT_EQ(report->rejected, 0);
  ASSERT_EQ(sink.items.size(), 2u);
  const v1::Item& a = sink.items[0];
  EXPECT_EQ(a.id(), "A1");
  EXPECT_EQ(a.title(), "Lamp, brass");
  EXPECT_THAT(a.category_path(), ::testing::ElementsAre("Home", "Lighting"));
  EXPECT_EQ(a.brand(), "Acme");
  EXPECT_DOUBLE_EQ(a.price(), 19.9);
  EXPECT_EQ(a.currency(), "GBP");
  EXPECT_EQ(a.availability(), v1::IN_STOCK);
  EXPECT_EQ(a.stock(), 4);
  EXPECT_THAT(a.tags(), ::testing::ElementsAre("brass", "gift"));
  EXPECT_EQ(a.image_url(), "https://x/a.jpg");
  EXPECT_EQ(a.created_time_ms(), 1714557600000);
  EXPECT_EQ(a.attributes().at("Colour"), "gold");
  const v1::Item& b = sink.items[1];
  EXPECT_THAT(b.category_path(), ::testing::ElementsAre("Kitchen", "Tableware"));
  EXPECT_EQ(b.stock(), -1);  // No stock given: not tracked.
  EXPECT_EQ(b.created_time_ms(), 1700000000000);
  EXPECT_TRUE(b.attributes().empty());
}

TEST(CsvImportTest, BadCellsAreRejectedWithLineAndColumn) {
  const std::string path = WriteFile("bad.csv",
                                     "id,price,stock\n"
                                     "a,1,2\n"
                                     "b,abc,2\n"
                                     "\"c\nd\",1,1\n"
                                     "e,1\n"
                                     "f,1,lots\n");
  FakeSink sink;
  auto report = ImportFile(path, Options(Format::kCsv, RecordKind::kItems), sink);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->rows_read, 5);
  EXPECT_EQ(report->items, 2);  // a and the two-line "c\nd".
  ASSERT_EQ(report->rejected_rows.size(), 3u);
  EXPECT_EQ(report->rejected_rows[0].line, 3);
  EXPECT_THAT(report->rejected_rows[0].reason, HasSubstr("column price"));
  EXPECT_EQ(report->rejected_rows[1].line, 6);  // Line 4 holds a two-line record.
  EXPECT_THAT(report->rejected_rows[1].reason, HasSubstr("2 fields"));
  EXPECT_EQ(report->rejected_rows[2].line, 7);
  EXPECT_THAT(report->rejected_rows[2].reason, HasSubstr("column stock"));
}

TEST(CsvImportTest, UnknownOrMissingColumnsStopTheImport) {
  FakeSink sink;
  auto report = ImportFile(WriteFile("a.csv", "id,titel\n1,x\n"),
                           Options(Format::kCsv, RecordKind::kItems), sink);
  EXPECT_EQ(report.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(report.status().message(), HasSubstr("titel"));
  report =
      ImportFile(WriteFile("b.csv", "title\nx\n"), Options(Format::kCsv, RecordKind::kItems), sink);
  EXPECT_EQ(report.status().code(), absl::StatusCode::kInvalidArgument);
  report = ImportFile(WriteFile("c.csv", "customer_id,item_id\nc,i\n"),
                      Options(Format::kCsv, RecordKind::kEvents), sink);
  EXPECT_THAT(report.status().message(), HasSubstr("type"));
  EXPECT_TRUE(sink.items.empty());
}

TEST(CsvImportTest, CustomersWithConsentsAndPreferences) {
  const std::string path =
      WriteFile("customers.csv",
                "id,first_name,email,country,birth_year,consent_personalization,consent_email,"
                "preferred_categories,preferred_brands,attr.tier\n"
                "c1,Ann,ann@x.example,FR,1980,no,yes,Home/Lighting|Toys,Acme,gold\n"
                "c2,Bob,,,,,,,,\n"
                "c3,Cy,,,nineteen,,,,,\n");
  FakeSink sink;
  auto report = ImportFile(path, Options(Format::kCsv, RecordKind::kCustomers), sink);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->customers, 2);
  EXPECT_EQ(report->rejected, 1);
  ASSERT_EQ(sink.customers.size(), 2u);
  const v1::Customer& c1 = sink.customers[0];
  EXPECT_EQ(c1.birth_year(), 1980);
  EXPECT_FALSE(c1.consents().personalization());
  EXPECT_TRUE(c1.consents().email_marketing());
  EXPECT_THAT(c1.preferences().categories(), ::testing::ElementsAre("Home/Lighting", "Toys"));
  EXPECT_EQ(c1.attributes().at("tier"), "gold");
  EXPECT_FALSE(sink.customers[1].has_consents());  // Empty cells leave consents unset.
}

TEST(CsvImportTest, EventRowsSharingAnEventIdFormOneEvent) {
  const std::string path = WriteFile(
      "events.csv",
      "event_id,customer_id,session_id,type,item_id,quantity,price,order_id,value,timestamp,"
      "channel,prop.coupon\n"
      "o1,c1,,purchase,A,2,1.5,O-1,5,2024-01-01 10:00:00,web,SAVE5\n"
      "o1,c1,,purchase,B,1,2,O-1,5,2024-01-01 10:00:00,web,SAVE5\n"
      ",,s9,page_view,,,,,,1000,app,\n"
      "v1,c1,,product_view,C,,,,,1001,,\n"
      "v2,c1,,explode,C,,,,,1002,,\n");
  FakeSink sink;
  auto report = ImportFile(path, Options(Format::kCsv, RecordKind::kEvents), sink);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->rows_read, 5);
  EXPECT_EQ(report->events, 3);
  ASSERT_EQ(sink.events.size(), 3u);
  const v1::Event& order = sink.events[0];
  EXPECT_EQ(order.type(), v1::PURCHASE);
  ASSERT_EQ(order.items_size(), 2);
  EXPECT_EQ(order.items(1).item_id(), "B");
  EXPECT_EQ(order.order_id(), "O-1");
  EXPECT_EQ(order.properties().at("coupon"), "SAVE5");
  EXPECT_EQ(order.timestamp_ms(), 1704103200000);
  EXPECT_EQ(sink.events[1].session_id(), "s9");
  EXPECT_EQ(sink.events[1].items_size(), 0);
  EXPECT_EQ(sink.events[1].channel(), v1::APP);
  ASSERT_EQ(report->rejected_rows.size(), 1u);
  EXPECT_EQ(report->rejected_rows[0].line, 6);
  EXPECT_THAT(report->rejected_rows[0].reason, HasSubstr("column type"));
}

TEST(BatchingTest, SinkRejectionsMapBackToFileLines) {
  std::string text = "id,title\n";
  for (int i = 0; i < 25; ++i) text += "item" + std::to_string(i) + ",t\n";
  FakeSink sink;
  sink.reject_item = [](const v1::Item& item) {
    return item.id() == "item7" || item.id() == "item23" ? std::string("refused") : "";
  };
  ImportOptions options = Options(Format::kCsv, RecordKind::kItems);
  options.batch_size = 10;
  std::vector<std::pair<int64_t, int64_t>> progress;
  options.progress = [&](int64_t done, int64_t total) { progress.emplace_back(done, total); };
  auto report = ImportFile(WriteFile("many.csv", text), options, sink);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(sink.item_batches, (std::vector<size_t>{10, 10, 5}));
  EXPECT_EQ(report->items, 23);
  ASSERT_EQ(report->rejected_rows.size(), 2u);
  EXPECT_EQ(report->rejected_rows[0].line, 9);                // item7 is on line 9.
  EXPECT_EQ(report->rejected_rows[0].reason, "id: refused");  // "items[7]." dropped.
  EXPECT_EQ(report->rejected_rows[1].line, 25);
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back().first, progress.back().second);
  for (size_t i = 1; i < progress.size(); ++i) EXPECT_GE(progress[i].first, progress[i - 1].first);
}

TEST(BatchingTest, SinkFailureStopsTheImport) {
  FakeSink sink;
  sink.fail_events = absl::UnavailableError("server went away");
  auto report = ImportFile(WriteFile("e.jsonl", "{\"customerId\":\"c\",\"type\":\"PAGE_VIEW\"}\n"),
                           Options(Format::kJsonLines, RecordKind::kEvents), sink);
  EXPECT_EQ(report.status().code(), absl::StatusCode::kUnavailable);
}

TEST(BatchingTest, RejectsBadOptions) {
  FakeSink sink;
  const std::string path = WriteFile("x.jsonl", "");
  ImportOptions options;
  options.batch_size = 0;
  EXPECT_EQ(ImportFile(path, options, sink).status().code(), absl::StatusCode::kInvalidArgument);
  options.batch_size = 10;
  options.customer_sample = 0;
  EXPECT_EQ(ImportFile(path, options, sink).status().code(), absl::StatusCode::kInvalidArgument);
  options.customer_sample = 1;
  EXPECT_TRUE(ImportFile(path, options, sink).ok());
  EXPECT_EQ(ImportFile(path + ".missing", options, sink).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace persona::importer
