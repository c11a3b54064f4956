#include "server/config.h"
#include "server/marketing_config.h"
#include "server/placements.h"
#include "server/reasons.h"
#include "server/rules_stage.h"

#include <cstdio>
#include <fstream>
#include <functional>

#include "gtest/gtest.h"

namespace persona::server {
namespace {

TEST(ConfigTest, DefaultsAreValid) {
  cfg::Config c;
  ApplyDefaults(c);
  EXPECT_TRUE(ValidateConfig(c).ok());
  EXPECT_EQ(c.server().listen_address(), "127.0.0.1:50051");
  EXPECT_EQ(c.server().default_shop(), "default");
  EXPECT_EQ(c.storage().max_events_per_subject(), 500);
  EXPECT_EQ(c.storage().sync(), cfg::PROCESS_CRASH_SAFE);
  EXPECT_TRUE(c.personalize_without_consent());
}

TEST(ConfigTest, BadFieldsAreNamed) {
  struct Case {
    std::function<void(cfg::Config&)> edit;
    const char* field;
  };
  const Case cases[] = {
      {[](auto& c) { c.mutable_server()->set_default_shop("Not Valid"); }, "server.default_shop"},
      {[](auto& c) { c.mutable_server()->set_listen_address("nowhere"); }, "server.listen_address"},
      {[](auto& c) { c.mutable_storage()->set_max_events_per_subject(5); }, "storage.max_events_per_subject"},
      {[](auto& c) { c.mutable_storage()->set_block_cache_mb(1); }, "storage.block_cache_mb"},
      {[](auto& c) { c.mutable_popularity()->set_trending_half_life_days(-1); }, "popularity.trending_half_life_days"},
      {[](auto& c) { c.mutable_limits()->set_max_batch(20000); }, "limits.max_batch"},
      {[](auto& c) { c.mutable_limits()->set_max_future_skew_seconds(-1); }, "limits.max_future_skew_seconds"},
      {[](auto& c) { c.mutable_training()->set_validation_fraction(0.6); }, "training.validation_fraction"},
  };
  for (const Case& tc : cases) {
    cfg::Config c;
    tc.edit(c);
    ApplyDefaults(c);
    absl::Status s = ValidateConfig(c);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << tc.field;
    EXPECT_NE(s.message().find(tc.field), std::string::npos) << s.message();
  }
}

TEST(ConfigTest, ReadsTextFormatAndRejectsGarbage) {
  const std::string path = ::testing::TempDir() + "/persona_config_test.textproto";
  {
    std::ofstream out(path);
    out << "server { listen_address: \"0.0.0.0:6000\" }\nstorage { max_events_per_subject: 42 }\n";
  }
  auto c = ReadConfigFile(path);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->server().listen_address(), "0.0.0.0:6000");
  EXPECT_EQ(c->storage().max_events_per_subject(), 42);
  {
    std::ofstream out(path);
    out << "server { no_such_field: 1 }\n";
  }
  EXPECT_EQ(ReadConfigFile(path).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadConfigFile(path + ".missing").status().code(), absl::StatusCode::kInvalidArgument);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace persona::server

namespace persona::server {
namespace {

TEST(ConfigTest, ShippedExampleConfigIsValid) {
  auto c = ReadConfigFile(PERSONA_SOURCE_DIR "/deploy/persona.textproto");
  ASSERT_TRUE(c.ok()) << c.status();
  ApplyDefaults(*c);
  EXPECT_TRUE(ValidateConfig(*c).ok());
  // Its placements and rules pass the checks start-up runs.
  auto placements = Placements::Build(c->placements(), CheckRules);
  ASSERT_TRUE(placements.ok()) << placements.status();
  EXPECT_EQ((*placements)->Get("home").default_count, 12);
  EXPECT_TRUE(ReasonTexts::Build(c->reason_templates()).ok());
  // Its segments, campaigns and http sections pass Marketing's checks.
  auto segments = ToSegmentSettings(*c);
  ASSERT_TRUE(segments.ok()) << segments.status();
  EXPECT_EQ(segments->personas, 8);
  auto campaigns = ToCampaignSettings(*c);
  ASSERT_TRUE(campaigns.ok()) << campaigns.status();
  EXPECT_EQ(campaigns->no_repeat_days, 14);
}

TEST(ConfigTest, MarketingSectionsAreValidatedNamingTheField) {
  config::v1::Config c;
  c.mutable_segments()->set_personas(65);
  EXPECT_NE(ToSegmentSettings(c).status().message().find("segments.personas"), std::string::npos);
  c = {};
  c.mutable_segments()->set_active_days(400);  // past lost_days
  EXPECT_TRUE(absl::IsInvalidArgument(ToSegmentSettings(c).status()));
  c = {};
  c.mutable_campaigns()->set_cap_period_days(91);
  EXPECT_NE(ToCampaignSettings(c).status().message().find("campaigns.cap_period_days"),
            std::string::npos);
  c = {};
  c.mutable_http()->set_public_base_url("javascript:alert(1)");
  EXPECT_NE(ToCampaignSettings(c).status().message().find("http.public_base_url"),
            std::string::npos);
}

}  // namespace
}  // namespace persona::server
