#include "server/http_server.h"

#include <httplib.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace persona::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::unique_ptr<HttpServer> StartOrDie(HttpServerOptions options = {}) {
  absl::StatusOr<std::unique_ptr<HttpServer>> server = HttpServer::Start(options);
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

// Answers with what the handler saw, one "key=value" line each.
HttpResponse Echo(std::string tag, const HttpRequest& r) {
  std::string body = absl::StrCat(tag, "\nmethod=", r.method, "\npath=", r.path,
                                  "\nrest=", r.rest, "\nbody=", r.body, "\n");
  for (const auto& [k, v] : r.query) absl::StrAppend(&body, "q:", k, "=", v, "\n");
  auto agent = r.headers.find("x-test");
  if (agent != r.headers.end()) absl::StrAppend(&body, "x-test=", agent->second, "\n");
  return HttpResponse::Text(200, body);
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = StartOrDie();
    ASSERT_NE(server_, nullptr);
    server_->Handle("GET", "/exact", [](const HttpRequest& r) { return Echo("exact", r); });
    server_->Handle("GET", "/files/", [](const HttpRequest& r) { return Echo("files", r); });
    server_->Handle("GET", "/files/deep/",
                    [](const HttpRequest& r) { return Echo("deep", r); });
    server_->Handle("POST", "/api/", [](const HttpRequest& r) { return Echo("post", r); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  }

  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(HttpServerTest, PicksAPort) { EXPECT_GT(server_->port(), 0); }

TEST_F(HttpServerTest, ExactRouteMatchesOnlyItsPath) {
  auto res = client_->Get("/exact");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_THAT(res->body, HasSubstr("exact\n"));
  EXPECT_EQ(client_->Get("/exact/")->status, 404);
  EXPECT_EQ(client_->Get("/exactly")->status, 404);
}

TEST_F(HttpServerTest, PrefixRouteGivesTheRestAndLongestWins) {
  auto res = client_->Get("/files/a/b.txt");
  ASSERT_TRUE(res);
  EXPECT_THAT(res->body, HasSubstr("files\n"));
  EXPECT_THAT(res->body, HasSubstr("rest=a/b.txt\n"));
  res = client_->Get("/files/deep/x");
  ASSERT_TRUE(res);
  EXPECT_THAT(res->body, HasSubstr("deep\n"));
  EXPECT_THAT(res->body, HasSubstr("rest=x\n"));
}

TEST_F(HttpServerTest, UnknownPathsAndMethodsAre404) {
  EXPECT_EQ(client_->Get("/")->status, 404);
  EXPECT_EQ(client_->Get("/nope")->status, 404);
  EXPECT_EQ(client_->Get("/files")->status, 404);  // the pattern needs the slash
  EXPECT_EQ(client_->Post("/exact", "x", "text/plain")->status, 404);
  EXPECT_EQ(client_->Get("/api/x")->status, 404);
}

TEST_F(HttpServerTest, ParsesQueryAndHeaders) {
  auto res = client_->Get("/exact?a=1&b=hello%20world&a=2&empty=",
                          httplib::Headers{{"X-Test", "yes"}});
  ASSERT_TRUE(res);
  EXPECT_THAT(res->body, HasSubstr("q:a=1\n"));
  EXPECT_THAT(res->body, Not(HasSubstr("q:a=2\n")));
  EXPECT_THAT(res->body, HasSubstr("q:b=hello world\n"));
  EXPECT_THAT(res->body, HasSubstr("q:empty=\n"));
  EXPECT_THAT(res->body, HasSubstr("x-test=yes\n"));
  EXPECT_THAT(res->body, HasSubstr("path=/exact\n"));
}

TEST_F(HttpServerTest, PostGetsTheBody) {
  auto res = client_->Post("/api/items", "{\"a\":1}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_THAT(res->body, HasSubstr("body={\"a\":1}\n"));
  EXPECT_THAT(res->body, HasSubstr("method=POST\n"));
}

TEST_F(HttpServerTest, HeadReachesGetRoutes) {
  auto res = client_->Head("/exact");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_TRUE(res->body.empty());
}

TEST_F(HttpServerTest, ResponsesAreNotCachedByDefault) {
  auto res = client_->Get("/exact");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");
  server_->Handle("GET", "/cached", [](const HttpRequest&) {
    HttpResponse r = HttpResponse::Text(200, "ok");
    r.headers.emplace_back("Cache-Control", "max-age=60");
    return r;
  });
  res = client_->Get("/cached");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("Cache-Control"), "max-age=60");
  EXPECT_EQ(res->get_header_value_count("Cache-Control"), 1u);
}

TEST_F(HttpServerTest, HandleReplacesARouteWhileServing) {
  server_->Handle("GET", "/exact", [](const HttpRequest&) {
    return HttpResponse::Text(201, "replaced");
  });
  auto res = client_->Get("/exact");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 201);
  EXPECT_EQ(res->body, "replaced");
}

