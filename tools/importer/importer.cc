#include "tools/importer/importer.h"

#include <optional>
#include <type_traits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "google/protobuf/util/json_util.h"
#include "tools/importer/csv.h"
#include "tools/importer/csv_records.h"
#include "tools/importer/dispatcher.h"
#include "tools/importer/formats.h"
#include "tools/importer/line_reader.h"
#include "tools/importer/online_retail.h"
#include "tools/importer/units.h"

namespace persona::importer {
namespace {

namespace v1 = ::persona::v1;

// Gives an event without an id one derived from its row
// (ImportOptions::derive_event_ids).
void DeriveEventId(const ImportOptions& options, absl::string_view row, int64_t line,
                   v1::Event* event) {
  if (!options.derive_event_ids || !event->event_id().empty()) return;
  event->set_event_id(absl::StrCat(DerivedId("imp-", row), "-", line));
}

template <typename T>
absl::Status ImportJsonLines(LineReader& lines, UnitContext& ctx) {
  google::protobuf::util::JsonParseOptions json;
  json.ignore_unknown_fields = false;
  return ForEachJsonLine(lines, ctx, [&](const std::string& text, int64_t line) {
    T record;
    const auto status = google::protobuf::util::JsonStringToMessage(text, &record, json);
    if (!status.ok()) {
      ctx.out.Reject(line, std::string(status.message()));
      return absl::OkStatus();
    }
    if constexpr (std::is_same_v<T, v1::Event>) DeriveEventId(ctx.options, text, line, &record);
    return ctx.out.Add(std::move(record), line);
  });
}

// Converts the rows of one CSV unit: a record per row, except that event rows
// sharing an event_id (a unit) form one event with several items.
absl::Status AddCsvUnit(const CsvColumns& columns, RecordKind kind, std::vector<CsvRow>& rows,
                        UnitContext& ctx) {
  std::optional<v1::Event> merged;
  int64_t merged_line = 0;
  for (const CsvRow& row : rows) {
    if (!row.error.empty()) {
      ctx.out.Reject(row.line, row.error);
      continue;
    }
    absl::Status parsed;
    if (kind == RecordKind::kItems) {
      v1::Item item;
      parsed = columns.ToItem(row.fields, &item);
      if (parsed.ok()) RETURN_IF_ERROR(ctx.out.Add(std::move(item), row.line));
    } else if (kind == RecordKind::kCustomers) {
      v1::Customer customer;
      parsed = columns.ToCustomer(row.fields, &customer);
      if (parsed.ok()) RETURN_IF_ERROR(ctx.out.Add(std::move(customer), row.line));
    } else {
      v1::Event event;
      parsed = columns.ToEvent(row.fields, &event);
      if (parsed.ok() && merged) {
        for (auto& item : *event.mutable_items()) *merged->add_items() = std::move(item);
      } else if (parsed.ok()) {
        DeriveEventId(ctx.options, absl::StrJoin(row.fields, ","), row.line, &event);
        merged = std::move(event);
        merged_line = row.line;
      }
    }
    if (!parsed.ok()) ctx.out.Reject(row.line, std::string(parsed.message()));
  }
  if (merged) return ctx.out.Add(*std::move(merged), merged_line);
  return absl::OkStatus();
}

absl::Status ImportCsv(LineReader& lines, RecordKind kind, UnitContext& ctx) {
  CsvReader reader(lines);
  CsvRecord record;
  std::string error;
  ASSIGN_OR_RETURN(bool more, reader.Next(&record, &error));
  if (!more) return absl::OkStatus();
  if (!error.empty()) return absl::InvalidArgumentError(absl::StrCat("header row: ", error));
  ASSIGN_OR_RETURN(const CsvColumns columns, CsvColumns::Create(kind, record.fields));
  const int key = kind == RecordKind::kEvents ? columns.EventIdColumn() : -1;
  return ForEachCsvUnit(reader, lines, key, ctx, [&](std::vector<CsvRow>& rows) {
    return AddCsvUnit(columns, kind, rows, ctx);
  });
}

absl::Status ImportStreaming(LineReader& lines, Format format, UnitContext& ctx) {
  switch (format) {
    case Format::kCsv:
      return ImportCsv(lines, ctx.options.kind, ctx);
    case Format::kGa4:
      return ImportGa4(lines, ctx);
    case Format::kSegment:
      return ImportSegment(lines, ctx);
    case Format::kShopify:
      return ImportShopify(lines, ctx);
    default:
      break;
  }
  switch (ctx.options.kind) {
    case RecordKind::kItems:
      return ImportJsonLines<v1::Item>(lines, ctx);
    case RecordKind::kCustomers:
      return ImportJsonLines<v1::Customer>(lines, ctx);
    case RecordKind::kEvents:
      return ImportJsonLines<v1::Event>(lines, ctx);
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
    if (text[0] == '{') {
      if (LooksLikeGa4(text)) return Format::kGa4;
      if (LooksLikeSegment(text)) return Format::kSegment;
      return Format::kJsonLines;
    }
    const std::string lower = absl::AsciiStrToLower(text);
    if (absl::StrContains(lower, "invoiceno") && absl::StrContains(lower, "stockcode")) {
      return Format::kOnlineRetail;
    }
    if (LooksLikeShopify(text)) return Format::kShopify;
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
  if (options.resume_after_line < 0 || options.max_rows < 0) {
    return absl::InvalidArgumentError("resume_after_line and max_rows must be >= 0");
  }
  Format format = options.format;
  if (format == Format::kAuto) {
    ASSIGN_OR_RETURN(format, DetectFormat(path));
  }
  if (format == Format::kOnlineRetail && (options.resume_after_line > 0 || options.max_rows > 0)) {
    return absl::InvalidArgumentError(
        "Online Retail files are read whole: no resume or row limit (importing "
        "again stores "
        "nothing twice)");
  }
  ASSIGN_OR_RETURN(auto lines, LineReader::Open(path));
  ImportReport report;
  Dispatcher out(sink, options.batch_size, &report);
  out.set_on_commit(options.on_commit);
  if (format == Format::kOnlineRetail) {
    RETURN_IF_ERROR(ImportOnlineRetail(*lines, options, out, report));
    report.last_line = lines->line_number();
  } else {
    out.set_unit_mode();
    if (options.progress) {
      out.set_after_batch([&] { options.progress(lines->bytes_read(), lines->file_size()); });
    }
    UnitContext ctx{options, out, report};
    RETURN_IF_ERROR(ImportStreaming(*lines, format, ctx));
    if (options.progress && !report.stopped_at_limit) {
      options.progress(lines->file_size(), lines->file_size());
    }
  }
  RETURN_IF_ERROR(out.Finish());
  return report;
}

}  // namespace persona::importer
