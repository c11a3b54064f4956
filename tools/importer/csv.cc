#include "tools/importer/csv.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace persona::importer {
namespace {

// A record longer than this (an unclosed quote swallowing the file) is refused.
constexpr size_t kMaxRecordBytes = 1 << 20;

enum class SplitResult { kOk, kOpenQuote, kJunkAfterQuote };

// Splits `text`; on kJunkAfterQuote `*where` is the offending offset.
SplitResult Split(std::string_view text, std::vector<std::string>* fields, size_t* where) {
  fields->clear();
  fields->emplace_back();
  size_t i = 0;
  while (true) {
    std::string& field = fields->back();
    if (i < text.size() && text[i] == '"') {
      ++i;
      while (true) {
        if (i >= text.size()) return SplitResult::kOpenQuote;
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field.push_back(text[i++]);
      }
      if (i < text.size() && text[i] != ',') {
        *where = i;
        return SplitResult::kJunkAfterQuote;
      }
    } else {
      const size_t comma = text.find(',', i);
      const size_t end = comma == std::string_view::npos ? text.size() : comma;
      field.append(text.substr(i, end - i));
      i = end;
    }
    if (i >= text.size()) return SplitResult::kOk;
    ++i;  // the comma
    fields->emplace_back();
  }
}

}  // namespace

absl::Status SplitCsvRecord(std::string_view text, std::vector<std::string>* fields) {
  size_t where = 0;
  switch (Split(text, fields, &where)) {
    case SplitResult::kOk:
      return absl::OkStatus();
    case SplitResult::kOpenQuote:
      return absl::InvalidArgumentError("quoted field is not closed");
    case SplitResult::kJunkAfterQuote:
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected character after a closing quote at column ", where + 1));
  }
  return absl::InternalError("unreachable");
}

absl::StatusOr<bool> CsvReader::Next(CsvRecord* record, std::string* error) {
  error->clear();
  ASSIGN_OR_RETURN(bool more, lines_.Next(&text_));
  if (!more) return false;
  record->line = lines_.line_number();
  size_t where = 0;
  while (true) {
    const SplitResult result = Split(text_, &record->fields, &where);
    if (result == SplitResult::kOk) return true;
    if (result == SplitResult::kJunkAfterQuote) {
      *error = absl::StrCat("unexpected character after a closing quote at column ", where + 1);
      return true;
    }
    // Inside a quoted field at the end of the line: the field goes on.
    ASSIGN_OR_RETURN(more, lines_.Next(&line_));
    if (!more || text_.size() > kMaxRecordBytes) {
      *error = more ? "record longer than 1 MiB (unclosed quote?)"
                    : "quoted field is not closed at the end of the file";
      return true;
    }
    text_.push_back('\n');
    text_.append(line_);
  }
}

}  // namespace persona::importer
