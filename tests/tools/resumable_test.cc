// Resumable imports (tools/importer/resumable.h): a run stopped by --max_rows
// or broken off after a batch was stored but before its checkpoint, then
// resumed, stores exactly the events of an uninterrupted import, with the
// same counts and the same rejects file; checkpoints of another input are
// refused and a finished import is not read again.
#include "tools/importer/resumable.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/tools/fake_sink.h"
#include "tools/importer/checkpoint.h"

namespace persona::importer {
namespace {

using testing::FakeSink;
using ::testing::HasSubstr;
using testing::WriteFile;

// Stores like FakeSink, but after `fail_after` event batches answers one
// stored batch with an error, as if the acknowledgement was lost.
class LostAckSink : public Sink {
 public:
  LostAckSink(FakeSink& inner, int fail_after) : inner_(inner), fail_after_(fail_after) {}
  absl::StatusOr<BatchResult> PutItems(std::vector<v1::Item> b) override {
    return inner_.PutItems(std::move(b));
  }
  absl::StatusOr<BatchResult> PutCustomers(std::vector<v1::Customer> b) override {
    return inner_.PutCustomers(std::move(b));
  }
  absl::StatusOr<BatchResult> PutEvents(std::vector<v1::Event> b) override {
    auto result = inner_.PutEvents(std::move(b));
    if (++calls_ == fail_after_ + 1) return absl::UnavailableError("connection lost");
    return result;
  }

 private:
  FakeSink& inner_;
  const int fail_after_;
  int calls_ = 0;
};

// A GA4 export of `n` rows: views and purchases of several visitors, with
// rows that are skipped or rejected along the way.
std::string Ga4File(int n) {
  std::string text;
  for (int i = 0; i < n; ++i) {
    const std::string ts = absl::StrCat(1700000000000000 + i * 1000000);
    if (i % 11 == 5) {
      absl::StrAppend(&text, R"({"event_name":"session_start","event_timestamp":")", ts,
                      R"(","user_pseudo_id":"p)", i % 4, "\"}\n");
    } else if (i % 13 == 7) {
      absl::StrAppend(&text, R"({"event_name":"view_item","event_timestamp":"x)", i, "\"}\n");
    } else {
      absl::StrAppend(&text, R"({"event_name":")", i % 3 == 0 ? "purchase" : "view_item",
                      R"(","event_timestamp":")", ts, R"(","user_pseudo_id":"p)", i % 4,
                      R"(","ecommerce":{"transaction_id":"T)", i, R"("},"items":[{"item_id":"I)",
                      i % 7, R"(","item_name":"Item )", i % 7, R"(","price":)", i % 7 + 1, "}]}\n");
    }
  }
  return text;
}

