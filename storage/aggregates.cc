#include "storage/aggregates.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/decay.h"

namespace persona::storage {
namespace {

// Adds `weight` at `time_ms` to a score that may be unset (empty).
void AddTo(rec::DecayedScore* score, bool has, double weight, int64_t time_ms,
           double half_life_ms) {
  const double before = has ? score->log2() : kEmptyDecayedLog;
  score->set_log2(DecayedAdd(before, weight, time_ms, half_life_ms));
}

void AddToMap(google::protobuf::Map<std::string, rec::DecayedScore>* map, std::string_view key,
              double weight, int64_t time_ms, double half_life_ms) {
  auto it = map->find(std::string(key));
  if (it == map->end()) {
    AddTo(&(*map)[std::string(key)], false, weight, time_ms, half_life_ms);
  } else {
    AddTo(&it->second, true, weight, time_ms, half_life_ms);
  }
}

// Drops the oldest bought items until at most `max_items` remain.
void BoundBoughtItems(int max_items, google::protobuf::Map<std::string, int64_t>* bought) {
  const size_t limit = static_cast<size_t>(std::max(max_items, 0));
  if (bought->size() <= limit) return;
  std::vector<std::pair<int64_t, std::string>> by_time;
  by_time.reserve(bought->size());
  for (const auto& [item, time] : *bought) by_time.emplace_back(time, item);
  const size_t drop = bought->size() - limit;
  std::nth_element(by_time.begin(), by_time.begin() + (drop - 1), by_time.end());
  for (size_t i = 0; i < drop; ++i) bought->erase(by_time[i].second);
}

void NoteBought(const std::string& item_id, int64_t time_ms, rec::SubjectAggregatesRecord* agg) {
  auto* bought = agg->mutable_bought_items();
  auto it = bought->find(item_id);
  if (it == bought->end()) {
    (*bought)[item_id] = time_ms;
    agg->set_distinct_items_bought(agg->distinct_items_bought() + 1);
  } else {
    it->second = std::max(it->second, time_ms);
  }
}

bool Contains(const google::protobuf::RepeatedPtrField<std::string>& list, std::string_view v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

void RememberOrder(const std::string& order_id, int max_ids, rec::SubjectAggregatesRecord* agg) {
  agg->add_recent_order_ids(order_id);
  auto* ids = agg->mutable_recent_order_ids();
  const int excess = ids->size() - std::max(max_ids, 0);
  if (excess > 0) ids->DeleteSubrange(0, excess);
}

void ApplyPurchase(const rec::EventRecord& event, int64_t time_ms,
                   const AggregationOptions& options, rec::SubjectAggregatesRecord* agg) {
  agg->set_last_purchase_time_ms(std::max(agg->last_purchase_time_ms(), time_ms));
  // Each row of an order may arrive as its own event: count the order once.
  if (event.order_id().empty()) {
    agg->set_orders(agg->orders() + 1);
  } else if (!Contains(agg->recent_order_ids(), event.order_id())) {
    agg->set_orders(agg->orders() + 1);
    RememberOrder(event.order_id(), options.max_recent_order_ids, agg);
  }
  agg->set_monetary(agg->monetary() + EventAmount(event));
  for (const auto& item : event.items()) {
    NoteBought(item.item_id(), time_ms, agg);
    agg->set_units_bought(agg->units_bought() + Units(item));
  }
  BoundBoughtItems(options.max_bought_items, agg->mutable_bought_items());
}

// Keeps the newest `max` interactions (the list is oldest first).
void BoundInteractions(int max, rec::SubjectAggregatesRecord* agg) {
  auto* list = agg->mutable_recent_interactions();
  const int excess = list->size() - std::max(max, 0);
  if (excess > 0) list->DeleteSubrange(0, excess);
}

void RememberInteractions(const rec::EventRecord& event, int64_t time_ms,
                          const AggregationOptions& options, rec::SubjectAggregatesRecord* agg) {
  if (event.items_size() == 0 || options.max_recent_interactions <= 0) return;
  for (const auto& item : event.items()) {
    auto* r = agg->add_recent_interactions();
    r->set_item_id(item.item_id());
    r->set_type(event.type());
    r->set_value(event.value());
    r->set_time_ms(time_ms);
  }
  BoundInteractions(options.max_recent_interactions, agg);
}

void ApplyReturn(const rec::EventRecord& event, rec::SubjectAggregatesRecord* agg) {
  int64_t units = 0;
  for (const auto& item : event.items()) units += Units(item);
  const double amount = EventAmount(event);
  agg->set_returned_items(agg->returned_items() + units);
  agg->set_returned_value(agg->returned_value() + amount);
  agg->set_monetary(agg->monetary() - amount);
}

void ApplySurvey(const rec::EventRecord& event, int64_t time_ms, rec::SubjectAggregatesRecord* agg) {
  auto survey = event.properties().find("survey");
  if (survey == event.properties().end()) return;
  const auto answer = static_cast<int32_t>(std::lround(event.value()));
  if (survey->second == "nps") {
    agg->set_last_nps(answer);
    agg->set_has_nps(true);
  } else if (survey->second == "csat" && time_ms >= agg->last_csat_time_ms()) {
    agg->set_last_csat(answer);
    agg->set_has_csat(true);
    agg->set_last_csat_time_ms(time_ms);
  }
}

}  // namespace

int64_t EventTimeMs(const rec::EventRecord& event) {
  return event.timestamp_ms() != 0 ? event.timestamp_ms() : event.received_time_ms();
}

int64_t Units(const rec::EventItemRecord& item) {
  return item.quantity() <= 0 ? 1 : item.quantity();
}

double LineWeight(const AggregationOptions& options, int type, const rec::EventItemRecord& item) {
  double weight = 0;
  for (const auto& [t, w] : options.event_weights) {
    if (t == type) {
      weight = w;
      break;
    }
  }
  if (type == kPurchase) weight *= static_cast<double>(std::min<int64_t>(Units(item), kMaxWeightedUnits));
  return weight;
}

double EventAmount(const rec::EventRecord& event) {
  if (event.value() != 0) return event.value();
  double sum = 0;
  for (const auto& item : event.items()) sum += static_cast<double>(Units(item)) * item.price();
  return sum;
}

void ApplyEvent(const rec::EventRecord& event, std::span<const std::string_view> top_categories,
                const AggregationOptions& options, rec::SubjectAggregatesRecord* agg) {
  const int64_t t = EventTimeMs(event);
  // Showing items to the subject (a recommendation impression, an email
  // sent) is not something they did: it neither makes them "seen" nor
  // pushes their own views and cart adds out of the recent interactions.
  const bool shown_only = event.type() == kRecommendationImpression || event.type() == kEmailSend;
  if (!shown_only) {
    if (agg->first_seen_time_ms() == 0 || t < agg->first_seen_time_ms()) {
      agg->set_first_seen_time_ms(t);
    }
    agg->set_last_seen_time_ms(std::max(agg->last_seen_time_ms(), t));
    RememberInteractions(event, t, options, agg);
  }
  ++(*agg->mutable_event_counts())[event.type()];
  if (event.type() == kPurchase) {
    ApplyPurchase(event, t, options, agg);
  } else if (event.type() == kReturn) {
    ApplyReturn(event, agg);
  } else if (event.type() == kRecommendationImpression) {
    std::vector<std::string_view> ids;
    ids.reserve(event.items_size());
    for (const auto& item : event.items()) ids.push_back(item.item_id());
    RecordShown(ids, t, options, agg);
  } else if (event.type() == kEmailSend) {
    RecordEmailSend(event, t, options, agg);
  } else if (event.type() == kSurveyResponse) {
    ApplySurvey(event, t, agg);
  } else if (event.type() == kProductView) {
    agg->set_last_view_time_ms(std::max(agg->last_view_time_ms(), t));
  } else if (event.type() == kAddToCart) {
    agg->set_last_cart_add_time_ms(std::max(agg->last_cart_add_time_ms(), t));
  }
  auto country = event.properties().find("country");
  if (country != event.properties().end() && !country->second.empty()) {
    agg->set_last_country(country->second);
  }
  const size_t n = std::min<size_t>(top_categories.size(), event.items_size());
  for (size_t i = 0; i < n; ++i) {
    if (top_categories[i].empty()) continue;
    const double w = LineWeight(options, event.type(), event.items(static_cast<int>(i)));
    if (w > 0) {
      AddToMap(agg->mutable_category_affinity(), top_categories[i], w, t,
               options.affinity_half_life_ms);
    }
  }
}

void ApplyEventToItem(const rec::EventRecord& event, const rec::EventItemRecord& item,
                      std::string_view country, const AggregationOptions& options,
                      rec::ItemStatsRecord* stats) {
  const int64_t units = Units(item);
  const double line_value = static_cast<double>(units) * item.price();
  switch (event.type()) {
    case kProductView: stats->set_views(stats->views() + 1); break;
    case kAddToCart: stats->set_cart_adds(stats->cart_adds() + 1); break;
    case kPurchase:
      stats->set_purchases(stats->purchases() + units);
      stats->set_revenue(stats->revenue() + line_value);
      break;
    case kReturn:
      stats->set_returns(stats->returns() + units);
      stats->set_revenue(stats->revenue() - line_value);
      break;
    default: break;
  }
  const int64_t t = EventTimeMs(event);
  stats->set_last_event_time_ms(std::max(stats->last_event_time_ms(), t));
  const double w = LineWeight(options, event.type(), item);
  if (!(w > 0)) return;
  AddTo(stats->mutable_popularity(), stats->has_popularity(), w, t, options.popularity_half_life_ms);
  AddTo(stats->mutable_trending(), stats->has_trending(), w, t, options.trending_half_life_ms);
  if (!country.empty()) {
    AddToMap(stats->mutable_country_popularity(), country, w, t, options.popularity_half_life_ms);
  }
}

void MergeAggregates(const rec::SubjectAggregatesRecord& from, const AggregationOptions& options,
                     rec::SubjectAggregatesRecord* into) {
  if (from.has_nps() && (!into->has_nps() || from.last_seen_time_ms() >= into->last_seen_time_ms())) {
    into->set_last_nps(from.last_nps());
    into->set_has_nps(true);
  }
  if (from.first_seen_time_ms() != 0 &&
      (into->first_seen_time_ms() == 0 || from.first_seen_time_ms() < into->first_seen_time_ms())) {
    into->set_first_seen_time_ms(from.first_seen_time_ms());
  }
  into->set_last_seen_time_ms(std::max(into->last_seen_time_ms(), from.last_seen_time_ms()));
  into->set_last_view_time_ms(std::max(into->last_view_time_ms(), from.last_view_time_ms()));
  into->set_last_cart_add_time_ms(
      std::max(into->last_cart_add_time_ms(), from.last_cart_add_time_ms()));
  into->set_units_bought(into->units_bought() + from.units_bought());
  if (from.has_csat() && (!into->has_csat() || from.last_csat_time_ms() >= into->last_csat_time_ms())) {
    into->set_last_csat(from.last_csat());
    into->set_has_csat(true);
    into->set_last_csat_time_ms(from.last_csat_time_ms());
  }
  into->set_last_purchase_time_ms(
      std::max(into->last_purchase_time_ms(), from.last_purchase_time_ms()));
  int64_t orders = into->orders() + from.orders();
  for (const auto& id : from.recent_order_ids()) {
    if (Contains(into->recent_order_ids(), id)) {
      --orders;  // rows of one order seen on both sides
    } else {
      RememberOrder(id, options.max_recent_order_ids, into);
    }
  }
  into->set_orders(orders);
  into->set_monetary(into->monetary() + from.monetary());
  into->set_returned_items(into->returned_items() + from.returned_items());
  into->set_returned_value(into->returned_value() + from.returned_value());
  for (const auto& [type, count] : from.event_counts()) (*into->mutable_event_counts())[type] += count;
  auto* affinity = into->mutable_category_affinity();
  for (const auto& [category, score] : from.category_affinity()) {
    auto it = affinity->find(category);
    if (it == affinity->end()) {
      (*affinity)[category] = score;
    } else {
      it->second.set_log2(DecayedMerge(it->second.log2(), score.log2()));
    }
  }
  // Items the session bought beyond its remembered ones cannot be compared: count them as new.
  int64_t distinct = into->distinct_items_bought() + from.distinct_items_bought();
  auto* bought = into->mutable_bought_items();
  for (const auto& [item, time] : from.bought_items()) {
    auto it = bought->find(item);
    if (it == bought->end()) {
      (*bought)[item] = time;
    } else {
      it->second = std::max(it->second, time);
      --distinct;
    }
  }
  into->set_distinct_items_bought(distinct);
  BoundBoughtItems(options.max_bought_items, bought);
  // Both lists are oldest first: merge by time, keep the newest.
  std::vector<rec::RecentInteractionRecord> merged(into->recent_interactions().begin(),
                                                   into->recent_interactions().end());
  merged.insert(merged.end(), from.recent_interactions().begin(), from.recent_interactions().end());
  std::stable_sort(merged.begin(), merged.end(), [](const auto& a, const auto& b) {
    return a.time_ms() < b.time_ms();
  });
  into->clear_recent_interactions();
  for (auto& r : merged) *into->add_recent_interactions() = std::move(r);
  BoundInteractions(options.max_recent_interactions, into);
  if (into->last_country().empty()) into->set_last_country(from.last_country());
  MergeAttribution(from, options, into);
  MergeShownItems(from, options, into);
  MergeEmailSends(from, options, into);
}

}  // namespace persona::storage
