#include "tools/importer/importer.h"

#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "google/protobuf/util/json_util.h"
#include "tools/importer/csv.h"
#include "tools/importer/csv_records.h"
#include "tools/importer/dispatcher.h"
#include "tools/importer/line_reader.h"
#include "tools/importer/online_retail.h"

namespace persona::importer {
namespace {

namespace v1 = ::persona::v1;

template <typename T>
absl::Status ImportJsonLines(LineReader& lines, Dispatcher& out, ImportReport& report) {
  google::protobuf::util::JsonParseOptions json;
  json.ignore_unknown_fields = false;
  std::string line;
  while (true) {
    ASSIGN_OR_RETURN(bool more, lines.Next(&line));
    if (!more) break;
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    ++report.rows_read;
    T record;
    const auto status = google::protobuf::util::JsonStringToMessage(line, &record, json);
    if (!status.ok()) {
      out.Reject(lines.line_number(), std::string(status.message()));
      continue;
    }
    RETURN_IF_ERROR(out.Add(std::move(record), lines.line_number()));
  }
  return out.Flush();
}

// Merges consecutive CSV rows with the same event_id into one event.
class EventGrouper {
 public:
  explicit EventGrouper(Dispatcher& out) : out_(out) {}

  absl::Status Add(v1::Event event, int64_t line) {
    if (pending_ && !event.event_id().empty() && event.event_id() == pending_->event_id()) {
      for (auto& item : *event.mutable_items()) *pending_->add_items() = std::move(item);
      return absl::OkStatus();
    }
    RETURN_IF_ERROR(Release());
    pending_ = std::move(event);
    pending_line_ = line;
    return absl::OkStatus();
  }

  absl::Status Release() {
    if (!pending_) return absl::OkStatus();
    absl::Status status = out_.Add(*std::move(pending_), pending_line_);
    pending_.reset();
    return status;
  }

 private:
  Dispatcher& out_;
  std::optional<v1::Event> pending_;
  int64_t pending_line_ = 0;
};

// Converts one CSV row and queues it; a bad row is rejected.
absl::Status AddCsvRow(const CsvColumns& columns, RecordKind kind, const CsvRecord& record,
                       Dispatcher& out, EventGrouper& events) {
  absl::Status parsed;
  switch (kind) {
    case RecordKind::kItems: {
      v1::Item item;
      parsed = columns.ToItem(record.fields, &item);
      if (parsed.ok()) return out.Add(std::move(item), record.line);
      break;
    }
    case RecordKind::kCustomers: {
      v1::Customer customer;
      parsed = columns.ToCustomer(record.fields, &customer);
      if (parsed.ok()) return out.Add(std::move(customer), record.line);
      break;
    }
    case RecordKind::kEvents: {
      v1::Event event;
      parsed = columns.ToEvent(record.fields, &event);
      if (parsed.ok()) return events.Add(std::move(event), record.line);
      break;
    }
  }
  out.Reject(record.line, std::string(parsed.message()));
  return absl::OkStatus();
}

absl::Status ImportCsv(LineReader& lines, RecordKind kind, Dispatcher& out, ImportReport& report) {
  CsvReader reader(lines);
  CsvRecord record;
  std::string error;
  ASSIGN_OR_RETURN(bool more, reader.Next(&record, &error));
  if (!more) return absl::OkStatus();
  if (!error.empty()) return absl::InvalidArgumentError(absl::StrCat("header row: ", error));
  ASSIGN_OR_RETURN(const CsvColumns columns, CsvColumns::Create(kind, record.fields));
  EventGrouper events(out);
  while (true) {
    ASSIGN_OR_RETURN(more, reader.Next(&record, &error));
    if (!more) break;
    if (error.empty() && record.fields.size() == 1 && record.fields[0].empty()) continue;
    ++report.rows_read;
    if (!error.empty()) {
      out.Reject(record.line, error);
      continue;
    }
    RETURN_IF_ERROR(AddCsvRow(columns, kind, record, out, events));
  }
  RETURN_IF_ERROR(events.Release());
  return out.Flush();
}

absl::Status ImportLines(LineReader& lines, Format format, RecordKind kind, Dispatcher& out,
                         ImportReport& report) {
  if (format == Format::kCsv) return ImportCsv(lines, kind, out, report);
  switch (kind) {
    case RecordKind::kItems:
      return ImportJsonLines<v1::Item>(lines, out, report);
    case RecordKind::kCustomers:
      return ImportJsonLines<v1::Customer>(lines, out, report);
    case RecordKind::kEvents:
      return ImportJsonLines<v1::Event>(lines, out, report);
  }
  return absl::InternalError("unknown record kind");
}

}  // namespace

absl::StatusOr<Format> DetectFormat(const std::string& path) {
  ASSIGN_OR_RETURN(auto lines, LineReader::Open(path));
  std::string line;
  while (true) {
    ASSIGN_OR_RETURN(bool more, lines->Next(&line));
    if (!more) return Format::kJsonLines;  // Empty: nothing to import either way.
    const absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty()) continue;
    if (text[0] == '{') return Format::kJsonLines;
    const std::string lower = absl::AsciiStrToLower(text);
    if (absl::StrContains(lower, "invoiceno") && absl::StrContains(lower, "stockcode")) {
      return Format::kOnlineRetail;
    }
    return Format::kCsv;
  }
}

absl::StatusOr<ImportReport> ImportFile(const std::string& path, const ImportOptions& options,
                                        Sink& sink) {
  if (!(options.customer_sample > 0 && options.customer_sample <= 1)) {
    return absl::InvalidArgumentError("customer_sample must be in (0, 1]");
  }
  if (options.batch_size < 1 || options.batch_size > 1000) {
    return absl::InvalidArgumentError("batch_size must be in 1..1000");
  }
  Format format = options.format;
  if (format == Format::kAuto) {
    ASSIGN_OR_RETURN(format, DetectFormat(path));
  }
  ASSIGN_OR_RETURN(auto lines, LineReader::Open(path));
  ImportReport report;
  Dispatcher out(sink, options.batch_size, &report);
  if (format == Format::kOnlineRetail) {
    RETURN_IF_ERROR(ImportOnlineRetail(*lines, options, out, report));
  } else {
    if (options.progress) {
      out.set_after_batch([&] { options.progress(lines->bytes_read(), lines->file_size()); });
    }
    RETURN_IF_ERROR(ImportLines(*lines, format, options.kind, out, report));
    if (options.progress) options.progress(lines->file_size(), lines->file_size());
  }
  out.Finish();
  return report;
}

}  // namespace persona::importer
