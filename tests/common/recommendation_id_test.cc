// Recommendation ids: round trips, a fixed encoding, and refusal of anything
// a client could send that was not made by EncodeRecommendationId.
#include "common/recommendation_id.h"

#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "gtest/gtest.h"

namespace persona {
namespace {

RecommendationIdParts Parts(std::string placement, std::string variant, int64_t time,
                            uint64_t nonce) {
  return {std::move(placement), std::move(variant), time, nonce};
}

TEST(RecommendationIdTest, RoundTrips) {
  const RecommendationIdParts cases[] = {
      Parts("home", "default", 1'700'000'000'000, 0x0123456789abcdefULL),
      Parts("home", "", 1'700'000'000'000, 1),
      Parts("p", "b", 0, 0),
      Parts("cart_cross-sell", "treatment-2", 1, std::numeric_limits<uint64_t>::max()),
      Parts(std::string(64, 'z'), std::string(64, '9'), std::numeric_limits<int64_t>::max(),
            std::numeric_limits<uint64_t>::max()),
  };
  for (const auto& parts : cases) {
    const std::string id = EncodeRecommendationId(parts);
    EXPECT_LE(id.size(), kMaxRecommendationIdBytes) << id;
    auto decoded = DecodeRecommendationId(id);
    ASSERT_TRUE(decoded.ok()) << id << ": " << decoded.status();
    EXPECT_EQ(*decoded, parts) << id;
  }
}

TEST(RecommendationIdTest, FormatIsFixed) {
  // Ids outlive the binary that minted them (events arrive days later, after
  // upgrades): the encoding of these parts must never change. Expected value
  // computed independently (Python: base 36 and 32-bit FNV-1a by hand).
  const std::string id =
      EncodeRecommendationId(Parts("home", "default", 1'700'000'000'000, 0x0123456789abcdefULL));
  EXPECT_EQ(id, "r1.home.default.loyw3v28.mf9g063v08f.tgdgli");
  auto decoded = DecodeRecommendationId(id);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->issued_time_ms, 1'700'000'000'000);
}

TEST(RecommendationIdTest, TypicalIdsAreShortAndUrlSafe) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 1000; ++i) {
    const std::string id = EncodeRecommendationId(
        Parts("product_similar", "treatment", 1'700'000'000'000 + i * 1'000'003LL, rng()));
    EXPECT_LT(id.size(), 64u) << id;
    for (char c : id) {
      EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
                  c == '_')
          << id;
    }
  }
}

TEST(RecommendationIdTest, DistinctNoncesGiveDistinctIds) {
  EXPECT_NE(EncodeRecommendationId(Parts("home", "a", 5, 1)),
            EncodeRecommendationId(Parts("home", "a", 5, 2)));
}

TEST(RecommendationIdTest, RefusesGarbage) {
  const std::string good = EncodeRecommendationId(Parts("home", "a", 1'700'000'000'000, 42));
  std::string flipped = good;
  flipped[4] = flipped[4] == 'o' ? 'p' : 'o';  // "home" -> "hpme": checksum no longer matches
  std::string wrong_checksum = good.substr(0, good.rfind('.') + 1);
  wrong_checksum.push_back('0');
  std::string upper_case = good;
  upper_case[0] = 'R';
  const std::string cases[] = {
      "",
      ".",
      "r1",
      "r1.....",
      "r0123456789abcdef0123456789abcdef",  // the old random ids
      "r2.home.a.1.1.1",
      flipped,
      wrong_checksum,
      good + ".1",
      good + "x",
      upper_case,
      "r1.HOME.a.1.1.1",
      "r1..a.1.1.1",                                   // empty placement
      "r1.home.a b.1.1.1",                             // bad variant
      "r1.home.a.-1.1.1",                              // negative time
      "r1.home.a.zzzzzzzzzzzzzz.1.1",                  // time overflows 64 bits
      "r1.home.a.3w5e11264sgsg.1.1",                   // uint64 max + 1
      "r1.home.a.3w5e11264sgsf.1.1",                   // beyond int64
      std::string("r1.home\0.a.1.1.1", 16),
      std::string(10'000, '.'),
      std::string(10'000, 'a'),
      "r1." + std::string(65, 'a') + ".a.1.1.1",       // placement too long
  };
  for (const auto& id : cases) {
    EXPECT_FALSE(DecodeRecommendationId(id).ok()) << id;
  }
}

TEST(RecommendationIdTest, RefusesNonCanonicalNumbers) {
  const std::string good = EncodeRecommendationId(Parts("home", "a", 35, 7));
  ASSERT_TRUE(DecodeRecommendationId(good).ok());
  // The same numbers with a leading zero decode to the same parts but are not
  // what Encode makes.
  const std::string_view prefix = "r1.home.a.";
  ASSERT_EQ(good.compare(0, prefix.size(), prefix), 0);
  std::string padded(prefix);
  padded.push_back('0');
  padded.append(good, prefix.size(), std::string::npos);
  EXPECT_FALSE(DecodeRecommendationId(padded).ok()) << padded;
}

TEST(RecommendationIdTest, RandomMutationsNeverDecodeToOtherParts) {
  std::mt19937_64 rng(11);
  const RecommendationIdParts parts = Parts("cart", "b", 1'700'000'123'456, 987654321);
  const std::string good = EncodeRecommendationId(parts);
  int accepted = 0;
  for (int i = 0; i < 20'000; ++i) {
    std::string id = good;
    const size_t pos = rng() % id.size();
    id[pos] = static_cast<char>(rng() % 256);
    auto decoded = DecodeRecommendationId(id);
    if (decoded.ok()) {
      ++accepted;
      EXPECT_EQ(id, good);  // only an unchanged byte may decode
    }
  }
  EXPECT_LT(accepted, 20'000 / 100);
}

TEST(RecommendationIdTest, PartsProblems) {
  EXPECT_EQ(RecommendationIdPartsProblem(Parts("home", "", 0, 0)), "");
  EXPECT_NE(RecommendationIdPartsProblem(Parts("", "a", 0, 0)), "");
  EXPECT_NE(RecommendationIdPartsProblem(Parts("Home", "a", 0, 0)), "");
  EXPECT_NE(RecommendationIdPartsProblem(Parts("home", "a.b", 0, 0)), "");
  EXPECT_NE(RecommendationIdPartsProblem(Parts("home", "a", -1, 0)), "");
  // Invalid parts encode to something that does not decode.
  EXPECT_FALSE(DecodeRecommendationId(EncodeRecommendationId(Parts("home", "a.b", 1, 1))).ok());
}

}  // namespace
}  // namespace persona
