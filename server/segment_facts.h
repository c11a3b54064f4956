// Builds the plain CustomerFacts that model/segments decides on from a
// customer's stored attributes and aggregates, with the catalog for the
// categories and brands of bought items.
// Pure function; thread-safe.
#ifndef PERSONA_SERVER_SEGMENT_FACTS_H_
#define PERSONA_SERVER_SEGMENT_FACTS_H_

#include <cstdint>
#include <string_view>

#include "model/catalog_index.h"
#include "model/segments/facts.h"
#include "persona/storage/v1/records.pb.h"

namespace persona::server {

// Either record may be null (a customer known from events only, or one with
// attributes and no events yet). `affinity_half_life_ms` is the half-life the
// aggregates decay category interest with; shares are taken at `now_ms`.
model::segments::CustomerFacts BuildFacts(std::string_view id,
                                          const storage::v1::CustomerRecord* customer,
                                          const storage::v1::SubjectAggregatesRecord* aggregates,
                                          const model::CatalogIndex& catalog, int64_t now_ms,
                                          double affinity_half_life_ms);

}  // namespace persona::server

#endif  // PERSONA_SERVER_SEGMENT_FACTS_H_
