// `persona segments` and `persona campaign`: the marketing calls of a running
// server (SegmentService, CampaignService), printed as tables or JSON.
#include <cstdio>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "persona/v1/campaigns.grpc.pb.h"
#include "persona/v1/segments.grpc.pb.h"
#include "tools/cli_common.h"
#include "tools/cli_flags.h"
#include "tools/commands.h"
#include "tools/connection.h"

namespace persona::tools {
namespace {

namespace v1 = ::persona::v1;

// Segment passes and campaigns can take minutes on a large shop.
constexpr std::chrono::seconds kLongCall{3600};

void Print(const google::protobuf::Message& m, bool json) {
  if (json) std::printf("%s\n", ToJson(m, /*indent=*/false).c_str());
}

absl::Status ListSegments(v1::SegmentService::Stub& stub, const Flags& flags) {
  v1::ListSegmentsRequest request;
  request.set_shop(flags.Get("shop"));
  v1::ListSegmentsResponse response;
  RETURN_IF_ERROR(FromGrpc(stub.ListSegments(CallContext(kLongCall).get(), request, &response),
                           "SegmentService.ListSegments"));
  if (flags.GetBool("json")) return Print(response, true), absl::OkStatus();
  std::printf("%-28s %10s  %s\n", "SEGMENT", "SIZE", "DESCRIPTION");
  for (const auto& s : response.segments()) {
    std::printf("%-28s %10lld  %s\n", s.name().c_str(), static_cast<long long>(s.size()),
                (s.rule().empty() ? s.description() : s.rule()).c_str());
  }
  return absl::OkStatus();
}

absl::Status Members(v1::SegmentService::Stub& stub, const Flags& flags) {
  v1::StreamSegmentMembersRequest request;
  request.set_shop(flags.Get("shop"));
  request.set_segment(flags.Get("segment"));
  request.set_rule(flags.Get("rule"));
  request.set_start_after(flags.Get("start-after"));
  ASSIGN_OR_RETURN(const int64_t limit, flags.GetInt("limit"));
  request.set_limit(limit);
  auto ctx = CallContext(kLongCall);
  auto reader = stub.StreamSegmentMembers(ctx.get(), request);
  v1::SegmentMember member;
  while (reader->Read(&member)) {
    if (flags.GetBool("json")) {
      Print(member, true);
    } else {
      std::printf("%-24s %-10s %s\n", member.customer_id().c_str(), member.stage().c_str(),
                  member.email().c_str());
    }
  }
  return FromGrpc(reader->Finish(), "SegmentService.StreamSegmentMembers");
}

absl::Status Customer(v1::SegmentService::Stub& stub, const Flags& flags) {
  v1::GetCustomerSegmentsRequest request;
  request.set_shop(flags.Get("shop"));
  request.set_customer_id(flags.Get("customer"));
  v1::CustomerSegments response;
  RETURN_IF_ERROR(FromGrpc(stub.GetCustomerSegments(CallContext().get(), request, &response),
                           "SegmentService.GetCustomerSegments"));
  if (flags.GetBool("json")) return Print(response, true), absl::OkStatus();
  const v1::RfmScores& rfm = response.rfm();
  std::printf("customer %s: stage %s, RFM %d%d%d (%s), persona %d\nsegments: %s\n",
              response.customer_id().c_str(), response.stage().c_str(), rfm.recency(),
              rfm.frequency(), rfm.monetary(), rfm.group().c_str(), response.persona(),
              absl::StrJoin(response.segments(), ", ").c_str());
  return absl::OkStatus();
}

absl::Status Target(v1::SegmentService::Stub& stub, const Flags& flags) {
  v1::TargetCustomersRequest request;
  request.set_shop(flags.Get("shop"));
  request.set_item_id(flags.Get("item"));
  request.set_category(flags.Get("category"));
  request.set_brand(flags.Get("brand"));
  ASSIGN_OR_RETURN(const int64_t count, flags.GetInt("limit"));
  request.set_count(static_cast<int32_t>(count > 0 ? count : 20));
  request.set_require_email_consent(flags.GetBool("email-consent"));
  v1::TargetCustomersResponse response;
  RETURN_IF_ERROR(FromGrpc(stub.TargetCustomers(CallContext().get(), request, &response),
                           "SegmentService.TargetCustomers"));
  if (flags.GetBool("json")) return Print(response, true), absl::OkStatus();
  for (const auto& c : response.customers()) {
    std::printf("%-24s %.4f\n", c.customer_id().c_str(), c.score());
  }
  return absl::OkStatus();
}

absl::Status Put(v1::SegmentService::Stub& stub, const Flags& flags) {
  v1::PutSegmentRequest request;
  request.set_shop(flags.Get("shop"));
  request.set_name(flags.Get("name"));
  request.set_rule(flags.Get("rule"));
  request.set_description(flags.Get("description"));
  v1::SegmentInfo response;
  RETURN_IF_ERROR(FromGrpc(stub.PutSegment(CallContext().get(), request, &response),
                           "SegmentService.PutSegment"));
  std::printf("segment %s: %s\n", response.name().c_str(), response.rule().c_str());
  return absl::OkStatus();
}

absl::Status Refresh(v1::SegmentService::Stub& stub, const Flags& flags) {
  v1::RefreshSegmentsRequest request;
  request.set_shop(flags.Get("shop"));
  v1::RefreshSegmentsResponse response;
  RETURN_IF_ERROR(FromGrpc(stub.RefreshSegments(CallContext(kLongCall).get(), request, &response),
                           "SegmentService.RefreshSegments"));
  std::printf("segments of %lld customers computed in %.2f s\n",
              static_cast<long long>(response.customers()), response.seconds());
  return absl::OkStatus();
}

absl::Status Personas(v1::SegmentService::Stub& stub, const Flags& flags) {
  v1::ListPersonasRequest request;
  request.set_shop(flags.Get("shop"));
  v1::ListPersonasResponse response;
  RETURN_IF_ERROR(FromGrpc(stub.ListPersonas(CallContext().get(), request, &response),
                           "SegmentService.ListPersonas"));
  if (flags.GetBool("json")) return Print(response, true), absl::OkStatus();
  for (const auto& p : response.personas()) {
    std::printf("%-11s %8lld  %+6lld  AOV %8.2f  %s | %s\n", p.segment().c_str(),
                static_cast<long long>(p.size()), static_cast<long long>(p.growth()),
                p.average_order_value(), absl::StrJoin(p.top_categories(), ", ").c_str(),
                absl::StrJoin(p.top_brands(), ", ").c_str());
  }
  return absl::OkStatus();
}

void PrintRow(const v1::CampaignRow& row) {
  if (row.has_summary()) {
    std::string skipped;
    for (const auto& [reason, n] : row.summary().skipped()) absl::StrAppend(&skipped, " ", reason, "=", n);
    std::printf("audience %lld, emails %lld, skipped:%s (%.2f s)\n",
                static_cast<long long>(row.summary().audience()),
                static_cast<long long>(row.summary().emails()),
                skipped.empty() ? " none" : skipped.c_str(), row.summary().seconds());
  } else if (row.has_email()) {
    std::printf("%-20s %-28s", row.customer_id().c_str(), row.email().email().c_str());
    for (const auto& item : row.email().items()) std::printf(" %s", item.item_id().c_str());
    std::printf("%s\n", row.email().repeated() ? " (repeated)" : "");
  } else {
    std::printf("%-20s skipped: %s\n", row.customer_id().c_str(),
                v1::SkipReason_Name(row.skipped()).c_str());
  }
}

}  // namespace

int RunSegments(int argc, char** argv) {
  Flags flags(
      "persona segments <list|members|customer|target|put|refresh|personas> [flags]\n\n"
      "Segments of a running server (docs/SEGMENTS.md): list them with sizes, stream a\n"
      "segment's members, show a customer's segments, find the customers most likely to\n"
      "buy an item, category or brand, define a custom segment, run the segment pass.");
  flags.Value("server", "127.0.0.1:50051", "the server's gRPC address");
  flags.Value("shop", "", "the shop (default: the server's default shop)");
  flags.Value("segment", "", "members: the segment, e.g. stage:at_risk");
  flags.Value("rule", "", "members, put: a segment rule, e.g. 'country = \"DE\" and orders >= 2'");
  flags.Value("start-after", "", "members: continue after this customer id");
  flags.Value("limit", "0", "members: at most this many (0: all); target: how many (default 20)");
  flags.Value("customer", "", "customer: the customer id");
  flags.Value("item", "", "target: an item id");
  flags.Value("category", "", "target: a category path, e.g. Home/Lighting");
  flags.Value("brand", "", "target: a brand");
  flags.Bool("email-consent", "target: only customers with email-marketing consent");
  flags.Value("name", "", "put: the custom segment's name");
  flags.Value("description", "", "put: what it means");
  flags.Bool("json", "print JSON (one object per line for streams)");
  if (int code = ParseOrExit(flags, "segments", argc, argv, /*positional_ok=*/true); code >= 0) {
    return code;
  }
  const std::string action = flags.positional().empty() ? "list" : flags.positional()[0];
  auto channel = Connect(flags.Get("server"));
  if (!channel.ok()) return Fail("segments", channel.status());
  auto stub = v1::SegmentService::NewStub(*channel);
  absl::Status status;
  if (action == "list") {
    status = ListSegments(*stub, flags);
  } else if (action == "members") {
    status = Members(*stub, flags);
  } else if (action == "customer") {
    status = Customer(*stub, flags);
  } else if (action == "target") {
    status = Target(*stub, flags);
  } else if (action == "put") {
    status = Put(*stub, flags);
  } else if (action == "refresh") {
    status = Refresh(*stub, flags);
  } else if (action == "personas") {
    status = Personas(*stub, flags);
  } else {
    return Usage("segments", absl::InvalidArgumentError(absl::StrCat("unknown action ", action)));
  }
  return status.ok() ? 0 : Fail("segments", status);
}

int RunCampaign(int argc, char** argv) {
  Flags flags(
      "persona campaign --id=ID --type=TYPE (--segment=S | --rule=R | --customers=a,b) [flags]\n\n"
      "Runs an email campaign (docs/CAMPAIGNS.md) and prints one row per customer: the\n"
      "items of their email, or why they were skipped; then a summary.");
  flags.Value("server", "127.0.0.1:50051", "the server's gRPC address");
  flags.Value("shop", "", "the shop (default: the server's default shop)");
  flags.Value("id", "", "the campaign id, 1..64 of [a-z0-9_-]");
  flags.Value("type", "newsletter", "welcome, win_back, abandoned_cart, cross_sell, "
              "replenishment, back_in_stock, price_drop or newsletter");
  flags.Value("segment", "", "audience: a segment, e.g. stage:at_risk");
  flags.Value("rule", "", "audience: a segment rule");
  flags.Value("customers", "", "audience: customer ids, comma-separated");
  flags.Value("items", "6", "items per email, 1..50");
  flags.Value("rules", "", "extra business rules (docs/RULES.md)");
  flags.Value("resume-after", "", "continue after this row's cursor");
  flags.Bool("dry-run", "compute the rows without recording the sends");
  flags.Bool("json", "print each row as a JSON line");
  if (int code = ParseOrExit(flags, "campaign", argc, argv); code >= 0) return code;
  v1::RunCampaignRequest request;
  request.set_shop(flags.Get("shop"));
  request.set_campaign_id(flags.Get("id"));
  v1::CampaignType type;
  if (!v1::CampaignType_Parse(absl::AsciiStrToUpper(flags.Get("type")), &type)) {
    return Usage("campaign", absl::InvalidArgumentError("--type: unknown campaign type"));
  }
  request.set_type(type);
  if (flags.Given("segment")) request.set_segment(flags.Get("segment"));
  if (flags.Given("rule")) request.set_rule(flags.Get("rule"));
  if (flags.Given("customers")) {
    for (const std::string& id : flags.GetList("customers")) {
      request.mutable_customers()->add_customer_ids(id);
    }
  }
  auto items = flags.GetInt("items");
  if (!items.ok()) return Usage("campaign", items.status());
  request.set_items_per_customer(static_cast<int32_t>(*items));
  request.set_rules(flags.Get("rules"));
  request.set_resume_after(flags.Get("resume-after"));
  request.set_dry_run(flags.GetBool("dry-run"));
  auto channel = Connect(flags.Get("server"));
  if (!channel.ok()) return Fail("campaign", channel.status());
  auto stub = v1::CampaignService::NewStub(*channel);
  auto ctx = CallContext(kLongCall);
  auto reader = stub->RunCampaign(ctx.get(), request);
  v1::CampaignRow row;
  while (reader->Read(&row)) {
    if (flags.GetBool("json")) {
      Print(row, true);
    } else {
      PrintRow(row);
    }
  }
  absl::Status status = FromGrpc(reader->Finish(), "CampaignService.RunCampaign");
  return status.ok() ? 0 : Fail("campaign", status);
}

}  // namespace persona::tools
