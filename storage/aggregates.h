// How a stored event changes its subject's aggregates and its items'
// statistics, how a session's aggregates fold into a customer's at login, and
// how an event is attributed to the recommendations that caused it.
// Kept apart from RocksDB so the arithmetic is tested on hand-built events.
//
// Internal to storage/. Pure functions; thread-safe.
#ifndef PERSONA_STORAGE_AGGREGATES_H_
#define PERSONA_STORAGE_AGGREGATES_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/database.h"

namespace persona::storage {

// persona.v1.EventType numbers used here.
inline constexpr int kProductView = 1;
inline constexpr int kAddToCart = 4;
inline constexpr int kPurchase = 6;
inline constexpr int kReturn = 7;
inline constexpr int kSurveyResponse = 13;
inline constexpr int kRecommendationImpression = 11;
inline constexpr int kRecommendationClick = 12;
inline constexpr int kEmailSend = 14;

// How far before a recommendation's issue time (server clock) an event
// carrying its id may be stamped (client clock) and still be attributed.
inline constexpr int64_t kAttributionClockSkewMs = 5 * 60'000;

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
// monetary net of returns, bought items and units, NPS and CSAT, last view
// and cart-add times, country, category affinity, items shown by
// RECOMMENDATION_IMPRESSION and EMAIL_SEND events, email sends).
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
// items, recent order ids, recommendation touches, attributed orders and shown
// items are united (then bounded). next_seq, first_seq
// and merged_sessions are left to the caller, who moves the events.
void MergeAggregates(const rec::SubjectAggregatesRecord& from, const AggregationOptions& options,
                     rec::SubjectAggregatesRecord* into);

// UtcDay (epoch ms -> days since 1970-01-01) is common/clock.h's.

// The figures of one placement and variant on one day (the recommendation's
// issue day), and what an event adds to them.
struct PlacementMetricsDelta {
  std::string placement;
  std::string variant;
  int32_t day = 0;
  rec::PlacementMetricsRecord delta;
};

// Attributes a stored event to the recommendations that caused it, updating
// the subject's touches and attributed orders in `agg` and appending the
// changes of the placement figures to `deltas` (rules in storage/README.md,
// "Attribution"). Events whose recommendation_id does not decode are only
// attributed through earlier touches. Touches older than the window are
// dropped first.
void AttributeEvent(const rec::EventRecord& event, const AggregationOptions& options,
                    rec::SubjectAggregatesRecord* agg, std::vector<PlacementMetricsDelta>* deltas);

// Records that `item_ids` were shown to the subject at `time_ms` (an item
// listed twice counts twice), then bounds shown_items by `options`
// (max_shown_times per item, newest kept; showings more than
// shown_history_ms before `time_ms` dropped; then the items shown least
// recently dropped beyond max_shown_items). ApplyEvent calls it for
// RECOMMENDATION_IMPRESSION events; other channels (emails) may call it too.
void RecordShown(std::span<const std::string_view> item_ids, int64_t time_ms,
                 const AggregationOptions& options, rec::SubjectAggregatesRecord* agg);

// Records an EMAIL_SEND event: its items count as shown (RecordShown), and
// the send joins email_sends (campaign from properties["campaign"] and
// ["campaign_type"]), which is then bounded by max_email_sends (oldest
// dropped) and email_history_ms (relative to `time_ms`).
void RecordEmailSend(const rec::EventRecord& event, int64_t time_ms,
                     const AggregationOptions& options, rec::SubjectAggregatesRecord* agg);

// Folds a session's email sends into a customer's (MergeAggregates calls it),
// by time, then bounded as RecordEmailSend does.
void MergeEmailSends(const rec::SubjectAggregatesRecord& from, const AggregationOptions& options,
                     rec::SubjectAggregatesRecord* into);

// Folds a session's recommendation touches and attributed orders into a
// customer's at login (part of MergeAggregates; in attribution.cc).
void MergeAttribution(const rec::SubjectAggregatesRecord& from, const AggregationOptions& options,
                      rec::SubjectAggregatesRecord* into);

// Folds a session's shown items into a customer's (MergeAggregates calls it):
// the times of an item shown on both sides are united, then bounded as
// RecordShown does, relative to the session's latest showing.
void MergeShownItems(const rec::SubjectAggregatesRecord& from, const AggregationOptions& options,
                     rec::SubjectAggregatesRecord* into);

}  // namespace persona::storage

#endif  // PERSONA_STORAGE_AGGREGATES_H_
