// `persona backup`, `persona purge-events`, `persona export` and `persona erase`.
#include "tools/ops_commands.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "absl/time/time.h"
#include "persona/v1/customers.grpc.pb.h"
#include "persona/v1/operations.grpc.pb.h"
#include "tools/cli_common.h"
#include "tools/cli_flags.h"
#include "tools/connection.h"

namespace persona::tools {
namespace {

namespace v1 = ::persona::v1;

// A backup copies the whole store; give it time.
constexpr std::chrono::seconds kLongCall{6 * 3600};

std::string FormatTime(int64_t ms) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", absl::FromUnixMillis(ms), absl::UTCTimeZone());
}

void PrintBackup(const v1::Backup& b) {
  std::printf("%8u  %s  %6d files  %14lld bytes\n", b.backup_id(), FormatTime(b.created_time_ms()).c_str(),
              b.files(), static_cast<long long>(b.size_bytes()));
}

int ListBackups(v1::OperationsService::Stub& stub, bool json) {
  v1::ListBackupsResponse response;
  absl::Status status = FromGrpc(stub.ListBackups(CallContext().get(), {}, &response),
                                 "OperationsService.ListBackups");
  if (!status.ok()) return Fail("backup", status);
  if (json) {
    std::printf("%s", ToJson(response).c_str());
    return 0;
  }
  std::printf("backups in %s:\n", response.backup_dir().c_str());
  for (const auto& b : response.backups()) PrintBackup(b);
  if (response.backups().empty()) std::printf("(none)\n");
  return 0;
}

// The server and shop flags every command here has.
void ServerFlags(Flags& flags, bool with_shop) {
  flags.Value("server", "127.0.0.1:50051", "the server's gRPC address");
  if (with_shop) flags.Value("shop", "", "the shop (default: the server's default shop)");
}

}  // namespace

int RunBackup(int argc, char** argv) {
  Flags flags(
      "persona backup [flags]\n\n"
      "Takes an online backup of the server's whole database into privacy.backup_dir while\n"
      "it keeps serving, or lists the backups there (--list). Restore one with\n"
      "persona-server --restore_backup=<dir> [--backup_id=N] --data_dir=<new dir>.");
  ServerFlags(flags, false);
  flags.Bool("list", "list the backups instead of taking one");
  flags.Bool("json", "print the response as JSON");
  if (int code = ParseOrExit(flags, "backup", argc, argv); code >= 0) return code;
  auto channel = Connect(flags.Get("server"));
  if (!channel.ok()) return Fail("backup", channel.status());
  auto stub = v1::OperationsService::NewStub(*channel);
  if (flags.GetBool("list")) return ListBackups(*stub, flags.GetBool("json"));
  v1::CreateBackupResponse response;
  absl::Status status = FromGrpc(stub->CreateBackup(CallContext(kLongCall).get(), {}, &response),
                                 "OperationsService.CreateBackup");
  if (!status.ok()) return Fail("backup", status);
  if (flags.GetBool("json")) {
    std::printf("%s", ToJson(response).c_str());
    return 0;
  }
  std::printf("backup %u taken into %s in %.1f s (%d kept)\n", response.backup().backup_id(),
              response.backup_dir().c_str(), response.seconds(), response.backups_kept());
  PrintBackup(response.backup());
  return 0;
}

int RunPurgeEvents(int argc, char** argv) {
  Flags flags(
      "persona purge-events [flags]\n\n"
      "Deletes, in every shop, the events older than privacy.event_retention_days now (the\n"
      "server also does it every privacy.retention_interval_minutes).");
  ServerFlags(flags, false);
  flags.Bool("json", "print the response as JSON");
  if (int code = ParseOrExit(flags, "purge-events", argc, argv); code >= 0) return code;
  auto channel = Connect(flags.Get("server"));
  if (!channel.ok()) return Fail("purge-events", channel.status());
  auto stub = v1::OperationsService::NewStub(*channel);
  v1::PurgeExpiredEventsResponse response;
  absl::Status status =
      FromGrpc(stub->PurgeExpiredEvents(CallContext(kLongCall).get(), {}, &response),
               "OperationsService.PurgeExpiredEvents");
  if (!status.ok()) return Fail("purge-events", status);
  if (flags.GetBool("json")) {
    std::printf("%s", ToJson(response).c_str());
    return 0;
  }
  std::printf("events before %s deleted\n", FormatTime(response.cutoff_time_ms()).c_str());
  for (const auto& s : response.shops()) {
    std::printf("  %-20s %10lld events  %10lld event ids\n", s.shop().c_str(),
                static_cast<long long>(s.events_deleted()),
                static_cast<long long>(s.idempotency_keys_deleted()));
  }
  return 0;
}

