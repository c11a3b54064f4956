// Sends parsed records to a Sink in batches and keeps the ImportReport:
// counts, skipped rows by reason and rejected rows with their file lines
// (sink rejections are mapped back through the batch's line numbers).
// Two modes: by default a batch goes as soon as it is full (Online Retail);
// in unit mode records are held until EndUnit, then everything queued goes
// (items, customers, events, in batches) and a CommitPoint is reported, so a
// commit never covers part of a row. Not thread-safe.
#ifndef PERSONA_TOOLS_IMPORTER_DISPATCHER_H_
#define PERSONA_TOOLS_IMPORTER_DISPATCHER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "tools/importer/importer.h"

namespace persona::importer {

// Rejected rows kept in the report; the rest are only counted.
inline constexpr size_t kMaxRejectedRows = 1000;

class Dispatcher {
 public:
  // `sink` and `report` must outlive the dispatcher; `batch_size` is clamped
  // to 1..1000.
  Dispatcher(Sink& sink, int batch_size, ImportReport* report);

  // Sets what runs after every sink call (e.g. a progress callback).
  void set_after_batch(std::function<void()> after_batch) { after_batch_ = std::move(after_batch); }
  // Records handed to the sink so far.
  int64_t sent() const { return sent_; }
  // Sets what hears each commit point (default: nothing).
  void set_on_commit(std::function<absl::Status(const CommitPoint&)> on_commit) {
    on_commit_ = std::move(on_commit);
  }
  // Switches to unit mode (see above).
  void set_unit_mode() { unit_mode_ = true; }
  // Unit mode: everything of the rows up to file line `end_line` is queued.
  // Sends and commits when a queue holds a batch, or when many rows or
  // rejections wait. Errors are the sink's or on_commit's.
  absl::Status EndUnit(int64_t end_line);

  // Queue a record read at file line `line`; a full batch is sent. Errors
  // are the sink's failures, which end the import.
  absl::Status Add(persona::v1::Item item, int64_t line);
  absl::Status Add(persona::v1::Customer customer, int64_t line);
  absl::Status Add(persona::v1::Event event, int64_t line);
  // Sends every queued record.
  absl::Status Flush();

  // Records a row refused by the parser.
  void Reject(int64_t line, std::string reason);
  // Counts rows left out on purpose.
  void Skip(const std::string& reason, int64_t count = 1);
  // Sends what is queued, writes the skip counts into the report (most
  // frequent first), sorts the rejected rows by line and reports the last
  // commit point (in either mode). Errors as for EndUnit.
  absl::Status Finish();

 private:
  template <typename T>
  struct Pending {
    std::vector<T> records;
    std::vector<int64_t> lines;
  };
  template <typename T>
  absl::Status Send(Pending<T>& pending, int64_t* counter);
  absl::Status Commit();
  void UpdateSkips();
  absl::StatusOr<BatchResult> Call(std::vector<persona::v1::Item> batch);
  absl::StatusOr<BatchResult> Call(std::vector<persona::v1::Customer> batch);
  absl::StatusOr<BatchResult> Call(std::vector<persona::v1::Event> batch);

  Sink& sink_;
  const size_t batch_size_;
  ImportReport* const report_;
  std::function<void()> after_batch_;
  int64_t sent_ = 0;
  Pending<persona::v1::Item> items_;
  Pending<persona::v1::Customer> customers_;
  Pending<persona::v1::Event> events_;
  absl::flat_hash_map<std::string, int64_t> skipped_;
  bool unit_mode_ = false;
  std::function<absl::Status(const CommitPoint&)> on_commit_;
  int64_t unit_end_line_ = 0;
  int64_t rows_at_commit_ = 0;
  // Every rejection since the last commit point (the report keeps 1000).
  std::vector<RejectedRow> uncommitted_;
};

// Turns a sink rejection into a row reason: "price: must be finite and >= 0"
// (the batch-relative prefix such as "items[3]." is dropped).
std::string RejectionReason(const persona::v1::Rejection& rejection);

}  // namespace persona::importer

#endif  // PERSONA_TOOLS_IMPORTER_DISPATCHER_H_
