// Attribution of events to the recommendations that caused them, and the
// shown-items history (rules in storage/README.md, "Attribution" and "Shown
// items"); split from aggregates.cc, whose declarations they share.
#include <algorithm>
#include <climits>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/recommendation_id.h"
#include "storage/aggregates.h"

namespace persona::storage {
namespace {

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


void AttributeEvent(const rec::EventRecord& event, const AggregationOptions& options,
                    rec::SubjectAggregatesRecord* agg, std::vector<PlacementMetricsDelta>* deltas) {
  DropExpiredTouches(EventTimeMs(event), options.attribution_window_ms, agg);
  switch (event.type()) {
    case kRecommendationImpression:
    case kEmailSend:  // an email's items are its impressions
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
