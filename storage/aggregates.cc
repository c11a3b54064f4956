#include "storage/aggregates.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/decay.h"
#include "common/recommendation_id.h"

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
  for (const auto& item : event.items()) NoteBought(item.item_id(), time_ms, agg);
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

// --- Attribution ---------------------------------------------------------

using Ref = rec::RecommendationRefRecord;

bool SameRef(const Ref& a, const Ref& b) {
  return a.nonce() == b.nonce() && a.issued_time_ms() == b.issued_time_ms() &&
         a.placement() == b.placement() && a.variant() == b.variant();
}

// Returns the recommendation an event names, when its id decodes.
std::optional<Ref> DecodeRef(std::string_view id) {
  if (id.empty()) return std::nullopt;
  auto parts = DecodeRecommendationId(id);
  if (!parts.ok()) return std::nullopt;
  Ref ref;
  ref.set_placement(std::move(parts->placement));
  ref.set_variant(std::move(parts->variant));
  ref.set_issued_time_ms(parts->issued_time_ms);
  ref.set_nonce(parts->nonce);
  return ref;
}

// Returns the figures of `ref`'s placement/variant/day in `deltas`, added
// when missing. The pointer is valid until `deltas` grows.
rec::PlacementMetricsRecord* DeltaFor(const Ref& ref, std::vector<PlacementMetricsDelta>* deltas) {
  const int32_t day = UtcDay(ref.issued_time_ms());
  for (auto& d : *deltas) {
    if (d.day == day && d.placement == ref.placement() && d.variant == ref.variant()) {
      return &d.delta;
    }
  }
  deltas->push_back({ref.placement(), ref.variant(), day, {}});
  return &deltas->back().delta;
}

// Drops touches whose window closed before `time_ms`.
void DropExpiredTouches(int64_t time_ms, int64_t window_ms, rec::SubjectAggregatesRecord* agg) {
  auto* touches = agg->mutable_recommendation_touches();
  int kept = 0;
  for (int i = 0; i < touches->size(); ++i) {
    if (touches->Get(i).time_ms() + window_ms < time_ms) continue;
    if (kept != i) touches->SwapElements(kept, i);
    ++kept;
  }
  touches->DeleteSubrange(kept, touches->size() - kept);
}

// Keeps the newest `max` touches (the list is oldest first).
void BoundTouches(int max, rec::SubjectAggregatesRecord* agg) {
  auto* touches = agg->mutable_recommendation_touches();
  const int excess = touches->size() - std::max(max, 0);
  if (excess > 0) touches->DeleteSubrange(0, excess);
}

// Records an engagement with `item_id` through `ref` (refreshing an existing one).
void AddTouch(const std::string& item_id, const Ref& ref, int64_t time_ms, bool clicked,
              const AggregationOptions& options, rec::SubjectAggregatesRecord* agg) {
  for (auto& touch : *agg->mutable_recommendation_touches()) {
    if (touch.item_id() == item_id && SameRef(touch.recommendation(), ref)) {
      touch.set_time_ms(std::max(touch.time_ms(), time_ms));
      touch.set_clicked(touch.clicked() || clicked);
      return;
    }
  }
  auto* touch = agg->add_recommendation_touches();
  touch->set_item_id(item_id);
  *touch->mutable_recommendation() = ref;
  touch->set_time_ms(time_ms);
  touch->set_clicked(clicked);
  BoundTouches(options.max_recommendation_touches, agg);
}

// Returns the recommendation of the latest engagement with `item_id` whose
// window holds `time_ms` (last touch wins), or nullopt.
std::optional<Ref> FindTouch(const std::string& item_id, int64_t time_ms, int64_t window_ms,
                             const rec::SubjectAggregatesRecord& agg) {
  const rec::RecommendationTouchRecord* best = nullptr;
  for (const auto& touch : agg.recommendation_touches()) {
    if (touch.item_id() != item_id || touch.time_ms() > time_ms ||
        touch.time_ms() + window_ms < time_ms) {
      continue;
    }
    if (best == nullptr || touch.time_ms() >= best->time_ms()) best = &touch;
  }
  if (best == nullptr) return std::nullopt;
  return best->recommendation();
}

