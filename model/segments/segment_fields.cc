#include "model/segments/segment_fields.h"

namespace persona::model::segments {
namespace {

using F = SegmentField;
using K = FieldKind;
constexpr FieldInfo kNamed[] = {
    {F::kCountry, "country", K::kString},
    {F::kCity, "city", K::kString},
    {F::kLocale, "locale", K::kString},
    {F::kGender, "gender", K::kString},
    {F::kStage, "stage", K::kString},
    {F::kAge, "age", K::kNumber},
    {F::kOrders, "orders", K::kNumber},
    {F::kMonetary, "monetary", K::kNumber},
    {F::kAov, "aov", K::kNumber},
    {F::kRecency, "recency", K::kNumber},
    {F::kUnitsBought, "units_bought", K::kNumber},
    {F::kReturns, "returns", K::kNumber},
    {F::kReturnRate, "return_rate", K::kNumber},
    {F::kNps, "nps", K::kNumber},
    {F::kCsat, "csat", K::kNumber},
    {F::kRfmR, "rfm_r", K::kNumber},
    {F::kRfmF, "rfm_f", K::kNumber},
    {F::kRfmM, "rfm_m", K::kNumber},
    {F::kPersona, "persona", K::kNumber},
    {F::kCartItems, "cart_items", K::kNumber},
    {F::kLastPurchase, "last_purchase", K::kTime},
    {F::kLastSeen, "last_seen", K::kTime},
    {F::kFirstSeen, "first_seen", K::kTime},
    {F::kLastView, "last_view", K::kTime},
    {F::kLastCartAdd, "last_cart_add", K::kTime},
    {F::kConsentEmail, "consent_email", K::kBool},
    {F::kConsentPersonalization, "consent_personalization", K::kBool},
};

}  // namespace

std::span<const FieldInfo> NamedFields() { return kNamed; }

std::string_view NamedFieldName(SegmentField field) {
  for (const FieldInfo& f : kNamed) {
    if (f.field == field) return f.name;
  }
  return "";
}

}  // namespace persona::model::segments
