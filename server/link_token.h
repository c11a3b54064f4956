// Signed, URL-safe tokens for the open-time email links (issue 5).
//
// A token carries who the link is for (shop, customer, campaign, slot) and
// until when it is valid, and an HMAC-SHA256 over exactly those claims, so a
// link cannot be turned into another customer's, another campaign's or a
// longer-lived one without the server's secret. Claims are not encrypted:
// whoever holds the link can decode them (they hold the email anyway).
//
// Token = base64url_nopad(payload || HMAC-SHA256(secret, context || payload)),
// where payload is a versioned binary encoding of LinkClaims. One token serves
// both the open (image) and the click URL of a slot.
//
// LinkSigner is immutable after Create and thread-safe.
#ifndef PERSONA_SERVER_LINK_TOKEN_H_
#define PERSONA_SERVER_LINK_TOKEN_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace persona::server {

// What a link grants: the slot `slot` of campaign `campaign_id` for customer
// `customer_id` of `shop`, from `issued_ms` until `expires_ms` (Unix epoch ms,
// exclusive). Ids may hold any bytes (the encoding is length-prefixed).
struct LinkClaims {
  std::string shop;
  std::string customer_id;
  std::string campaign_id;
  int32_t slot = 0;
  int64_t issued_ms = 0;
  int64_t expires_ms = 0;

  friend bool operator==(const LinkClaims& a, const LinkClaims& b) {
    return a.shop == b.shop && a.customer_id == b.customer_id &&
           a.campaign_id == b.campaign_id && a.slot == b.slot &&
           a.issued_ms == b.issued_ms && a.expires_ms == b.expires_ms;
  }
};

// Shortest accepted secret, in bytes.
inline constexpr size_t kMinLinkSecretBytes = 32;
// Longest token Verify decodes, in characters; anything longer is malformed.
inline constexpr size_t kMaxLinkTokenChars = 4096;

class LinkSigner {
 public:
  // Returns a signer keyed by `secret` (raw bytes, e.g. the hex string from
  // NewLinkSecret). INVALID_ARGUMENT when it is shorter than
  // kMinLinkSecretBytes.
  static absl::StatusOr<LinkSigner> Create(std::string secret);

  // Returns the token for `claims`; never fails.
  std::string Sign(const LinkClaims& claims) const;

  // Returns the claims of `token` when it was signed with this secret and
  // `now_ms` < expires_ms. Errors (never echoing the token):
  //   INVALID_ARGUMENT   malformed: empty, too long, not canonical base64url,
  //                      too short to hold a MAC;
  //   PERMISSION_DENIED  the MAC does not match: forged, altered or truncated;
  //   DEADLINE_EXCEEDED  a genuine token whose expires_ms has passed.
  // The MAC is compared in constant time and checked before anything in the
  // payload is read or trusted.
  absl::StatusOr<LinkClaims> Verify(std::string_view token, int64_t now_ms) const;

 private:
  explicit LinkSigner(std::string secret) : secret_(std::move(secret)) {}
  std::string Mac(std::string_view payload) const;

  std::string secret_;
};

// Returns a new secret: 32 bytes from OpenSSL's CSPRNG as 64 lowercase hex
// characters (printable, so it can live in a config file or a metadata key).
// INTERNAL when the CSPRNG fails.
absl::StatusOr<std::string> NewLinkSecret();

}  // namespace persona::server

#endif  // PERSONA_SERVER_LINK_TOKEN_H_
