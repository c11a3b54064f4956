#include "server/reasons.h"

#include "gtest/gtest.h"

namespace persona::server {
namespace {

namespace v1 = ::persona::v1;
using Overrides = google::protobuf::RepeatedPtrField<config::v1::ReasonTemplates>;

TEST(ReasonTextsTest, FillsPlaceholdersAndFallsBackToGenericText) {
  auto texts = ReasonTexts::Build(Overrides());
  ASSERT_TRUE(texts.ok()) << texts.status();
  EXPECT_EQ(texts->Render(v1::PERSONALIZED, "en-GB", {.item = "Glass Lamp"}),
            "Because you viewed Glass Lamp");
  EXPECT_EQ(texts->Render(v1::PERSONALIZED, "en", {}), "Picked for you");
  EXPECT_EQ(texts->Render(v1::POPULAR_IN_COUNTRY, "en", {.country = "Germany"}),
            "Popular in Germany this week");
  EXPECT_EQ(texts->Render(v1::NEW_ARRIVAL, "", {.category = "Lighting"}), "New in Lighting");
  EXPECT_EQ(texts->Render(v1::PROMOTED, "en", {}), "Promoted");
}

TEST(ReasonTextsTest, HowTheVisitorMetTheItemPicksTheText) {
  Overrides overrides;
  auto* fr = overrides.Add();
  fr->set_locale("fr");
  (*fr->mutable_templates())["PERSONALIZED"] = "Parce que vous avez vu {item}";
  auto texts = ReasonTexts::Build(overrides);
  ASSERT_TRUE(texts.ok()) << texts.status();
  EXPECT_EQ(texts->Render(v1::PERSONALIZED, "en", {.item = "Lamp", .how = "bought"}),
            "Because you bought Lamp");
  EXPECT_EQ(texts->Render(v1::PERSONALIZED, "de", {.item = "Lampe", .how = "carted"}),
            "Weil Sie Lampe in den Warenkorb gelegt haben");
  EXPECT_EQ(texts->Render(v1::PERSONALIZED, "en", {.item = "Lamp", .how = ""}),
            "Because you viewed Lamp");
  // No "bought" text for a code: the plain one.
  EXPECT_EQ(texts->Render(v1::BOUGHT_TOGETHER, "en", {.item = "Lamp", .how = "bought"}),
            "Often bought with Lamp");
  // A French plain text beats the English "bought" text.
  EXPECT_EQ(texts->Render(v1::PERSONALIZED, "fr", {.item = "Lampe", .how = "bought"}),
            "Parce que vous avez vu Lampe");
}

TEST(ReasonTextsTest, LocaleFallsBackToLanguageThenEnglish) {
  auto texts = ReasonTexts::Build(Overrides());
  ASSERT_TRUE(texts.ok());
  EXPECT_EQ(texts->Render(v1::BOUGHT_TOGETHER, "de-AT", {.item = "Teeservice"}),
            "Oft zusammen gekauft mit Teeservice");
  EXPECT_EQ(texts->Render(v1::TRENDING, "DE_de", {}), "Gerade im Trend");
  EXPECT_EQ(texts->Render(v1::TRENDING, "fr-FR", {}), "Trending now");
}

TEST(ReasonTextsTest, ConfigAddsLocalesAndOverridesSingleTexts) {
  Overrides overrides;
  auto* fr = overrides.Add();
  fr->set_locale("fr");
  (*fr->mutable_templates())["TRENDING"] = "Tendance";
  (*fr->mutable_templates())["PERSONALIZED"] = "Parce que vous avez vu {item}";
  auto* en = overrides.Add();
  en->set_locale("en");
  (*en->mutable_templates())["PROMOTED"] = "Sponsored";
  auto texts = ReasonTexts::Build(overrides);
  ASSERT_TRUE(texts.ok()) << texts.status();
  EXPECT_EQ(texts->Render(v1::TRENDING, "fr-CA", {}), "Tendance");
  EXPECT_EQ(texts->Render(v1::PERSONALIZED, "fr", {.item = "Lampe"}), "Parce que vous avez vu Lampe");
  // No French generic text: English generic.
  EXPECT_EQ(texts->Render(v1::PERSONALIZED, "fr", {}), "Picked for you");
  EXPECT_EQ(texts->Render(v1::PROMOTED, "en", {}), "Sponsored");
  EXPECT_EQ(texts->Render(v1::POPULAR, "fr", {}), "Popular right now");
}

TEST(ReasonTextsTest, InvalidTemplatesAreRefusedWithTheirName) {
  Overrides bad_code;
  auto* t = bad_code.Add();
  t->set_locale("en");
  (*t->mutable_templates())["PERSONALISED"] = "x";
  auto s = ReasonTexts::Build(bad_code);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.status().message().find("reason_templates[0].templates[PERSONALISED]"),
            std::string::npos) << s.status();

  Overrides bad_placeholder;
  t = bad_placeholder.Add();
  t->set_locale("en");
  (*t->mutable_templates())["TRENDING"] = "Hot in {city}";
  s = ReasonTexts::Build(bad_placeholder);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("{city}"), std::string::npos) << s.status();

  Overrides no_locale;
  no_locale.Add();
  EXPECT_FALSE(ReasonTexts::Build(no_locale).ok());
}

}  // namespace
}  // namespace persona::server
