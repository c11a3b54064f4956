// Maps the columns of a CSV file with a header to the fields of one record
// kind (items, customers or events); docs/IMPORT.md lists the columns.
// Immutable after Create; thread-safe.
#ifndef PERSONA_TOOLS_IMPORTER_CSV_RECORDS_H_
#define PERSONA_TOOLS_IMPORTER_CSV_RECORDS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "persona/v1/common.pb.h"
#include "tools/importer/importer.h"

namespace persona::importer {

class CsvColumns {
 public:
  // Resolves a header row (names are case-insensitive; "attr.<name>" and
  // "prop.<name>" keep the case of <name>). INVALID_ARGUMENT naming an
  // unknown or repeated column, or a missing required one (items and
  // customers: id; events: type and customer_id or session_id).
  static absl::StatusOr<CsvColumns> Create(RecordKind kind, const std::vector<std::string>& header);

  // Fills a record from a row; empty cells leave fields unset. INVALID_ARGUMENT
  // naming the column for a bad cell or a row of the wrong width.
  absl::Status ToItem(const std::vector<std::string>& row, persona::v1::Item* item) const;
  absl::Status ToCustomer(const std::vector<std::string>& row,
                          persona::v1::Customer* customer) const;
  // One row is one event with at most one item; the caller merges
  // consecutive rows that share an event_id.
  absl::Status ToEvent(const std::vector<std::string>& row, persona::v1::Event* event) const;
  // Returns the index of the event_id column, or -1 when there is none.
  int EventIdColumn() const;

 private:
  struct Column {
    int field;         // A value of the Field enum in csv_records.cc.
    std::string name;  // The header cell; for attr./prop. columns the key.
  };
  explicit CsvColumns(std::vector<Column> columns) : columns_(std::move(columns)) {}
  absl::Status CheckWidth(const std::vector<std::string>& row) const;

  std::vector<Column> columns_;
};

}  // namespace persona::importer

#endif  // PERSONA_TOOLS_IMPORTER_CSV_RECORDS_H_
