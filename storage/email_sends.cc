// Email sends kept in a subject's aggregates (see aggregates.h): what
// frequency caps and "not emailed within D days" read.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "storage/aggregates.h"

namespace persona::storage {
namespace {

std::string Property(const rec::EventRecord& event, const std::string& key) {
  auto it = event.properties().find(key);
  return it == event.properties().end() ? std::string() : it->second;
}

// Drops sends before `cutoff_ms`, then the oldest beyond `max_sends`; the
// list must be oldest first.
void BoundSends(int64_t cutoff_ms, int max_sends, rec::SubjectAggregatesRecord* agg) {
  auto* sends = agg->mutable_email_sends();
  int old = 0;
  while (old < sends->size() && sends->Get(old).time_ms() < cutoff_ms) ++old;
  if (old > 0) sends->DeleteSubrange(0, old);
  const int excess = sends->size() - std::max(max_sends, 0);
  if (excess > 0) sends->DeleteSubrange(0, excess);
}

}  // namespace

void RecordEmailSend(const rec::EventRecord& event, int64_t time_ms,
                     const AggregationOptions& options, rec::SubjectAggregatesRecord* agg) {
  std::vector<std::string_view> ids;
  ids.reserve(event.items_size());
  for (const auto& item : event.items()) ids.push_back(item.item_id());
  RecordShown(ids, time_ms, options, agg);
  if (options.max_email_sends <= 0) return;
  rec::EmailSendRecord send;
  send.set_campaign_id(Property(event, "campaign"));
  send.set_campaign_type(Property(event, "campaign_type"));
  send.set_time_ms(time_ms);
  for (std::string_view id : ids) send.add_item_ids(std::string(id));
  send.set_recommendation_id(event.recommendation_id());
  // Keep the list oldest first even when events arrive out of order.
  auto* sends = agg->mutable_email_sends();
  int at = sends->size();
  while (at > 0 && sends->Get(at - 1).time_ms() > time_ms) --at;
  *sends->Add() = std::move(send);
  for (int i = sends->size() - 1; i > at; --i) sends->SwapElements(i, i - 1);
  BoundSends(time_ms - options.email_history_ms, options.max_email_sends, agg);
}

void MergeEmailSends(const rec::SubjectAggregatesRecord& from, const AggregationOptions& options,
                     rec::SubjectAggregatesRecord* into) {
  if (from.email_sends_size() == 0) return;
  std::vector<rec::EmailSendRecord> merged(into->email_sends().begin(), into->email_sends().end());
  merged.insert(merged.end(), from.email_sends().begin(), from.email_sends().end());
  std::stable_sort(merged.begin(), merged.end(),
                   [](const auto& a, const auto& b) { return a.time_ms() < b.time_ms(); });
  into->clear_email_sends();
  for (auto& s : merged) *into->add_email_sends() = std::move(s);
  const int64_t newest = into->email_sends().rbegin()->time_ms();
  BoundSends(newest - options.email_history_ms, options.max_email_sends, into);
}

}  // namespace persona::storage
