// The files of a resumable import (docs/IMPORT.md, "Resuming"): the
// checkpoint, which says how far an import got (the last input line whose
// records were all acknowledged, and the counts up to it), and the rejects
// report, a CSV of every refused row (file, line, reason). Checkpoints are
// replaced atomically (written aside, then renamed), so a kill leaves the old
// one or the new one. Not thread-safe.
#ifndef PERSONA_TOOLS_IMPORTER_CHECKPOINT_H_
#define PERSONA_TOOLS_IMPORTER_CHECKPOINT_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tools/importer/importer.h"

namespace persona::importer {

struct Checkpoint {
  // The input as named on the command line, and a fingerprint of its first
  // 64 KiB, so that a resume against another file is refused.
  std::string input;
  uint64_t fingerprint = 0;
  // The format the input was read as (FormatName).
  std::string format;
  // Every row on lines <= line was read and its records acknowledged.
  int64_t line = 0;
  // Counts up to `line` (as in ImportReport).
  int64_t rows = 0, items = 0, customers = 0, events = 0, duplicates = 0, rejected = 0;
  std::vector<std::pair<std::string, int64_t>> skipped;
  // Size of the rejects file when this was written (-1: no rejects file).
  int64_t rejects_bytes = -1;
  // Whether the import reached the end of the input.
  bool complete = false;
};

// Writes `checkpoint` to `path` atomically. UNAVAILABLE when it cannot.
absl::Status WriteCheckpoint(const std::string& path, const Checkpoint& checkpoint);
// Reads a checkpoint. NOT_FOUND when there is none, DATA_LOSS when it is
// not one this tool wrote.
absl::StatusOr<Checkpoint> ReadCheckpoint(const std::string& path);

// Returns the fingerprint of the first 64 KiB of `path` (plain bytes, even
// for gzip). NOT_FOUND / UNAVAILABLE when it cannot be read.
absl::StatusOr<uint64_t> InputFingerprint(const std::string& path);

// "jsonl", "csv", "online-retail", "ga4", "shopify", "segment" ("auto" for
// kAuto).
const char* FormatName(Format format);
// The reverse; INVALID_ARGUMENT for an unknown name.
absl::StatusOr<Format> ParseFormatName(const std::string& name);

// RejectsFile::Open's keep_bytes for appending to the whole file.
inline constexpr int64_t kKeepAll = INT64_MAX;

// The rejects report: a CSV file with the header "file,line,reason".
class RejectsFile {
 public:
  // Opens `path`: emptied when `keep_bytes` < 0, else cut to `keep_bytes`
  // (a resumed import drops what came after its checkpoint; kKeepAll keeps
  // it all) and appended to.
  // UNAVAILABLE when it cannot be opened or cut.
  static absl::StatusOr<std::unique_ptr<RejectsFile>> Open(const std::string& path,
                                                           int64_t keep_bytes);
  ~RejectsFile();
  RejectsFile(const RejectsFile&) = delete;
  RejectsFile& operator=(const RejectsFile&) = delete;

  // Appends rows refused in `input` and flushes. UNAVAILABLE on a write error.
  absl::Status Append(const std::string& input, const std::vector<RejectedRow>& rows);
  // Bytes written so far (the whole file).
  int64_t size() const { return size_; }

 private:
  RejectsFile(std::FILE* file, int64_t size) : file_(file), size_(size) {}
  std::FILE* file_;
  int64_t size_;
};

}  // namespace persona::importer

#endif  // PERSONA_TOOLS_IMPORTER_CHECKPOINT_H_
