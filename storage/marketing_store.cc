// MarketingStore over RocksDB: custom segments and campaigns in the metadata
// column family ("<shop>\0g<name>", "<shop>\0c<id>"), segment sizes per day
// in the aggregates family ("<shop>\0G<day, 4 bytes big-endian>"), and
// server-wide secrets in metadata ("secret:<name>", no shop prefix).
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/status_macros.h"
#include "storage/keys.h"
#include "storage/rocksdb_internal.h"

namespace persona::storage::internal {
namespace {

std::string DayPayload(int32_t day) {
  const auto u = static_cast<uint32_t>(day) ^ 0x80000000u;  // negative days sort first
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((u >> (24 - 8 * i)) & 0xff);
  return out;
}

int32_t ReadDay(std::string_view payload) {
  uint32_t u = 0;
  for (int i = 0; i < 4; ++i) u = (u << 8) | static_cast<unsigned char>(payload[i]);
  return static_cast<int32_t>(u ^ 0x80000000u);
}

class RocksDbMarketingStore : public MarketingStore {
 public:
  explicit RocksDbMarketingStore(Context* ctx) : ctx_(*ctx) {}

  absl::Status PutSegment(std::string_view shop,
                          const rec::SegmentDefinitionRecord& segment) override {
    RETURN_IF_ERROR(CheckShop(shop));
    RETURN_IF_ERROR(CheckKeyId("segment name", segment.name()));
    return PutOne(shop, kMetadata, keys::Key(shop, keys::kSegment, segment.name()), segment,
                  "storing a segment");
  }

  absl::Status DeleteSegment(std::string_view shop, std::string_view name) override {
    RETURN_IF_ERROR(CheckShop(shop));
    RETURN_IF_ERROR(CheckKeyId("segment name", name));
    const std::string key = keys::Key(shop, keys::kSegment, name);
    std::string value;
    ASSIGN_OR_RETURN(const bool found, Get(ctx_, kMetadata, key, &value));
    if (!found) return absl::NotFoundError(absl::StrCat("no segment named \"", Av(name), "\""));
    Batch batch(ctx_);
    batch.Delete(kMetadata, key);
    return batch.Commit("deleting a segment");
  }

  absl::Status ScanSegments(
      std::string_view shop,
      const std::function<bool(const rec::SegmentDefinitionRecord&)>& fn) override {
    RETURN_IF_ERROR(CheckShop(shop));
    return ScanRecords<rec::SegmentDefinitionRecord>(
        ctx_, kMetadata, keys::KindPrefix(shop, keys::kSegment),
        [&](std::string_view, const rec::SegmentDefinitionRecord& r) { return fn(r); });
  }

  absl::Status PutSegmentSizes(std::string_view shop, int32_t day,
                               const rec::SegmentSizesRecord& sizes) override {
    RETURN_IF_ERROR(CheckShop(shop));
    return PutOne(shop, kAggregates, keys::Key(shop, keys::kSegmentSizes, DayPayload(day)), sizes,
                  "storing segment sizes");
  }

  absl::Status ScanSegmentSizes(
      std::string_view shop, int32_t from_day, int32_t to_day,
      const std::function<bool(int32_t, const rec::SegmentSizesRecord&)>& fn) override {
    RETURN_IF_ERROR(CheckShop(shop));
    if (from_day > to_day) return absl::OkStatus();
    const std::string lower = keys::Key(shop, keys::kSegmentSizes, DayPayload(from_day));
    const std::string upper = keys::Key(shop, keys::kSegmentSizes, DayPayload(to_day)) + '\xff';
    const size_t prefix = keys::KindPrefix(shop, keys::kSegmentSizes).size();
    rec::SegmentSizesRecord record;
    absl::Status parse_error;
    RETURN_IF_ERROR(ScanRange(ctx_, kAggregates, lower, upper, /*reverse=*/false,
                              [&](std::string_view key, std::string_view value) {
                                if (key.size() != prefix + 4 ||
                                    !record.ParseFromArray(value.data(),
                                                           static_cast<int>(value.size()))) {
                                  parse_error = Unparsable("segment sizes", key);
                                  return false;
                                }
                                return fn(ReadDay(key.substr(prefix)), record);
                              }));
    return parse_error;
  }

  absl::Status PutCampaign(std::string_view shop, const rec::CampaignRecord& campaign) override {
    RETURN_IF_ERROR(CheckShop(shop));
    RETURN_IF_ERROR(CheckKeyId("campaign id", campaign.campaign_id()));
    return PutOne(shop, kMetadata, keys::Key(shop, keys::kCampaign, campaign.campaign_id()),
                  campaign, "storing a campaign");
  }

  absl::StatusOr<rec::CampaignRecord> GetCampaign(std::string_view shop,
                                                  std::string_view id) override {
    RETURN_IF_ERROR(CheckShop(shop));
    RETURN_IF_ERROR(CheckKeyId("campaign id", id));
    rec::CampaignRecord record;
    ASSIGN_OR_RETURN(const bool found,
                     GetRecord(ctx_, kMetadata, keys::Key(shop, keys::kCampaign, id), &record));
    if (!found) return absl::NotFoundError(absl::StrCat("no campaign \"", Av(id), "\""));
    return record;
  }

  absl::StatusOr<std::string> GetOrCreateSecret(
      std::string_view name, const std::function<std::string()>& make) override {
    const std::string key = absl::StrCat(Av(keys::kSecretKeyPrefix), Av(name));
    absl::MutexLock lock(&secrets_mu_);
    std::string value;
    ASSIGN_OR_RETURN(const bool found, Get(ctx_, kMetadata, key, &value));
    if (found) return value;
    value = make();
    Batch batch(ctx_);
    batch.Put(kMetadata, key, value);
    RETURN_IF_ERROR(batch.Commit("storing a secret"));
    return value;
  }

 private:
  // Writes one record and, for a new shop, its shop record.
  absl::Status PutOne(std::string_view shop, Cf cf, const std::string& key,
                      const google::protobuf::MessageLite& record, std::string_view what) {
    ShopState* state = ctx_.Shop(shop);
    absl::MutexLock lock(&state->mu);
    RETURN_IF_ERROR(EnsureShopLoaded(ctx_, shop, *state));
    Batch batch(ctx_);
    batch.PutRecord(cf, key, record);
    PutShopRecordIfNew(ctx_, shop, *state, batch);
    RETURN_IF_ERROR(batch.Commit(what));
    MarkShopPersisted(*state);
    return absl::OkStatus();
  }

  Context& ctx_;
  absl::Mutex secrets_mu_;
};

}  // namespace

std::unique_ptr<MarketingStore> NewRocksDbMarketingStore(Context* ctx) {
  return std::make_unique<RocksDbMarketingStore>(ctx);
}

}  // namespace persona::storage::internal
