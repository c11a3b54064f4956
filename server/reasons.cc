#include "server/reasons.h"

#include <array>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace persona::server {
namespace {

namespace v1 = ::persona::v1;

using Entry = std::pair<const char*, const char*>;

constexpr std::array kEnglish = {
    Entry{"POPULAR", "Popular right now"},
    Entry{"POPULAR_IN_COUNTRY", "Popular in {country} this week"},
    Entry{"POPULAR_IN_COUNTRY.generic", "Popular near you"},
    Entry{"POPULAR_IN_CATEGORY", "Popular in {category}"},
    Entry{"POPULAR_IN_CATEGORY.generic", "Popular in this category"},
    Entry{"TRENDING", "Trending now"},
    Entry{"PERSONALIZED", "Because you viewed {item}"},
    Entry{"PERSONALIZED.generic", "Picked for you"},
    Entry{"PERSONALIZED.bought", "Because you bought {item}"},
    Entry{"PERSONALIZED.carted", "Because you added {item} to your cart"},
    Entry{"BOUGHT_TOGETHER", "Often bought with {item}"},
    Entry{"BOUGHT_TOGETHER.generic", "Often bought together"},
    Entry{"SIMILAR_TO_VIEWED", "Similar to {item}"},
    Entry{"SIMILAR_TO_VIEWED.generic", "Similar to what you viewed"},
    Entry{"NEW_ARRIVAL", "New in {category}"},
    Entry{"NEW_ARRIVAL.generic", "New arrival"},
    Entry{"PROMOTED", "Promoted"},
    Entry{"PINNED", "Featured"},
    Entry{"RECENTLY_VIEWED", "You viewed this recently"},
    Entry{"BUY_AGAIN", "Buy it again"},
    Entry{"DECLARED_PREFERENCE", "Because you like {category}"},
    Entry{"DECLARED_PREFERENCE.generic", "Matches your preferences"},
    Entry{"POPULAR_IN_SEGMENT", "Popular with customers like you"},
};

constexpr std::array kGerman = {
    Entry{"POPULAR", "Gerade beliebt"},
    Entry{"POPULAR_IN_COUNTRY", "Diese Woche beliebt in {country}"},
    Entry{"POPULAR_IN_COUNTRY.generic", "Beliebt in Ihrer Nähe"},
    Entry{"POPULAR_IN_CATEGORY", "Beliebt in {category}"},
    Entry{"POPULAR_IN_CATEGORY.generic", "Beliebt in dieser Kategorie"},
    Entry{"TRENDING", "Gerade im Trend"},
    Entry{"PERSONALIZED", "Weil Sie sich {item} angesehen haben"},
    Entry{"PERSONALIZED.generic", "Für Sie ausgewählt"},
    Entry{"PERSONALIZED.bought", "Weil Sie {item} gekauft haben"},
    Entry{"PERSONALIZED.carted", "Weil Sie {item} in den Warenkorb gelegt haben"},
    Entry{"BOUGHT_TOGETHER", "Oft zusammen gekauft mit {item}"},
    Entry{"BOUGHT_TOGETHER.generic", "Oft zusammen gekauft"},
    Entry{"SIMILAR_TO_VIEWED", "Ähnlich wie {item}"},
    Entry{"SIMILAR_TO_VIEWED.generic", "Ähnlich wie Ihre angesehenen Artikel"},
    Entry{"NEW_ARRIVAL", "Neu in {category}"},
    Entry{"NEW_ARRIVAL.generic", "Neu eingetroffen"},
    Entry{"PROMOTED", "Aktion"},
    Entry{"PINNED", "Empfohlen"},
    Entry{"RECENTLY_VIEWED", "Kürzlich angesehen"},
    Entry{"BUY_AGAIN", "Erneut kaufen"},
    Entry{"DECLARED_PREFERENCE", "Weil Sie {category} mögen"},
    Entry{"DECLARED_PREFERENCE.generic", "Passend zu Ihren Vorlieben"},
    Entry{"POPULAR_IN_SEGMENT", "Beliebt bei Kunden wie Ihnen"},
};

constexpr std::array<std::string_view, 4> kPlaceholders = {"item", "category", "country", "brand"};

// Checks that every {name} in `text` is a known placeholder.
absl::Status CheckPlaceholders(std::string_view text, const std::string& field) {
  size_t pos = 0;
  while ((pos = text.find('{', pos)) != std::string_view::npos) {
    const size_t end = text.find('}', pos);
    if (end == std::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": unclosed '{'"));
    }
    const std::string_view name = text.substr(pos + 1, end - pos - 1);
    bool known = false;
    for (std::string_view p : kPlaceholders) known = known || p == name;
    if (!known) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": unknown placeholder {", std::string(name), "}; use {item}, {category}, {country} or {brand}"));
    }
    pos = end + 1;
  }
  return absl::OkStatus();
}

