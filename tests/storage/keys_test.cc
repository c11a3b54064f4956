#include "storage/keys.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace persona::storage::keys {
namespace {

using namespace std::string_literals;

TEST(KeysTest, KeyRoundTrips) {
  struct Case {
    std::string shop;
    char kind;
    std::string payload;
  };
  const Case cases[] = {
      {"default", kCustomer, "c1"},
      {"a", kSession, "s"},
      {"shop_1-x", kItem, "SKU 42/blue"},
      {std::string(64, 'z'), kEventId, std::string(256, 'e')},
      {"s", kAlias, "\xc3\xa9t\xc3\xa9"},
      {"s", kCategory, "Shoes\0Running"s},  // category paths join with NUL
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.shop + "/" + c.kind + "/" + c.payload);
    const std::string key = Key(c.shop, c.kind, c.payload);
    EXPECT_EQ(key.substr(0, c.shop.size() + 1), ShopPrefix(c.shop));
    ParsedKey parsed;
    ASSERT_TRUE(ParseKey(key, &parsed));
    EXPECT_EQ(parsed.shop, c.shop);
    EXPECT_EQ(parsed.kind, c.kind);
    EXPECT_EQ(parsed.payload, c.payload);
    std::string built = "garbage that must be replaced";
    BuildKey(c.shop, c.kind, c.payload, &built);
    EXPECT_EQ(built, key);
  }
}

TEST(KeysTest, ParseKeyRejectsMalformedKeys) {
  const std::string bad[] = {"", "schema", "\0C"s, "shop\0"s};
  for (const auto& key : bad) {
    ParsedKey parsed;
    EXPECT_FALSE(ParseKey(key, &parsed)) << key;
  }
}

TEST(KeysTest, EventKeyRoundTrips) {
  const uint64_t seqs[] = {0, 1, 255, 256, 65535, 1ull << 32, std::numeric_limits<uint64_t>::max()};
  for (const std::string id : {"c", "customer-123", "with space"}) {
    for (uint64_t seq : seqs) {
      const std::string key = EventKey("shop", kCustomer, id, seq);
      EXPECT_EQ(key.size(), 4 + 1 + 1 + id.size() + 1 + 8);
      ParsedEventKey parsed;
      ASSERT_TRUE(ParseEventKey(key, &parsed)) << id << " " << seq;
      EXPECT_EQ(parsed.shop, "shop");
      EXPECT_EQ(parsed.kind, kCustomer);
      EXPECT_EQ(parsed.id, id);
      EXPECT_EQ(parsed.seq, seq);
      EXPECT_EQ(key.substr(0, EventPrefix("shop", kCustomer, id).size()),
                EventPrefix("shop", kCustomer, id));
    }
  }
}

TEST(KeysTest, ParseEventKeyRejectsMalformedKeys) {
  ParsedEventKey parsed;
  EXPECT_FALSE(ParseEventKey("shop\0Cc"s, &parsed));  // no sequence
  EXPECT_FALSE(ParseEventKey("shop\0Cc\0123"s, &parsed));  // short sequence
  EXPECT_FALSE(ParseEventKey(Key("shop", kCustomer, "c\1" + std::string(8, 'x')), &parsed));
}

TEST(KeysTest, EventKeysSortBySequence) {
  const uint64_t seqs[] = {0, 1, 2, 255, 256, 257, 65536, 1ull << 40, (1ull << 63) + 1};
  std::vector<std::string> keys;
  for (uint64_t seq : seqs) keys.push_back(EventKey("s", kSession, "abc", seq));
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
}

// A subject's events are contiguous: the range [prefix, PrefixEnd(prefix))
// holds all of its events and none of another subject's, even when one id is
// a prefix of the other.
TEST(KeysTest, SubjectEventsAreContiguous) {
  struct Case {
    std::string shop_a, id_a, shop_b, id_b;
    char kind_b;
  };
  const Case cases[] = {
      {"s", "ab", "s", "abc", kCustomer},   {"s", "abc", "s", "ab", kCustomer},
      {"s", "ab", "s", "ab ", kCustomer},   {"s", "a", "s", "b", kCustomer},
      {"s", "ab", "s", "ab", kSession},     {"shop", "c", "shop2", "c", kCustomer},
      {"shop2", "c", "shop", "c", kCustomer}, {"s", "\xff", "s", "\xff\xff", kCustomer},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.id_a + " vs " + c.id_b);
    const std::string lower = EventPrefix(c.shop_a, kCustomer, c.id_a);
    const std::string upper = PrefixEnd(lower);
    for (uint64_t seq : {0ull, 1ull, 1ull << 62, ~0ull}) {
      const std::string own = EventKey(c.shop_a, kCustomer, c.id_a, seq);
      EXPECT_TRUE(own >= lower && own < upper);
      const std::string other = EventKey(c.shop_b, c.kind_b, c.id_b, seq);
      EXPECT_FALSE(other >= lower && other < upper);
    }
  }
}

TEST(KeysTest, PrefixEnd) {
  const std::pair<std::string, std::string> cases[] = {
      {"abc", "abd"}, {"ab\xff", "ac"}, {"\xff\xff", ""}, {"s\0"s, "s\1"s}, {"", ""}};
  for (const auto& [in, want] : cases) EXPECT_EQ(PrefixEnd(in), want) << in;
}

TEST(KeysTest, BigEndianRoundTrips) {
  for (uint64_t v : {0ull, 1ull, 0x0102030405060708ull, ~0ull}) {
    std::string out = "x";
    AppendBigEndian64(v, &out);
    ASSERT_EQ(out.size(), 9u);
    EXPECT_EQ(ReadBigEndian64(std::string_view(out).substr(1)), v);
  }
  std::string one;
  AppendBigEndian64(1, &one);
  EXPECT_EQ(one, std::string(7, '\0') + "\1");
}

TEST(KeysTest, SpecialKeys) {
  EXPECT_EQ(ShopRecordKey("s"), "s\0shop"s);
  rec::CategoryRecord category;
  category.add_path("Home");
  category.add_path("Lamps");
  EXPECT_EQ(CategoryKey("s", category), "s\0KHome\0Lamps"s);
  EXPECT_EQ(KindOf(Subject::Kind::kCustomer), kCustomer);
  EXPECT_EQ(KindOf(Subject::Kind::kSession), kSession);
}

}  // namespace
}  // namespace persona::storage::keys
