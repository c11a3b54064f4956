#include "tools/importer/resumable.h"

#include <algorithm>
#include <map>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "tools/importer/checkpoint.h"

namespace persona::importer {
namespace {

// Adds the counts of `run` to those of `base` (a checkpoint of earlier runs).
ImportReport Totals(const Checkpoint& base, const ImportReport& run) {
  ImportReport total = run;
  total.rows_read += base.rows;
  total.items += base.items;
  total.customers += base.customers;
  total.events += base.events;
  total.duplicates += base.duplicates;
  total.rejected += base.rejected;
  std::map<std::string, int64_t> skipped(base.skipped.begin(), base.skipped.end());
  for (const auto& [reason, count] : run.skipped_by_reason) skipped[reason] += count;
  total.skipped_by_reason.assign(skipped.begin(), skipped.end());
  std::sort(total.skipped_by_reason.begin(), total.skipped_by_reason.end(),
            [](const auto& a, const auto& b) {
              return a.second != b.second ? a.second > b.second : a.first < b.first;
            });
  return total;
}

Checkpoint ToCheckpoint(Checkpoint c, const ImportReport& totals, int64_t line) {
  c.line = line;
  c.rows = totals.rows_read;
  c.items = totals.items;
  c.customers = totals.customers;
  c.events = totals.events;
  c.duplicates = totals.duplicates;
  c.rejected = totals.rejected;
  c.skipped = totals.skipped_by_reason;
  return c;
}

// Reads the checkpoint to continue from; an empty one when there is none.
absl::StatusOr<Checkpoint> Previous(const std::string& path, const Checkpoint& fresh) {
  absl::StatusOr<Checkpoint> previous = ReadCheckpoint(path);
  if (absl::IsNotFound(previous.status())) return fresh;
  RETURN_IF_ERROR(previous.status());
  if (previous->fingerprint != fresh.fingerprint) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": the checkpoint is for another input (", previous->input,
                     "), or the input changed at its start; delete the checkpoint to start "
                     "again"));
  }
  if (previous->format != fresh.format) {
    return absl::FailedPreconditionError(absl::StrCat(path, ": the checkpoint was read as ",
                                                      previous->format, ", not ", fresh.format));
  }
  return previous;
}

}  // namespace

absl::StatusOr<ResumableResult> ImportResumable(const std::string& path, ImportOptions options,
                                                const ResumableOptions& files, Sink& sink) {
  if (options.format == Format::kAuto) {
    ASSIGN_OR_RETURN(options.format, DetectFormat(path));
  }
  const bool checkpointing = !files.checkpoint.empty();
  if (checkpointing && options.format == Format::kOnlineRetail) {
    return absl::FailedPreconditionError(
        "Online Retail files are read whole and cannot be resumed (importing "
        "again stores "
        "nothing twice): import without --checkpoint/--resume");
  }
  Checkpoint base;
  base.input = path;
  base.format = FormatName(options.format);
  ResumableResult result;
  if (checkpointing) {
    ASSIGN_OR_RETURN(base.fingerprint, InputFingerprint(path));
    if (files.resume) {
      ASSIGN_OR_RETURN(base, Previous(files.checkpoint, base));
    }
    options.derive_event_ids = true;
  }
  if (base.complete) {
    result.already_complete = true;
    result.resumed_after_line = base.line;
    result.report = Totals(base, ImportReport{});
    return result;
  }
  options.resume_after_line = result.resumed_after_line = base.line;
  std::unique_ptr<RejectsFile> rejects;
  if (!files.rejects.empty()) {
    const int64_t keep = files.rejects_append ? kKeepAll : base.line > 0 ? base.rejects_bytes : -1;
    ASSIGN_OR_RETURN(rejects, RejectsFile::Open(files.rejects, keep));
  }
  options.on_commit = [&](const CommitPoint& point) -> absl::Status {
    if (rejects != nullptr) RETURN_IF_ERROR(rejects->Append(path, point.new_rejects));
    const ImportReport totals = Totals(base, *point.report);
    if (checkpointing) {
      Checkpoint now = ToCheckpoint(base, totals, point.line);
      now.rejects_bytes = rejects != nullptr ? rejects->size() : -1;
      RETURN_IF_ERROR(WriteCheckpoint(files.checkpoint, now));
    }
    if (files.on_progress) files.on_progress(totals);
    return absl::OkStatus();
  };
  ASSIGN_OR_RETURN(const ImportReport run, ImportFile(path, options, sink));
  result.report = Totals(base, run);
  if (checkpointing && !run.stopped_at_limit) {
    Checkpoint done = ToCheckpoint(base, result.report, run.last_line);
    done.rejects_bytes = rejects != nullptr ? rejects->size() : -1;
    done.complete = true;
    RETURN_IF_ERROR(WriteCheckpoint(files.checkpoint, done));
  }
  return result;
}

}  // namespace persona::importer
