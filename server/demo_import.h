// Loads the demo shop (a sample of the UCI Online Retail data) in-process at
// first start, through the same API calls a client would use.
#ifndef PERSONA_SERVER_DEMO_IMPORT_H_
#define PERSONA_SERVER_DEMO_IMPORT_H_

#include <string>

#include "absl/status/statusor.h"
#include "server/api.h"
#include "tools/importer/importer.h"

namespace persona::server {

// Imports the Online Retail CSV at `path` into `shop`; with `shift_to_now_ms`
// > 0, times are shifted so the newest row is at that time. Prints progress
// to stderr.
absl::StatusOr<importer::ImportReport> ImportDemoShop(PersonaApi& api, const std::string& shop,
                                                      const std::string& path,
                                                      int64_t shift_to_now_ms);

}  // namespace persona::server

#endif  // PERSONA_SERVER_DEMO_IMPORT_H_
