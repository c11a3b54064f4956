// Segment identify calls to customer upserts, for the Segment format
// (formats.h). Pure functions; thread-safe.
#ifndef PERSONA_TOOLS_IMPORTER_SEGMENT_IDENTIFY_H_
#define PERSONA_TOOLS_IMPORTER_SEGMENT_IDENTIFY_H_

#include "absl/status/statusor.h"
#include "tools/importer/json_fields.h"
#include "tools/importer/units.h"

namespace persona::importer {

// Returns the customer an identify call describes (userId and traits), with
// consents only where the call states them; an anonymous identify is skipped.
// INVALID_ARGUMENT naming the trait for an unreadable one.
absl::StatusOr<Converted> ConvertSegmentIdentify(const JsonObject& call);

}  // namespace persona::importer

#endif  // PERSONA_TOOLS_IMPORTER_SEGMENT_IDENTIFY_H_
