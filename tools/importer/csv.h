// RFC 4180 CSV records over a LineReader: fields separated by commas, quoted
// fields ("...") may hold commas, doubled quotes and line breaks; CRLF or LF
// line endings; a UTF-8 byte order mark is ignored. A quote inside an
// unquoted field is kept as a literal character (common in hand-made files).
// Not thread-safe.
#ifndef PERSONA_TOOLS_IMPORTER_CSV_H_
#define PERSONA_TOOLS_IMPORTER_CSV_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tools/importer/line_reader.h"

namespace persona::importer {

// Splits one complete record. INVALID_ARGUMENT when a quoted field is not
// closed or a closing quote is followed by something other than a comma.
absl::Status SplitCsvRecord(std::string_view text, std::vector<std::string>* fields);

// One record and the file line it starts on (1-based).
struct CsvRecord {
  int64_t line = 0;
  std::vector<std::string> fields;
};

class CsvReader {
 public:
  // Reads from `lines`, which must outlive the reader.
  explicit CsvReader(LineReader& lines) : lines_(lines) {}

  // Reads the next record. Returns false at the end of the file. A malformed
  // record is consumed and its reason put in `*error` (empty otherwise), so
  // the caller can reject that row and go on; file errors are returned.
  absl::StatusOr<bool> Next(CsvRecord* record, std::string* error);

 private:
  LineReader& lines_;
  std::string text_;
  std::string line_;
};

}  // namespace persona::importer

#endif  // PERSONA_TOOLS_IMPORTER_CSV_H_