// Returns a path under the test directory with nothing there yet.
std::string Fresh(const std::string& name) {
  const std::string path = ::testing::TempDir() + "/resumable_" + name;
  std::remove(path.c_str());
  return path;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> EventIds(const FakeSink& sink) {
  std::vector<std::string> ids;
  for (const v1::Event& e : sink.events) ids.push_back(e.event_id());
  return ids;
}

ImportOptions Options(Format format, int batch) {
  ImportOptions options;
  options.format = format;
  options.batch_size = batch;
  options.kind = RecordKind::kEvents;
  return options;
}

struct ImportRun {
  FakeSink sink;
  ImportReport report;
  std::string rejects;
};

// Imports `path` without interruption.
ImportRun Uninterrupted(const std::string& path, Format format, const std::string& name) {
  ImportRun run;
  ResumableOptions files;
  files.rejects = Fresh(name + ".rejects.csv");
  auto result = ImportResumable(path, Options(format, 4), files, run.sink);
  EXPECT_TRUE(result.ok()) << result.status();
  if (result.ok()) run.report = result->report;
  run.rejects = ReadAll(files.rejects);
  return run;
}

void ExpectSameImport(const ImportRun& resumed, const ImportRun& whole) {
  EXPECT_EQ(EventIds(resumed.sink), EventIds(whole.sink));
  EXPECT_EQ(resumed.report.rows_read, whole.report.rows_read);
  EXPECT_EQ(resumed.report.events, whole.report.events);
  EXPECT_EQ(resumed.report.rejected, whole.report.rejected);
  EXPECT_EQ(resumed.report.skipped_by_reason, whole.report.skipped_by_reason);
  EXPECT_EQ(resumed.rejects, whole.rejects);
}

// Stops after `stop` rows, resumes, and compares with `whole`.
void StopAndResume(const std::string& path, const ImportRun& whole, int stop) {
  SCOPED_TRACE(stop);
  ImportRun resumed;
  ResumableOptions files;
  files.checkpoint = Fresh("stop.checkpoint");
  files.rejects = Fresh("stop.rejects.csv");
  ImportOptions first = Options(Format::kGa4, 4);
  first.max_rows = stop;
  auto stopped = ImportResumable(path, first, files, resumed.sink);
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_TRUE(stopped->report.stopped_at_limit);
  EXPECT_EQ(stopped->report.rows_read, stop);
  auto checkpoint = ReadCheckpoint(files.checkpoint);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  EXPECT_EQ(checkpoint->line, stop);
  EXPECT_FALSE(checkpoint->complete);

  files.resume = true;
  auto rest = ImportResumable(path, Options(Format::kGa4, 4), files, resumed.sink);
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_EQ(rest->resumed_after_line, stop);
  EXPECT_EQ(rest->report.duplicates, 0);
  resumed.report = rest->report;
  resumed.rejects = ReadAll(files.rejects);
  ExpectSameImport(resumed, whole);
  EXPECT_TRUE(ReadCheckpoint(files.checkpoint)->complete);
}

TEST(ResumeTest, MaxRowsStopThenResumeEqualsOneRun) {
  const std::string path = WriteFile("ga4.jsonl", Ga4File(60));
  const ImportRun whole = Uninterrupted(path, Format::kGa4, "whole");
  ASSERT_GT(whole.report.rejected, 0);
  ASSERT_FALSE(whole.report.skipped_by_reason.empty());
  for (int stop : {1, 7, 17, 59}) StopAndResume(path, whole, stop);
}

TEST(ResumeTest, LostAcknowledgementReplaysTheBatchHarmlessly) {
  // Plain JSON Lines events without ids: the checkpoint gives them derived
  // ones.
  std::string text;
  for (int i = 0; i < 30; ++i) {
    absl::StrAppend(&text, R"({"customerId":"c)", i % 3, R"(","type":"PAGE_VIEW","timestampMs":")",
                    1000 + i, "\"}\n", i % 9 == 4 ? "{\"type\":\"NOPE\"}\n" : "");
  }
  const std::string path = WriteFile("events.jsonl", text);
  const ImportRun whole = Uninterrupted(path, Format::kJsonLines, "lost-whole");
  for (int fail_after : {0, 2, 5}) {
    SCOPED_TRACE(fail_after);
    ImportRun resumed;
    ResumableOptions files;
    files.checkpoint = Fresh(absl::StrCat("lost", fail_after, ".checkpoint"));
    files.rejects = Fresh(absl::StrCat("lost", fail_after, ".rejects.csv"));
    LostAckSink flaky(resumed.sink, fail_after);
    auto broken = ImportResumable(path, Options(Format::kJsonLines, 4), files, flaky);
    ASSERT_FALSE(broken.ok());
    files.resume = true;
    auto rest = ImportResumable(path, Options(Format::kJsonLines, 4), files, resumed.sink);
    ASSERT_TRUE(rest.ok()) << rest.status();
    EXPECT_GT(rest->report.duplicates, 0);  // The stored batch came again.
    resumed.report = rest->report;
    resumed.report.events += rest->report.duplicates;  // Stored in the broken run.
    resumed.rejects = ReadAll(files.rejects);
    EXPECT_EQ(resumed.sink.events.size(), 30u);
    EXPECT_EQ(resumed.report.events, whole.report.events);
    EXPECT_EQ(resumed.rejects, whole.rejects);
    EXPECT_EQ(resumed.report.rejected, whole.report.rejected);
  }
}

