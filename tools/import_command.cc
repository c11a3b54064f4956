// `persona import`: reads CSV, JSON Lines, Online Retail, GA4, Shopify or
// Segment files and sends them to a running server through the importer
// library (resumable, with a rejects file) and a gRPC sink.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "persona/v1/catalog.grpc.pb.h"
#include "persona/v1/customers.grpc.pb.h"
#include "persona/v1/events.grpc.pb.h"
#include "tools/cli_flags.h"
#include "tools/commands.h"
#include "tools/connection.h"
#include "tools/importer/checkpoint.h"
#include "tools/importer/importer.h"
#include "tools/importer/resumable.h"

namespace persona::tools {
namespace {

namespace v1 = ::persona::v1;
using importer::BatchResult;

template <typename Response>
BatchResult ToBatchResult(const Response& response) {
  BatchResult result;
  result.accepted = response.accepted();
  result.rejected.assign(response.rejected().begin(), response.rejected().end());
  return result;
}

// Sends each batch as one unary call to the server's services.
class GrpcSink : public importer::Sink {
 public:
  GrpcSink(const std::shared_ptr<grpc::Channel>& channel, std::string shop)
      : catalog_(v1::CatalogService::NewStub(channel)),
        customers_(v1::CustomerService::NewStub(channel)),
        events_(v1::EventService::NewStub(channel)),
        shop_(std::move(shop)) {}

  absl::StatusOr<BatchResult> PutItems(std::vector<v1::Item> items) override {
    v1::UpsertItemsRequest request;
    request.set_shop(shop_);
    for (auto& item : items) *request.add_items() = std::move(item);
    v1::UpsertItemsResponse response;
    RETURN_IF_ERROR(FromGrpc(catalog_->UpsertItems(CallContext().get(), request, &response),
                             "CatalogService.UpsertItems"));
    return ToBatchResult(response);
  }

  absl::StatusOr<BatchResult> PutCustomers(std::vector<v1::Customer> customers) override {
    v1::UpsertCustomersRequest request;
    request.set_shop(shop_);
    for (auto& customer : customers) *request.add_customers() = std::move(customer);
    v1::UpsertCustomersResponse response;
    RETURN_IF_ERROR(FromGrpc(customers_->UpsertCustomers(CallContext().get(), request, &response),
                             "CustomerService.UpsertCustomers"));
    return ToBatchResult(response);
  }

  absl::StatusOr<BatchResult> PutEvents(std::vector<v1::Event> events) override {
    v1::TrackEventsRequest request;
    request.set_shop(shop_);
    request.set_sequence(++sequence_);
    for (auto& event : events) *request.add_events() = std::move(event);
    v1::TrackEventsResponse response;
    RETURN_IF_ERROR(FromGrpc(events_->TrackEvents(CallContext().get(), request, &response),
                             "EventService.TrackEvents"));
    BatchResult result = ToBatchResult(response);
    result.duplicates = response.duplicates();
    return result;
  }

 private:
  std::unique_ptr<v1::CatalogService::Stub> catalog_;
  std::unique_ptr<v1::CustomerService::Stub> customers_;
  std::unique_ptr<v1::EventService::Stub> events_;
  const std::string shop_;
  int64_t sequence_ = 0;
};

// Shows progress on stderr every few seconds: rows done, rows/s, rejected and,
// when known, the share of the file read.
class ProgressDisplay {
 public:
  explicit ProgressDisplay(std::string label) : label_(std::move(label)) {}

  void SetShare(int64_t done, int64_t total) {
    percent_ = total > 0 ? static_cast<int>(std::min<int64_t>(100, 100 * done / total)) : -1;
  }

  void Update(const importer::ImportReport& totals) {
    const absl::Time now = absl::Now();
    if (now - last_ < absl::Seconds(2)) return;
    const double seconds = absl::ToDoubleSeconds(now - start_);
    const int64_t rows = totals.rows_read - first_rows_;
    std::fprintf(stderr, "%s: %lld rows done%s, %.0f rows/s, %lld rejected\n", label_.c_str(),
                 static_cast<long long>(totals.rows_read),
                 percent_ >= 0 ? absl::StrCat(" (", percent_, "%)").c_str() : "",
                 seconds > 0 ? rows / seconds : 0.0, static_cast<long long>(totals.rejected));
    last_ = now;
  }

