// Environment and --set overrides of config settings, their precedence, bad
// values, the --help listing and the documentation of every setting.
#include "server/config_overrides.h"

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "server/config.h"

namespace persona::server {
namespace {

TEST(ConfigOverridesTest, EverySettingHasAPathAndOverridableOnesAUniqueVariable) {
  std::set<std::string> paths, vars;
  for (const ConfigSetting& s : ConfigSettings()) {
    EXPECT_TRUE(paths.insert(s.path).second) << s.path;
    EXPECT_EQ(FindConfigSetting(s.path), &s);
    if (s.overridable()) EXPECT_TRUE(vars.insert(s.env_var).second) << s.env_var;
  }
  const ConfigSetting* cache = FindConfigSetting("storage.block_cache_mb");
  ASSERT_NE(cache, nullptr);
  EXPECT_EQ(cache->env_var, "PERSONA_STORAGE_BLOCK_CACHE_MB");
  ASSERT_NE(FindConfigSetting("personalize_without_consent"), nullptr);
  EXPECT_EQ(FindConfigSetting("personalize_without_consent")->env_var,
            "PERSONA_PERSONALIZE_WITHOUT_CONSENT");
  ASSERT_NE(FindConfigSetting("placements[].strategy[].weight"), nullptr);
  EXPECT_FALSE(FindConfigSetting("placements[].strategy[].weight")->overridable());
  EXPECT_FALSE(FindConfigSetting("reason_templates[].templates")->overridable());
  EXPECT_EQ(FindConfigSetting("storage"), nullptr);  // sections are not settings
}

TEST(ConfigOverridesTest, ValuesAreParsedByTheFieldsType) {
  cfg::Config c;
  ASSERT_TRUE(ApplySetOverrides(c, {"storage.block_cache_mb=512", " training.alpha = 2.5",
                                    "cluster.publish_only=TRUE", "storage.sync=every_write",
                                    "observability.access_log=2", "server.default_shop=a=b,c",
                                    "training.interval_minutes=0"})
                  .ok());
  EXPECT_EQ(c.storage().block_cache_mb(), 512);
  EXPECT_EQ(c.training().alpha(), 2.5);  // whitespace around numbers is fine
  EXPECT_TRUE(c.cluster().publish_only());
  EXPECT_EQ(c.storage().sync(), cfg::EVERY_WRITE);
  EXPECT_EQ(c.observability().access_log(), cfg::ObservabilityConfig::ALL);
  EXPECT_EQ(c.server().default_shop(), "a=b,c");  // split at the first '='; commas kept
  EXPECT_TRUE(c.training().has_interval_minutes());  // an explicit 0, not the default
  ApplyDefaults(c);
  EXPECT_EQ(c.training().interval_minutes(), 0);
}

TEST(ConfigOverridesTest, BadValuesAreRefusedNamingSourceAndSetting) {
  struct Case {
    std::string assignment;
    std::vector<std::string> mentions;
  };
  const std::vector<Case> cases = {
      {"storage.block_cache_mb=lots", {"storage.block_cache_mb", "--set", "int32"}},
      {"storage.block_cache_mb=99999999999", {"storage.block_cache_mb", "int32"}},
      {"storage.block_cache_mb=", {"storage.block_cache_mb"}},
      {"training.alpha=nan", {"training.alpha", "finite"}},
      {"cluster.publish_only=maybe", {"cluster.publish_only", "bool"}},
      {"storage.sync=FAST", {"storage.sync", "PROCESS_CRASH_SAFE", "EVERY_WRITE"}},
      {"storage.sync=7", {"storage.sync"}},
      {"storage.no_such_field=1", {"unknown config setting", "storage.no_such_field", "--help"}},
      {"placements[].name=home", {"placements[].name", "config file"}},
      {"storage", {"--set=storage", "section.field=value"}},
  };
  for (const Case& c : cases) {
    cfg::Config config;
    absl::Status s = ApplySetOverrides(config, {c.assignment});
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.assignment;
    for (const std::string& m : c.mentions) {
      EXPECT_NE(s.message().find(m), absl::string_view::npos) << c.assignment << ": " << s;
    }
  }
}

TEST(ConfigOverridesTest, FileThenEnvironmentThenFlags) {
  cfg::Config c;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      "server { default_shop: 'file' listen_address: 'file:1' } "
      "storage { block_cache_mb: 64 data_dir: 'file-dir' }",
      &c));
  std::vector<std::string> unknown;
  ASSERT_TRUE(ApplyEnvironmentOverrides(c,
                                        {"PERSONA_SERVER_DEFAULT_SHOP=env",
                                         "PERSONA_STORAGE_BLOCK_CACHE_MB=128",
                                         "PERSONA_STORAGE_DATA_DIR=",  // empty: unset
                                         "PERSONA_STORAGE_BLOCK_CACHE=1",  // a typo
                                         "PERSONA_CLI_COLOR=1", "HOME=/root"},
                                        &unknown)
                  .ok());
  ASSERT_TRUE(ApplySetOverrides(c, {"storage.block_cache_mb=256", "storage.block_cache_mb=512"}).ok());
  EXPECT_EQ(c.server().listen_address(), "file:1");    // file only
  EXPECT_EQ(c.server().default_shop(), "env");         // env over file
  EXPECT_EQ(c.storage().data_dir(), "file-dir");       // empty variable ignored
  EXPECT_EQ(c.storage().block_cache_mb(), 512);        // flags over env, the last one wins
  EXPECT_EQ(unknown, std::vector<std::string>{"PERSONA_STORAGE_BLOCK_CACHE"});
}

