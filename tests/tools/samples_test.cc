// The sample files of tools/importer/samples (used by docs/IMPORT.md's
// examples) import with the counts the guide states.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/tools/fake_sink.h"
#include "tools/importer/importer.h"

namespace persona::importer {
namespace {

using testing::FakeSink;

struct Sample {
  const char* file;
  RecordKind kind;
  Format detected;
  int64_t rows, items, customers, events, rejected, skipped;
};

TEST(SamplesTest, EachSampleImportsAsDocumented) {
  const Sample samples[] = {
      {"items.csv", RecordKind::kItems, Format::kCsv, 4, 4, 0, 0, 0, 0},
      {"customers.jsonl", RecordKind::kCustomers, Format::kJsonLines, 2, 0, 2, 0, 0, 0},
      {"events.csv", RecordKind::kEvents, Format::kCsv, 4, 0, 0, 3, 0, 0},
      {"ga4-export.jsonl", RecordKind::kEvents, Format::kGa4, 12, 4, 0, 10, 1, 1},
      {"segment-events.jsonl", RecordKind::kEvents, Format::kSegment, 13, 4, 1, 9, 1, 2},
      {"shopify-orders.csv", RecordKind::kEvents, Format::kShopify, 8, 5, 4, 5, 1, 3},
  };
  for (const Sample& s : samples) {
    SCOPED_TRACE(s.file);
    const std::string path = std::string(PERSONA_IMPORT_SAMPLES) + "/" + s.file;
    ASSERT_EQ(DetectFormat(path).value(), s.detected);
    FakeSink sink;
    ImportOptions options;
    options.kind = s.kind;
    auto report = ImportFile(path, options, sink);
    ASSERT_TRUE(report.ok()) << report.status();
    int64_t skipped = 0;
    for (const auto& [reason, count] : report->skipped_by_reason) skipped += count;
    EXPECT_EQ(report->rows_read, s.rows);
    EXPECT_EQ(report->items, s.items);
    EXPECT_EQ(report->customers, s.customers);
    EXPECT_EQ(report->events, s.events);
    EXPECT_EQ(report->rejected, s.rejected);
    EXPECT_EQ(skipped, s.skipped);
    for (const RejectedRow& row : report->rejected_rows) {
      std::printf("  %s:%lld %s\n", s.file, static_cast<long long>(row.line), row.reason.c_str());
    }
  }
}

}  // namespace
}  // namespace persona::importer