// Returns the event's own recommendation when it may credit it: the id
// decodes and the event falls within the window after the issue time.
std::optional<Ref> DirectRef(const rec::EventRecord& event, int64_t window_ms) {
  std::optional<Ref> ref = DecodeRef(event.recommendation_id());
  if (!ref) return std::nullopt;
  const int64_t t = EventTimeMs(event);
  if (t < ref->issued_time_ms() - kAttributionClockSkewMs ||
      t > ref->issued_time_ms() + window_ms) {
    return std::nullopt;
  }
  return ref;
}

void CountImpression(const rec::EventRecord& event, const Ref& ref,
                     std::vector<PlacementMetricsDelta>* deltas) {
  rec::PlacementMetricsRecord* d = DeltaFor(ref, deltas);
  d->set_list_impressions(d->list_impressions() + 1);
  d->set_impressions(d->impressions() + event.items_size());
}

void CountClick(const rec::EventRecord& event, const Ref& ref, const AggregationOptions& options,
                rec::SubjectAggregatesRecord* agg, std::vector<PlacementMetricsDelta>* deltas) {
  rec::PlacementMetricsRecord* d = DeltaFor(ref, deltas);
  d->set_clicks(d->clicks() + std::max(1, event.items_size()));
  for (const auto& item : event.items()) {
    AddTouch(item.item_id(), ref, EventTimeMs(event), /*clicked=*/true, options, agg);
  }
}

void AttributeCartAdds(const rec::EventRecord& event, const AggregationOptions& options,
                       rec::SubjectAggregatesRecord* agg,
                       std::vector<PlacementMetricsDelta>* deltas) {
  const int64_t t = EventTimeMs(event);
  const std::optional<Ref> direct = DirectRef(event, options.attribution_window_ms);
  for (const auto& item : event.items()) {
    const std::optional<Ref> ref =
        direct ? direct : FindTouch(item.item_id(), t, options.attribution_window_ms, *agg);
    if (!ref) continue;
    rec::PlacementMetricsRecord* d = DeltaFor(*ref, deltas);
    d->set_add_to_carts(d->add_to_carts() + 1);
    // The cart add itself carried the id: a later purchase of the item follows from it.
    if (direct) AddTouch(item.item_id(), *ref, t, /*clicked=*/false, options, agg);
  }
}

// Credits one order's revenue `amount` to `ref`: a conversion unless another
// row of the same order was already credited to it.
void CreditOrder(const std::string& order_id, const Ref& ref, double amount,
                 const AggregationOptions& options, rec::SubjectAggregatesRecord* agg,
                 std::vector<PlacementMetricsDelta>* deltas) {
  double before = 0;
  bool seen = false;
  if (!order_id.empty()) {
    for (auto& order : *agg->mutable_attributed_orders()) {
      if (order.order_id() == order_id && SameRef(order.recommendation(), ref)) {
        before = order.revenue();
        order.set_revenue(before + amount);
        seen = true;
        break;
      }
    }
    if (!seen) {
      auto* order = agg->add_attributed_orders();
      order->set_order_id(order_id);
      *order->mutable_recommendation() = ref;
      order->set_revenue(amount);
      auto* orders = agg->mutable_attributed_orders();
      const int excess = orders->size() - std::max(options.max_recent_order_ids, 0);
      if (excess > 0) orders->DeleteSubrange(0, excess);
    }
  }
  rec::PlacementMetricsRecord* d = DeltaFor(ref, deltas);
  if (!seen) d->set_conversions(d->conversions() + 1);
  d->set_revenue(d->revenue() + amount);
  // The order's square grows from before^2 to (before + amount)^2.
  d->set_revenue_sq(d->revenue_sq() + amount * (2 * before + amount));
}

void AttributePurchase(const rec::EventRecord& event, const AggregationOptions& options,
                       rec::SubjectAggregatesRecord* agg,
                       std::vector<PlacementMetricsDelta>* deltas) {
  const int64_t t = EventTimeMs(event);
  const std::optional<Ref> direct = DirectRef(event, options.attribution_window_ms);
  double lines_value = 0;
  for (const auto& item : event.items()) lines_value += static_cast<double>(Units(item)) * item.price();
  // Without line prices the event's value is split evenly over its lines.
  const double even_share =
      event.items_size() > 0 && !(lines_value > 0) ? event.value() / event.items_size() : 0;
  std::vector<std::pair<Ref, double>> credited;  // by recommendation, in first-seen order
  auto credit = [&](const Ref& ref, double amount) {
    for (auto& [r, sum] : credited) {
      if (SameRef(r, ref)) {
        sum += amount;
        return;
      }
    }
    credited.emplace_back(ref, amount);
  };
  for (const auto& item : event.items()) {
    const std::optional<Ref> ref =
        direct ? direct : FindTouch(item.item_id(), t, options.attribution_window_ms, *agg);
    if (!ref) continue;
    credit(*ref, lines_value > 0 ? static_cast<double>(Units(item)) * item.price() : even_share);
  }
  if (event.items_size() == 0 && direct) credit(*direct, EventAmount(event));
  for (const auto& [ref, amount] : credited) {
    CreditOrder(event.order_id(), ref, amount, options, agg, deltas);
  }
}

