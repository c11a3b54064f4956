// The keyword tables that give Online Retail products (which have only a
// free-text description) a category path and tags. docs/IMPORT.md shows the
// tables. Pure functions; thread-safe.
#ifndef PERSONA_TOOLS_IMPORTER_RETAIL_KEYWORDS_H_
#define PERSONA_TOOLS_IMPORTER_RETAIL_KEYWORDS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace persona::importer {

// Returns the category path of a product description: the first rule (in
// table order) with a keyword among the description's words wins; a keyword
// ending in '*' matches words starting with it. {"Other"} when none matches.
std::vector<std::string> RetailCategory(absl::string_view description);

// Returns the tags of a product description (e.g. "vintage", "pink"), sorted,
// without duplicates.
std::vector<std::string> RetailTags(absl::string_view description);

}  // namespace persona::importer

#endif  // PERSONA_TOOLS_IMPORTER_RETAIL_KEYWORDS_H_