  // Counts rates from here (a resumed import starts with earlier rows done).
  void Start(int64_t rows_done) {
    first_rows_ = rows_done;
    start_ = last_ = absl::Now();
  }

  double Elapsed() const { return absl::ToDoubleSeconds(absl::Now() - start_); }
  // Rows per second of this run, given the rows done in all.
  double Rate(int64_t rows_done) const {
    const double seconds = Elapsed();
    return seconds > 0 ? static_cast<double>(rows_done - first_rows_) / seconds : 0.0;
  }

 private:
  const std::string label_;
  absl::Time start_ = absl::Now();
  absl::Time last_ = absl::Now();
  int64_t first_rows_ = 0;
  int percent_ = -1;
};

// Groups reasons that differ only in indices or quoted values.
std::string ReasonKey(const std::string& reason) {
  std::string key;
  bool in_quote = false;
  for (size_t i = 0; i < reason.size(); ++i) {
    const char c = reason[i];
    if (c == '\'') {
      if (!in_quote) key += "'…'";
      in_quote = !in_quote;
    } else if (in_quote) {
      continue;
    } else if (c == '[') {
      size_t j = i + 1;
      while (j < reason.size() && std::isdigit(static_cast<unsigned char>(reason[j]))) ++j;
      key += j < reason.size() && reason[j] == ']' && j > i + 1 ? "[]" : "[";
      if (key.back() == ']') i = j;
    } else {
      key += c;
    }
  }
  return key;
}

void PrintSummary(const std::string& path, const importer::ImportReport& r) {
  std::printf("%s: %lld rows read; stored %lld items, %lld customers, %lld events", path.c_str(),
              static_cast<long long>(r.rows_read), static_cast<long long>(r.items),
              static_cast<long long>(r.customers), static_cast<long long>(r.events));
  if (r.duplicates > 0) std::printf(" (%lld duplicates)", static_cast<long long>(r.duplicates));
  std::printf("\n");
  int64_t skipped = 0;
  for (const auto& [reason, count] : r.skipped_by_reason) skipped += count;
  if (skipped > 0) {
    std::printf("  skipped %lld rows on purpose:\n", static_cast<long long>(skipped));
    for (const auto& [reason, count] : r.skipped_by_reason) {
      std::printf("    %8lld  %s\n", static_cast<long long>(count), reason.c_str());
    }
  }
  if (r.rejected == 0) return;
  std::map<std::string, int64_t> by_reason;
  for (const auto& row : r.rejected_rows) ++by_reason[ReasonKey(row.reason)];
  std::vector<std::pair<int64_t, std::string>> top;
  for (const auto& [reason, count] : by_reason) top.emplace_back(count, reason);
  std::sort(top.begin(), top.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::printf(
      "  rejected %lld rows; top reasons%s:\n", static_cast<long long>(r.rejected),
      r.rejected > static_cast<int64_t>(r.rejected_rows.size()) ? " (of the first 1000)" : "");
  for (size_t i = 0; i < top.size() && i < 10; ++i) {
    std::printf("    %8lld  %s\n", static_cast<long long>(top[i].first), top[i].second.c_str());
  }
  std::printf("  first rejected rows:\n");
  for (size_t i = 0; i < r.rejected_rows.size() && i < 10; ++i) {
    std::printf("    line %lld: %s\n", static_cast<long long>(r.rejected_rows[i].line),
                r.rejected_rows[i].reason.c_str());
  }
}

Flags ImportFlags() {
  Flags flags(
      "persona import [flags] FILE...\n\n"
      "Loads items, customers or events from CSV, JSON Lines, the UCI Online "
      "Retail\n"
      "CSV, a GA4 BigQuery export, a Shopify orders CSV or Segment calls "
      "(plain or\n"
      ".gz) into a running server; docs/IMPORT.md has the columns and "
      "mappings.");
  flags.Value("server", "127.0.0.1:50051", "the server's gRPC address");
  flags.Value("shop", "", "the shop to load into (default: the server's default shop)");
  flags.Value("kind", "", "what CSV/JSON Lines files hold: items, customers or events");
  flags.Value("format", "auto", "auto, jsonl, csv, online-retail, ga4, shopify or segment");
  flags.Value("checkpoint", "", "write a checkpoint here after each batch (one FILE only)");
  flags.Bool("resume", "continue from --checkpoint after its last acknowledged row");
  flags.Value("rejects", "", "write every rejected row (file, line, reason) to this CSV");
  flags.Value("max_rows", "0", "stop after about this many rows (0: no limit); --resume goes on");
  flags.Value("upsert", "items,customers",
              "GA4/Shopify/Segment: what to upsert besides events (items, customers, none)");
  flags.Value("sample", "1.0", "Online Retail: share of customers to keep, in (0, 1]");
  flags.Bool("shift-to-now", "Online Retail: shift all times so the newest is now");
  flags.Value("batch", "500", "records per call, 1..1000");
  return flags;
}

// Fills `options` from the flags; a usage error is returned as INVALID_ARGUMENT.
absl::Status ReadOptions(const Flags& flags, importer::ImportOptions* options, bool* kind_given) {
  absl::StatusOr<importer::Format> format = importer::ParseFormatName(flags.Get("format"));
  if (!format.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--format ", format.status().message()));
  }
  options->format = *format;
  options->upsert_items = options->upsert_customers = false;
  for (const std::string& what : flags.GetList("upsert")) {
    if (what == "items")
      options->upsert_items = true;
    else if (what == "customers")
      options->upsert_customers = true;
    else if (what != "none")
      return absl::InvalidArgumentError("--upsert takes items, customers or none");
  }
  ASSIGN_OR_RETURN(options->max_rows, flags.GetInt("max_rows"));
  if (options->max_rows < 0) return absl::InvalidArgumentError("--max_rows must be >= 0");
  const std::string& kind = flags.Get("kind");
  *kind_given = !kind.empty();
  if (kind == "items")
    options->kind = importer::RecordKind::kItems;
  else if (kind == "customers")
    options->kind = importer::RecordKind::kCustomers;
  else if (kind == "events")
    options->kind = importer::RecordKind::kEvents;
  else if (!kind.empty())
    return absl::InvalidArgumentError("--kind must be items, customers or events");
  ASSIGN_OR_RETURN(options->customer_sample, flags.GetDouble("sample"));
  if (!(options->customer_sample > 0 && options->customer_sample <= 1)) {
    return absl::InvalidArgumentError("--sample must be in (0, 1]");
  }
  ASSIGN_OR_RETURN(const int64_t batch, flags.GetInt("batch"));
  if (batch < 1 || batch > 1000) return absl::InvalidArgumentError("--batch must be in 1..1000");
  options->batch_size = static_cast<int>(batch);
  if (flags.GetBool("shift-to-now")) options->shift_newest_to_ms = absl::ToUnixMillis(absl::Now());
  return absl::OkStatus();
}

// Decides each file's format before anything is sent, so that a missing
// file or --kind fails fast. Returns an exit code, or -1 when all is well.
int ResolveFormats(const std::vector<std::string>& paths, const importer::ImportOptions& options,
                   bool kind_given, std::vector<importer::Format>* formats) {
  for (const std::string& path : paths) {
    importer::Format format = options.format;
    if (format == importer::Format::kAuto) {
      auto detected = importer::DetectFormat(path);
      if (!detected.ok()) {
        std::fprintf(stderr, "persona import: %s\n",
                     std::string(detected.status().message()).c_str());
        return 1;
      }
      format = *detected;
    }
    const bool plain = format == importer::Format::kJsonLines || format == importer::Format::kCsv;
    if (plain && !kind_given) {
      std::fprintf(stderr,
                   "persona import: %s: --kind=items|customers|events is "
                   "required for CSV and "
                   "JSON Lines files (see persona import --help)\n",
                   path.c_str());
      return 2;
    }
    formats->push_back(format);
  }
  return -1;
}

// Imports one file; returns false (after printing why) when it failed.
bool ImportOne(const std::string& path, importer::ImportOptions options,
               importer::ResumableOptions files, importer::Sink& sink) {
  ProgressDisplay progress(path);
  options.progress = [&progress](int64_t done, int64_t total) { progress.SetShare(done, total); };
  files.on_progress = [&progress](const importer::ImportReport& totals) {
    progress.Update(totals);
  };
  if (files.resume) {
    auto previous = importer::ReadCheckpoint(files.checkpoint);
    if (previous.ok() && !previous->complete) {
      std::fprintf(stderr, "%s: resuming after line %lld (%lld rows done)\n", path.c_str(),
                   static_cast<long long>(previous->line), static_cast<long long>(previous->rows));
      progress.Start(previous->rows);
    }
  }
  auto result = importer::ImportResumable(path, options, files, sink);
  if (!result.ok()) {
    std::fprintf(stderr, "persona import: %s: %s\n", path.c_str(),
                 std::string(result.status().message()).c_str());
    return false;
  }
  if (result->already_complete) {
    std::printf("%s: already imported completely (checkpoint %s)\n", path.c_str(),
                files.checkpoint.c_str());
  }
  PrintSummary(path, result->report);
  const importer::ImportReport& r = result->report;
  std::printf("  %.1f s, %.0f rows/s\n", progress.Elapsed(), progress.Rate(r.rows_read));
  if (!files.rejects.empty() && r.rejected > 0) {
    std::printf("  all %lld rejected rows are in %s\n", static_cast<long long>(r.rejected),
                files.rejects.c_str());
  }
  if (r.stopped_at_limit) {
    std::printf("  stopped at --max_rows after line %lld; continue with --resume\n",
                static_cast<long long>(r.last_line));
  }
  return true;
}

// Reads the checkpoint and rejects flags; a usage error is INVALID_ARGUMENT.
absl::StatusOr<importer::ResumableOptions> ReadFiles(const Flags& flags, size_t file_count) {
  importer::ResumableOptions files;
  files.checkpoint = flags.Get("checkpoint");
  files.resume = flags.GetBool("resume");
  files.rejects = flags.Get("rejects");
  if (files.resume && files.checkpoint.empty()) {
    return absl::InvalidArgumentError("--resume needs --checkpoint=PATH");
  }
  if (!files.checkpoint.empty() && file_count != 1) {
    return absl::InvalidArgumentError("--checkpoint takes one FILE at a time");
  }
  return files;
}

}  // namespace

int RunImport(int argc, char** argv) {
  Flags flags = ImportFlags();
  if (absl::Status s = flags.Parse(argc, argv); !s.ok()) {
    std::fprintf(stderr, "persona import: %s\n\n%s", std::string(s.message()).c_str(),
                 flags.HelpText().c_str());
    return 2;
  }
  if (flags.help()) {
    std::printf("%s", flags.HelpText().c_str());
    return 0;
  }
  importer::ImportOptions options;
  bool kind_given = false;
  absl::Status usage = ReadOptions(flags, &options, &kind_given);
  if (usage.ok() && flags.positional().empty()) usage = absl::InvalidArgumentError("no FILE given");
  absl::StatusOr<importer::ResumableOptions> files = ReadFiles(flags, flags.positional().size());
  if (usage.ok() && !files.ok()) usage = files.status();
  if (!usage.ok()) {
    std::fprintf(stderr, "persona import: %s (see persona import --help)\n",
                 std::string(usage.message()).c_str());
    return 2;
  }
  std::vector<importer::Format> formats;
  const std::vector<std::string>& paths = flags.positional();
  if (int code = ResolveFormats(paths, options, kind_given, &formats); code >= 0) return code;
  auto channel = Connect(flags.Get("server"));
  if (!channel.ok()) {
    std::fprintf(stderr, "persona import: %s\n", std::string(channel.status().message()).c_str());
    return 1;
  }
  GrpcSink sink(*channel, flags.Get("shop"));
  for (size_t i = 0; i < paths.size(); ++i) {
    options.format = formats[i];
    // Several files share one rejects file: the first empties it.
    if (!ImportOne(paths[i], options, *files, sink)) return 1;
    files->resume = false;
    if (!files->rejects.empty()) files->rejects_append = true;
  }
  return 0;
}

}  // namespace persona::tools