TEST_F(HttpServerTest, HeaderValuesWithNewlinesAreNotSent) {
  server_->Handle("GET", "/inject", [](const HttpRequest&) {
    HttpResponse r = HttpResponse::Redirect("https://a.example/\r\nSet-Cookie: x=1");
    return r;
  });
  auto res = client_->Get("/inject");
  ASSERT_TRUE(res);
  EXPECT_FALSE(res->has_header("Set-Cookie"));
  EXPECT_FALSE(res->has_header("Location"));
}

TEST_F(HttpServerTest, LongPathsAre414) {
  EXPECT_EQ(client_->Get("/files/" + std::string(3000, 'a'))->status, 414);
}

TEST(HttpServerLimitsTest, LargeBodiesAre413) {
  HttpServerOptions options;
  options.max_request_bytes = 100;
  std::unique_ptr<HttpServer> server = StartOrDie(options);
  ASSERT_NE(server, nullptr);
  std::atomic<int> calls{0};
  server->Handle("POST", "/in", [&calls](const HttpRequest&) {
    ++calls;
    return HttpResponse::Text(200, "ok");
  });
  httplib::Client client("127.0.0.1", server->port());
  EXPECT_EQ(client.Post("/in", std::string(50, 'x'), "text/plain")->status, 200);
  EXPECT_EQ(client.Post("/in", std::string(1000, 'x'), "text/plain")->status, 413);
  EXPECT_EQ(calls.load(), 1);
}

TEST(HttpServerLifecycleTest, StopWhileIdleRefusesLaterRequests) {
  std::unique_ptr<HttpServer> server = StartOrDie();
  ASSERT_NE(server, nullptr);
  server->Handle("GET", "/x", [](const HttpRequest&) { return HttpResponse::Text(200, "x"); });
  httplib::Client client("127.0.0.1", server->port());
  ASSERT_TRUE(client.Get("/x"));
  server->Stop();
  server->Stop();  // idempotent
  httplib::Client after("127.0.0.1", server->port());
  after.set_connection_timeout(2);
  EXPECT_FALSE(after.Get("/x"));
}

TEST(HttpServerLifecycleTest, StopLetsAnInFlightRequestFinish) {
  std::unique_ptr<HttpServer> server = StartOrDie();
  ASSERT_NE(server, nullptr);
  absl::Notification entered, release;
  server->Handle("GET", "/slow", [&](const HttpRequest&) {
    entered.Notify();
    release.WaitForNotification();
    return HttpResponse::Text(200, "done");
  });
  int status = 0;
  std::thread request([&] {
    httplib::Client client("127.0.0.1", server->port());
    auto res = client.Get("/slow");
    status = res ? res->status : -1;
  });
  entered.WaitForNotification();
  std::thread stopper([&] { server->Stop(); });
  release.Notify();
  stopper.join();
  request.join();
  EXPECT_EQ(status, 200);
}

TEST(HttpServerLifecycleTest, StopRightAfterStartReturns) {
  for (int i = 0; i < 20; ++i) {
    std::unique_ptr<HttpServer> server = StartOrDie();
    ASSERT_NE(server, nullptr);
    server->Stop();
  }
}

TEST(HttpServerLifecycleTest, TakenPortFailsNamingTheAddress) {
  std::unique_ptr<HttpServer> first = StartOrDie();
  ASSERT_NE(first, nullptr);
  HttpServerOptions options;
  options.port = first->port();
  absl::StatusOr<std::unique_ptr<HttpServer>> second = HttpServer::Start(options);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(second.status().message()),
              HasSubstr(absl::StrCat("127.0.0.1:", first->port())));
}

TEST(HttpServerLifecycleTest, PortIsReusableAfterStop) {
  std::unique_ptr<HttpServer> first = StartOrDie();
  ASSERT_NE(first, nullptr);
  const int port = first->port();
  first.reset();
  HttpServerOptions options;
  options.port = port;
  absl::StatusOr<std::unique_ptr<HttpServer>> again = HttpServer::Start(options);
  EXPECT_TRUE(again.ok()) << again.status();
}

TEST(HttpServerLifecycleTest, BadOptionsAreInvalidArgument) {
  HttpServerOptions options;
  options.threads = 0;
  EXPECT_EQ(HttpServer::Start(options).status().code(), absl::StatusCode::kInvalidArgument);
  options = {};
  options.port = 70000;
  EXPECT_EQ(HttpServer::Start(options).status().code(), absl::StatusCode::kInvalidArgument);
}

// A TEST-NET-3 address no local interface has: bind fails without DNS.
TEST(HttpServerLifecycleTest, UnbindableAddressIsUnavailable) {
  HttpServerOptions options;
  options.host = "203.0.113.7";
  EXPECT_EQ(HttpServer::Start(options).status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace persona::server
