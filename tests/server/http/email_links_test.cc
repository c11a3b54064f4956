#include "server/email_links.h"

#include <httplib.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace persona::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kNow = 1'700'000'000'000;
constexpr int64_t kDay = 86'400'000;

// Serves one configurable answer per customer and records every call.
class FakeResolver : public EmailSlotResolver {
 public:
  absl::StatusOr<SlotItem> Resolve(const LinkClaims& claims) override {
    absl::MutexLock lock(&mu_);
    resolved.push_back(claims.customer_id);
    auto it = items.find(claims.customer_id);
    if (it == items.end()) return absl::NotFoundError("nothing for this customer");
    return it->second;
  }
  absl::Status RecordClick(const LinkClaims& claims, const SlotItem& item) override {
    absl::MutexLock lock(&mu_);
    clicks.push_back(claims.customer_id + "/" + item.item_id);
    return click_status;
  }

  // Written by the test while no request is in flight.
  std::map<std::string, SlotItem> items;
  absl::Status click_status;
  std::vector<std::string> resolved;
  std::vector<std::string> clicks;

 private:
  absl::Mutex mu_;
};

LinkSigner Signer(char fill) { return *LinkSigner::Create(std::string(40, fill)); }

class EmailLinksTest : public ::testing::Test {
 protected:
  void SetUp() override { Serve({}); }

  void Serve(EmailLinkOptions options) {
    client_.reset();
    http_.reset();
    auto http = HttpServer::Start({});
    ASSERT_TRUE(http.ok()) << http.status();
    http_ = *std::move(http);
    ASSERT_TRUE(RegisterEmailLinks(*http_, signer_, &resolver_, &clock_, options).ok());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", http_->port());
    resolver_.items["alice"] = {"lamp-1", "https://cdn.example/lamp-1.jpg",
                                "https://shop.example/p/lamp-1", "rec-a"};
    resolver_.items["bob"] = {"sofa-9", "https://cdn.example/sofa.jpg",
                              "https://shop.example/p/sofa-9", "rec-b"};
  }

  std::string Token(const std::string& customer, const LinkSigner& signer) const {
    return signer.Sign({"demo", customer, "winback", 0, kNow, kNow + 7 * kDay});
  }
  std::string Token(const std::string& customer) const { return Token(customer, signer_); }

  httplib::Result Get(std::string_view kind, const std::string& token) {
    return client_->Get(EmailLinkUrl("", kind, token));
  }

