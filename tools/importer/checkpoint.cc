#include "tools/importer/checkpoint.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "tools/importer/units.h"

namespace persona::importer {
namespace {

constexpr char kMagic[] = "persona-import-checkpoint 1";

absl::Status Unavailable(const std::string& path, const char* what) {
  return absl::UnavailableError(absl::StrCat(path, ": cannot ", what, ": ", std::strerror(errno)));
}

// Quotes a CSV field when it needs it (RFC 4180).
std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

absl::Status WriteCheckpoint(const std::string& path, const Checkpoint& c) {
  std::string text = absl::StrCat(kMagic, "\n", "input ", c.input, "\n");
  absl::StrAppendFormat(&text, "fingerprint %016x\nformat %s\n", c.fingerprint, c.format);
  absl::StrAppend(&text, "line ", c.line, "\nrows ", c.rows, "\nitems ", c.items, "\ncustomers ",
                  c.customers, "\nevents ", c.events, "\nduplicates ", c.duplicates, "\nrejected ",
                  c.rejected, "\nrejects_bytes ", c.rejects_bytes, "\ncomplete ",
                  c.complete ? 1 : 0, "\n");
  for (const auto& [reason, count] : c.skipped)
    absl::StrAppend(&text, "skipped ", count, " ", reason, "\n");
  const std::string temp = path + ".tmp";
  std::FILE* f = std::fopen(temp.c_str(), "wb");
  if (f == nullptr) return Unavailable(temp, "write the checkpoint");
  const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size() &&
                       std::fflush(f) == 0 && fsync(fileno(f)) == 0;
  if (std::fclose(f) != 0 || !written) return Unavailable(temp, "write the checkpoint");
  if (std::rename(temp.c_str(), path.c_str()) != 0)
    return Unavailable(path, "replace the checkpoint");
  return absl::OkStatus();
}

absl::StatusOr<Checkpoint> ReadCheckpoint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": no checkpoint"));
  std::string line;
  if (!std::getline(in, line) || line != kMagic) {
    return absl::DataLossError(absl::StrCat(path, ": not a persona import checkpoint"));
  }
  Checkpoint c;
  bool ok = true;
  while (ok && std::getline(in, line)) {
    const size_t space = line.find(' ');
    const std::string key = line.substr(0, space);
    const std::string value = space == std::string::npos ? "" : line.substr(space + 1);
    int64_t* number = key == "line"            ? &c.line
                      : key == "rows"          ? &c.rows
                      : key == "items"         ? &c.items
                      : key == "customers"     ? &c.customers
                      : key == "events"        ? &c.events
                      : key == "duplicates"    ? &c.duplicates
                      : key == "rejected"      ? &c.rejected
                      : key == "rejects_bytes" ? &c.rejects_bytes
                                               : nullptr;
    if (number != nullptr) {
      ok = absl::SimpleAtoi(value, number);
    } else if (key == "input") {
      c.input = value;
    } else if (key == "format") {
      c.format = value;
    } else if (key == "fingerprint") {
      ok = absl::SimpleHexAtoi(value, &c.fingerprint);
    } else if (key == "complete") {
      c.complete = value == "1";
    } else if (key == "skipped") {
      std::pair<std::string, std::string> parts = absl::StrSplit(value, absl::MaxSplits(' ', 1));
      int64_t count = 0;
      ok = absl::SimpleAtoi(parts.first, &count);
      c.skipped.emplace_back(parts.second, count);
    }
  }
  if (!ok) return absl::DataLossError(absl::StrCat(path, ": bad line '", line.substr(0, 80), "'"));
  return c;
}

absl::StatusOr<uint64_t> InputFingerprint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot read"));
  std::string head(64 * 1024, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  return Fingerprint(head);
}

const char* FormatName(Format format) {
  switch (format) {
    case Format::kAuto:
      return "auto";
    case Format::kJsonLines:
      return "jsonl";
    case Format::kCsv:
      return "csv";
    case Format::kOnlineRetail:
      return "online-retail";
    case Format::kGa4:
      return "ga4";
    case Format::kShopify:
      return "shopify";
    case Format::kSegment:
      return "segment";
  }
  return "?";
}

absl::StatusOr<Format> ParseFormatName(const std::string& name) {
  for (Format f : {Format::kAuto, Format::kJsonLines, Format::kCsv, Format::kOnlineRetail,
                   Format::kGa4, Format::kShopify, Format::kSegment}) {
    if (name == FormatName(f)) return f;
  }
  return absl::InvalidArgumentError(
      "must be auto, jsonl, csv, online-retail, ga4, shopify or segment");
}

absl::StatusOr<std::unique_ptr<RejectsFile>> RejectsFile::Open(const std::string& path,
                                                               int64_t keep_bytes) {
  if (keep_bytes >= 0 && keep_bytes != kKeepAll && truncate(path.c_str(), keep_bytes) != 0 &&
      errno != ENOENT) {
    return Unavailable(path, "cut the rejects file");
  }
  std::FILE* f = std::fopen(path.c_str(), keep_bytes >= 0 ? "ab" : "wb");
  if (f == nullptr) return Unavailable(path, "open the rejects file");
  std::fseek(f, 0, SEEK_END);
  const long size = std::ftell(f);
  auto file = std::unique_ptr<RejectsFile>(new RejectsFile(f, size < 0 ? 0 : size));
  if (file->size_ == 0) {
    static constexpr char kHeader[] = "file,line,reason\n";
    if (std::fputs(kHeader, f) < 0 || std::fflush(f) != 0) return Unavailable(path, "write");
    file->size_ = sizeof kHeader - 1;
  }
  return file;
}

RejectsFile::~RejectsFile() { std::fclose(file_); }

absl::Status RejectsFile::Append(const std::string& input, const std::vector<RejectedRow>& rows) {
  if (rows.empty()) return absl::OkStatus();
  std::string text;
  for (const RejectedRow& row : rows) {
    absl::StrAppend(&text, CsvField(input), ",", row.line, ",", CsvField(row.reason), "\n");
  }
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size() || std::fflush(file_) != 0) {
    return absl::UnavailableError("cannot write the rejects file");
  }
  size_ += static_cast<int64_t>(text.size());
  return absl::OkStatus();
}

}  // namespace persona::importer
