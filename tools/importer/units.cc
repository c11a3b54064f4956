#include "tools/importer/units.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace persona::importer {
namespace {

namespace v1 = ::persona::v1;

// Whether max_rows says to stop before the next unit.
bool AtLimit(const UnitContext& ctx) {
  if (ctx.options.max_rows <= 0 || ctx.report.rows_read < ctx.options.max_rows) return false;
  ctx.report.stopped_at_limit = true;
  return true;
}

absl::Status EndUnit(UnitContext& ctx, int64_t end_line) {
  ctx.report.last_line = end_line;
  return ctx.out.EndUnit(end_line);
}

}  // namespace

absl::Status ForEachJsonLine(
    LineReader& lines, UnitContext& ctx,
    const std::function<absl::Status(const std::string& text, int64_t line)>& handle) {
  std::string text;
  while (true) {
    ASSIGN_OR_RETURN(bool more, lines.Next(&text));
    if (!more) break;
    const int64_t line = lines.line_number();
    if (line <= ctx.options.resume_after_line) continue;
    if (absl::StripAsciiWhitespace(text).empty()) continue;
    if (AtLimit(ctx)) return absl::OkStatus();
    ++ctx.report.rows_read;
    RETURN_IF_ERROR(handle(text, line));
    RETURN_IF_ERROR(EndUnit(ctx, line));
  }
  ctx.report.last_line = lines.line_number();
  return absl::OkStatus();
}

absl::Status ForEachCsvUnit(CsvReader& reader, LineReader& lines, int key_column, UnitContext& ctx,
                            const std::function<absl::Status(std::vector<CsvRow>& rows)>& handle) {
  std::vector<CsvRow> unit;
  // Sends the unit gathered so far; rows up to `end_line` are then done.
  auto release = [&](int64_t end_line) -> absl::Status {
    if (unit.empty()) return absl::OkStatus();
    ctx.report.rows_read += static_cast<int64_t>(unit.size());
    RETURN_IF_ERROR(handle(unit));
    unit.clear();
    return EndUnit(ctx, end_line);
  };
  auto key = [key_column](const CsvRow& row) -> const std::string* {
    if (!row.error.empty() || key_column < 0 ||
        static_cast<size_t>(key_column) >= row.fields.size())
      return nullptr;
    const std::string& cell = row.fields[key_column];
    return cell.empty() ? nullptr : &cell;
  };
  CsvRecord record;
  std::string error;
  while (true) {
    ASSIGN_OR_RETURN(bool more, reader.Next(&record, &error));
    if (!more) break;
    if (record.line <= ctx.options.resume_after_line) continue;
    if (error.empty() && record.fields.size() == 1 && record.fields[0].empty()) continue;
    CsvRow row{record.line, error.empty() ? std::move(record.fields) : std::vector<std::string>{},
               error};
    const std::string* row_key = key(row);
    const std::string* unit_key = unit.empty() ? nullptr : key(unit.back());
    if (unit.empty() || row_key == nullptr || unit_key == nullptr || *row_key != *unit_key) {
      RETURN_IF_ERROR(release(row.line - 1));
      if (AtLimit(ctx)) return absl::OkStatus();
    }
    unit.push_back(std::move(row));
  }
  RETURN_IF_ERROR(release(lines.line_number()));
  ctx.report.last_line = lines.line_number();
  return absl::OkStatus();
}

bool SentRecords::Changed(const std::string& id, const google::protobuf::Message& record) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    record.SerializeToCodedStream(&coded);
  }
  const uint64_t hash = Fingerprint(bytes);
  auto [it, inserted] = sent_.try_emplace(id, hash);
  if (inserted) return true;
  if (it->second == hash) return false;
  it->second = hash;
  return true;
}

absl::Status AddConverted(UnitContext& ctx, SentRecords& items, SentRecords& customers,
                          Converted converted, int64_t line) {
  if (ctx.options.upsert_items) {
    for (v1::Item& item : converted.items) {
      if (items.Changed(item.id(), item)) RETURN_IF_ERROR(ctx.out.Add(std::move(item), line));
    }
  }
  if (ctx.options.upsert_customers) {
    for (v1::Customer& customer : converted.customers) {
      if (customers.Changed(customer.id(), customer)) {
        RETURN_IF_ERROR(ctx.out.Add(std::move(customer), line));
      }
    }
  }
  for (v1::Event& event : converted.events) RETURN_IF_ERROR(ctx.out.Add(std::move(event), line));
  if (!converted.skip.empty()) ctx.out.Skip(converted.skip);
  return absl::OkStatus();
}

uint64_t Fingerprint(absl::string_view text) {
  uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a, 64 bits.
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  hash ^= hash >> 33;
  hash *= 0xff51afd7ed558ccdULL;
  hash ^= hash >> 33;
  hash *= 0xc4ceb9fe1a85ec53ULL;
  hash ^= hash >> 33;
  return hash;
}

std::string DerivedId(absl::string_view prefix, absl::string_view text) {
  return absl::StrFormat("%s%016x", prefix, Fingerprint(text));
}

}  // namespace persona::importer
