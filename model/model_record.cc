#include "model/model_record.h"

#include <zlib.h>

#include <bit>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace persona::model {
namespace {

static_assert(std::endian::native == std::endian::little, "records are little-endian");

constexpr char kMagic[8] = {'P', 'R', 'S', 'N', 'C', 'F', 'M', '1'};
// Version 2 stores the BM25 statistics instead of version 1's free-text
// weighting description.
constexpr uint32_t kVersion = 2;
// The most factors training makes (AlsOptions::factors, ValidateAlsOptions).
constexpr int32_t kMaxRecordFactors = 1024;

class Writer {
 public:
  template <typename T>
  void Put(T v) {
    static_assert(std::is_trivially_copyable_v<T>);
    out_.append(reinterpret_cast<const char*>(&v), sizeof(v));
  }
  void PutString(std::string_view s) {
    Put<uint32_t>(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  void PutFloats(const std::vector<float>& v) {
    Put<uint64_t>(v.size());
    out_.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
  }
  std::string& out() { return out_; }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  template <typename T>
  absl::Status Get(T& v) {
    RETURN_IF_ERROR(Need(sizeof(T)));
    std::memcpy(&v, in_.data(), sizeof(T));
    in_.remove_prefix(sizeof(T));
    return absl::OkStatus();
  }
  absl::Status GetString(std::string& s) {
    uint32_t n = 0;
    RETURN_IF_ERROR(Get(n));
    RETURN_IF_ERROR(Need(n));
    s.assign(in_.data(), n);
    in_.remove_prefix(n);
    return absl::OkStatus();
  }
  absl::Status GetFloats(std::vector<float>& v, uint64_t expected) {
    uint64_t n = 0;
    RETURN_IF_ERROR(Get(n));
    if (n != expected) return absl::DataLossError("model record: factor size mismatch");
    RETURN_IF_ERROR(Need(n * sizeof(float)));
    v.resize(n);
    // An empty block (models are stored without user factors) leaves v.data()
    // null, which memcpy must not be given even for 0 bytes.
    if (n > 0) std::memcpy(v.data(), in_.data(), n * sizeof(float));
    in_.remove_prefix(n * sizeof(float));
    return absl::OkStatus();
  }
  absl::Status GetStrings(std::vector<std::string>& v) {
    uint32_t n = 0;
    RETURN_IF_ERROR(Get(n));
    // Each string takes at least its 4-byte length: reject absurd counts early.
    RETURN_IF_ERROR(Need(uint64_t{n} * 4));
    v.resize(n);
    for (std::string& s : v) RETURN_IF_ERROR(GetString(s));
    return absl::OkStatus();
  }
  bool empty() const { return in_.empty(); }

 private:
  absl::Status Need(uint64_t n) const {
    if (n > in_.size()) return absl::DataLossError("model record: truncated");
    return absl::OkStatus();
  }
  std::string_view in_;
};

uint32_t Crc(std::string_view bytes) {
  return static_cast<uint32_t>(
      crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(bytes.data()), bytes.size()));
}

void PutOptions(Writer& w, const AlsOptions& o) {
  w.Put<int32_t>(o.factors);
  w.Put<float>(o.regularization);
  w.Put<float>(o.alpha);
  w.Put<int32_t>(static_cast<int32_t>(o.scaling));
  w.Put<float>(o.log_epsilon);
  w.Put<int32_t>(o.iterations);
  w.Put<int32_t>(static_cast<int32_t>(o.solver));
  w.Put<int32_t>(o.cg_steps);
  w.Put<uint64_t>(o.seed);
}

absl::Status GetOptions(Reader& r, AlsOptions& o) {
  int32_t scaling = 0, solver = 0;
  RETURN_IF_ERROR(r.Get(o.factors));
  RETURN_IF_ERROR(r.Get(o.regularization));
  RETURN_IF_ERROR(r.Get(o.alpha));
  RETURN_IF_ERROR(r.Get(scaling));
  RETURN_IF_ERROR(r.Get(o.log_epsilon));
  RETURN_IF_ERROR(r.Get(o.iterations));
  RETURN_IF_ERROR(r.Get(solver));
  RETURN_IF_ERROR(r.Get(o.cg_steps));
  RETURN_IF_ERROR(r.Get(o.seed));
  if (scaling < 0 || scaling > 1 || solver < 0 || solver > 1) {
    return absl::DataLossError("model record: bad enum value");
  }
  o.scaling = static_cast<ConfidenceScaling>(scaling);
  o.solver = static_cast<AlsSolver>(solver);
  return absl::OkStatus();
}

void PutWeighting(Writer& w, const std::optional<Bm25Weighting>& weighting) {
  w.Put<uint8_t>(weighting.has_value());
  if (!weighting) return;
  w.Put<float>(weighting->k1());
  w.Put<float>(weighting->b());
  w.Put<double>(weighting->avg_len());
  w.Put<int64_t>(weighting->num_users());
  w.PutFloats(weighting->idf());
}

absl::Status GetWeighting(Reader& r, int32_t num_items, std::optional<Bm25Weighting>& out) {
  uint8_t present = 0;
  RETURN_IF_ERROR(r.Get(present));
  if (present > 1) return absl::DataLossError("model record: bad weighting flag");
  if (present == 0) return absl::OkStatus();
  float k1 = 0, b = 0;
  double avg_len = 0;
  int64_t num_users = 0;
  std::vector<float> idf;
  RETURN_IF_ERROR(r.Get(k1));
  RETURN_IF_ERROR(r.Get(b));
  RETURN_IF_ERROR(r.Get(avg_len));
  RETURN_IF_ERROR(r.Get(num_users));
  RETURN_IF_ERROR(r.GetFloats(idf, static_cast<uint64_t>(num_items)));
  absl::StatusOr<Bm25Weighting> w = Bm25Weighting::FromParts(k1, b, avg_len, num_users, std::move(idf));
  if (!w.ok()) return absl::DataLossError(absl::StrCat("model record: ", w.status().message()));
  out = *std::move(w);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> SerializeModelRecord(const ModelRecord& rec) {
  const FactorModel& f = rec.factors;
  if (f.num_users < 0 || f.num_items < 0 || f.factors <= 0 || f.factors > kMaxRecordFactors ||
      f.user_factors.size() != static_cast<size_t>(f.num_users) * f.factors ||
      f.item_factors.size() != static_cast<size_t>(f.num_items) * f.factors) {
    return absl::InvalidArgumentError("model record: factor sizes do not match dimensions");
  }
  if ((!rec.item_ids.empty() && rec.item_ids.size() != static_cast<size_t>(f.num_items)) ||
      (!rec.user_ids.empty() && rec.user_ids.size() != static_cast<size_t>(f.num_users))) {
    return absl::InvalidArgumentError("model record: id count does not match dimensions");
  }
  if (rec.weighting && rec.weighting->num_items() != f.num_items) {
    return absl::InvalidArgumentError("model record: weighting item count does not match");
  }
  Writer w;
  w.out().append(kMagic, sizeof(kMagic));
  w.Put<uint32_t>(kVersion);
  PutOptions(w, rec.options);
  w.Put<int64_t>(rec.trained_at_ms);
  w.Put<int64_t>(rec.training_time_ms);
  w.Put<uint32_t>(static_cast<uint32_t>(rec.metrics.size()));
  for (const auto& [name, value] : rec.metrics) {
    w.PutString(name);
    w.Put<double>(value);
  }
  w.Put<int32_t>(f.num_users);
  w.Put<int32_t>(f.num_items);
  w.Put<int32_t>(f.factors);
  w.Put<uint32_t>(static_cast<uint32_t>(rec.item_ids.size()));
  for (const std::string& id : rec.item_ids) w.PutString(id);
  w.Put<uint32_t>(static_cast<uint32_t>(rec.user_ids.size()));
  for (const std::string& id : rec.user_ids) w.PutString(id);
  PutWeighting(w, rec.weighting);
  w.PutFloats(f.user_factors);
  w.PutFloats(f.item_factors);
  w.Put<uint32_t>(Crc(w.out()));
  return std::move(w.out());
}

absl::StatusOr<ModelRecord> ParseModelRecord(std::string_view bytes) {
  if (bytes.size() < sizeof(kMagic) + 8 || std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) {
    return absl::DataLossError("model record: bad magic or too short");
  }
  const std::string_view body = bytes.substr(0, bytes.size() - 4);
  uint32_t stored_crc = 0;
  std::memcpy(&stored_crc, bytes.data() + body.size(), 4);
  if (Crc(body) != stored_crc) return absl::DataLossError("model record: checksum mismatch");
  Reader r(body.substr(sizeof(kMagic)));
  uint32_t version = 0;
  RETURN_IF_ERROR(r.Get(version));
  if (version != kVersion) {
    return absl::FailedPreconditionError(absl::StrCat("model record: unknown version ", version));
  }
  ModelRecord rec;
  RETURN_IF_ERROR(GetOptions(r, rec.options));
  RETURN_IF_ERROR(r.Get(rec.trained_at_ms));
  RETURN_IF_ERROR(r.Get(rec.training_time_ms));
  uint32_t n_metrics = 0;
  RETURN_IF_ERROR(r.Get(n_metrics));
  for (uint32_t i = 0; i < n_metrics; ++i) {
    std::pair<std::string, double> m;
    RETURN_IF_ERROR(r.GetString(m.first));
    RETURN_IF_ERROR(r.Get(m.second));
    rec.metrics.push_back(std::move(m));
  }
  FactorModel& f = rec.factors;
  RETURN_IF_ERROR(r.Get(f.num_users));
  RETURN_IF_ERROR(r.Get(f.num_items));
  RETURN_IF_ERROR(r.Get(f.factors));
  // Training makes 1..kMaxRecordFactors factors (AlsOptions); more would have
  // a loading server allocate catalog size x factors floats (records also
  // arrive over the network, through PublishModel).
  if (f.num_users < 0 || f.num_items < 0 || f.factors <= 0 || f.factors > kMaxRecordFactors) {
    return absl::DataLossError("model record: bad dimensions");
  }
  RETURN_IF_ERROR(r.GetStrings(rec.item_ids));
  RETURN_IF_ERROR(r.GetStrings(rec.user_ids));
  // Ids, when present, name every row: servers index them by factor row.
  if ((!rec.item_ids.empty() && rec.item_ids.size() != static_cast<size_t>(f.num_items)) ||
      (!rec.user_ids.empty() && rec.user_ids.size() != static_cast<size_t>(f.num_users))) {
    return absl::DataLossError("model record: id count does not match dimensions");
  }
  RETURN_IF_ERROR(GetWeighting(r, f.num_items, rec.weighting));
  RETURN_IF_ERROR(r.GetFloats(f.user_factors, uint64_t{static_cast<uint32_t>(f.num_users)} * f.factors));
  RETURN_IF_ERROR(r.GetFloats(f.item_factors, uint64_t{static_cast<uint32_t>(f.num_items)} * f.factors));
  if (!r.empty()) return absl::DataLossError("model record: trailing bytes");
  return rec;
}

}  // namespace persona::model
