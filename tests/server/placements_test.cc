#include "server/placements.h"

#include "gtest/gtest.h"

namespace persona::server {
namespace {

namespace cfg = ::persona::config::v1;
using Configured = google::protobuf::RepeatedPtrField<cfg::PlacementConfig>;

// A stand-in for the rule parser: any text containing "bad" is invalid.
absl::Status FakeRules(std::string_view rules) {
  if (rules.find("bad") != std::string_view::npos) {
    return absl::InvalidArgumentError("rule 1 (\"bad\"): unknown statement");
  }
  return absl::OkStatus();
}

cfg::PlacementConfig Config(const std::string& name, const std::string& recommender) {
  cfg::PlacementConfig c;
  c.set_name(name);
  c.add_strategy()->set_recommender(recommender);
  return c;
}

std::string BuildError(const Configured& configured) {
  auto p = Placements::Build(configured, FakeRules);
  EXPECT_FALSE(p.ok());
  if (p.ok()) return "";
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(p.status().message());
}

TEST(PlacementsTest, BuiltinsCoverTheUsualPagesAndUnknownNamesUseDefault) {
  auto p = Placements::Build(Configured(), FakeRules);
  ASSERT_TRUE(p.ok()) << p.status();
  for (const char* name : {"home", "category", "product", "complete_the_look", "cart", "checkout",
                           "post_purchase", "buy_again", "recently_viewed", "trending",
                           "new_arrivals", "rank", "default"}) {
    EXPECT_TRUE((*p)->Has(name)) << name;
    EXPECT_EQ((*p)->Get(name).name, name);
  }
  EXPECT_EQ((*p)->Get("cart").variants.at(0).strategy.at(0).recommender, "bought_together");
  EXPECT_EQ((*p)->Get("no_such_page").name, "default");
  EXPECT_EQ((*p)->Get("home").variants.size(), 1u);
  EXPECT_EQ((*p)->Get("home").variants[0].name, "default");
}

TEST(PlacementsTest, ConfigOverridesABuiltinAndAddsVariants) {
  Configured configured;
  auto* home = configured.Add();
  *home = Config("home", "popularity");
  home->set_default_count(24);
  home->set_rules("filter available");
  auto* a = home->add_variants();
  a->set_name("control");
  a->set_share(0.5);
  auto* b = home->add_variants();
  b->set_name("als_first");
  b->set_share(0.5);
  auto* stage = b->add_strategy();
  stage->set_recommender("als");
  stage->set_weight(2);
  b->set_rules("max per brand 1");
  auto p = Placements::Build(configured, FakeRules);
  ASSERT_TRUE(p.ok()) << p.status();
  const Placement& got = (*p)->Get("home");
  EXPECT_EQ(got.default_count, 24);
  ASSERT_EQ(got.variants.size(), 2u);
  EXPECT_EQ(got.variants[0].strategy.at(0).recommender, "popularity");
  EXPECT_EQ(got.variants[0].rules, "filter available");
  EXPECT_EQ(got.variants[1].strategy.at(0).recommender, "als");
  EXPECT_EQ(got.variants[1].strategy.at(0).weight, 2);
  EXPECT_EQ(got.variants[1].rules, "max per brand 1");
}

TEST(PlacementsTest, ProblemsAreNamed) {
  Configured c1;
  *c1.Add() = Config("home", "alz");
  EXPECT_NE(BuildError(c1).find("placements[0] (home).strategy[0].recommender: unknown recommender \"alz\""),
            std::string::npos) << BuildError(c1);

  Configured c2;
  *c2.Add() = Config("Home Page", "als");
  EXPECT_NE(BuildError(c2).find("placements[0] (Home Page).name"), std::string::npos);

  Configured c3;
  *c3.Add() = Config("x", "als");
  c3[0].set_rules("bad rule");
  EXPECT_NE(BuildError(c3).find("placements[0] (x).rules: rule 1"), std::string::npos)
      << BuildError(c3);

  Configured c4;
  *c4.Add() = Config("x", "als");
  c4[0].add_variants()->set_name("a");
  c4[0].mutable_variants(0)->set_share(0.6);
  c4[0].add_variants()->set_name("b");
  c4[0].mutable_variants(1)->set_share(0.3);
  EXPECT_NE(BuildError(c4).find("placements[0] (x).variants: the shares sum to 0.9"), std::string::npos)
      << BuildError(c4);

  Configured c5;
  *c5.Add() = Config("x", "als");
  *c5.Add() = Config("x", "trending");
  EXPECT_NE(BuildError(c5).find("placements[1] (x).name: duplicate"), std::string::npos);

  Configured c6;
  *c6.Add() = Config("x", "als");
  c6[0].mutable_strategy(0)->set_weight(-1);
  EXPECT_NE(BuildError(c6).find("strategy[0].weight"), std::string::npos);

  Configured c7;
  *c7.Add() = Config("x", "als");
  c7[0].set_default_count(101);
  EXPECT_NE(BuildError(c7).find("default_count"), std::string::npos);

  Configured c8;
  *c8.Add() = Config("x", "als");
  c8[0].add_variants()->set_name("a");
  c8[0].mutable_variants(0)->set_share(1);
  c8[0].mutable_variants(0)->set_rules("bad");
  EXPECT_NE(BuildError(c8).find("variants[0].rules"), std::string::npos);
}

TEST(PlacementsTest, HolderSwapsAtomically) {
  auto first = Placements::Build(Configured(), FakeRules);
  ASSERT_TRUE(first.ok());
  PlacementsHolder holder(*first);
  Configured configured;
  *configured.Add() = Config("extra", "trending");
  auto second = Placements::Build(configured, FakeRules);
  ASSERT_TRUE(second.ok());
  auto before = holder.Get();
  holder.Set(*second);
  EXPECT_FALSE(before->Has("extra"));
  EXPECT_TRUE(holder.Get()->Has("extra"));
}

}  // namespace
}  // namespace persona::server
