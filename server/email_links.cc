#include "server/email_links.h"

#include <cstdio>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/log.h"

namespace persona::server {
namespace {

constexpr size_t kMaxRedirectUrlBytes = 4096;

// A 1x1 fully transparent GIF89a (colour 0 transparent via the graphic
// control extension).
constexpr char kTransparentGif[] =
    "GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff"
    "\x21\xf9\x04\x01\x00\x00\x00\x00"
    "\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00\x3b";

HttpResponse TransparentGif() {
  HttpResponse r;
  r.content_type = "image/gif";
  r.body.assign(kTransparentGif, sizeof(kTransparentGif) - 1);
  return r;
}

HttpResponse NoStore(HttpResponse r) {
  r.headers.emplace_back("Cache-Control", "no-store, max-age=0");
  return r;
}

// Maps a Verify error to the answer; the text never repeats the token.
HttpResponse BadToken(const absl::Status& status) {
  if (status.code() == absl::StatusCode::kDeadlineExceeded) {
    return HttpResponse::Text(410, "this link has expired\n");
  }
  return HttpResponse::Text(403, "invalid link\n");
}

void LogResolverError(std::string_view what, const LinkClaims& claims,
                      const absl::Status& status) {
  // Ids identify the campaign slot, not the customer (kept out of logs).
  LogWarning("email link failed", {{"what", what}, {"shop", claims.shop},
                                    {"campaign", claims.campaign_id}, {"slot", claims.slot},
                                    {"error", status}});
}

class EmailLinkHandlers {
 public:
  EmailLinkHandlers(const LinkSigner& signer, EmailSlotResolver* resolver, const Clock* clock,
                    EmailLinkOptions options)
      : signer_(signer), resolver_(resolver), clock_(clock), options_(std::move(options)) {}

  HttpResponse Open(const HttpRequest& request) const {
    absl::StatusOr<LinkClaims> claims = signer_.Verify(request.rest, clock_->NowMs());
    if (!claims.ok()) return BadToken(claims.status());
    absl::StatusOr<SlotItem> item = resolver_->Resolve(*claims);
    if (!item.ok() && !absl::IsNotFound(item.status())) {
      LogResolverError("open", *claims, item.status());
    }
    if (item.ok() && IsSafeRedirectUrl(item->image_url)) {
      return HttpResponse::Redirect(item->image_url);
    }
    if (!options_.fallback_image_url.empty()) {
      return HttpResponse::Redirect(options_.fallback_image_url);
    }
    return TransparentGif();
  }

  HttpResponse Click(const HttpRequest& request) const {
    absl::StatusOr<LinkClaims> claims = signer_.Verify(request.rest, clock_->NowMs());
    if (!claims.ok()) return BadToken(claims.status());
    absl::StatusOr<SlotItem> item = resolver_->Resolve(*claims);
    if (!item.ok() && !absl::IsNotFound(item.status())) {
      LogResolverError("click", *claims, item.status());
    }
    if (item.ok() && IsSafeRedirectUrl(item->url)) {
      absl::Status recorded = resolver_->RecordClick(*claims, *item);
      if (!recorded.ok()) LogResolverError("click record", *claims, recorded);
      return HttpResponse::Redirect(item->url);
    }
    if (!options_.fallback_click_url.empty()) {
      return HttpResponse::Redirect(options_.fallback_click_url);
    }
    return HttpResponse::Text(404, "this product is no longer available\n");
  }

 private:
  const LinkSigner& signer_;
  EmailSlotResolver* const resolver_;
  const Clock* const clock_;
  const EmailLinkOptions options_;
};

absl::Status ValidateFallback(std::string_view name, const std::string& url) {
  if (url.empty() || IsSafeRedirectUrl(url)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(std::string(name), " must be an absolute http(s) url without spaces or controls"));
}

}  // namespace

bool IsSafeRedirectUrl(std::string_view url) {
  if (url.size() > kMaxRedirectUrlBytes) return false;
  for (char c : url) {
    const auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b == 0x7f || c == '\\') return false;
  }
  // Schemes are case-insensitive.
  const std::string head = absl::AsciiStrToLower(std::string(url.substr(0, 8)));
  const size_t scheme_len = absl::StartsWith(head, "http://")    ? 7
                            : absl::StartsWith(head, "https://") ? 8
                                                                 : 0;
  if (scheme_len == 0) return false;
  const std::string_view rest = url.substr(scheme_len);
  // A host must follow: "https:///x" or "https://?x" would leave it to the
  // browser's repair heuristics.
  return !rest.empty() && rest.front() != '/' && rest.front() != '?' && rest.front() != '#' &&
         rest.front() != '@';
}

absl::Status RegisterEmailLinks(HttpServer& http, const LinkSigner& signer,
                                EmailSlotResolver* resolver, const Clock* clock,
                                EmailLinkOptions options) {
  if (resolver == nullptr || clock == nullptr) {
    return absl::InvalidArgumentError("email links need a resolver and a clock");
  }
  RETURN_IF_ERROR(ValidateFallback("fallback_image_url", options.fallback_image_url));
  RETURN_IF_ERROR(ValidateFallback("fallback_click_url", options.fallback_click_url));
  auto handlers =
      std::make_shared<const EmailLinkHandlers>(signer, resolver, clock, std::move(options));
  http.Handle("GET", std::string(kEmailOpenPrefix),
              [handlers](const HttpRequest& r) { return NoStore(handlers->Open(r)); });
  http.Handle("GET", std::string(kEmailClickPrefix),
              [handlers](const HttpRequest& r) { return NoStore(handlers->Click(r)); });
  return absl::OkStatus();
}

std::string EmailLinkUrl(std::string_view base_url, std::string_view kind,
                         std::string_view token) {
  if (!base_url.empty() && base_url.back() == '/') base_url.remove_suffix(1);
  std::string url(base_url);
  url.append("/email/").append(kind).append("/").append(token);
  return url;
}

}  // namespace persona::server
