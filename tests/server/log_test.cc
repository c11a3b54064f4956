// The structured log: exact JSON and text lines, escaping, and one write
// per line.
#include "server/log.h"

#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace persona::server {
namespace {

const absl::Time kTime = absl::FromUnixMillis(1'700'000'000'123);  // 2023-11-14T22:13:20.123Z

std::string Json(std::string_view text) {
  std::string out;
  AppendJsonString(text, out);
  return out;
}

TEST(LogTest, JsonLineHoldsTimeLevelMessageAndTypedFields) {
  const std::vector<LogField> fields = {
      {"port", 50051}, {"dir", "var/data"}, {"ok", true}, {"ratio", 0.5}};
  EXPECT_EQ(FormatLogLine(LogFormat::kJson, kTime, LogLevel::kInfo, "serving", fields),
            "{\"ts\":\"2023-11-14T22:13:20.123Z\",\"level\":\"info\",\"msg\":\"serving\","
            "\"port\":50051,\"dir\":\"var/data\",\"ok\":true,\"ratio\":0.5}\n");
}

TEST(LogTest, TextLineQuotesOnlyValuesThatNeedIt) {
  const std::string status_text = "a b";
  const std::vector<LogField> fields = {
      {"shop", "demo"}, {"error", status_text}, {"empty", ""}, {"n", int64_t{-3}}};
  EXPECT_EQ(FormatLogLine(LogFormat::kText, kTime, LogLevel::kWarning, "model refused", fields),
            "2023-11-14T22:13:20.123Z WARNING model refused shop=demo error=\"a b\" empty=\"\" "
            "n=-3\n");
}

TEST(LogTest, JsonStringsAreEscapedAndAlwaysValidUtf8) {
  struct Case {
    std::string in;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"plain", "\"plain\""},
      {"q\"b\\s", "\"q\\\"b\\\\s\""},
      {"l1\nl2\tx\r", "\"l1\\nl2\\tx\\r\""},
      {std::string("\x01\x1f", 2), "\"\\u0001\\u001f\""},
      {"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\""},
      {"\xFF", "\"\xEF\xBF\xBD\""},                              // never a UTF-8 byte
      {"\xC0\xAF", "\"\xEF\xBF\xBD\xEF\xBF\xBD\""},              // overlong '/'
      {"\xED\xA0\x80", "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""},  // a surrogate
      {"\xE2\x82", "\"\xEF\xBF\xBD\xEF\xBF\xBD\""},              // cut short
      {"\xF4\x90\x80\x80", "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""},  // > U+10FFFF
  };
  for (const Case& c : cases) EXPECT_EQ(Json(c.in), c.want) << c.in;
}

TEST(LogTest, EveryJsonLineParsesWithTheFieldsItWasGiven) {
  const std::string nasty = "x\"\n\x02\xFFy";
  const std::vector<LogField> fields = {{"request_id", nasty}, {"nan", std::nan("")},
                                        {"status", absl::NotFoundError("no such item")}};
  const std::string line =
      FormatLogLine(LogFormat::kJson, kTime, LogLevel::kError, "rpc \"failed\"", fields);
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);  // one line
  google::protobuf::Struct parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &parsed).ok()) << line;
  const auto& f = parsed.fields();
  EXPECT_EQ(f.at("level").string_value(), "error");
  EXPECT_EQ(f.at("msg").string_value(), "rpc \"failed\"");
  EXPECT_EQ(f.at("request_id").string_value(), "x\"\n\x02\xEF\xBF\xBDy");
  EXPECT_EQ(f.at("nan").string_value(), "nan");  // JSON has no NaN
  EXPECT_EQ(f.at("status").string_value(), "NOT_FOUND: no such item");
}

TEST(LogTest, LinesGoToTheSinkWholeAndInTheChosenFormat) {
  absl::Mutex mu;
  std::vector<std::string> lines;
  SetLogSinkForTesting([&](std::string_view line) {
    absl::MutexLock lock(&mu);
    lines.emplace_back(line);
  });
  SetLogFormat(LogFormat::kJson);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 100; ++i) LogWarning("tick", {{"thread", t}, {"i", i}});
    });
  }
  for (auto& thread : threads) thread.join();
  SetLogFormat(LogFormat::kText);
  LogInfo("done");
  SetLogSinkForTesting(nullptr);
  ASSERT_EQ(lines.size(), 401u);
  for (size_t i = 0; i < 400; ++i) {
    google::protobuf::Struct parsed;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(lines[i], &parsed).ok()) << lines[i];
    EXPECT_EQ(parsed.fields().at("level").string_value(), "warning");
  }
  EXPECT_NE(lines.back().find(" INFO done\n"), std::string::npos) << lines.back();
}

}  // namespace
}  // namespace persona::server
