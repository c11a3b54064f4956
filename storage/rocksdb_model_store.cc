// ModelStore over the "models" column family: key "<shop>\0M<version>", value
// the model's bytes as given (the model layer checksums its own format).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "storage/keys.h"
#include "storage/rocksdb_internal.h"

namespace persona::storage::internal {
namespace {

constexpr size_t kMaxVersionBytes = 128;

class RocksDbModelStore : public ModelStore {
 public:
  explicit RocksDbModelStore(Context* ctx) : ctx_(*ctx) {}

  absl::Status PutModel(std::string_view shop, std::string_view version,
                        std::string_view bytes) override {
    RETURN_IF_ERROR(CheckShop(shop));
    if (version.empty() || version.size() > kMaxVersionBytes ||
        version.find('\0') != std::string_view::npos) {
      return absl::InvalidArgumentError("model version must be 1..128 bytes without NUL");
    }
    ShopState* state = ctx_.Shop(shop);
    absl::MutexLock lock(&state->mu);
    RETURN_IF_ERROR(EnsureShopLoaded(ctx_, shop, *state));
    // Versions sort by age, so the newest are last; keep kModelsKept - 1 old ones.
    std::vector<std::string> older;
    const std::string prefix = keys::KindPrefix(shop, keys::kModel);
    RETURN_IF_ERROR(ScanPrefix(ctx_, kModels, prefix, [&](std::string_view key, std::string_view) {
      if (key.substr(prefix.size()) != version) older.emplace_back(key);
      return true;
    }));
    Batch batch(ctx_, bytes.size() + 256);
    batch.Put(kModels, keys::Key(shop, keys::kModel, version), bytes);
    const int keep_old = kModelsKept - 1;
    for (int i = 0; i + keep_old < static_cast<int>(older.size()); ++i) {
      batch.Delete(kModels, older[i]);
    }
    PutShopRecordIfNew(ctx_, shop, *state, batch);
    RETURN_IF_ERROR(batch.Commit("storing a model"));
    MarkShopPersisted(*state);
    return absl::OkStatus();
  }

  absl::Status ReplaceModel(std::string_view shop, std::string_view version,
                            std::string_view bytes) override {
    RETURN_IF_ERROR(CheckShop(shop));
    ShopState* state = ctx_.Shop(shop);
    absl::MutexLock lock(&state->mu);  // PutModel cannot delete the version meanwhile
    const std::string key = keys::Key(shop, keys::kModel, version);
    std::string old;
    ASSIGN_OR_RETURN(const bool found, Get(ctx_, kModels, key, &old));
    if (!found) {
      return absl::NotFoundError(absl::StrCat("model version \"", Av(version), "\" is not stored"));
    }
    Batch batch(ctx_, bytes.size() + 256);
    batch.Put(kModels, key, bytes);
    return batch.Commit("replacing a model");
  }

  absl::Status ScanModels(
      std::string_view shop,
      const std::function<bool(std::string_view, std::string_view)>& fn) override {
    RETURN_IF_ERROR(CheckShop(shop));
    const std::string prefix = keys::KindPrefix(shop, keys::kModel);
    return ScanRange(ctx_, kModels, prefix, keys::PrefixEnd(prefix), /*reverse=*/true,
                     [&](std::string_view key, std::string_view value) {
                       return fn(key.substr(prefix.size()), value);
                     });
  }

 private:
  Context& ctx_;
};

}  // namespace

std::unique_ptr<ModelStore> NewRocksDbModelStore(Context* ctx) {
  return std::make_unique<RocksDbModelStore>(ctx);
}

}  // namespace persona::storage::internal