// Fills the placeholders; returns false when one of them has no value.
bool Fill(std::string_view text, const ReasonArgs& args, std::string& out) {
  out.clear();
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t open = text.find('{', pos);
    if (open == std::string_view::npos) {
      out.append(text.substr(pos));
      break;
    }
    out.append(text.substr(pos, open - pos));
    const size_t close = text.find('}', open);
    const std::string_view name = text.substr(open + 1, close - open - 1);
    std::string_view value;
    if (name == "item") value = args.item;
    if (name == "category") value = args.category;
    if (name == "country") value = args.country;
    if (name == "brand") value = args.brand;
    if (value.empty()) return false;
    out.append(value);
    pos = close + 1;
  }
  return true;
}

}  // namespace

absl::StatusOr<ReasonTexts> ReasonTexts::Build(
    const google::protobuf::RepeatedPtrField<config::v1::ReasonTemplates>& overrides) {
  ReasonTexts texts;
  for (const auto& [key, text] : kEnglish) texts.by_locale_["en"][key] = text;
  for (const auto& [key, text] : kGerman) texts.by_locale_["de"][key] = text;
  for (int i = 0; i < overrides.size(); ++i) {
    const auto& o = overrides[i];
    const std::string prefix = absl::StrCat("reason_templates[", i, "]");
    if (o.locale().empty()) return absl::InvalidArgumentError(absl::StrCat(prefix, ".locale: required"));
    auto& locale = texts.by_locale_[absl::AsciiStrToLower(o.locale())];
    for (const auto& [key, text] : o.templates()) {
      const std::string field = absl::StrCat(prefix, ".templates[", key, "]");
      std::string_view code = key;
      for (std::string_view suffix : {".generic", ".bought", ".carted"}) {
        if (code.ends_with(suffix)) code.remove_suffix(suffix.size());
      }
      v1::ReasonCode parsed;
      if (!v1::ReasonCode_Parse(std::string(code), &parsed) || parsed == v1::REASON_CODE_UNSPECIFIED) {
        return absl::InvalidArgumentError(absl::StrCat(field, ": unknown reason code"));
      }
      if (auto s = CheckPlaceholders(text, field); !s.ok()) return s;
      locale[key] = text;
    }
  }
  return texts;
}

const std::string* ReasonTexts::Find(std::string_view locale, const std::string& key,
                                     int* level) const {
  std::string tag = absl::AsciiStrToLower(std::string(locale));
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (auto it = by_locale_.find(tag); it != by_locale_.end()) {
      if (auto t = it->second.find(key); t != it->second.end()) {
        if (level != nullptr) *level = attempt;
        return &t->second;
      }
    }
    if (attempt == 0) {
      if (const size_t cut = tag.find_first_of("-_"); cut != std::string::npos) tag.resize(cut);
    } else {
      tag = "en";
    }
  }
  return nullptr;
}

std::string ReasonTexts::Render(v1::ReasonCode code, std::string_view locale,
                                const ReasonArgs& args) const {
  const std::string key = v1::ReasonCode_Name(code);
  std::string out;
  int plain_level = 3;
  const std::string* plain = Find(locale, key, &plain_level);
  if (!args.how.empty()) {
    // Only from a locale at least as close as the plain text's, so a French
    // override is not replaced by the English "bought" text.
    int how_level = 0;
    const std::string* t = Find(locale, absl::StrCat(key, ".", std::string(args.how)), &how_level);
    if (t != nullptr && how_level <= plain_level && Fill(*t, args, out)) return out;
  }
  if (plain != nullptr && Fill(*plain, args, out)) return out;
  if (const std::string* t = Find(locale, key + ".generic"); t != nullptr && Fill(*t, args, out)) {
    return out;
  }
  return "";
}

}  // namespace persona::server
