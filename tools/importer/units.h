// Reads the streaming formats unit by unit for ImportFile: a unit is one JSON
// line, or consecutive CSV rows sharing a key (the rows of one order). The
// helpers pass over rows before ImportOptions::resume_after_line, count rows,
// end each unit at the Dispatcher (which sends and commits only there) and
// stop at ImportOptions::max_rows. Not thread-safe.
#ifndef PERSONA_TOOLS_IMPORTER_UNITS_H_
#define PERSONA_TOOLS_IMPORTER_UNITS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "tools/importer/csv.h"
#include "tools/importer/dispatcher.h"
#include "tools/importer/importer.h"
#include "tools/importer/line_reader.h"

namespace persona::importer {

// What a format's converter works with.
struct UnitContext {
  const ImportOptions& options;
  Dispatcher& out;
  ImportReport& report;
};

// Calls `handle(text, line)` for each non-blank line. Errors are handle's
// (which ends the import) or the file's.
absl::Status ForEachJsonLine(
    LineReader& lines, UnitContext& ctx,
    const std::function<absl::Status(const std::string& text, int64_t line)>& handle);

// One CSV data row; `error` is set (and `fields` empty) when it is malformed.
struct CsvRow {
  int64_t line = 0;
  std::vector<std::string> fields;
  std::string error;
};

// Calls `handle(rows)` for each unit of the data rows that follow a header
// already read from `reader`: consecutive rows whose cell `key_column` is
// equal and non-empty form one unit (key_column < 0: every row its own); a
// malformed row is a unit alone. Blank rows are passed over.
absl::Status ForEachCsvUnit(CsvReader& reader, LineReader& lines, int key_column, UnitContext& ctx,
                            const std::function<absl::Status(std::vector<CsvRow>& rows)>& handle);

// What one unit of a tool's export gives: events (a row of no interest gives
// none and names why in `skip`), and the items and customers its rows describe.
struct Converted {
  std::vector<persona::v1::Event> events;
  std::vector<persona::v1::Item> items;
  std::vector<persona::v1::Customer> customers;
  std::string skip;
};

// Remembers what was upserted in this run, so that an item or customer
// described by many rows is sent again only when the description changes.
class SentRecords {
 public:
  // Returns whether `record` differs from what was last sent under `id`
  // (and remembers it).
  bool Changed(const std::string& id, const google::protobuf::Message& record);

 private:
  absl::flat_hash_map<std::string, uint64_t> sent_;
};

// Queues what `converted` holds (items and customers as the options allow
// and only when changed, then the events) for rows at `line`, and counts
// the skip if one is named.
absl::Status AddConverted(UnitContext& ctx, SentRecords& items, SentRecords& customers,
                          Converted converted, int64_t line);

// Returns a stable 64-bit hash (FNV-1a, then MurmurHash3's fmix64) of `text`,
// for event ids derived from row contents and for change detection.
uint64_t Fingerprint(absl::string_view text);

// Returns "<prefix><16 hex digits of Fingerprint(text)>".
std::string DerivedId(absl::string_view prefix, absl::string_view text);

}  // namespace persona::importer

#endif  // PERSONA_TOOLS_IMPORTER_UNITS_H_
