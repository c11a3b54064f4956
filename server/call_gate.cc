#include "server/call_gate.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/recommendation_id.h"
#include "common/status_macros.h"

namespace persona::server {
namespace {

constexpr Role kF = Role::kFrontend;
constexpr Role kM = Role::kMarketing;
constexpr Role kA = Role::kAdmin;
constexpr RpcScope kShop = RpcScope::kShop;
constexpr RpcScope kServer = RpcScope::kServer;

constexpr RpcInfo kRpcs[] = {
    // CatalogService: the shop's systems write, marketing may read.
    {"/persona.v1.CatalogService/UpsertItems", kA, kShop},
    {"/persona.v1.CatalogService/StreamUpsertItems", kA, kShop},
    {"/persona.v1.CatalogService/GetItems", kM, kShop},
    {"/persona.v1.CatalogService/SetAvailability", kA, kShop},
    {"/persona.v1.CatalogService/UpsertCategories", kA, kShop},
    {"/persona.v1.CatalogService/SearchItems", kM, kShop},
    // CustomerService: profiles are read by marketing; erase and export are
    // admin.
    {"/persona.v1.CustomerService/UpsertCustomers", kA, kShop},
    {"/persona.v1.CustomerService/GetProfile", kM, kShop},
    {"/persona.v1.CustomerService/EraseCustomer", kA, kShop},
    {"/persona.v1.CustomerService/ExportCustomer", kA, kShop},
    // EventService and RecommendService: what a storefront calls.
    {"/persona.v1.EventService/TrackEvents", kF, kShop},
    {"/persona.v1.EventService/StreamEvents", kF, kShop},
    {"/persona.v1.RecommendService/Recommend", kF, kShop},
    {"/persona.v1.RecommendService/RecommendPage", kF, kShop},
    {"/persona.v1.RecommendService/RankItems", kF, kShop},
    // AdminService.
    {"/persona.v1.AdminService/GetStats", kM, kShop},
    {"/persona.v1.AdminService/ListShops", kA, kServer},
    {"/persona.v1.AdminService/TrainModel", kA, kShop},
    {"/persona.v1.AdminService/GetModelInfo", kM, kShop},
    {"/persona.v1.AdminService/ReloadConfig", kA, kServer},
    {"/persona.v1.AdminService/ListPlacements", kM, kShop},
    // MetricsService, CampaignService, SegmentService: marketing.
    {"/persona.v1.MetricsService/GetPlacementMetrics", kM, kShop},
    {"/persona.v1.CampaignService/RunCampaign", kM, kShop},
    {"/persona.v1.SegmentService/ListSegments", kM, kShop},
    {"/persona.v1.SegmentService/StreamSegmentMembers", kM, kShop},
    {"/persona.v1.SegmentService/GetCustomerSegments", kM, kShop},
    {"/persona.v1.SegmentService/PutSegment", kM, kShop},
    {"/persona.v1.SegmentService/DeleteSegment", kM, kShop},
    {"/persona.v1.SegmentService/GetSegmentHistory", kM, kShop},
    {"/persona.v1.SegmentService/ListPersonas", kM, kShop},
    {"/persona.v1.SegmentService/RefreshSegments", kM, kShop},
    {"/persona.v1.SegmentService/TargetCustomers", kM, kShop},
    // OperationsService: backups and retention of the whole database.
    {"/persona.v1.OperationsService/CreateBackup", kA, kServer},
    {"/persona.v1.OperationsService/ListBackups", kA, kServer},
    {"/persona.v1.OperationsService/PurgeExpiredEvents", kA, kServer},
    // ClusterService: a training job reads a shop's interactions and
    // publishes its model; both act on the shop named.
    {"/persona.v1.ClusterService/ExportInteractions", kA, kShop},
    {"/persona.v1.ClusterService/PublishModel", kA, kShop},
};

const absl::flat_hash_map<std::string_view, const RpcInfo*>& RpcIndex() {
  static const auto* index = [] {
    auto* m = new absl::flat_hash_map<std::string_view, const RpcInfo*>();
    for (const RpcInfo& rpc : kRpcs) m->emplace(rpc.method, &rpc);
    return m;
  }();
  return *index;
}

// The client's x-request-id when it sent a sane one, else a fresh one.
std::string RequestId(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  if (auto it = metadata.find("x-request-id"); it != metadata.end()) {
    const std::string_view id(it->second.data(), it->second.size());
    bool sane = !id.empty() && id.size() <= 64;
    for (char c : id) sane = sane && c > ' ' && c < 0x7f;
    if (sane) return std::string(id);
  }
  return absl::StrFormat("%016x", NewRecommendationNonce());
}

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kNone:
      return "none";
    case Role::kFrontend:
      return "frontend";
    case Role::kMarketing:
      return "marketing";
    case Role::kAdmin:
      return "admin";
  }
  return "none";
}

