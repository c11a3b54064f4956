#include "tools/importer/line_reader.h"

#include <sys/stat.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace persona::importer {
namespace {

constexpr unsigned kBufferBytes = 256 * 1024;
constexpr std::string_view kBom = "\xEF\xBB\xBF";

gzFile Gz(void* file) { return static_cast<gzFile>(file); }

}  // namespace

absl::StatusOr<std::unique_ptr<LineReader>> LineReader::Open(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    const std::string reason = std::strerror(errno);
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": ", reason));
    return absl::UnavailableError(absl::StrCat(path, ": ", reason));
  }
  if (S_ISDIR(st.st_mode))
    return absl::InvalidArgumentError(absl::StrCat(path, ": is a directory"));
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) {
    return absl::UnavailableError(absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  }
  gzbuffer(file, kBufferBytes);
  return std::unique_ptr<LineReader>(new LineReader(file, path, st.st_size));
}

LineReader::~LineReader() { gzclose(Gz(file_)); }

int64_t LineReader::bytes_read() const {
  const z_off_t offset = gzoffset(Gz(file_));
  return offset < 0 ? 0 : offset;
}

absl::StatusOr<bool> LineReader::Next(std::string* line) {
  line->clear();
  if (at_end_) return false;
  char chunk[16 * 1024];
  bool got_any = false;
  while (true) {
    if (gzgets(Gz(file_), chunk, sizeof chunk) == nullptr) {
      int code = Z_OK;
      const char* message = gzerror(Gz(file_), &code);
      if (code != Z_OK && code != Z_STREAM_END) {
        return absl::DataLossError(
            absl::StrCat(path_, ": read error after line ", line_number_, ": ", message));
      }
      at_end_ = true;
      break;
    }
    got_any = true;
    line->append(chunk);
    if (!line->empty() && line->back() == '\n') break;
  }
  if (!got_any) return false;
  if (!line->empty() && line->back() == '\n') line->pop_back();
  if (!line->empty() && line->back() == '\r') line->pop_back();
  if (line_number_ == 0 && std::string_view(*line).substr(0, kBom.size()) == kBom) {
    line->erase(0, kBom.size());
  }
  ++line_number_;
  return true;
}

}  // namespace persona::importer
