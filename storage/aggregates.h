// How a stored event changes its subject's aggregates and its items'
// statistics, and how a session's aggregates fold into a customer's at login.
// Kept apart from RocksDB so the arithmetic is tested on hand-built events.
//
// Internal to storage/. Pure functions; thread-safe.
#ifndef PERSONA_STORAGE_AGGREGATES_H_
#define PERSONA_STORAGE_AGGREGATES_H_

#include <cstdint>
#include <span>
#include <string_view>

#include "storage/database.h"

namespace persona::storage {

// persona.v1.EventType numbers used here.
inline constexpr int kProductView = 1;
inline constexpr int kAddToCart = 4;
inline constexpr int kPurchase = 6;
inline constexpr int kReturn = 7;
inline constexpr int kSurveyResponse = 13;

// Units bought per line that count towards popularity and affinity.
inline constexpr int kMaxWeightedUnits = 10;

// Returns when the event happened: timestamp_ms, or received_time_ms when unset.
int64_t EventTimeMs(const rec::EventRecord& event);

// Returns the item's units (quantity; 0 reads as 1).
int64_t Units(const rec::EventItemRecord& item);

// Returns the interaction weight of one line of an event: the type's weight
// from options.event_weights (0 when not listed), per unit for purchases
// (capped at kMaxWeightedUnits).
double LineWeight(const AggregationOptions& options, int type, const rec::EventItemRecord& item);

// Returns the money an event moves: its value, or the sum of units * price
// over its items when the value is 0.
double EventAmount(const rec::EventRecord& event);

// Updates `agg` with a stored event (first/last seen, event counts, orders,
// monetary net of returns, bought items, NPS, country, category affinity).
// `top_categories[i]` is the top-level category of event.items(i) ("" when
// unknown); it must have one entry per item. Does not touch next_seq,
// first_seq or merged_sessions.
void ApplyEvent(const rec::EventRecord& event, std::span<const std::string_view> top_categories,
                const AggregationOptions& options, rec::SubjectAggregatesRecord* agg);

// Updates one item's statistics with a line of a stored event. `country` is
// the subject's country ("" when unknown: no country popularity).
void ApplyEventToItem(const rec::EventRecord& event, const rec::EventItemRecord& item,
                      std::string_view country, const AggregationOptions& options,
                      rec::ItemStatsRecord* stats);

// Folds a session's aggregates `from` into a customer's `into`: counts add,
// decayed scores merge, first seen is the earlier, last seen the later, bought
// items and recent order ids are united (then bounded). next_seq, first_seq
// and merged_sessions are left to the caller, who moves the events.
void MergeAggregates(const rec::SubjectAggregatesRecord& from, const AggregationOptions& options,
                     rec::SubjectAggregatesRecord* into);

}  // namespace persona::storage

#endif  // PERSONA_STORAGE_AGGREGATES_H_
