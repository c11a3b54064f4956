#include "storage/keys.h"

namespace persona::storage::keys {

std::string ShopPrefix(std::string_view shop) {
  std::string out;
  out.reserve(shop.size() + 1);
  out.append(shop);
  out.push_back('\0');
  return out;
}

std::string KindPrefix(std::string_view shop, char kind) {
  std::string out = ShopPrefix(shop);
  out.push_back(kind);
  return out;
}

void BuildKey(std::string_view shop, char kind, std::string_view payload, std::string* out) {
  out->clear();
  out->reserve(shop.size() + 2 + payload.size());
  out->append(shop);
  out->push_back('\0');
  out->push_back(kind);
  out->append(payload);
}

std::string Key(std::string_view shop, char kind, std::string_view payload) {
  std::string out;
  BuildKey(shop, kind, payload, &out);
  return out;
}

std::string ShopRecordKey(std::string_view shop) { return Key(shop, kShopRecord, "hop"); }

std::string CategoryKey(std::string_view shop, const rec::CategoryRecord& category) {
  std::string out = KindPrefix(shop, kCategory);
  for (int i = 0; i < category.path_size(); ++i) {
    if (i > 0) out.push_back('\0');
    out.append(category.path(i));
  }
  return out;
}

std::string EventPrefix(std::string_view shop, char kind, std::string_view id) {
  std::string out;
  BuildKey(shop, kind, id, &out);
  out.push_back('\0');
  return out;
}

void BuildEventKey(std::string_view shop, char kind, std::string_view id, uint64_t seq,
                   std::string* out) {
  out->clear();
  out->reserve(shop.size() + id.size() + 11);
  out->append(shop);
  out->push_back('\0');
  out->push_back(kind);
  out->append(id);
  out->push_back('\0');
  AppendBigEndian64(seq, out);
}

std::string EventKey(std::string_view shop, char kind, std::string_view id, uint64_t seq) {
  std::string out;
  BuildEventKey(shop, kind, id, seq, &out);
  return out;
}

bool ParseKey(std::string_view key, ParsedKey* out) {
  const size_t nul = key.find('\0');
  if (nul == std::string_view::npos || nul == 0 || nul + 1 >= key.size()) return false;
  out->shop = key.substr(0, nul);
  out->kind = key[nul + 1];
  out->payload = key.substr(nul + 2);
  return true;
}

bool ParseEventKey(std::string_view key, ParsedEventKey* out) {
  ParsedKey parts;
  if (!ParseKey(key, &parts)) return false;
  // "<id>\0<8 bytes>": the id is everything before the last 9 bytes.
  if (parts.payload.size() < 10 || parts.payload[parts.payload.size() - 9] != '\0') return false;
  out->shop = parts.shop;
  out->kind = parts.kind;
  out->id = parts.payload.substr(0, parts.payload.size() - 9);
  if (out->id.find('\0') != std::string_view::npos) return false;
  out->seq = ReadBigEndian64(parts.payload.substr(parts.payload.size() - 8));
  return true;
}

void AppendBigEndian64(uint64_t v, std::string* out) {
  char buf[8];
  for (int i = 7; i >= 0; --i) {
    buf[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  out->append(buf, 8);
}

uint64_t ReadBigEndian64(std::string_view bytes) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[i]);
  return v;
}

std::string PrefixEnd(std::string_view prefix) {
  std::string out(prefix);
  while (!out.empty()) {
    unsigned char last = static_cast<unsigned char>(out.back());
    if (last != 0xff) {
      out.back() = static_cast<char>(last + 1);
      return out;
    }
    out.pop_back();
  }
  return out;
}

}  // namespace persona::storage::keys