  const LinkSigner signer_ = Signer('s');
  FakeClock clock_{kNow + kDay};
  FakeResolver resolver_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(EmailLinksTest, OpenRedirectsToTheImageUncached) {
  auto res = Get("open", Token("alice"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 302);
  EXPECT_EQ(res->get_header_value("Location"), "https://cdn.example/lamp-1.jpg");
  EXPECT_THAT(res->get_header_value("Cache-Control"), HasSubstr("no-store"));
  EXPECT_TRUE(resolver_.clicks.empty());
}

TEST_F(EmailLinksTest, ClickRecordsOneClickAndRedirectsToThePage) {
  auto res = Get("click", Token("bob"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 302);
  EXPECT_EQ(res->get_header_value("Location"), "https://shop.example/p/sofa-9");
  EXPECT_THAT(resolver_.clicks, ::testing::ElementsAre("bob/sofa-9"));
}

TEST_F(EmailLinksTest, ClickRedirectsEvenWhenRecordingFails) {
  resolver_.click_status = absl::UnavailableError("event log down");
  auto res = Get("click", Token("bob"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 302);
  EXPECT_EQ(resolver_.clicks.size(), 1u);
}

TEST_F(EmailLinksTest, ForgedTokenIs403AndResolverNeverCalled) {
  const std::string forged = Token("alice", Signer('x'));
  for (std::string_view kind : {"open", "click"}) {
    auto res = Get(kind, forged);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 403);
    EXPECT_THAT(res->body, Not(HasSubstr(forged.substr(0, 10))));
    EXPECT_FALSE(res->has_header("Location"));
  }
  EXPECT_TRUE(resolver_.resolved.empty());
  EXPECT_TRUE(resolver_.clicks.empty());
}

TEST_F(EmailLinksTest, AlteredTokenIs403) {
  std::string token = Token("alice");
  token[token.size() / 2] = token[token.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Get("open", token)->status, 403);
  EXPECT_EQ(Get("click", token)->status, 403);
  EXPECT_EQ(Get("click", "garbage")->status, 403);
  EXPECT_EQ(Get("click", "")->status, 403);
  EXPECT_TRUE(resolver_.resolved.empty());
}

TEST_F(EmailLinksTest, ExpiredTokenIs410) {
  clock_.AdvanceMs(30 * kDay);
  auto res = Get("open", Token("alice"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 410);
  EXPECT_EQ(Get("click", Token("alice"))->status, 410);
  EXPECT_TRUE(resolver_.resolved.empty());
}

// Splicing bob's id into alice's token (same length, so every other byte
// stays) must not produce a link to bob's slot.
TEST_F(EmailLinksTest, CustomerCannotBeSwappedInAToken) {
  const LinkClaims alice{"demo", "alic1", "winback", 0, kNow, kNow + 7 * kDay};
  LinkClaims bob = alice;
  bob.customer_id = "bob_2";
  const std::string token_a = signer_.Sign(alice);
  const std::string token_b = signer_.Sign(bob);
  ASSERT_EQ(token_a.size(), token_b.size());
  // Take bob's payload characters and alice's MAC characters (the last 43).
  const size_t mac_chars = 43;
  const std::string spliced =
      token_b.substr(0, token_b.size() - mac_chars) + token_a.substr(token_a.size() - mac_chars);
  EXPECT_EQ(Get("click", spliced)->status, 403);
  EXPECT_TRUE(resolver_.resolved.empty());
}

TEST_F(EmailLinksTest, NothingToShowServesATransparentGifAnd404) {
  auto res = Get("open", Token("carol"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "image/gif");
  EXPECT_EQ(res->body.substr(0, 6), "GIF89a");
  EXPECT_EQ(res->body.size(), 43u);
  EXPECT_THAT(res->get_header_value("Cache-Control"), HasSubstr("no-store"));
  res = Get("click", Token("carol"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_TRUE(resolver_.clicks.empty());
}

TEST_F(EmailLinksTest, FallbacksAreUsedWhenConfigured) {
  Serve({"https://cdn.example/placeholder.png", "https://shop.example/"});
  EXPECT_EQ(Get("open", Token("carol"))->get_header_value("Location"),
            "https://cdn.example/placeholder.png");
  EXPECT_EQ(Get("click", Token("carol"))->get_header_value("Location"),
            "https://shop.example/");
}

TEST_F(EmailLinksTest, UnsafeFallbacksAreRejected) {
  auto http = HttpServer::Start({});
  ASSERT_TRUE(http.ok());
  EXPECT_EQ(RegisterEmailLinks(**http, signer_, &resolver_, &clock_, {"javascript:alert(1)", ""})
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RegisterEmailLinks(**http, signer_, &resolver_, &clock_, {"", "/relative"}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RegisterEmailLinks(**http, signer_, nullptr, &clock_, {}).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(EmailLinksTest, UnsafeCatalogUrlsAreNotRedirectedTo) {
  for (const std::string& bad :
       {std::string("javascript:alert(1)"), std::string("/p/relative"),
        std::string("//evil.example/x"), std::string("https://shop.example/\r\nSet-Cookie: a=1"),
        std::string("https://shop.example/a b"), std::string("data:text/html,hi"),
        std::string("https:///evil.example"), std::string("ftp://shop.example/x"),
        std::string("")}) {
    resolver_.items["mallory"] = {"x", bad, bad, "r"};
    resolver_.clicks.clear();
    auto open = Get("open", Token("mallory"));
    ASSERT_TRUE(open);
    EXPECT_FALSE(open->has_header("Location")) << bad;
    EXPECT_EQ(open->get_header_value("Content-Type"), "image/gif") << bad;
    auto click = Get("click", Token("mallory"));
    ASSERT_TRUE(click);
    EXPECT_EQ(click->status, 404) << bad;
    EXPECT_FALSE(click->has_header("Location")) << bad;
    EXPECT_TRUE(resolver_.clicks.empty()) << bad;
    EXPECT_FALSE(click->has_header("Set-Cookie")) << bad;
  }
}

TEST_F(EmailLinksTest, RequestQueryCannotSteerTheRedirect) {
  auto res = client_->Get(EmailLinkUrl("", "click", Token("alice")) +
                          "?url=https://evil.example&next=https://evil.example");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("Location"), "https://shop.example/p/lamp-1");
}

TEST(SafeRedirectUrlTest, Table) {
  struct Case {
    std::string url;
    bool safe;
  };
  const std::vector<Case> cases = {
      {"https://shop.example/p/1", true},
      {"http://shop.example", true},
      {"HTTPS://Shop.Example/x?y=1#z", true},
      {"https://shop.example/ü", true},
      {"https://", false},
      {"https:///x", false},
      {"https://?x", false},
      {"https://@x", false},
      {"https:/x", false},
      {"https:\\\\evil.example", false},
      {"https://evil.example\\@shop.example", false},
      {"javascript://shop.example/%0Aalert(1)", false},
      {"mailto:a@b.example", false},
      {"shop.example/p/1", false},
      {"https://shop.example/\t", false},
      {std::string("https://shop.example/\0", 22), false},
      {"https://shop.example/\x7f", false},
      {"https://shop.example/" + std::string(5000, 'a'), false},
  };
  for (const Case& c : cases) EXPECT_EQ(IsSafeRedirectUrl(c.url), c.safe) << c.url;
}

TEST(EmailLinkUrlTest, JoinsBaseKindAndToken) {
  EXPECT_EQ(EmailLinkUrl("https://p.example", "open", "abc"), "https://p.example/email/open/abc");
  EXPECT_EQ(EmailLinkUrl("https://p.example/", "click", "abc"),
            "https://p.example/email/click/abc");
}

}  // namespace
}  // namespace persona::server
