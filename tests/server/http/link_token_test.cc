#include "server/link_token.h"

#include <set>
#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace persona::server {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;
constexpr int64_t kDay = 86'400'000;

LinkSigner MakeSigner(char fill = 'k') {
  absl::StatusOr<LinkSigner> signer = LinkSigner::Create(std::string(32, fill));
  EXPECT_TRUE(signer.ok()) << signer.status();
  return *std::move(signer);
}

LinkClaims Claims() {
  return LinkClaims{"demo", "customer-17", "winback-2024", 3, kNow, kNow + 30 * kDay};
}

TEST(LinkTokenTest, RoundTrips) {
  LinkSigner signer = MakeSigner();
  const std::string token = signer.Sign(Claims());
  absl::StatusOr<LinkClaims> back = signer.Verify(token, kNow + kDay);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, Claims());
}

TEST(LinkTokenTest, TokenIsUrlSafe) {
  const std::string token = MakeSigner().Sign(Claims());
  for (char c : token) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << c;
  }
}

TEST(LinkTokenTest, IdsWithAnyBytesRoundTrip) {
  LinkSigner signer = MakeSigner();
  const std::vector<LinkClaims> cases = {
      {"s", "a.b:c/d", "x", 0, 0, kNow + 1},
      {"s", "müller@example.com/ü", "kampagne:ü.1", -5, -1, kNow + 1},
      {"s", std::string("nul\0inside", 10), "", INT32_MAX, INT64_MIN, INT64_MAX},
      {"", "", "", INT32_MIN, 0, kNow + 1},
      {"shop", std::string(300, 'z'), std::string(200, '\xff'), 1, 2, kNow + 1},
  };
  for (const LinkClaims& claims : cases) {
    absl::StatusOr<LinkClaims> back = signer.Verify(signer.Sign(claims), kNow);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, claims);
  }
}

// Concatenating ids must not be ambiguous: moving a byte from one id to the
// next gives a different token.
TEST(LinkTokenTest, FieldBoundariesAreSigned) {
  LinkSigner signer = MakeSigner();
  LinkClaims a = Claims(), b = Claims();
  a.customer_id = "ab";
  a.campaign_id = "c";
  b.customer_id = "a";
  b.campaign_id = "bc";
  EXPECT_NE(signer.Sign(a), signer.Sign(b));
}

TEST(LinkTokenTest, EverySingleByteAlterationIsRejected) {
  LinkSigner signer = MakeSigner();
  const std::string token = signer.Sign(Claims());
  int checked = 0;
  for (size_t pos = 0; pos < token.size(); ++pos) {
    for (int byte = 0; byte < 256; ++byte) {
      if (static_cast<char>(byte) == token[pos]) continue;
      std::string altered = token;
      altered[pos] = static_cast<char>(byte);
      absl::StatusOr<LinkClaims> result = signer.Verify(altered, kNow);
      ASSERT_FALSE(result.ok()) << "position " << pos << " byte " << byte;
      const absl::StatusCode code = result.status().code();
      ASSERT_TRUE(code == absl::StatusCode::kInvalidArgument ||
                  code == absl::StatusCode::kPermissionDenied)
          << result.status();
      ++checked;
    }
  }
  EXPECT_EQ(checked, static_cast<int>(token.size()) * 255);
}

// Changing one base64url character to another valid one decodes fine, so the
// MAC is what rejects it.
TEST(LinkTokenTest, AlteredTokenIsPermissionDenied) {
  LinkSigner signer = MakeSigner();
  std::string token = signer.Sign(Claims());
  token[5] = token[5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(signer.Verify(token, kNow).status().code(), absl::StatusCode::kPermissionDenied);
}

TEST(LinkTokenTest, OtherSecretIsRejected) {
  const std::string token = MakeSigner('a').Sign(Claims());
  EXPECT_EQ(MakeSigner('b').Verify(token, kNow).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(LinkTokenTest, ExpiryIsExclusive) {
  LinkSigner signer = MakeSigner();
  const std::string token = signer.Sign(Claims());
  EXPECT_TRUE(signer.Verify(token, Claims().expires_ms - 1).ok());
  EXPECT_EQ(signer.Verify(token, Claims().expires_ms).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(signer.Verify(token, Claims().expires_ms + kDay).status().code(),
            absl::StatusCode::kDeadlineExceeded);
}

TEST(LinkTokenTest, EveryTruncationAndExtensionIsRejected) {
  LinkSigner signer = MakeSigner();
  const std::string token = signer.Sign(Claims());
  for (size_t n = 0; n < token.size(); ++n) {
    EXPECT_FALSE(signer.Verify(token.substr(0, n), kNow).ok()) << n;
    EXPECT_FALSE(signer.Verify(token.substr(n + 1), kNow).ok()) << n;
  }
  for (const char* suffix : {"A", "AA", "AAA", "AAAA", "=", ".", "%20"}) {
    EXPECT_FALSE(signer.Verify(token + suffix, kNow).ok()) << suffix;
  }
}

TEST(LinkTokenTest, GarbageIsInvalidArgument) {
  LinkSigner signer = MakeSigner();
  for (std::string_view garbage :
       {std::string_view(""), std::string_view("x"), std::string_view("not a token"),
        std::string_view("AAAAAAAA"), std::string_view("////"),
        std::string_view("\0\0\0\0", 4)}) {
    EXPECT_EQ(signer.Verify(garbage, kNow).status().code(), absl::StatusCode::kInvalidArgument)
        << garbage;
  }
  EXPECT_EQ(signer.Verify(std::string(kMaxLinkTokenChars + 4, 'A'), kNow).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// The errors never carry the token (they may reach logs).
TEST(LinkTokenTest, ErrorsDoNotEchoTheToken) {
  LinkSigner signer = MakeSigner();
  std::string token = signer.Sign(Claims());
  token[10] = token[10] == 'A' ? 'B' : 'A';
  EXPECT_EQ(signer.Verify(token, kNow).status().message().find(token.substr(0, 8)),
            std::string_view::npos);
}

TEST(LinkTokenTest, ShortSecretIsRejected) {
  EXPECT_EQ(LinkSigner::Create(std::string(31, 'k')).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(LinkSigner::Create(std::string(32, 'k')).ok());
}

TEST(LinkTokenTest, NewSecretsAreHexAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    absl::StatusOr<std::string> secret = NewLinkSecret();
    ASSERT_TRUE(secret.ok()) << secret.status();
    ASSERT_EQ(secret->size(), 64u);
    for (char c : *secret) EXPECT_TRUE(std::isxdigit(static_cast<unsigned char>(c))) << c;
    EXPECT_TRUE(LinkSigner::Create(*secret).ok());
    seen.insert(*secret);
  }
  EXPECT_EQ(seen.size(), 20u);
}

}  // namespace
}  // namespace persona::server