TEST(ConfigOverridesTest, ABadEnvironmentValueNamesTheVariable) {
  cfg::Config c;
  absl::Status s = ApplyEnvironmentOverrides(c, {"PERSONA_TRAINING_FACTORS=many"}, nullptr);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("training.factors"), absl::string_view::npos) << s;
  EXPECT_NE(s.message().find("PERSONA_TRAINING_FACTORS"), absl::string_view::npos) << s;
}

TEST(ConfigOverridesTest, SetArgumentsAreTakenOutOfArgvBeforeTheSeparator) {
  std::vector<std::string> args = {"persona-server", "--set=a.b=1",  "--listen=x:1", "--set",
                                   "c.d=2,3",        "-set=e.f=4",   "--",          "--set=g.h=5"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(args.size());
  EXPECT_EQ(TakeSetArguments(argc, argv.data()),
            (std::vector<std::string>{"a.b=1", "c.d=2,3", "e.f=4"}));
  ASSERT_EQ(argc, 4);
  EXPECT_EQ(std::string(argv[1]), "--listen=x:1");
  EXPECT_EQ(std::string(argv[2]), "--");
  EXPECT_EQ(std::string(argv[3]), "--set=g.h=5");
  EXPECT_EQ(argv[4], nullptr);
}

TEST(ConfigOverridesTest, HelpListsEverySettingWithTypeDefaultVariableAndComment) {
  const std::string help = ConfigHelp();
  for (const ConfigSetting& s : ConfigSettings()) {
    EXPECT_NE(help.find("  " + s.path + "  ("), std::string::npos) << s.path;
    if (s.overridable()) EXPECT_NE(help.find(s.env_var), std::string::npos) << s.env_var;
  }
  EXPECT_NE(help.find("  storage.block_cache_mb  (int32; default 256; env "
                      "PERSONA_STORAGE_BLOCK_CACHE_MB)\n      Block cache size in MiB"),
            std::string::npos)
      << help;
  EXPECT_NE(help.find("  storage.sync  (PROCESS_CRASH_SAFE|EVERY_WRITE; default "
                      "PROCESS_CRASH_SAFE;"),
            std::string::npos);
  EXPECT_NE(help.find("  server.listen_address  (string; default \"127.0.0.1:50051\";"),
            std::string::npos);
  EXPECT_NE(help.find("  placements[].rules  (string; config file only)"), std::string::npos);
}

TEST(ConfigOverridesTest, EverySettingHasACommentInConfigProto) {
  for (const ConfigSetting& s : ConfigSettings()) {
    EXPECT_FALSE(ConfigFieldComment(s).empty())
        << s.path << " has no comment in config.proto (persona-server --help shows it)";
  }
}

// Every setting appears in the shipped example config, set or commented out,
// so that the file stays a complete, commented reference.
TEST(ConfigOverridesTest, EverySettingAppearsInTheExampleConfig) {
  std::ifstream in(std::string(PERSONA_SOURCE_DIR) + "/deploy/persona.textproto");
  ASSERT_TRUE(in);
  std::stringstream text;
  text << in.rdbuf();
  const std::string file = text.str();
  for (const ConfigSetting& s : ConfigSettings()) {
    const std::string name = s.chain.back()->name();
    const std::regex mention("(^|[^a-z_])" + name + "\\s*[:{]");
    EXPECT_TRUE(std::regex_search(file, mention))
        << "config field " << s.path << " is not shown in deploy/persona.textproto";
  }
}

}  // namespace
}  // namespace persona::server
