// Fuzzes the importer (tools/importer/importer.h) end to end: the input's
// first two bytes choose the format (below 0x80: auto, JSON Lines, CSV, Online
// Retail by the low two bits; from 0x80: GA4, Shopify, Segment), the record
// kind, the batch size, sampling, time shifting, a row limit and a resume
// position; the rest is
// written to a file (plain, or gzip when it starts with gzip's magic) and
// imported into a sink that validates records as the server does
// (server/validation.h) and refuses the bad ones by field. Checked:
//   - ImportFile returns a report or a status, never crashes;
//   - every sink call holds 1..batch_size records, events at most 100 items;
//   - the report counts what the sink accepted, keeps at most 1000 rejected
//     rows sorted by line, and progress never runs backwards or past its total.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/validation.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/quiet_protobuf.h"
#include "tools/importer/importer.h"

namespace persona::importer {
namespace {

namespace v1 = ::persona::v1;

constexpr int64_t kNow = 1'700'000'000'000;

// Validates like the server's Upsert/Track calls and counts what it accepts.
class ValidatingSink : public Sink {
 public:
  explicit ValidatingSink(int batch_size) : batch_size_(batch_size) {}

  absl::StatusOr<BatchResult> PutItems(std::vector<v1::Item> batch) override {
    return Take(batch, "items", &items, [](const v1::Item& r, const std::string& prefix) {
      return server::CheckItem(r, prefix, Limits());
    });
  }
  absl::StatusOr<BatchResult> PutCustomers(std::vector<v1::Customer> batch) override {
    return Take(batch, "customers", &customers,
                [](const v1::Customer& r, const std::string& prefix) {
                  return server::CheckCustomer(r, prefix, Limits());
                });
  }
  absl::StatusOr<BatchResult> PutEvents(std::vector<v1::Event> batch) override {
    for (const v1::Event& e : batch) {
      FUZZ_CHECK(e.items_size() <= 100, "an event of %d items", e.items_size());
    }
    return Take(batch, "events", &events, [](const v1::Event& r, const std::string& prefix) {
      return server::CheckEvent(r, prefix, Limits());
    });
  }

  int64_t items = 0, customers = 0, events = 0;