// Folds a session's touches and attributed orders into a customer's.
void MergeAttribution(const rec::SubjectAggregatesRecord& from, const AggregationOptions& options,
                      rec::SubjectAggregatesRecord* into) {
  std::vector<rec::RecommendationTouchRecord> touches(into->recommendation_touches().begin(),
                                                      into->recommendation_touches().end());
  touches.insert(touches.end(), from.recommendation_touches().begin(),
                 from.recommendation_touches().end());
  std::stable_sort(touches.begin(), touches.end(), [](const auto& a, const auto& b) {
    return a.time_ms() < b.time_ms();
  });
  into->clear_recommendation_touches();
  for (auto& t : touches) *into->add_recommendation_touches() = std::move(t);
  BoundTouches(options.max_recommendation_touches, into);
  for (const auto& order : from.attributed_orders()) {
    const auto& mine = into->attributed_orders();
    // Both sides credited rows of one order (the figures counted it on each): keep one record.
    if (std::none_of(mine.begin(), mine.end(), [&](const rec::AttributedOrderRecord& o) {
          return o.order_id() == order.order_id() &&
                 SameRef(o.recommendation(), order.recommendation());
        })) {
      *into->add_attributed_orders() = order;
    }
  }
  auto* orders = into->mutable_attributed_orders();
  const int excess = orders->size() - std::max(options.max_recent_order_ids, 0);
  if (excess > 0) orders->DeleteSubrange(0, excess);
}

// --- Shown items ------------------------------------------------------------

// Inserts `time_ms` into the ascending `times`, keeping the newest `max`.
void InsertShownTime(int64_t time_ms, int max, google::protobuf::RepeatedField<int64_t>* times) {
  times->Add(time_ms);
  for (int i = times->size() - 1; i > 0 && times->Get(i - 1) > times->Get(i); --i) {
    times->SwapElements(i - 1, i);
  }
  const int excess = times->size() - std::max(max, 1);
  if (excess > 0) {
    std::copy(times->begin() + excess, times->end(), times->begin());
    times->Truncate(times->size() - excess);
  }
}

// Drops showings before `cutoff_ms`, then items left without any.
void DropShownBefore(int64_t cutoff_ms, rec::SubjectAggregatesRecord* agg) {
  auto* items = agg->mutable_shown_items();
  int kept = 0;
  for (int i = 0; i < items->size(); ++i) {
    auto* times = items->Mutable(i)->mutable_times_ms();
    const auto first_kept = std::lower_bound(times->begin(), times->end(), cutoff_ms);
    const int drop = static_cast<int>(first_kept - times->begin());
    if (drop == times->size()) continue;
    if (drop > 0) {
      std::copy(times->begin() + drop, times->end(), times->begin());
      times->Truncate(times->size() - drop);
    }
    if (kept != i) items->SwapElements(kept, i);
    ++kept;
  }
  items->DeleteSubrange(kept, items->size() - kept);
}

// Drops the items shown least recently until at most `max` remain.
void BoundShownItems(int max, rec::SubjectAggregatesRecord* agg) {
  auto* items = agg->mutable_shown_items();
  const int limit = std::max(max, 0);
  if (items->size() <= limit) return;
  // Stable: of items last shown at the same time, those listed first go first.
  auto last = [](const rec::ShownItemRecord& r) {
    return r.times_ms().empty() ? INT64_MIN : r.times_ms(r.times_ms_size() - 1);
  };
  std::stable_sort(items->begin(), items->end(),
                   [&](const auto& a, const auto& b) { return last(a) > last(b); });
  items->DeleteSubrange(limit, items->size() - limit);
}

