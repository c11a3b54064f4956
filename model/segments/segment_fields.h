// The named fields of the segment rule language and their kinds, shared by
// the parser and the printer. Internal to model/segments.
// Thread-safety: constant tables; safe from any thread.
#ifndef PERSONA_MODEL_SEGMENTS_SEGMENT_FIELDS_H_
#define PERSONA_MODEL_SEGMENTS_SEGMENT_FIELDS_H_

#include <span>
#include <string_view>

#include "model/segments/segment_rule.h"

namespace persona::model::segments {

enum class FieldKind : uint8_t { kString, kNumber, kTime, kBool, kOther };

struct FieldInfo {
  SegmentField field;
  std::string_view name;
  FieldKind kind;
};

// Fields written as one plain word (country, orders, last_purchase, ...).
std::span<const FieldInfo> NamedFields();
// Returns the word of a named field; "" for count, affinity, attr, bought, segment.
std::string_view NamedFieldName(SegmentField field);

// For error messages.
inline constexpr char kFieldList[] =
    "country, city, locale, gender, stage, age, orders, monetary, aov, recency, units_bought, "
    "returns, return_rate, nps, csat, rfm_r, rfm_f, rfm_m, persona, cart_items, last_purchase, "
    "last_seen, first_seen, last_view, last_cart_add, consent_email, consent_personalization, "
    "count(<EVENT>), affinity \"<category>\", bought category/brand, in segment, attr.<key>";

}  // namespace persona::model::segments

#endif  // PERSONA_MODEL_SEGMENTS_SEGMENT_FIELDS_H_