 private:
  static server::ValidationLimits Limits() {
    return {.now_ms = kNow, .max_future_skew_ms = 300'000, .max_batch = 1000};
  }

  template <typename T, typename Check>
  BatchResult Take(const std::vector<T>& batch, const char* kind, int64_t* accepted, Check check) {
    FUZZ_CHECK(!batch.empty() && static_cast<int>(batch.size()) <= batch_size_,
               "a batch of %zu %s (batch size %d)", batch.size(), kind, batch_size_);
    BatchResult result;
    for (size_t i = 0; i < batch.size(); ++i) {
      if (auto p = check(batch[i], absl::StrCat(kind, "[", i, "]"))) {
        v1::Rejection* r = &result.rejected.emplace_back();
        r->set_index(static_cast<int>(i));
        r->set_field(p->field);
        r->set_reason(p->reason);
      } else {
        ++result.accepted;
      }
    }
    *accepted += result.accepted;
    return result;
  }

  const int batch_size_;
};

// One file per process, rewritten for every input and removed at exit.
const std::string& InputPath() {
  static const std::string path = [] {
    const char* dir = std::getenv("TMPDIR");
    std::string p = absl::StrCat(dir != nullptr && *dir != '\0' ? dir : "/tmp",
                                 "/persona-importer-fuzz-", getpid(), ".txt");
    static std::string removed = p;
    std::atexit([] { std::remove(removed.c_str()); });
    return p;
  }();
  return path;
}

void WriteInput(std::string_view bytes) {
  std::FILE* f = std::fopen(InputPath().c_str(), "wb");
  FUZZ_CHECK(f != nullptr, "cannot write %s", InputPath().c_str());
  FUZZ_CHECK(std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size(), "short write");
  std::fclose(f);
}

void CheckReport(const ImportReport& report, const ValidatingSink& sink) {
  FUZZ_CHECK(report.items == sink.items && report.customers == sink.customers,
             "report counts %lld items and %lld customers, the sink accepted %lld and %lld",
             static_cast<long long>(report.items), static_cast<long long>(report.customers),
             static_cast<long long>(sink.items), static_cast<long long>(sink.customers));
  FUZZ_CHECK(report.events + report.duplicates == sink.events,
             "report counts %lld events, the sink accepted %lld",
             static_cast<long long>(report.events), static_cast<long long>(sink.events));
  FUZZ_CHECK(report.rejected_rows.size() <= 1000 &&
                 static_cast<int64_t>(report.rejected_rows.size()) <= report.rejected,
             "%zu rejected rows kept of %lld", report.rejected_rows.size(),
             static_cast<long long>(report.rejected));
  for (size_t i = 0; i < report.rejected_rows.size(); ++i) {
    const RejectedRow& row = report.rejected_rows[i];
    FUZZ_CHECK(row.line >= 1 && !row.reason.empty(), "rejected row at line %lld without reason",
               static_cast<long long>(row.line));
    FUZZ_CHECK(i == 0 || report.rejected_rows[i - 1].line <= row.line,
               "rejected rows not sorted by line");
  }
}

}  // namespace
}  // namespace persona::importer

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = persona::fuzz::QuietProtobufLogs();
  (void)quiet;
  using namespace persona::importer;
  persona::fuzz::FuzzInput in(data, size);
  const uint8_t mode = in.Byte();
  const uint8_t knobs = in.Byte();
  ImportOptions options;
  options.format = (mode & 0x80) != 0 ? static_cast<Format>(4 + (mode & 0x7f) % 3)
                                      : static_cast<Format>(mode % 4);
  options.kind = static_cast<RecordKind>((mode / 4) % 3);
  options.batch_size = 1 + knobs % 8;
  options.customer_sample = (knobs & 0x10) != 0 ? 0.5 : 1.0;
  options.shift_newest_to_ms = (knobs & 0x20) != 0 ? kNow : 0;
  options.max_rows = (knobs & 0x40) != 0 ? 5 : 0;
  options.resume_after_line = (knobs & 0x80) != 0 ? 3 : 0;
  options.derive_event_ids = (knobs & 0x08) != 0;
  int64_t last_commit = 0;
  int64_t handed_over = 0;
  options.on_commit = [&](const CommitPoint& point) {
    FUZZ_CHECK(point.line >= last_commit, "commit at line %lld after %lld",
               static_cast<long long>(point.line), static_cast<long long>(last_commit));
    for (const RejectedRow& row : point.new_rejects) {
      FUZZ_CHECK(row.line <= point.line, "rejected line %lld handed over at line %lld",
                 static_cast<long long>(row.line), static_cast<long long>(point.line));
    }
    last_commit = point.line;
    handed_over += static_cast<int64_t>(point.new_rejects.size());
    return absl::OkStatus();
  };
  int64_t last_done = 0;
  options.progress = [&last_done](int64_t done, int64_t total) {
    FUZZ_CHECK(done >= last_done && done <= total, "progress %lld of %lld after %lld",
               static_cast<long long>(done), static_cast<long long>(total),
               static_cast<long long>(last_done));
    last_done = done;
  };
  WriteInput(in.Rest());
  ValidatingSink sink(options.batch_size);
  const absl::StatusOr<ImportReport> report = ImportFile(InputPath(), options, sink);
  if (!report.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(report.status()) || absl::IsDataLoss(report.status()),
               "import failed with %s", report.status().ToString().c_str());
    return 0;
  }
  CheckReport(*report, sink);
  FUZZ_CHECK(handed_over == report->rejected, "commits handed over %lld of %lld rejections",
             static_cast<long long>(handed_over), static_cast<long long>(report->rejected));
  FUZZ_CHECK(!report->stopped_at_limit || report->rows_read >= options.max_rows,
             "stopped at %lld rows, the limit is %lld", static_cast<long long>(report->rows_read),
             static_cast<long long>(options.max_rows));
  return 0;
}
