// A resumable import around ImportFile: writes a checkpoint after every
// acknowledged batch, continues from one (--resume), and writes every refused
// row to a rejects file (checkpoint.h has both files). Counts of the run a
// resume continues are carried on, so the final report covers the whole
// input. Not thread-safe; one import at a time per checkpoint file.
#ifndef PERSONA_TOOLS_IMPORTER_RESUMABLE_H_
#define PERSONA_TOOLS_IMPORTER_RESUMABLE_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "tools/importer/importer.h"

namespace persona::importer {

struct ResumableOptions {
  // Where the checkpoint goes; empty (the default): none is written.
  std::string checkpoint;
  // Continue from `checkpoint` when it exists (else start afresh). Default
  // false.
  bool resume = false;
  // Where refused rows go (CSV); empty (the default): nowhere. Emptied first,
  // unless `rejects_append` (default false: another file of the same command
  // wrote there) or a resume (cut back to what its checkpoint covered).
  std::string rejects;
  bool rejects_append = false;
  // Called after each acknowledged batch with the counts of the whole import
  // so far. Default: none.
  std::function<void(const ImportReport& totals)> on_progress;
};

struct ResumableResult {
  // Counts of the whole import, earlier runs included; rejected_rows holds
  // (the first 1000 of) this run's.
  ImportReport report;
  // The checkpoint's line this run continued after (0: from the start).
  int64_t resumed_after_line = 0;
  // The checkpoint said the import had finished; nothing was read.
  bool already_complete = false;
};

// Imports `path` as ImportFile does, with the files above. Fails as
// ImportFile does, and also with FAILED_PRECONDITION when the checkpoint
// belongs to another input or format (or to an Online Retail import, which
// cannot be resumed), DATA_LOSS for a damaged checkpoint and UNAVAILABLE when
// the checkpoint or rejects file cannot be written.
absl::StatusOr<ResumableResult> ImportResumable(const std::string& path, ImportOptions options,
                                                const ResumableOptions& files, Sink& sink);

}  // namespace persona::importer

#endif  // PERSONA_TOOLS_IMPORTER_RESUMABLE_H_
