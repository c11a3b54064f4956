// The event shapes of common tools, each read as a streaming format by
// ImportFile (docs/IMPORT.md has the mapping tables):
//   - GA4: Google Analytics 4's BigQuery export as JSON Lines, one event a
//   line;
//   - Segment: Segment's track, page and identify calls as JSON Lines;
//   - Shopify: the admin's orders CSV export, one row per line item.
// Each call reads the rest of `lines` and hands events, and the items and
// customers the rows carry, to ctx.out. Rows that cannot be read are
// rejected with the field named; rows of no interest (GA4's session_start)
// are skipped by reason. Errors are the sink's or the file's; Shopify also
// fails with INVALID_ARGUMENT on a header missing a needed column.
// Not thread-safe.
#ifndef PERSONA_TOOLS_IMPORTER_FORMATS_H_
#define PERSONA_TOOLS_IMPORTER_FORMATS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "tools/importer/line_reader.h"
#include "tools/importer/units.h"

namespace persona::importer {

absl::Status ImportGa4(LineReader& lines, UnitContext& ctx);
absl::Status ImportSegment(LineReader& lines, UnitContext& ctx);
absl::Status ImportShopify(LineReader& lines, UnitContext& ctx);

// Format detection from the first non-blank line (see Format::kAuto).
bool LooksLikeGa4(absl::string_view first_line);
bool LooksLikeSegment(absl::string_view first_line);
bool LooksLikeShopify(absl::string_view header_line);

}  // namespace persona::importer

#endif  // PERSONA_TOOLS_IMPORTER_FORMATS_H_
