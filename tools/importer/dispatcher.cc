#include "tools/importer/dispatcher.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace persona::importer {

namespace v1 = ::persona::v1;

std::string RejectionReason(const v1::Rejection& rejection) {
  std::string field = rejection.field();
  // Drop a leading "name[N]" naming the element of the batch.
  const size_t bracket = field.find('[');
  const size_t close = field.find(']');
  const size_t dot = field.find('.');
  if (bracket != std::string::npos && close != std::string::npos && close > bracket &&
      (dot == std::string::npos || bracket < dot)) {
    field = field.substr(close + 1);
    if (!field.empty() && field[0] == '.') field.erase(0, 1);
  }
  if (field.empty()) return rejection.reason();
  return absl::StrCat(field, ": ", rejection.reason());
}

Dispatcher::Dispatcher(Sink& sink, int batch_size, ImportReport* report)
    : sink_(sink),
      batch_size_(static_cast<size_t>(std::clamp(batch_size, 1, 1000))),
      report_(report) {}

absl::StatusOr<BatchResult> Dispatcher::Call(std::vector<v1::Item> batch) {
  return sink_.PutItems(std::move(batch));
}
absl::StatusOr<BatchResult> Dispatcher::Call(std::vector<v1::Customer> batch) {
  return sink_.PutCustomers(std::move(batch));
}
absl::StatusOr<BatchResult> Dispatcher::Call(std::vector<v1::Event> batch) {
  return sink_.PutEvents(std::move(batch));
}

// Sends the queue in batches of at most batch_size_ (a unit may have queued
// more).
template <typename T>
absl::Status Dispatcher::Send(Pending<T>& pending, int64_t* counter) {
  std::vector<T> records;
  records.swap(pending.records);
  std::vector<int64_t> lines;
  lines.swap(pending.lines);
  for (size_t start = 0; start < records.size(); start += batch_size_) {
    const size_t end = std::min(records.size(), start + batch_size_);
    std::vector<T> batch(std::make_move_iterator(records.begin() + start),
                         std::make_move_iterator(records.begin() + end));
    sent_ += static_cast<int64_t>(batch.size());
    ASSIGN_OR_RETURN(BatchResult result, Call(std::move(batch)));
    *counter += result.accepted;
    report_->duplicates += result.duplicates;
    for (const v1::Rejection& rejection : result.rejected) {
      const size_t index = start + static_cast<size_t>(std::max(0, rejection.index()));
      const int64_t line = rejection.index() >= 0 && index < end ? lines[index] : 0;
      Reject(line, RejectionReason(rejection));
    }
    if (after_batch_) after_batch_();
  }
  return absl::OkStatus();
}

absl::Status Dispatcher::Add(v1::Item item, int64_t line) {
  items_.records.push_back(std::move(item));
  items_.lines.push_back(line);
  if (unit_mode_ || items_.records.size() < batch_size_) return absl::OkStatus();
  return Send(items_, &report_->items);
}

absl::Status Dispatcher::Add(v1::Customer customer, int64_t line) {
  customers_.records.push_back(std::move(customer));
  customers_.lines.push_back(line);
  if (unit_mode_ || customers_.records.size() < batch_size_) return absl::OkStatus();
  return Send(customers_, &report_->customers);
}

absl::Status Dispatcher::Add(v1::Event event, int64_t line) {
  events_.records.push_back(std::move(event));
  events_.lines.push_back(line);
  if (unit_mode_ || events_.records.size() < batch_size_) return absl::OkStatus();
  return Send(events_, &report_->events);
}

absl::Status Dispatcher::EndUnit(int64_t end_line) {
  unit_end_line_ = end_line;
  // Commit now and then even when little is sent (a file of rejected or
  // skipped rows), so that progress shows and a resume has a place to start.
  constexpr int64_t kRowsPerCommit = 10000;
  const bool full = items_.records.size() >= batch_size_ ||
                    customers_.records.size() >= batch_size_ ||
                    events_.records.size() >= batch_size_;
  if (!full && uncommitted_.size() < kMaxRejectedRows &&
      report_->rows_read - rows_at_commit_ < kRowsPerCommit) {
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(Flush());
  return Commit();
}

absl::Status Dispatcher::Commit() {
  rows_at_commit_ = report_->rows_read;
  UpdateSkips();
  CommitPoint point;
  point.line = unit_mode_ ? unit_end_line_ : report_->last_line;
  point.report = report_;
  point.new_rejects.swap(uncommitted_);
  std::stable_sort(point.new_rejects.begin(), point.new_rejects.end(),
                   [](const RejectedRow& a, const RejectedRow& b) { return a.line < b.line; });
  if (!on_commit_) return absl::OkStatus();
  return on_commit_(point);
}

absl::Status Dispatcher::Flush() {
  RETURN_IF_ERROR(Send(items_, &report_->items));
  RETURN_IF_ERROR(Send(customers_, &report_->customers));
  return Send(events_, &report_->events);
}

void Dispatcher::Reject(int64_t line, std::string reason) {
  ++report_->rejected;
  if (report_->rejected_rows.size() < kMaxRejectedRows) {
    report_->rejected_rows.push_back({line, reason});
  }
  if (on_commit_) uncommitted_.push_back({line, std::move(reason)});
}

void Dispatcher::Skip(const std::string& reason, int64_t count) { skipped_[reason] += count; }

absl::Status Dispatcher::Finish() {
  RETURN_IF_ERROR(Flush());
  // Sink rejections arrive after parse rejections of later lines; show file
  // order.
  std::stable_sort(report_->rejected_rows.begin(), report_->rejected_rows.end(),
                   [](const RejectedRow& a, const RejectedRow& b) { return a.line < b.line; });
  return Commit();
}

void Dispatcher::UpdateSkips() {
  report_->skipped_by_reason.assign(skipped_.begin(), skipped_.end());
  std::sort(report_->skipped_by_reason.begin(), report_->skipped_by_reason.end(),
            [](const auto& a, const auto& b) {
              return a.second != b.second ? a.second > b.second : a.first < b.first;
            });
}

}  // namespace persona::importer
