// The sub-commands' hand-parsed flags.
#include "tools/cli_flags.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace persona::tools {
namespace {

// Parses `args` (after the sub-command's name) with a small flag set.
absl::Status ParseArgs(Flags& flags, std::vector<std::string> args) {
  args.insert(args.begin(), "cmd");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return flags.Parse(static_cast<int>(argv.size()), argv.data());
}

Flags MakeFlags() {
  Flags flags("persona cmd [flags] FILE...");
  flags.Value("server", "127.0.0.1:50051", "server address");
  flags.Value("count", "10", "how many");
  flags.Bool("json", "print JSON");
  return flags;
}

TEST(FlagsTest, ParsesValuesBooleansAndPositionals) {
  Flags flags = MakeFlags();
  ASSERT_TRUE(ParseArgs(flags, {"--server=h:1", "a.csv", "--count", "5", "--json", "b.csv"}).ok());
  EXPECT_EQ(flags.Get("server"), "h:1");
  EXPECT_EQ(*flags.GetInt("count"), 5);
  EXPECT_TRUE(flags.GetBool("json"));
  EXPECT_TRUE(flags.Given("count"));
  EXPECT_EQ(flags.positional(), (std::vector<std::string>{"a.csv", "b.csv"}));
  EXPECT_FALSE(flags.help());
}

TEST(FlagsTest, DefaultsAndNegation) {
  Flags flags = MakeFlags();
  ASSERT_TRUE(ParseArgs(flags, {"--nojson", "--", "--not-a-flag"}).ok());
  EXPECT_EQ(flags.Get("server"), "127.0.0.1:50051");
  EXPECT_FALSE(flags.Given("server"));
  EXPECT_FALSE(flags.GetBool("json"));
  EXPECT_EQ(flags.positional(), (std::vector<std::string>{"--not-a-flag"}));
}

TEST(FlagsTest, Errors) {
  const std::vector<std::vector<std::string>> bad = {
      {"--unknown=1"}, {"--count"}, {"--json=maybe"}};
  for (const auto& args : bad) {
    Flags flags = MakeFlags();
    EXPECT_EQ(ParseArgs(flags, args).code(), absl::StatusCode::kInvalidArgument) << args[0];
  }
  Flags flags = MakeFlags();
  ASSERT_TRUE(ParseArgs(flags, {"--count=ten"}).ok());
  EXPECT_FALSE(flags.GetInt("count").ok());
}

TEST(FlagsTest, HelpListsFlagsWithDefaults) {
  Flags flags = MakeFlags();
  ASSERT_TRUE(ParseArgs(flags, {"-h"}).ok());
  EXPECT_TRUE(flags.help());
  const std::string help = flags.HelpText();
  EXPECT_NE(help.find("usage: persona cmd"), std::string::npos);
  EXPECT_NE(help.find("--server=VALUE"), std::string::npos);
  EXPECT_NE(help.find("(default: 127.0.0.1:50051)"), std::string::npos);
  EXPECT_NE(help.find("--json"), std::string::npos);
}

TEST(FlagsTest, Lists) {
  Flags flags("x");
  flags.Value("exclude", "", "ids");
  ASSERT_TRUE(ParseArgs(flags, {"--exclude=a, b,,c"}).ok());
  EXPECT_EQ(flags.GetList("exclude"), (std::vector<std::string>{"a", "b", "c"}));
}

}  // namespace
}  // namespace persona::tools
