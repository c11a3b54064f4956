// Readable reasons for recommended items, per locale: "Because you viewed
// Glass Lamp", "Often bought with Tea Set", "Popular in Germany this week",
// "New in Lighting", "Promoted".
//
// Each reason code has a template with placeholders ({item}, {category},
// {country}, {brand}) and a generic text used when a placeholder has no
// value (key "<CODE>.generic"), and may have texts for how the visitor met
// the item (keys "<CODE>.bought", "<CODE>.carted"). Built-in templates cover
// English and German;
// the config's reason_templates add locales or override single texts. A
// locale "de-AT" uses "de-AT", then "de", then "en".
// Immutable after Build: thread-safe.
#ifndef PERSONA_SERVER_REASONS_H_
#define PERSONA_SERVER_REASONS_H_

#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "persona/config/v1/config.pb.h"
#include "persona/v1/recommend.pb.h"

namespace persona::server {

// The values a template may use; empty means unknown.
struct ReasonArgs {
  std::string_view item;
  std::string_view category;
  std::string_view country;
  std::string_view brand;
  // How the visitor met {item}: "bought" or "carted" pick the templates
  // "<CODE>.bought" / "<CODE>.carted" when they exist ("Because you bought
  // X"); empty (a view, or the page's item) uses "<CODE>".
  std::string_view how;
};

class ReasonTexts {
 public:
  // Built-in templates plus `overrides`. Fails with INVALID_ARGUMENT naming
  // the entry (e.g. "reason_templates[1].templates[PERSONALISED]: unknown
  // reason code") for unknown codes, unknown placeholders or empty locales.
  static absl::StatusOr<ReasonTexts> Build(
      const google::protobuf::RepeatedPtrField<config::v1::ReasonTemplates>& overrides);

  // Returns the text for `code` in `locale` with `args` filled in.
  std::string Render(persona::v1::ReasonCode code, std::string_view locale,
                     const ReasonArgs& args) const;

 private:
  // Locale -> key ("PERSONALIZED" or "PERSONALIZED.generic") -> template.
  absl::flat_hash_map<std::string, absl::flat_hash_map<std::string, std::string>> by_locale_;

  // The template for `key` in `locale`, its language, or English; `level`
  // (when given) receives which of the three matched (0, 1 or 2).
  const std::string* Find(std::string_view locale, const std::string& key,
                          int* level = nullptr) const;
};

}  // namespace persona::server

#endif  // PERSONA_SERVER_REASONS_H_
