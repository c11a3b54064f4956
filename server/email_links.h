// The open-time email endpoints (issue 5): an email carries, per product
// slot, an image link and a click link with the same signed token
// (link_token.h). When the email is opened the image link redirects to the
// image of the slot's best item *now*; the click link records the click and
// redirects to that item's page. Which item is best is injected
// (EmailSlotResolver), so this file knows nothing about campaigns.
//
//   GET /email/open/<token>   302 to the item's image_url, Cache-Control: no-store.
//                             Nothing to show (NOT_FOUND, unusable image url,
//                             resolver error): 302 to options.fallback_image_url
//                             when set, else 200 with a 1x1 transparent GIF, so
//                             the email never shows a broken image.
//   GET /email/click/<token>  records the click, 302 to the item's url.
//                             Nothing to show or unusable url: 302 to
//                             options.fallback_click_url when set, else 404;
//                             the click is recorded only when redirecting to the item.
//   Bad token: 403 (malformed, forged, altered), 410 (expired); a short plain
//   text body that never echoes the token; the resolver is not called.
//
// No open redirect: targets come only from the resolver (catalog data) or the
// options, never from the request, and must be absolute http(s) URLs without
// control characters or spaces (IsSafeRedirectUrl).
//
// Caching: every answer is Cache-Control: no-store so mail clients refetch at
// open time. Known limit: Gmail's image proxy (and some others) fetches an
// image once and caches it regardless, so there the image is what was best at
// the first open.
//
// Thread-safety: the registered handlers run concurrently on the HTTP
// workers; the resolver must be thread-safe.
#ifndef PERSONA_SERVER_EMAIL_LINKS_H_
#define PERSONA_SERVER_EMAIL_LINKS_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "server/http_server.h"
#include "server/link_token.h"

namespace persona::server {

// What the campaign engine answers for a slot at open time.
struct SlotItem {
  std::string item_id;
  std::string image_url;
  std::string url;
  std::string recommendation_id;
};

class EmailSlotResolver {
 public:
  virtual ~EmailSlotResolver() = default;
  // Returns the best item for claims.slot of the campaign for the customer
  // now; NOT_FOUND when nothing can be shown. Should answer a click with the
  // item the open showed (e.g. remember it), so the click lands on what the
  // customer saw.
  virtual absl::StatusOr<SlotItem> Resolve(const LinkClaims& claims) = 0;
  // Records that the customer clicked `item` of the campaign (an event);
  // errors are logged, the redirect still happens.
  virtual absl::Status RecordClick(const LinkClaims& claims, const SlotItem& item) = 0;
};

struct EmailLinkOptions {
  // Where an open with nothing to show redirects; empty (default) serves a
  // 1x1 transparent GIF instead. Must pass IsSafeRedirectUrl when set.
  std::string fallback_image_url;
  // Where a click with nothing to show redirects (e.g. the shop's home page);
  // empty (default) answers 404. Must pass IsSafeRedirectUrl when set.
  std::string fallback_click_url;
};

// Path prefixes of the two routes.
inline constexpr std::string_view kEmailOpenPrefix = "/email/open/";
inline constexpr std::string_view kEmailClickPrefix = "/email/click/";

// Adds the two routes to `http`. `signer`, `resolver` and `clock` must outlive
// `http`'s serving (stop the server first). INVALID_ARGUMENT when a fallback
// url is set but unsafe, or a pointer is null; nothing is registered then.
absl::Status RegisterEmailLinks(HttpServer& http, const LinkSigner& signer,
                                EmailSlotResolver* resolver, const Clock* clock,
                                EmailLinkOptions options = {});

// Returns `base_url` (e.g. "https://persona.example.com", a trailing '/' is
// ignored) + "/email/<kind>/" + token; `kind` is "open" or "click". The token
// is base64url, so it needs no escaping.
std::string EmailLinkUrl(std::string_view base_url, std::string_view kind,
                         std::string_view token);

// Returns whether `url` may be redirected to: "http://" or "https://"
// (case-insensitive) followed by a non-empty host, at most 4096 bytes, no
// bytes <= 0x20 (controls, space), 0x7f, or backslash.
bool IsSafeRedirectUrl(std::string_view url);

}  // namespace persona::server

#endif  // PERSONA_SERVER_EMAIL_LINKS_H_