rec::ShownItemRecord* FindShown(std::string_view item_id, rec::SubjectAggregatesRecord* agg) {
  for (auto& shown : *agg->mutable_shown_items()) {
    if (shown.item_id() == item_id) return &shown;
  }
  return nullptr;
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
  if (agg->first_seen_time_ms() == 0 || t < agg->first_seen_time_ms()) {
    agg->set_first_seen_time_ms(t);
  }
  agg->set_last_seen_time_ms(std::max(agg->last_seen_time_ms(), t));
  ++(*agg->mutable_event_counts())[event.type()];
  RememberInteractions(event, t, options, agg);
  if (event.type() == kPurchase) {
    ApplyPurchase(event, t, options, agg);
  } else if (event.type() == kReturn) {
    ApplyReturn(event, agg);
  } else if (event.type() == kRecommendationImpression) {
    std::vector<std::string_view> ids;
    ids.reserve(event.items_size());
    for (const auto& item : event.items()) ids.push_back(item.item_id());
    RecordShown(ids, t, options, agg);
  } else if (event.type() == kSurveyResponse) {
    auto survey = event.properties().find("survey");
    if (survey != event.properties().end() && survey->second == "nps") {
      agg->set_last_nps(static_cast<int32_t>(std::lround(event.value())));
      agg->set_has_nps(true);
    }
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
}

}  // namespace persona::storage

namespace persona::storage {

int32_t UtcDay(int64_t time_ms) {
  constexpr int64_t kDayMs = 86'400'000;
  const int64_t day = time_ms >= 0 ? time_ms / kDayMs : -((-time_ms + kDayMs - 1) / kDayMs);
  return static_cast<int32_t>(day);
}

void AttributeEvent(const rec::EventRecord& event, const AggregationOptions& options,
                    rec::SubjectAggregatesRecord* agg, std::vector<PlacementMetricsDelta>* deltas) {
  DropExpiredTouches(EventTimeMs(event), options.attribution_window_ms, agg);
  switch (event.type()) {
    case kRecommendationImpression:
      if (auto ref = DirectRef(event, options.attribution_window_ms)) {
        CountImpression(event, *ref, deltas);
      }
      break;
    case kRecommendationClick:
      if (auto ref = DirectRef(event, options.attribution_window_ms)) {
        CountClick(event, *ref, options, agg, deltas);
      }
      break;
    case kAddToCart: AttributeCartAdds(event, options, agg, deltas); break;
    case kPurchase: AttributePurchase(event, options, agg, deltas); break;
    default: break;
  }
}

void RecordShown(std::span<const std::string_view> item_ids, int64_t time_ms,
                 const AggregationOptions& options, rec::SubjectAggregatesRecord* agg) {
  if (item_ids.empty() || options.max_shown_items <= 0) return;
  for (std::string_view id : item_ids) {
    rec::ShownItemRecord* shown = FindShown(id, agg);
    if (shown == nullptr) {
      shown = agg->add_shown_items();
      shown->set_item_id(std::string(id));
    }
    InsertShownTime(time_ms, options.max_shown_times, shown->mutable_times_ms());
  }
  DropShownBefore(time_ms - options.shown_history_ms, agg);
  BoundShownItems(options.max_shown_items, agg);
}

void MergeShownItems(const rec::SubjectAggregatesRecord& from, const AggregationOptions& options,
                     rec::SubjectAggregatesRecord* into) {
  if (from.shown_items_size() == 0) return;
  int64_t newest = INT64_MIN;
  for (const auto& shown : from.shown_items()) {
    if (shown.times_ms().empty()) continue;
    rec::ShownItemRecord* mine = FindShown(shown.item_id(), into);
    if (mine == nullptr) {
      mine = into->add_shown_items();
      mine->set_item_id(shown.item_id());
    }
    for (int64_t t : shown.times_ms()) {
      InsertShownTime(t, options.max_shown_times, mine->mutable_times_ms());
      newest = std::max(newest, t);
    }
  }
  if (newest != INT64_MIN) DropShownBefore(newest - options.shown_history_ms, into);
  BoundShownItems(options.max_shown_items, into);
}

void AddPlacementMetrics(const rec::PlacementMetricsRecord& delta,
                         rec::PlacementMetricsRecord* into) {
  into->set_impressions(into->impressions() + delta.impressions());
  into->set_list_impressions(into->list_impressions() + delta.list_impressions());
  into->set_clicks(into->clicks() + delta.clicks());
  into->set_add_to_carts(into->add_to_carts() + delta.add_to_carts());
  into->set_conversions(into->conversions() + delta.conversions());
  into->set_revenue(into->revenue() + delta.revenue());
  into->set_revenue_sq(into->revenue_sq() + delta.revenue_sq());
}

}  // namespace persona::storage
