// API keys: the key table built from the config, the checks of the
// authentication hook on every rpc of the gate's table, key hashing, and the
// config's security fields refused naming the field.
#include <string>
#include <vector>

#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "server/api_keys.h"
#include "server/auth.h"
#include "server/call_gate.h"
#include "server/config.h"
#include "server/key_hash.h"

namespace persona::server {
namespace {

namespace cfg = ::persona::config::v1;

cfg::Config Parse(const std::string& text) {
  cfg::Config config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config)) << text;
  ApplyDefaults(config);
  return config;
}

std::string Key(const std::string& id, const std::string& secret, const std::string& role,
                const std::vector<std::string>& shops, const std::string& extra = "") {
  std::string text =
      "api_keys { id: '" + id + "' sha256: '" + Sha256Hex(secret) + "' role: " + role + " ";
  for (const auto& shop : shops) text += "shops: '" + shop + "' ";
  return text + extra + "} ";
}

std::shared_ptr<const KeyTable> Table(const std::string& security) {
  auto table = KeyTable::Create(Parse("security { " + security + "}").security());
  EXPECT_TRUE(table.ok()) << table.status();
  return table.ok() ? *table : nullptr;
}

TEST(KeyHashTest, Sha256HexMatchesAKnownVector) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  auto parsed = ParseSha256Hex("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_TRUE(DigestsEqual(*parsed, Sha256("abc")));
  EXPECT_FALSE(DigestsEqual(*parsed, Sha256("abd")));
  EXPECT_FALSE(ParseSha256Hex("ba78").has_value());
  EXPECT_FALSE(ParseSha256Hex(std::string(64, 'g')).has_value());
}

TEST(KeyHashTest, NewSecretsAreLongAndDistinct) {
  auto a = NewApiKeySecret();
  auto b = NewApiKeySecret();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 46u);  // "pk_" + 43 base64url characters (256 bits)
  EXPECT_EQ(a->substr(0, 3), "pk_");
  EXPECT_NE(*a, *b);
  for (char c : *a) EXPECT_TRUE(isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-');
}

TEST(KeyTableTest, AuthenticatesBySecretAndFindsById) {
  auto table = Table(Key("front", "s1", "FRONTEND", {"a"}) + Key("boss", "s2", "ADMIN", {"*"}));
  ASSERT_NE(table, nullptr);
  EXPECT_FALSE(table->empty());
  const ApiKey* front = table->Authenticate("s1");
  ASSERT_NE(front, nullptr);
  EXPECT_EQ(front->id, "front");
  EXPECT_EQ(front->role, Role::kFrontend);
  EXPECT_TRUE(front->MayActOn("a"));
  EXPECT_FALSE(front->MayActOn("b"));
  const ApiKey* boss = table->Authenticate("s2");
  ASSERT_NE(boss, nullptr);
  EXPECT_TRUE(boss->MayActOn("anything"));
  EXPECT_EQ(table->Authenticate("s3"), nullptr);
  EXPECT_EQ(table->Authenticate(""), nullptr);
  EXPECT_EQ(table->Find("boss"), boss);
  EXPECT_EQ(table->Find("nobody"), nullptr);
}

TEST(KeyTableTest, RateLimitsComeFromTheKeyElseItsRole) {
  auto table =
      Table(Key("own", "s1", "FRONTEND", {"a"}, "rate_limit { requests_per_second: 5 burst: 9 }") +
            Key("role", "s2", "FRONTEND", {"a"}) + Key("free", "s3", "ADMIN", {"a"}) +
            "frontend_rate_limit { requests_per_second: 2.5 } ");
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(table->Find("own")->rate_limit.per_second, 5);
  EXPECT_EQ(table->Find("own")->rate_limit.burst, 9);
  EXPECT_EQ(table->Find("role")->rate_limit.per_second, 2.5);
  EXPECT_EQ(table->Find("role")->rate_limit.burst, 3);  // one second's worth, rounded up
  EXPECT_TRUE(table->Find("free")->rate_limit.unlimited());
}

