// GET /persona.js through the real server: the script as committed in
// web/tracker/persona.js, byte for byte, with a JavaScript content type, a
// public cache lifetime and an ETag that answers conditional requests.
#include <unistd.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "httplib.h"
#include "tests/testing/server_process.h"

namespace persona::testing {
namespace {

int ReadPort(const std::string& file) {
  for (int i = 0; i < 100; ++i) {
    std::ifstream in(file);
    int port = 0;
    if (in >> port && port > 0) return port;
    usleep(50'000);
  }
  return 0;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class TrackerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string port_file = dir_.path() + "/http-port";
    server_ = std::make_unique<ServerProcess>(
        ServerBinary(), dir_.path() + "/data",
        std::vector<std::string>{"--http_listen=127.0.0.1:0", "--http_port_file=" + port_file});
    ASSERT_TRUE(server_->Start());
    const int port = ReadPort(port_file);
    ASSERT_GT(port, 0);
    http_ = std::make_unique<httplib::Client>("127.0.0.1", port);
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<httplib::Client> http_;
};

TEST_F(TrackerTest, ServesTheCommittedScriptAsCacheableJavaScript) {
  auto r = http_->Get("/persona.js");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(r->get_header_value("Cache-Control"), "public, max-age=300");
  EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_FALSE(r->get_header_value("ETag").empty());
  const std::string committed = ReadFile(PERSONA_TRACKER_JS);
  ASSERT_FALSE(committed.empty());
  EXPECT_EQ(r->body, committed);
}

TEST_F(TrackerTest, AMatchingIfNoneMatchIsNotModified) {
  auto first = http_->Get("/persona.js");
  ASSERT_TRUE(first);
  const std::string etag = first->get_header_value("ETag");
  ASSERT_FALSE(etag.empty());
  auto again = http_->Get("/persona.js", {{"If-None-Match", "\"other\", " + etag}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());
  EXPECT_EQ(again->get_header_value("ETag"), etag);
  auto stale = http_->Get("/persona.js", {{"If-None-Match", "\"0000000000000000\""}});
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->status, 200);
  EXPECT_EQ(stale->body, first->body);
}

TEST_F(TrackerTest, OnlyThatPathAndOnlyReads) {
  auto head = http_->Head("/persona.js");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());
  auto other = http_->Get("/persona.jsx");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 404);
  auto post = http_->Post("/persona.js", "{}", "application/json");
  ASSERT_TRUE(post);
  EXPECT_NE(post->status, 200);
}

}  // namespace
}  // namespace persona::testing