int RunExport(int argc, char** argv) {
  Flags flags(
      "persona export --customer=ID [flags]\n\n"
      "Prints everything the server holds about a customer as one JSON document\n"
      "(attributes and consents, events, aggregates, email sends, merged sessions,\n"
      "segments): the answer to a data-access request.");
  ServerFlags(flags, true);
  flags.Value("customer", "", "the customer id (required)");
  flags.Value("out", "", "write the document to this file instead of stdout");
  if (int code = ParseOrExit(flags, "export", argc, argv); code >= 0) return code;
  if (flags.Get("customer").empty()) {
    return Usage("export", absl::InvalidArgumentError("--customer is required"));
  }
  auto channel = Connect(flags.Get("server"));
  if (!channel.ok()) return Fail("export", channel.status());
  auto stub = v1::CustomerService::NewStub(*channel);
  v1::ExportCustomerRequest request;
  request.set_shop(flags.Get("shop"));
  request.set_customer_id(flags.Get("customer"));
  v1::ExportCustomerResponse response;
  absl::Status status = FromGrpc(stub->ExportCustomer(CallContext().get(), request, &response),
                                 "CustomerService.ExportCustomer");
  if (!status.ok()) return Fail("export", status);
  if (flags.Get("out").empty()) {
    std::printf("%s", response.json().c_str());
    return 0;
  }
  std::ofstream out(flags.Get("out"), std::ios::trunc);
  out << response.json();
  out.close();
  if (!out) return Fail("export", absl::UnavailableError("cannot write " + flags.Get("out")));
  std::printf("wrote %zu bytes to %s\n", response.json().size(), flags.Get("out").c_str());
  return 0;
}

int RunErase(int argc, char** argv) {
  Flags flags(
      "persona erase --customer=ID --yes [flags]\n\n"
      "Erases a customer: attributes, consents, events, aggregates, email history, event\n"
      "ids, merged sessions, and their rows in models and segment passes. Cannot be\n"
      "undone (backups keep them until they age out: privacy.backups_kept).");
  ServerFlags(flags, true);
  flags.Value("customer", "", "the customer id (required)");
  flags.Bool("yes", "confirm the erasure (required)");
  if (int code = ParseOrExit(flags, "erase", argc, argv); code >= 0) return code;
  if (flags.Get("customer").empty()) {
    return Usage("erase", absl::InvalidArgumentError("--customer is required"));
  }
  if (!flags.GetBool("yes")) {
    return Usage("erase", absl::InvalidArgumentError("erasure cannot be undone: add --yes"));
  }
  auto channel = Connect(flags.Get("server"));
  if (!channel.ok()) return Fail("erase", channel.status());
  auto stub = v1::CustomerService::NewStub(*channel);
  v1::EraseCustomerRequest request;
  request.set_shop(flags.Get("shop"));
  request.set_customer_id(flags.Get("customer"));
  v1::EraseCustomerResponse response;
  absl::Status status = FromGrpc(stub->EraseCustomer(CallContext().get(), request, &response),
                                 "CustomerService.EraseCustomer");
  if (!status.ok()) return Fail("erase", status);
  std::printf("erased customer %s: %lld records deleted\n", request.customer_id().c_str(),
              static_cast<long long>(response.records_deleted()));
  return 0;
}

}  // namespace persona::tools
