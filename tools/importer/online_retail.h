// The UCI Online Retail mapping (docs/IMPORT.md): stock codes become items,
// customer ids customers, invoices PURCHASE events and 'C' invoices RETURN
// events. The whole file is read before anything is sent, because an item's
// title and price and a customer's country come from all of their rows.
// Not thread-safe.
#ifndef PERSONA_TOOLS_IMPORTER_ONLINE_RETAIL_H_
#define PERSONA_TOOLS_IMPORTER_ONLINE_RETAIL_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "tools/importer/dispatcher.h"
#include "tools/importer/importer.h"
#include "tools/importer/line_reader.h"

namespace persona::importer {

// Events carry at most this many items; larger invoices are split.
inline constexpr int kMaxItemsPerEvent = 100;

// Returns where `customer_id` falls in [0, 1) by a stable hash (64-bit FNV-1a
// then MurmurHash3's fmix64 finalizer);
// a customer is kept by ImportOptions::customer_sample = s when this is < s.
double CustomerShare(absl::string_view customer_id);

// Reads the file behind `lines` (header included) and sends items, then
// customers, then events in time order to `out`. Progress counts records sent.
// INVALID_ARGUMENT when the header lacks an Online Retail column; sink and
// file errors are returned; refused and skipped rows go into the report.
absl::Status ImportOnlineRetail(LineReader& lines, const ImportOptions& options, Dispatcher& out,
                                ImportReport& report);

}  // namespace persona::importer

#endif  // PERSONA_TOOLS_IMPORTER_ONLINE_RETAIL_H_
