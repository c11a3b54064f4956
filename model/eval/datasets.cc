#include "model/eval/datasets.h"

#include <zlib.h>

#include <cstdio>
#include <cstdlib>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace persona::model::eval {
namespace {

// Reads lines of a plain or gzip file (gzread passes plain files through).
class LineReader {
 public:
  explicit LineReader(const std::string& path) : file_(gzopen(path.c_str(), "rb")) {}
  ~LineReader() {
    if (file_ != nullptr) gzclose(file_);
  }
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;
  bool ok() const { return file_ != nullptr; }
  // Reads one line without its terminator; false at end of file.
  bool Next(std::string& line) {
    line.clear();
    char buf[4096];
    while (gzgets(file_, buf, sizeof(buf)) != nullptr) {
      line += buf;
      if (!line.empty() && line.back() == '\n') break;
    }
    if (line.empty()) return false;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    return true;
  }

 private:
  gzFile file_;
};

int32_t Intern(absl::flat_hash_map<std::string, int32_t>& index, std::vector<std::string>& ids,
               absl::string_view id) {
  auto [it, inserted] = index.try_emplace(std::string(id), static_cast<int32_t>(ids.size()));
  if (inserted) ids.emplace_back(id);
  return it->second;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// Parses "YYYY-MM-DD HH:MM[:SS]" (as UTC) to milliseconds.
bool ParseDateTime(const std::string& s, int64_t& ms) {
  int y, mo, d, h, mi, sec = 0;
  if (std::sscanf(s.c_str(), "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &sec) < 5) return false;
  ms = ((DaysFromCivil(y, mo, d) * 24 + h) * 60 + mi) * 60000 + int64_t{sec} * 1000;
  return true;
}

}  // namespace

std::vector<std::string> SplitCsvLine(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

absl::StatusOr<Dataset> LoadMovieLens(const std::string& dir) {
  const std::string path = dir + "/u.data";
  LineReader reader(path);
  if (!reader.ok()) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  Dataset d;
  absl::flat_hash_map<std::string, int32_t> users, items;
  std::string line;
  for (int64_t n = 1; reader.Next(line); ++n) {
    const std::vector<absl::string_view> f = absl::StrSplit(line, '\t');
    double rating = 0;
    int64_t seconds = 0;
    if (f.size() != 4 || !absl::SimpleAtod(f[2], &rating) || !absl::SimpleAtoi(f[3], &seconds)) {
      return absl::DataLossError(absl::StrCat(path, ":", n, ": malformed line"));
    }
    d.events.push_back({Intern(users, d.user_ids, f[0]), Intern(items, d.item_ids, f[1]),
                        static_cast<float>(rating), seconds * 1000});
  }
  return d;
}

absl::StatusOr<Dataset> LoadOnlineRetail(const std::string& path) {
  LineReader reader(path);
  if (!reader.ok()) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  Dataset d;
  absl::flat_hash_map<std::string, int32_t> users, items, baskets;
  std::vector<std::string> basket_ids;
  std::string line;
  if (!reader.Next(line) || !absl::StartsWith(line, "InvoiceNo,")) {
    return absl::DataLossError(absl::StrCat(path, ": missing Online Retail header"));
  }
  for (int64_t n = 2; reader.Next(line); ++n) {
    const std::vector<std::string> f = SplitCsvLine(line);
    if (f.size() != 8) return absl::DataLossError(absl::StrCat(path, ":", n, ": expected 8 fields"));
    const std::string& invoice = f[0];
    const std::string& code = f[1];
    const std::string& customer = f[6];
    double quantity = 0;
    int64_t time_ms = 0;
    if (!absl::SimpleAtod(f[3], &quantity) || !ParseDateTime(f[4], time_ms)) {
      return absl::DataLossError(absl::StrCat(path, ":", n, ": bad quantity or date"));
    }
    if (customer.empty() || quantity <= 0 || invoice.empty() || invoice[0] == 'C' ||
        code.empty() || code[0] < '0' || code[0] > '9') {
      continue;
    }
    d.events.push_back({Intern(users, d.user_ids, customer), Intern(items, d.item_ids, code), 1.0f,
                        time_ms});
    d.baskets.push_back(Intern(baskets, basket_ids, invoice));
  }
  d.num_baskets = static_cast<int32_t>(basket_ids.size());
  return d;
}

}  // namespace persona::model::eval