// Every rpc × every role × own shop / other shop, against the table's
// least role and scope.
TEST(AuthHookTest, ChecksEveryRpcForEveryRoleAndShop) {
  auto table = Table(Key("f", "sf", "FRONTEND", {"a"}) + Key("m", "sm", "MARKETING", {"a"}) +
                     Key("ad", "sa", "ADMIN", {"a"}) + Key("all", "sx", "ADMIN", {"*"}));
  ASSERT_NE(table, nullptr);
  struct Caller {
    std::string secret;
    Role role;
    bool all_shops;
  };
  const std::vector<Caller> callers = {{"sf", Role::kFrontend, false},
                                       {"sm", Role::kMarketing, false},
                                       {"sa", Role::kAdmin, false},
                                       {"sx", Role::kAdmin, true}};
  for (const RpcInfo& rpc : AllRpcs()) {
    SCOPED_TRACE(std::string(rpc.method));
    EXPECT_EQ(AuthHook::Check(*table, std::nullopt, rpc, "a").code(),
              absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(AuthHook::Check(*table, "wrong", rpc, "a").code(),
              absl::StatusCode::kUnauthenticated);
    for (const Caller& c : callers) {
      for (const std::string shop : {"a", "b"}) {
        const bool allowed = c.role >= rpc.min_role &&
                             (c.all_shops || (rpc.scope == RpcScope::kShop && shop == "a"));
        EXPECT_EQ(AuthHook::Check(*table, c.secret, rpc, shop).code(),
                  allowed ? absl::StatusCode::kOk : absl::StatusCode::kPermissionDenied)
            << RoleName(c.role) << " on " << shop;
      }
    }
  }
}

TEST(AuthHookTest, MessagesNameTheKeyButNeverTheSecret) {
  auto table = Table(Key("shopfront", "secret-xyz", "FRONTEND", {"a"}));
  ASSERT_NE(table, nullptr);
  const RpcInfo* erase = FindRpc("/persona.v1.CustomerService/EraseCustomer");
  ASSERT_NE(erase, nullptr);
  absl::Status denied = AuthHook::Check(*table, "secret-xyz", *erase, "a");
  EXPECT_NE(denied.message().find("'shopfront'"), std::string::npos) << denied;
  EXPECT_NE(denied.message().find("needs role admin"), std::string::npos) << denied;
  EXPECT_EQ(denied.message().find("secret-xyz"), std::string::npos);
  absl::Status unknown = AuthHook::Check(*table, "secret-abc", *erase, "a");
  EXPECT_EQ(unknown.message().find("secret-abc"), std::string::npos);
}

TEST(AuthHookTest, AnEmptyTableLetsEveryCallThrough) {
  auto table = Table("");
  ASSERT_NE(table, nullptr);
  EXPECT_TRUE(table->empty());
  for (const RpcInfo& rpc : AllRpcs()) {
    EXPECT_TRUE(AuthHook::Check(*table, std::nullopt, rpc, "x").ok()) << rpc.method;
  }
}

TEST(AuthHookTest, SwappedTablesApplyToLaterCalls) {
  ApiKeys keys(Table(Key("old", "s-old", "ADMIN", {"*"})));
  const RpcInfo* stats = FindRpc("/persona.v1.AdminService/GetStats");
  EXPECT_TRUE(AuthHook::Check(*keys.Current(), "s-old", *stats, "a").ok());
  keys.Replace(Table(Key("new", "s-new", "MARKETING", {"a"})));
  EXPECT_EQ(AuthHook::Check(*keys.Current(), "s-old", *stats, "a").code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(AuthHook::Check(*keys.Current(), "s-new", *stats, "a").ok());
}

// Each bad security setting stops start-up naming its field.
TEST(SecurityConfigTest, RefusesBadSettingsNamingTheField) {
  const std::string ok = Key("k", "s", "ADMIN", {"a"});
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"security { " + Key("Bad Id", "s", "ADMIN", {"a"}) + "}", "security.api_keys[0].id"},
      {"security { api_keys { id: 'k' sha256: 'abc' role: ADMIN shops: 'a' } }",
       "security.api_keys[0].sha256"},
      {"security { " + Key("k", "s", "ROLE_UNSPECIFIED", {"a"}) + "}", "security.api_keys[0].role"},
      {"security { " + Key("k", "s", "ADMIN", {}) + "}", "security.api_keys[0].shops"},
      {"security { " + Key("k", "s", "ADMIN", {"Shop A"}) + "}", "security.api_keys[0].shops"},
      {"security { " + ok + Key("k", "t", "ADMIN", {"a"}) + "}", "security.api_keys[1].id"},
      {"security { " + ok + Key("k2", "s", "ADMIN", {"a"}) + "}", "security.api_keys[1].sha256"},
      {"security { " + Key("k", "s", "ADMIN", {"a"}, "rate_limit { requests_per_second: -1 }") +
           "}",
       "security.api_keys[0].rate_limit.requests_per_second"},
      {"security { marketing_rate_limit { requests_per_second: 1 burst: -2 } }",
       "security.marketing_rate_limit.burst"},
      {"security { tls { cert_file: '/x.pem' } }", "security.tls.key_file"},
      {"security { tls { client_ca_file: '/ca.pem' } }", "security.tls.client_ca_file"},
      {"security { tls { cert_file: '/x' key_file: '/y' require_client_cert: true } }",
       "security.tls.require_client_cert"},
      {"limits { max_stream_messages: -1 }", "limits.max_stream_messages"},
  };
  for (const auto& [text, field] : cases) {
    absl::Status status = ValidateConfig(Parse(text));
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_NE(status.message().find(field), std::string::npos) << text << " -> " << status;
  }
  EXPECT_TRUE(ValidateConfig(Parse("security { " + ok + "}")).ok());
}

TEST(SecurityConfigTest, DefaultsLimitStreamsAndLeaveAuthOff) {
  cfg::Config config = Parse("");
  EXPECT_EQ(config.limits().max_stream_messages(), 100000);
  EXPECT_TRUE(ValidateConfig(config).ok());
  auto table = KeyTable::Create(config.security());
  ASSERT_TRUE(table.ok());
  EXPECT_TRUE((*table)->empty());
}

}  // namespace
}  // namespace persona::server