absl::Span<const RpcInfo> AllRpcs() { return kRpcs; }

const RpcInfo* FindRpc(std::string_view method) {
  auto it = RpcIndex().find(method);
  return it == RpcIndex().end() ? nullptr : it->second;
}

GatedCall::GatedCall(const CallGate* gate, CallState state)
    : gate_(gate), state_(std::move(state)) {}

GatedCall::GatedCall(GatedCall&& other) noexcept
    : gate_(other.gate_),
      state_(std::move(other.state_)),
      admitted_(std::move(other.admitted_)),
      started_hooks_(other.started_hooks_),
      shop_checked_(other.shop_checked_),
      finished_(other.finished_) {
  other.finished_ = true;
}

GatedCall::~GatedCall() {
  if (!finished_) Finish(absl::CancelledError("the call ended before an answer")).IgnoreError();
}

absl::Status GatedCall::CheckShop(std::string_view shop) {
  if (!admitted_.ok()) return admitted_;
  ++state_.stream_messages;
  for (const auto& hook : gate_->hooks_) RETURN_IF_ERROR(hook->OnMessage(state_));
  return CheckShopChange(shop);
}

absl::Status GatedCall::CheckShopChange(std::string_view shop) {
  std::string resolved = gate_->ResolveShop(shop);
  if (shop_checked_ && resolved == state_.shop)
    return absl::OkStatus();  // as the last message
  shop_checked_ = false;
  state_.shop = std::move(resolved);
  for (const auto& hook : gate_->hooks_) RETURN_IF_ERROR(hook->OnShop(state_));
  shop_checked_ = true;
  return absl::OkStatus();
}

absl::Status GatedCall::Finish(absl::Status status) {
  if (finished_) return status;
  finished_ = true;
  for (size_t i = started_hooks_; i-- > 0;)
    gate_->hooks_[i]->OnFinish(state_, status);
  return status;
}

CallGate::CallGate(std::string default_shop)
    : default_shop_(std::move(default_shop)) {}

void CallGate::Add(std::unique_ptr<CallHook> hook) {
  hooks_.push_back(std::move(hook));
}

std::string CallGate::ResolveShop(std::string_view shop) const {
  return shop.empty() ? default_shop_ : std::string(shop);
}

GatedCall CallGate::Begin(grpc::ServerContextBase* context,
                          std::string_view method,
                          std::string_view shop) const {
  GatedCall call = BeginStream(context, method);
  if (!call.admitted_.ok() || call.state_.rpc->scope == RpcScope::kServer)
    return call;
  call.admitted_ = call.CheckShopChange(shop);
  return call;
}

GatedCall CallGate::BeginStream(grpc::ServerContextBase* context,
                                std::string_view method) const {
  CallState state;
  state.rpc = FindRpc(method);
  state.context = context;
  state.request_id = RequestId(*context);
  state.started = absl::Now();
  context->AddInitialMetadata("x-request-id", state.request_id);
  GatedCall call(this, std::move(state));
  if (call.state_.rpc == nullptr) {
    // A programming error: the method is served but not listed in kRpcs.
    call.admitted_ = absl::InternalError(
        absl::StrCat("rpc ", std::string(method), " is not in the gate's table"));
    return call;
  }
  for (const auto& hook : hooks_) {
    call.admitted_ = hook->OnStart(call.state_);
    ++call.started_hooks_;
    if (!call.admitted_.ok()) break;
  }
  return call;
}

}  // namespace persona::server
