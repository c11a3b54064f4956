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

// Where parsed records go. A sink error (not a per-record rejection) stops the import.
class Sink {
 public:
  virtual ~Sink() = default;
  virtual absl::StatusOr<BatchResult> PutItems(std::vector<persona::v1::Item> items) = 0;
  virtual absl::StatusOr<BatchResult> PutCustomers(
      std::vector<persona::v1::Customer> customers) = 0;
  virtual absl::StatusOr<BatchResult> PutEvents(std::vector<persona::v1::Event> events) = 0;
};

// kAuto looks at the first non-blank line: '{' means JSON Lines, a header
// naming InvoiceNo and StockCode Online Retail, anything else CSV.
enum class Format { kAuto, kJsonLines, kCsv, kOnlineRetail };
enum class RecordKind { kItems, kCustomers, kEvents };

struct ImportOptions {
  Format format = Format::kAuto;
  // For JSON Lines and CSV: what the file holds. Online Retail files hold all three.
  RecordKind kind = RecordKind::kEvents;
  // Records per sink call (default 500, 1..1000; otherwise INVALID_ARGUMENT).
  int batch_size = 500;
  // Online Retail: shift every time so the newest row is at `now_ms` (0: no shift).
  int64_t shift_newest_to_ms = 0;
  // Online Retail: keep only customers whose id hashes (FNV-1a + fmix64) into
  // this share, in (0, 1] (default 1.0 keeps all).
  double customer_sample = 1.0;
  // Called after each batch (for a progress bar). JSON Lines and CSV: bytes
  // of the file read so far (compressed bytes for gzip) and its size. Online
  // Retail, which is read wholly before anything is sent: records sent and
  // records to send. Default: none.
  std::function<void(int64_t done, int64_t total)> progress;
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
