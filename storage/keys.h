// Key encoding of Persona's RocksDB store (layout in storage/README.md).
//
// Every key but the schema record starts with "<shop>\0" and a kind byte, so a
// shop's data is contiguous and shops never see each other's keys: shop names
// are [a-z0-9_-]{1,64} and ids never contain '\0'. Event keys end with an
// 8-byte big-endian sequence number, so a subject's events sort oldest first.
//
// Internal to storage/. Pure functions; thread-safe.
#ifndef PERSONA_STORAGE_KEYS_H_
#define PERSONA_STORAGE_KEYS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/database.h"

namespace persona::storage::keys {

// Kind bytes, by column family.
inline constexpr char kCustomer = 'C';   // customers, aggregates, events: a customer
inline constexpr char kSession = 'S';    // aggregates, events: an anonymous session
inline constexpr char kAlias = 'A';      // customers: a merged session's alias
inline constexpr char kItem = 'I';       // items: an item; aggregates: its statistics
inline constexpr char kCategory = 'K';   // items: a category policy
inline constexpr char kEventId = 'E';    // idempotency: an event id
inline constexpr char kShopRecord = 's'; // metadata: "<shop>\0shop"
inline constexpr char kModel = 'M';      // models: a trained model by version
inline constexpr char kSegment = 'g';    // metadata: a custom segment
inline constexpr char kSegmentSizes = 'G';  // aggregates: segment sizes of a day
inline constexpr char kCampaign = 'c';   // metadata: a campaign definition

// The metadata key of a server-wide secret: "secret:<name>" (no shop prefix).
inline constexpr std::string_view kSecretKeyPrefix = "secret:";

// The metadata key of the SchemaRecord (no shop prefix).
inline constexpr std::string_view kSchemaKey = "schema";

// Returns 'C' or 'S'.
inline char KindOf(Subject::Kind kind) {
  return kind == Subject::Kind::kCustomer ? kCustomer : kSession;
}

// Returns "<shop>\0".
std::string ShopPrefix(std::string_view shop);

// Returns "<shop>\0<kind>": the prefix of every key of one kind.
std::string KindPrefix(std::string_view shop, char kind);

// Returns "<shop>\0<kind><payload>".
std::string Key(std::string_view shop, char kind, std::string_view payload);
// Replaces `*out` with "<shop>\0<kind><payload>", reusing its buffer.
void BuildKey(std::string_view shop, char kind, std::string_view payload, std::string* out);

// Returns the metadata key of a shop's ShopRecord: "<shop>\0shop".
std::string ShopRecordKey(std::string_view shop);

// Returns the items-CF key of a category: "<shop>\0K<path joined by '\0'>".
std::string CategoryKey(std::string_view shop, const rec::CategoryRecord& category);

// Returns "<shop>\0<kind><id>\0": the prefix of a subject's events.
std::string EventPrefix(std::string_view shop, char kind, std::string_view id);
// Replaces `*out` with "<shop>\0<kind><id>\0<seq, 8 bytes big-endian>".
void BuildEventKey(std::string_view shop, char kind, std::string_view id, uint64_t seq,
                   std::string* out);
std::string EventKey(std::string_view shop, char kind, std::string_view id, uint64_t seq);

// The parts of a key "<shop>\0<kind><payload>".
struct ParsedKey {
  std::string_view shop;
  char kind = 0;
  std::string_view payload;
};
// Splits a key; returns false when it has no "\0<kind>" after a shop name.
bool ParseKey(std::string_view key, ParsedKey* out);

// The parts of an event key.
struct ParsedEventKey {
  std::string_view shop;
  char kind = 0;
  std::string_view id;
  uint64_t seq = 0;
};
// Splits an event key; returns false when it is malformed.
bool ParseEventKey(std::string_view key, ParsedEventKey* out);

// Appends `v` as 8 bytes, most significant first (so numbers sort as bytes).
void AppendBigEndian64(uint64_t v, std::string* out);
// Reads 8 big-endian bytes; `bytes` must hold at least 8.
uint64_t ReadBigEndian64(std::string_view bytes);

// Returns the smallest key greater than every key starting with `prefix`
// (the prefix with its last non-0xff byte incremented), or "" when there is
// none (a prefix of only 0xff bytes).
std::string PrefixEnd(std::string_view prefix);

}  // namespace persona::storage::keys

#endif  // PERSONA_STORAGE_KEYS_H_
