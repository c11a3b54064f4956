// Read/write helpers and per-shop state shared by the RocksDB stores.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/keys.h"
#include "common/status_macros.h"
#include "rocksdb/db.h"
#include "rocksdb/iterator.h"
#include "rocksdb/options.h"
#include "rocksdb/slice.h"
#include "rocksdb/write_batch.h"
#include "storage/keys.h"
#include "storage/rocksdb_internal.h"

namespace persona::storage::internal {
namespace {

rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
std::string_view ToView(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }

}  // namespace

std::string_view CfName(Cf cf) {
  switch (cf) {
    case kCustomers: return "customers";
    case kItems: return "items";
    case kEvents: return "events";
    case kAggregates: return "aggregates";
    case kIdempotency: return "idempotency";
    case kModels: return "models";
    case kMetadata: return "metadata";
    case kCfCount: break;
  }
  return "?";
}

ShopState* Context::Shop(std::string_view shop) {
  {
    absl::ReaderMutexLock lock(&shops_mu_);
    auto it = shops_.find(Av(shop));
    if (it != shops_.end()) return it->second.get();
  }
  absl::MutexLock lock(&shops_mu_);
  auto& slot = shops_[std::string(shop)];
  if (slot == nullptr) slot = std::make_unique<ShopState>();
  return slot.get();
}

absl::Status EnsureShopLoaded(Context& ctx, std::string_view shop_name, ShopState& shop) {
  if (shop.loaded) return absl::OkStatus();
  rec::ShopRecord record;
  ASSIGN_OR_RETURN(const bool found, GetRecord(ctx, kMetadata, keys::ShopRecordKey(shop_name), &record));
  shop.record = std::move(record);
  shop.record_persisted = found;
  shop.loaded = true;
  return absl::OkStatus();
}

absl::Status CheckShop(std::string_view shop) {
  std::string_view problem = NameProblem(shop);
  if (problem.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("shop \"", absl::CHexEscape(Av(shop)), "\": ", Av(problem)));
}

absl::Status CheckKeyId(std::string_view what, std::string_view id) {
  if (id.empty()) return absl::InvalidArgumentError(absl::StrCat(Av(what), " is empty"));
  if (id.size() > kMaxIdBytes) {
    return absl::InvalidArgumentError(absl::StrCat(Av(what), " is longer than ", kMaxIdBytes, " bytes"));
  }
  if (id.find('\0') != std::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(Av(what), " contains a NUL byte"));
  }
  return absl::OkStatus();
}

absl::Status Unparsable(std::string_view what, std::string_view key) {
  return absl::DataLossError(
      absl::StrCat("stored ", Av(what), " at key \"", absl::CHexEscape(Av(key)), "\" does not parse"));
}

absl::StatusOr<bool> Get(const Context& ctx, Cf cf, std::string_view key, std::string* value) {
  rocksdb::Status s = ctx.db->Get(rocksdb::ReadOptions(), ctx.cfs[cf], ToSlice(key), value);
  if (s.IsNotFound()) return false;
  if (!s.ok()) return FromRocksDb(s, absl::StrCat("reading ", Av(CfName(cf))));
  return true;
}

absl::StatusOr<bool> GetRecord(const Context& ctx, Cf cf, std::string_view key,
                               google::protobuf::MessageLite* record) {
  rocksdb::PinnableSlice value;
  rocksdb::Status s = ctx.db->Get(rocksdb::ReadOptions(), ctx.cfs[cf], ToSlice(key), &value);
  if (s.IsNotFound()) return false;
  if (!s.ok()) return FromRocksDb(s, absl::StrCat("reading ", Av(CfName(cf))));
  if (!record->ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return Unparsable(CfName(cf), key);
  }
  return true;
}

absl::Status ScanRange(const Context& ctx, Cf cf, std::string_view lower, std::string_view upper,
                       bool reverse,
                       const std::function<bool(std::string_view, std::string_view)>& fn) {
  rocksdb::ReadOptions read;
  const rocksdb::Slice lower_slice = ToSlice(lower);
  const rocksdb::Slice upper_slice = ToSlice(upper);
  read.iterate_lower_bound = &lower_slice;
  if (!upper.empty()) read.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(ctx.db->NewIterator(read, ctx.cfs[cf]));
  if (reverse) {
    it->SeekToLast();
  } else {
    it->Seek(lower_slice);
  }
  for (; it->Valid(); reverse ? it->Prev() : it->Next()) {
    if (!fn(ToView(it->key()), ToView(it->value()))) return absl::OkStatus();
  }
  return FromRocksDb(it->status(), absl::StrCat("scanning ", Av(CfName(cf))));
}

absl::Status ScanPrefix(const Context& ctx, Cf cf, std::string_view prefix,
                        const std::function<bool(std::string_view, std::string_view)>& fn) {
  return ScanRange(ctx, cf, prefix, keys::PrefixEnd(prefix), false, fn);
}

Batch::Batch(Context& ctx, size_t reserved_bytes) : ctx_(ctx) { arena_.reserve(reserved_bytes); }

Batch::~Batch() = default;

void Batch::Put(Cf cf, std::string_view key, std::string_view value) {
  const size_t key_offset = arena_.size();
  arena_.append(key);
  const size_t value_offset = arena_.size();
  arena_.append(value);
  entries_.push_back(Entry{cf, false, key_offset, key.size(), value_offset, value.size()});
}

void Batch::Delete(Cf cf, std::string_view key) {
  const size_t key_offset = arena_.size();
  arena_.append(key);
  entries_.push_back(Entry{cf, true, key_offset, key.size(), arena_.size(), 0});
}

void Batch::PutRecord(Cf cf, std::string_view key, const google::protobuf::MessageLite& record) {
  const size_t key_offset = arena_.size();
  arena_.append(key);
  const size_t value_offset = arena_.size();
  record.AppendToString(&arena_);
  entries_.push_back(
      Entry{cf, false, key_offset, key.size(), value_offset, arena_.size() - value_offset});
}

absl::Status Batch::Commit(std::string_view what) {
  if (entries_.empty()) return absl::OkStatus();
  std::vector<uint32_t> order(entries_.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    const Entry& x = entries_[a];
    const Entry& y = entries_[b];
    if (x.cf != y.cf) return x.cf < y.cf;
    return Slice(x.key_offset, x.key_size) < Slice(y.key_offset, y.key_size);
  });
  rocksdb::WriteBatch batch(arena_.size() + entries_.size() * 24);
  for (uint32_t i : order) {
    const Entry& e = entries_[i];
    const rocksdb::Slice key = ToSlice(Slice(e.key_offset, e.key_size));
    // WriteBatch only fails on oversized batches (> 4 GiB), which a call cannot reach.
    if (e.is_delete) {
      batch.Delete(ctx_.cfs[e.cf], key).PermitUncheckedError();
    } else {
      batch.Put(ctx_.cfs[e.cf], key, ToSlice(Slice(e.value_offset, e.value_size)))
          .PermitUncheckedError();
    }
  }
  rocksdb::WriteOptions write;
  write.sync = ctx_.options.sync_every_write;
  write.disableWAL = false;
  return FromRocksDb(ctx_.db->Write(write, &batch), what);
}

void PutShopRecordIfNew(Context& ctx, std::string_view shop_name, ShopState& shop, Batch& batch) {
  if (shop.record_persisted) return;
  if (shop.record.created_time_ms() == 0) shop.record.set_created_time_ms(ctx.clock->NowMs());
  batch.PutRecord(kMetadata, keys::ShopRecordKey(shop_name), shop.record);
}

}  // namespace persona::storage::internal
