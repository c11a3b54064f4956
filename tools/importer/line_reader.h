// Reads a text file line by line, plain or gzip-compressed (zlib reads both
// transparently), for the importer's formats. Strips a UTF-8 byte order mark
// at the start, and the line ending ("\n" or "\r\n") of every line.
// Not thread-safe.
#ifndef PERSONA_TOOLS_IMPORTER_LINE_READER_H_
#define PERSONA_TOOLS_IMPORTER_LINE_READER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace persona::importer {

class LineReader {
 public:
  // Opens `path`. NOT_FOUND when it does not exist, UNAVAILABLE when it
  // cannot be opened or read.
  static absl::StatusOr<std::unique_ptr<LineReader>> Open(const std::string& path);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // Reads the next line into `line`. Returns false at the end of the file;
  // DATA_LOSS when the file is corrupt or truncated (a bad gzip stream).
  absl::StatusOr<bool> Next(std::string* line);

  // 1-based number of the line last returned (0 before the first).
  int64_t line_number() const { return line_number_; }
  // Bytes of the file (compressed, for gzip) consumed so far, and its size.
  int64_t bytes_read() const;
  int64_t file_size() const { return file_size_; }

 private:
  LineReader(void* file, std::string path, int64_t file_size)
      : file_(file), path_(std::move(path)), file_size_(file_size) {}

  void* file_;  // gzFile; void* keeps zlib.h out of the header.
  const std::string path_;
  const int64_t file_size_;
  int64_t line_number_ = 0;
  bool at_end_ = false;
};

}  // namespace persona::importer

#endif  // PERSONA_TOOLS_IMPORTER_LINE_READER_H_
