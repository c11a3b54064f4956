// Reads catalog, customers and events from files and hands them, in batches,
// to a sink: the gRPC client of `persona import`, or the server itself when it
// loads the demo shop. Formats:
//   - JSON Lines: one persona.v1.Item / Customer / Event per line, protobuf's
//     JSON mapping (field names as in the protos, lowerCamel or snake_case).
//   - CSV with a header naming fields (see docs/IMPORT.md for the columns).
//   - The UCI Online Retail CSV (InvoiceNo,StockCode,Description,Quantity,
//     InvoiceDate,UnitPrice,CustomerID,Country), plain or gzipped: stock codes
//     become items, invoices purchases, 'C' invoices returns, countries the
//     customers' locations.
//   - The event shapes of common tools: Google Analytics 4's BigQuery export
//     as JSON Lines, Shopify's orders CSV and Segment's track/identify calls
//     as JSON Lines; each becomes events plus the items and customers its
//     rows carry (docs/IMPORT.md has a mapping table per format).
// Streaming formats (all but Online Retail) are imported in units (a line, a
// CSV row, or the rows of one order) and sent only at unit ends, so after each
// acknowledged batch a position exists before which everything is stored: the
// resumable imports of `persona import` are built on that (CommitPoint).
// ImportFile keeps no state between calls; a Sink is called only from the
// thread running ImportFile, so sinks need not be thread-safe.
#ifndef PERSONA_TOOLS_IMPORTER_IMPORTER_H_
#define PERSONA_TOOLS_IMPORTER_IMPORTER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "persona/v1/common.pb.h"

namespace persona::importer {

// What the sink did with one batch.
struct BatchResult {
  int64_t accepted = 0;
  int64_t duplicates = 0;
  // Rejections with indices into the batch given to the sink.
  std::vector<persona::v1::Rejection> rejected;
};

// Where parsed records go. A sink error (not a per-record rejection) stops the
// import.
class Sink {
 public:
  virtual ~Sink() = default;
  virtual absl::StatusOr<BatchResult> PutItems(std::vector<persona::v1::Item> items) = 0;
  virtual absl::StatusOr<BatchResult> PutCustomers(
      std::vector<persona::v1::Customer> customers) = 0;
  virtual absl::StatusOr<BatchResult> PutEvents(std::vector<persona::v1::Event> events) = 0;
};

// kAuto looks at the first non-blank line: a JSON object with GA4's
// event_name and event_timestamp is kGa4, one with Segment's messageId or
// anonymousId and a type is kSegment, other '{' lines JSON Lines; a header
// naming InvoiceNo and StockCode is Online Retail, one naming Name and
// "Lineitem quantity" Shopify, anything else CSV. (New formats go at the end:
// the fuzz harness picks formats by number.)
enum class Format { kAuto, kJsonLines, kCsv, kOnlineRetail, kGa4, kShopify, kSegment };
enum class RecordKind { kItems, kCustomers, kEvents };

struct CommitPoint;  // Below.

struct ImportOptions {
  Format format = Format::kAuto;
  // For JSON Lines and CSV: what the file holds. Online Retail files hold all
  // three.
  RecordKind kind = RecordKind::kEvents;
  // Records per sink call (default 500, 1..1000; otherwise INVALID_ARGUMENT).
  int batch_size = 500;
  // Online Retail: shift every time so the newest row is at `now_ms` (0: no
  // shift).
  int64_t shift_newest_to_ms = 0;
  // Online Retail: keep only customers whose id hashes (FNV-1a + fmix64) into
  // this share, in (0, 1] (default 1.0 keeps all).
  double customer_sample = 1.0;
  // Called after each batch (for a progress bar). JSON Lines and CSV: bytes
  // of the file read so far (compressed bytes for gzip) and its size. Online
  // Retail, which is read wholly before anything is sent: records sent and
  // records to send. Default: none.
  std::function<void(int64_t done, int64_t total)> progress;

  // Streaming formats: rows on lines <= this are passed over unread (a
  // resumed import; CommitPoint::line of the run before). Default 0: none.
  // INVALID_ARGUMENT for Online Retail.
  int64_t resume_after_line = 0;
  // Stop before the first unit that starts once this many rows were read
  // (ImportReport::stopped_at_limit). Default 0: no limit.
  int64_t max_rows = 0;
  // GA4, Shopify, Segment: also upsert the items and customers the rows carry
  // (each sent again only when what the rows say of it changes). Default
  // true; false when the catalog and customers come from elsewhere, since an
  // upsert replaces the whole record.
  bool upsert_items = true;
  bool upsert_customers = true;
  // JSON Lines and CSV events without an event_id get
  // "imp-<hash of the row>-<line>", so that a batch sent again after an
  // interruption is acknowledged as duplicates. Default false.
  bool derive_event_ids = false;
  // Called after each acknowledged batch of a streaming format and once at
  // the end of every import; an error stops the import with that status.
  std::function<absl::Status(const CommitPoint&)> on_commit;
};

// One refused row, with its line number in the file.
struct RejectedRow {
  int64_t line = 0;
  std::string reason;
};

struct ImportReport {
  // Data rows (JSON Lines: lines) read, blank ones not counted.
  int64_t rows_read = 0;
  // Records the sink accepted.
  int64_t items = 0;
  int64_t customers = 0;
  int64_t events = 0;
  // Events the sink acknowledged as already stored (same event_id).
  int64_t duplicates = 0;
  // Rows skipped on purpose (e.g. non-product stock codes), by reason.
  std::vector<std::pair<std::string, int64_t>> skipped_by_reason;
  // Rows refused by the parser or the sink; the first 1000 found are kept,
  // sorted by line.
  int64_t rejected = 0;
  std::vector<RejectedRow> rejected_rows;
  // The last line handled: all rows up to it are read and their records sent.
  int64_t last_line = 0;
  // Whether ImportOptions::max_rows stopped the import before the end.
  bool stopped_at_limit = false;
};

// Where an import stands after an acknowledged batch.
struct CommitPoint {
  // Every row on lines <= `line` was read and whatever it gave was
  // acknowledged by the sink; nothing of later rows was sent.
  int64_t line = 0;
  // Counts of this run so far (rows_read ... skipped_by_reason), covering
  // exactly the rows up to `line`. rejected_rows is not updated until the end.
  const ImportReport* report = nullptr;
  // Rows rejected since the previous commit point, all of them, by line.
  std::vector<RejectedRow> new_rejects;
};

// Returns the format of `path` as Format::kAuto would decide it (never
// kAuto). NOT_FOUND / UNAVAILABLE / DATA_LOSS when it cannot be read.
absl::StatusOr<Format> DetectFormat(const std::string& path);

// Imports `path` (plain or gzip) into `sink`. Fails when the file cannot be
// read (NOT_FOUND, DATA_LOSS), the options or a CSV header are invalid
// (INVALID_ARGUMENT) or the sink fails (its status); refused rows are
// reported, not fatal. CSV event rows with the same event_id in a row form
// one event with several items.
absl::StatusOr<ImportReport> ImportFile(const std::string& path, const ImportOptions& options,
                                        Sink& sink);

}  // namespace persona::importer

#endif  // PERSONA_TOOLS_IMPORTER_IMPORTER_H_
