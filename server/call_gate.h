// The one door every rpc passes. Before a handler runs, the gate identifies
// the caller, checks what they may do, and decides whether the server takes
// the call now; when the call ends it records how it went. Each concern (API
// keys and roles, rate limits, admission control, metrics, logs) is a
// CallHook added at start-up; the gate itself only orders them.
//
// Every rpc the server serves is listed once, in call_gate.cc, with the least
// role that may call it and whether it acts on one shop or on the whole server.
// A method missing from that list is refused (INTERNAL), never let through.
//
// Thread-safety: hooks are added before serving starts; afterwards Begin and
// GatedCall are called concurrently from gRPC's threads.
#ifndef PERSONA_SERVER_CALL_GATE_H_
#define PERSONA_SERVER_CALL_GATE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "grpcpp/server_context.h"

namespace persona::server {

// Who a caller is, ordered: each role may call everything the roles before it
// may. Frontend: recommend and track. Marketing: campaigns, segments,
// targeting, figures, catalog and profile reads. Admin: everything.
enum class Role { kNone = 0, kFrontend = 1, kMarketing = 2, kAdmin = 3 };

std::string_view RoleName(Role role);

// What an rpc acts on: one shop (named in its request), or the whole server
// (listing shops, reloading the config, backups), which only keys valid for
// every shop may call.
enum class RpcScope { kShop, kServer };

struct RpcInfo {
  std::string_view
      method;  // full gRPC path, "/persona.v1.RecommendService/Recommend"
  Role min_role;
  RpcScope scope;
};

// Every rpc the server serves, in the order of the protos.
absl::Span<const RpcInfo> AllRpcs();
// The entry for `method`, or nullptr.
const RpcInfo* FindRpc(std::string_view method);

// One call passing the gate. Hooks read and fill it.
struct CallState {
  const RpcInfo* rpc = nullptr;
  const grpc::ServerContextBase* context = nullptr;
  // The shop the request names, with the server's default for an empty name;
  // empty for server-wide rpcs and for streams until their first message.
  std::string shop;
  // The client's x-request-id, or one made up; sent back in initial metadata.
  std::string request_id;
  // Filled by the authentication hook: the key's id and role (empty and
  // kNone when auth is off).
  std::string principal;
  Role role = Role::kNone;
  // Messages of a client stream read so far, the current one included
  // (counted by GatedCall::CheckShop); 0 for unary calls and server streams.
  int64_t stream_messages = 0;
  absl::Time started;
  // Set by hooks that hold a resource (an admission slot) until the call ends.
  bool holds_slot = false;
};

class CallHook {
 public:
  virtual ~CallHook() = default;
  // Runs before the handler, hooks in the order added; the first error
  // rejects the call with that status (later hooks' OnStart do not run).
  virtual absl::Status OnStart(CallState& call) { return absl::OkStatus(); }
  // Runs for each message of a client stream that names a shop (the stream's
  // first message included); an error ends the stream with that status.
  virtual absl::Status OnShop(CallState& call) { return absl::OkStatus(); }
  // Runs for every message of a client stream, before its OnShop (when the
  // shop changed); call.stream_messages counts this message. An error ends
  // the stream with that status (stream length limits, per-message rate
  // limits).
  virtual absl::Status OnMessage(CallState& call) { return absl::OkStatus(); }
  // Runs once when the call ends, in reverse order, for every hook whose
  // OnStart ran (also when a later hook rejected the call). `status` is what
  // the client gets.
  virtual void OnFinish(const CallState& call, const absl::Status& status) {}
};

class CallGate;

// A call between Begin and Finish. Finish runs once; the destructor finishes
// with CANCELLED if the handler never did (a client that went away).
class GatedCall {
 public:
  GatedCall(GatedCall&& other) noexcept;
  GatedCall& operator=(GatedCall&&) = delete;
  GatedCall(const GatedCall&) = delete;
  ~GatedCall();

  // OK when every hook admitted the call; otherwise the rejection.
  const absl::Status& admitted() const { return admitted_; }
  const CallState& state() const { return state_; }

  // For client streams: the next message names `shop` (empty: the default
  // shop). Counts the message, runs every hook's OnMessage, then OnShop when
  // the shop is new. Returns the first hook's rejection, if any.
  absl::Status CheckShop(std::string_view shop);

  // Records the outcome. Returns `status` for chaining.
  absl::Status Finish(absl::Status status);

 private:
  friend class CallGate;
  GatedCall(const CallGate* gate, CallState state);
  // Runs OnShop when `shop` differs from the last one that passed.
  absl::Status CheckShopChange(std::string_view shop);

  const CallGate* gate_;
  CallState state_;
  absl::Status admitted_;
  size_t started_hooks_ = 0;   // how many hooks' OnStart ran
  bool shop_checked_ = false;  // state_.shop passed every OnShop
  bool finished_ = false;
};

class CallGate {
 public:
  // `default_shop` stands for requests that name no shop.
  explicit CallGate(std::string default_shop);

  // Adds a hook; hooks run in the order added. Only before serving starts.
  void Add(std::unique_ptr<CallHook> hook);

  // Starts a call of `method` on `shop` (as the request names it; ignored for
  // server-wide rpcs, and empty for streams whose messages name it). Sends the
  // request id back in `context`'s initial metadata.
  GatedCall Begin(grpc::ServerContextBase* context, std::string_view method,
                  std::string_view shop) const;
  // Starts a client stream of `method`, whose messages name the shop; each
  // message is checked with GatedCall::CheckShop.
  GatedCall BeginStream(grpc::ServerContextBase* context,
                        std::string_view method) const;

 private:
  friend class GatedCall;
  std::string ResolveShop(std::string_view shop) const;

  const std::string default_shop_;
  std::vector<std::unique_ptr<CallHook>> hooks_;
};

}  // namespace persona::server

#endif  // PERSONA_SERVER_CALL_GATE_H_