TEST(ResumeTest, ShopifyOrdersAreNeverSplitAcrossARestart) {
  std::string text =
      "Name,Email,Created at,Lineitem quantity,Lineitem name,Lineitem "
      "price,Lineitem sku\n";
  for (int order = 0; order < 12; ++order) {
    for (int line = 0; line <= order % 3; ++line) {
      absl::StrAppend(&text, "#", order, ",b", order % 5, "@x.io,2024-05-01 10:00:00 +0000,1,Item ",
                      line, ",", 2 + line, ",S", line, "\n");
    }
  }
  const std::string path = WriteFile("orders.csv", text);
  const ImportRun whole = Uninterrupted(path, Format::kShopify, "shop-whole");
  for (int stop : {1, 2, 4, 9}) {
    SCOPED_TRACE(stop);
    ImportRun resumed;
    ResumableOptions files;
    files.checkpoint = Fresh(absl::StrCat("shop", stop, ".checkpoint"));
    ImportOptions first = Options(Format::kShopify, 2);
    first.max_rows = stop;
    ASSERT_TRUE(ImportResumable(path, first, files, resumed.sink).ok());
    files.resume = true;
    auto rest = ImportResumable(path, Options(Format::kShopify, 2), files, resumed.sink);
    ASSERT_TRUE(rest.ok()) << rest.status();
    EXPECT_EQ(rest->report.duplicates, 0);
    EXPECT_EQ(EventIds(resumed.sink), EventIds(whole.sink));
    for (size_t i = 0; i < whole.sink.events.size(); ++i) {
      EXPECT_EQ(resumed.sink.events[i].items_size(), whole.sink.events[i].items_size());
    }
    EXPECT_EQ(rest->report.rows_read, whole.report.rows_read);
  }
}

TEST(ResumeTest, RefusesAnotherInputAndSkipsAFinishedOne) {
  const std::string a = WriteFile("a.jsonl", Ga4File(5));
  const std::string b = WriteFile("b.jsonl", Ga4File(6).substr(1));
  FakeSink sink;
  ResumableOptions files;
  files.checkpoint = Fresh("ab.checkpoint");
  ASSERT_TRUE(ImportResumable(a, Options(Format::kGa4, 4), files, sink).ok());
  files.resume = true;
  auto again = ImportResumable(a, Options(Format::kGa4, 4), files, sink);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->already_complete);
  EXPECT_EQ(sink.event_batches.size(), 2u);  // Nothing sent the second time.
  auto other = ImportResumable(b, Options(Format::kGa4, 4), files, sink);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kFailedPrecondition);
  auto retail = ImportResumable(WriteFile("r.csv", "InvoiceNo,StockCode\n"),
                                Options(Format::kOnlineRetail, 4), files, sink);
  EXPECT_EQ(retail.status().code(), absl::StatusCode::kFailedPrecondition);
  std::ofstream(files.checkpoint) << "something else\n";
  EXPECT_EQ(ImportResumable(a, Options(Format::kGa4, 4), files, sink).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(RejectsFileTest, QuotesReasonsAndKeepsEveryRow) {
  const std::string path = Fresh("quoted.rejects.csv");
  {
    auto file = RejectsFile::Open(path, -1);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->Append("in,put.csv", {{3, "price: 'a,b' is not \"ok\""}, {9, "x"}}).ok());
  }
  EXPECT_EQ(ReadAll(path),
            "file,line,reason\n\"in,put.csv\",3,\"price: 'a,b' is not \"\"ok\"\"\"\n"
            "\"in,put.csv\",9,x\n");
  auto cut = RejectsFile::Open(path, 17);  // Back to the header only.
  ASSERT_TRUE(cut.ok());
  EXPECT_EQ((*cut)->size(), 17);
}

}  // namespace
}  // namespace persona::importer
