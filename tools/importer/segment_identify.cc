#include "tools/importer/segment_identify.h"

#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "tools/importer/values.h"

namespace persona::importer {
namespace {

namespace v1 = ::persona::v1;

// Traits read into Customer fields (the rest become attributes).
constexpr const char* kMapped[] = {"email",           "firstName",    "first_name",
                                   "lastName",        "last_name",    "name",
                                   "address",         "country",      "city",
                                   "gender",          "birthday",     "createdAt",
                                   "created_at",      "email_opt_in", "accepts_marketing",
                                   "email_marketing", "unsubscribed"};
constexpr int kMaxAttributes = 64;

// Returns the first of `keys` that is set, as text.
absl::StatusOr<std::optional<std::string>> FirstText(const JsonObject& traits,
                                                     std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    ASSIGN_OR_RETURN(auto text, TextAt(traits, {key}, absl::StrCat("traits.", key)));
    if (text) return text;
  }
  return std::nullopt;
}

absl::Status ReadNames(const JsonObject& traits, v1::Customer* c) {
  ASSIGN_OR_RETURN(auto email, FirstText(traits, {"email"}));
  if (email) c->set_email(absl::AsciiStrToLower(*email));
  ASSIGN_OR_RETURN(auto first, FirstText(traits, {"firstName", "first_name"}));
  ASSIGN_OR_RETURN(auto last, FirstText(traits, {"lastName", "last_name"}));
  ASSIGN_OR_RETURN(auto name, FirstText(traits, {"name"}));
  if (!first && !last && name) {  // "Ada Lovelace": first word, then the rest.
    const size_t space = name->find(' ');
    first = name->substr(0, space);
    if (space != std::string::npos) last = name->substr(space + 1);
  }
  if (first) c->set_first_name(*first);
  if (last) c->set_last_name(*last);
  ASSIGN_OR_RETURN(auto country, TextAt(traits, {"address", "country"}, "traits.address.country"));
  if (!country) {
    ASSIGN_OR_RETURN(country, FirstText(traits, {"country"}));
  }
  if (country) c->set_country(*country);
  ASSIGN_OR_RETURN(auto city, TextAt(traits, {"address", "city"}, "traits.address.city"));
  if (!city) {
    ASSIGN_OR_RETURN(city, FirstText(traits, {"city"}));
  }
  if (city) c->set_city(*city);
  ASSIGN_OR_RETURN(auto gender, FirstText(traits, {"gender"}));
  if (gender) c->set_gender(*gender);
  return absl::OkStatus();
}

absl::Status ReadDates(const JsonObject& traits, v1::Customer* c) {
  ASSIGN_OR_RETURN(auto birthday, FirstText(traits, {"birthday"}));
  int year = 0;
  if (birthday && !(birthday->size() >= 4 && absl::SimpleAtoi(birthday->substr(0, 4), &year) &&
                    year >= 1900 && year <= 2100)) {
    return absl::InvalidArgumentError("traits.birthday: must start with a year (YYYY-MM-DD)");
  }
  if (birthday) c->set_birth_year(year);
  ASSIGN_OR_RETURN(auto created, FirstText(traits, {"createdAt", "created_at"}));
  if (created) {
    absl::StatusOr<int64_t> ms = ParseTimeMs(*created);
    if (!ms.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("traits.createdAt: ", ms.status().message()));
    }
    c->set_created_time_ms(*ms);
  }
  return absl::OkStatus();
}

// Sets consents only where stated: email from the opt-in traits, or
// unsubscribed=true; personalization from context.consent.categoryPreferences.
absl::Status ReadConsents(const JsonObject& call, const JsonObject& traits, v1::Customer* c) {
  for (const char* key : {"email_opt_in", "accepts_marketing", "email_marketing"}) {
    ASSIGN_OR_RETURN(auto given, BoolAt(traits, {key}, absl::StrCat("traits.", key)));
    if (given && !c->consents().has_email_marketing()) {
      c->mutable_consents()->set_email_marketing(*given);
    }
  }
  ASSIGN_OR_RETURN(auto unsubscribed, BoolAt(traits, {"unsubscribed"}, "traits.unsubscribed"));
  if (unsubscribed && *unsubscribed) c->mutable_consents()->set_email_marketing(false);
  const JsonObject* prefs = FindObject(call, {"context", "consent", "categoryPreferences"});
  if (prefs != nullptr) {
    for (const auto& [key, value] : prefs->fields()) {
      const std::string lower = absl::AsciiStrToLower(key);
      const std::string field = absl::StrCat("context.consent.categoryPreferences.", key);
      if (lower == "personalization" || lower == "personalisation") {
        ASSIGN_OR_RETURN(bool given, AsBool(value, field));
        c->mutable_consents()->set_personalization(given);
      } else if ((lower == "email" || lower == "marketing") &&
                 !c->consents().has_email_marketing()) {
        ASSIGN_OR_RETURN(bool given, AsBool(value, field));
        c->mutable_consents()->set_email_marketing(given);
      }
    }
  }
  if (c->has_consents()) {
    ASSIGN_OR_RETURN(auto time, TextAt(call, {"timestamp"}, "timestamp"));
    absl::StatusOr<int64_t> ms = time ? ParseTimeMs(*time) : absl::StatusOr<int64_t>(0);
    if (ms.ok()) c->mutable_consents()->set_updated_time_ms(*ms);
  }
  return absl::OkStatus();
}

// Keeps other scalar traits as attributes (at most 64).
void ReadAttributes(const JsonObject& traits, v1::Customer* c) {
  for (const auto& [key, value] : traits.fields()) {
    bool mapped = false;
    for (const char* m : kMapped) mapped = mapped || key == m;
    if (mapped || key.empty() || c->attributes_size() >= kMaxAttributes) continue;
    absl::StatusOr<std::string> text = AsText(value, key);
    if (text.ok() && !text->empty()) (*c->mutable_attributes())[key] = *text;
  }
}

}  // namespace

absl::StatusOr<Converted> ConvertSegmentIdentify(const JsonObject& call) {
  Converted out;
  ASSIGN_OR_RETURN(auto user, TextAt(call, {"userId"}, "userId"));
  if (!user) {
    out.skip = "Segment identify without userId";
    return out;
  }
  static const JsonObject kEmpty;
  const JsonObject* found = FindObject(call, {"traits"});
  if (found == nullptr) found = FindObject(call, {"context", "traits"});
  const JsonObject& traits = found != nullptr ? *found : kEmpty;
  v1::Customer& customer = out.customers.emplace_back();
  customer.set_id(*user);
  RETURN_IF_ERROR(ReadNames(traits, &customer));
  RETURN_IF_ERROR(ReadDates(traits, &customer));
  RETURN_IF_ERROR(ReadConsents(call, traits, &customer));
  ReadAttributes(traits, &customer);
  return out;
}

}  // namespace persona::importer
