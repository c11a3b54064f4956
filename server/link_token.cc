#include "server/link_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace persona::server {
namespace {

// Payload layout version; a new layout gets a new number so old links fail
// cleanly instead of being misread.
constexpr uint8_t kVersion = 1;
constexpr size_t kMacBytes = 32;  // HMAC-SHA256
// Prefixed to the MACed bytes so a MAC made with the same secret for another
// purpose can never pass as a link token.
constexpr std::string_view kContext = std::string_view("persona.email-link\0", 19);

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutFixed(uint64_t v, int bytes, std::string* out) {
  for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

void PutString(std::string_view s, std::string* out) {
  PutVarint(s.size(), out);
  out->append(s);
}

// Reads the encoding written above; every getter fails instead of reading
// past the end.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool Byte(uint8_t* v) { return Fixed(1, v); }
  template <typename T>
  bool Fixed(int bytes, T* v) {
    if (in_.size() < static_cast<size_t>(bytes)) return false;
    uint64_t r = 0;
    for (int i = 0; i < bytes; ++i) r = (r << 8) | static_cast<uint8_t>(in_[i]);
    in_.remove_prefix(bytes);
    *v = static_cast<T>(r);
    return true;
  }
  bool String(std::string* s) {
    uint64_t n = 0;
    if (!Varint(&n) || n > in_.size()) return false;
    s->assign(in_.substr(0, n));
    in_.remove_prefix(n);
    return true;
  }
  bool done() const { return in_.empty(); }

 private:
  bool Varint(uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64 && !in_.empty(); shift += 7) {
      const uint8_t b = static_cast<uint8_t>(in_.front());
      in_.remove_prefix(1);
      *v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  }
  std::string_view in_;
};

std::string EncodeClaims(const LinkClaims& c) {
  std::string out;
  out.push_back(static_cast<char>(kVersion));
  PutString(c.shop, &out);
  PutString(c.customer_id, &out);
  PutString(c.campaign_id, &out);
  PutFixed(static_cast<uint32_t>(c.slot), 4, &out);
  PutFixed(static_cast<uint64_t>(c.issued_ms), 8, &out);
  PutFixed(static_cast<uint64_t>(c.expires_ms), 8, &out);
  return out;
}

absl::StatusOr<LinkClaims> DecodeClaims(std::string_view payload) {
  Reader r(payload);
  LinkClaims c;
  uint8_t version = 0;
  uint32_t slot = 0;
  uint64_t issued = 0, expires = 0;
  if (!r.Byte(&version) || version != kVersion) {
    return absl::InvalidArgumentError("unsupported link token version");
  }
  if (!r.String(&c.shop) || !r.String(&c.customer_id) || !r.String(&c.campaign_id) ||
      !r.Fixed(4, &slot) || !r.Fixed(8, &issued) || !r.Fixed(8, &expires) || !r.done()) {
    return absl::InvalidArgumentError("malformed link token claims");
  }
  c.slot = static_cast<int32_t>(slot);
  c.issued_ms = static_cast<int64_t>(issued);
  c.expires_ms = static_cast<int64_t>(expires);
  return c;
}

// Decodes unpadded base64url, accepting only the one canonical spelling of
// the bytes (unused trailing bits zero), so no two tokens mean the same thing.
absl::StatusOr<std::string> DecodeCanonical(std::string_view token) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(absl::string_view(token.data(), token.size()), &raw) ||
      absl::WebSafeBase64Escape(raw) != token) {
    return absl::InvalidArgumentError("link token is not canonical base64url");
  }
  return raw;
}

}  // namespace

absl::StatusOr<LinkSigner> LinkSigner::Create(std::string secret) {
  if (secret.size() < kMinLinkSecretBytes) {
    return absl::InvalidArgumentError(absl::StrCat("link secret must have at least ",
                                                   kMinLinkSecretBytes, " bytes, has ",
                                                   secret.size()));
  }
  return LinkSigner(std::move(secret));
}

std::string LinkSigner::Mac(std::string_view payload) const {
  std::string message(kContext);
  message.append(payload);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  // HMAC() only fails on allocation failure or a bad digest; neither can be
  // handled meaningfully and signing unauthenticated links is not an option.
  if (HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac,
           &mac_len) == nullptr ||
      mac_len != kMacBytes) {
    std::abort();
  }
  return std::string(reinterpret_cast<const char*>(mac), mac_len);
}

std::string LinkSigner::Sign(const LinkClaims& claims) const {
  std::string payload = EncodeClaims(claims);
  std::string mac = Mac(payload);
  return absl::WebSafeBase64Escape(absl::StrCat(payload, mac));
}

absl::StatusOr<LinkClaims> LinkSigner::Verify(std::string_view token, int64_t now_ms) const {
  if (token.empty() || token.size() > kMaxLinkTokenChars) {
    return absl::InvalidArgumentError("link token is empty or too long");
  }
  ASSIGN_OR_RETURN(std::string raw, DecodeCanonical(token));
  if (raw.size() <= kMacBytes) {
    return absl::InvalidArgumentError("link token is too short");
  }
  const std::string_view payload = std::string_view(raw).substr(0, raw.size() - kMacBytes);
  const std::string_view given = std::string_view(raw).substr(raw.size() - kMacBytes);
  const std::string expected = Mac(payload);
  if (CRYPTO_memcmp(expected.data(), given.data(), kMacBytes) != 0) {
    return absl::PermissionDeniedError("link token signature does not match");
  }
  ASSIGN_OR_RETURN(LinkClaims claims, DecodeClaims(payload));
  if (now_ms >= claims.expires_ms) {
    return absl::DeadlineExceededError("link token has expired");
  }
  return claims;
}

absl::StatusOr<std::string> NewLinkSecret() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    return absl::InternalError("the OpenSSL random generator failed");
  }
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
}

}  // namespace persona::server
