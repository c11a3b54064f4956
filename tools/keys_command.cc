#include "tools/keys_command.h"

#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/keys.h"
#include "server/key_hash.h"
#include "tools/cli_common.h"

namespace persona::tools {
namespace {

constexpr char kCommand[] = "keys";

// The config's role name for a --role value, or empty.
std::string ConfigRole(const std::string& role) {
  const std::string lower = absl::AsciiStrToLower(role);
  if (lower == "frontend" || lower == "marketing" || lower == "admin") {
    return absl::AsciiStrToUpper(lower);
  }
  return "";
}

// Checks --shops: "*" or shop names.
absl::Status CheckShops(const std::vector<std::string>& shops) {
  if (shops.empty()) return absl::InvalidArgumentError("--shops: name at least one shop, or '*'");
  for (const std::string& shop : shops) {
    if (shop == "*") continue;
    if (auto p = NameProblem(shop); !p.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("--shops: '", shop, "': ", std::string(p)));
    }
  }
  return absl::OkStatus();
}

// The textproto entry for security.api_keys.
std::string ConfigEntry(const Flags& flags, const std::string& role, const std::string& hash,
                        const std::vector<std::string>& shops, double rps, int64_t burst) {
  std::string entry = absl::StrCat("  api_keys {\n    id: \"", flags.Get("id"),
                                   "\"\n    sha256: \"", hash, "\"\n    role: ", role, "\n");
  for (const std::string& shop : shops) absl::StrAppend(&entry, "    shops: \"", shop, "\"\n");
  if (rps > 0) {
    absl::StrAppend(&entry, "    rate_limit { requests_per_second: ", rps);
    if (burst > 0) absl::StrAppend(&entry, " burst: ", burst);
    absl::StrAppend(&entry, " }\n");
  }
  absl::StrAppend(&entry, "  }\n");
  return entry;
}

int RunNew(int argc, char** argv) {
  Flags flags("persona keys new --id=NAME --role=frontend|marketing|admin --shops=a,b|* [flags]");
  flags.Value("id", "", "the key's name in logs and errors: 1..64 of [a-z0-9_-] (required)");
  flags.Value("role", "",
              "frontend (recommend, track), marketing (campaigns, segments, "
              "targeting) or admin (everything) (required)");
  flags.Value("shops", "",
              "comma-separated shops the key may act on; '*' for every shop "
              "(required)");
  flags.Value("rps", "0", "rate limit in calls per second (0: the role's default)");
  flags.Value("burst", "0", "rate limit bucket size in calls (0: one second's worth)");
  if (int code = ParseOrExit(flags, "keys new", argc, argv); code >= 0) return code;
  if (auto p = NameProblem(flags.Get("id")); !p.empty()) {
    return Usage(kCommand, absl::InvalidArgumentError(absl::StrCat("--id: ", std::string(p))));
  }
  const std::string role = ConfigRole(flags.Get("role"));
  if (role.empty()) {
    return Usage(kCommand,
                 absl::InvalidArgumentError("--role: must be frontend, marketing or admin"));
  }
  const std::vector<std::string> shops = flags.GetList("shops");
  if (absl::Status s = CheckShops(shops); !s.ok()) return Usage(kCommand, s);
  absl::StatusOr<double> rps = flags.GetDouble("rps");
  absl::StatusOr<int64_t> burst = flags.GetInt("burst");
  if (!rps.ok()) return Usage(kCommand, rps.status());
  if (!burst.ok()) return Usage(kCommand, burst.status());
  if (!(*rps >= 0 && *rps <= 1e6) || *burst < 0 || *burst > 10'000'000) {
    return Usage(kCommand,
                 absl::InvalidArgumentError("--rps must be 0..1000000 and --burst 0..10000000"));
  }
  absl::StatusOr<std::string> secret = server::NewApiKeySecret();
  if (!secret.ok()) return Fail(kCommand, secret.status());
  std::printf(
      "API key '%s' (role %s, shops %s). The secret is shown only now; give it to the client\n"
      "(gRPC metadata 'authorization: Bearer <secret>', or persona --api_key / "
      "PERSONA_API_KEY):\n\n  %s\n\n"
      "Add this to the security section of the server's config (it holds only the hash):\n\n"
      "security {\n%s}\n",
      flags.Get("id").c_str(), absl::AsciiStrToLower(role).c_str(),
      absl::StrJoin(shops, ", ").c_str(), secret->c_str(),
      ConfigEntry(flags, role, server::Sha256Hex(*secret), shops, *rps, *burst).c_str());
  return 0;
}

int RunHash(int argc, char** argv) {
  Flags flags("persona keys hash < secret");
  if (int code = ParseOrExit(flags, "keys hash", argc, argv); code >= 0) return code;
  std::string secret;
  std::getline(std::cin, secret);
  secret = std::string(absl::StripAsciiWhitespace(secret));
  if (secret.empty()) {
    return Usage(kCommand, absl::InvalidArgumentError("give the secret on stdin"));
  }
  std::printf("%s\n", server::Sha256Hex(secret).c_str());
  return 0;
}

}  // namespace

int RunKeys(int argc, char** argv) {
  const std::string action = argc >= 2 ? argv[1] : "";
  if (action == "new") return RunNew(argc - 1, argv + 1);
  if (action == "hash") return RunHash(argc - 1, argv + 1);
  const bool help = action == "--help" || action == "-h" || action == "help";
  std::fprintf(help ? stdout : stderr,
               "usage: persona keys new --id=NAME --role=ROLE --shops=a,b|* [--rps=N --burst=N]\n"
               "       persona keys hash < secret\n\n"
               "new:  prints a fresh random API key once, and the security.api_keys entry\n"
               "      with its SHA-256 for the server's config (the server never stores it)\n"
               "hash: prints the SHA-256 of a secret read from stdin (for an existing key)\n");
  return help ? 0 : 2;
}

}  // namespace persona::tools
