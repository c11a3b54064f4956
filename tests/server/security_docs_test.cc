// docs/OPERATIONS.md's table of rpcs and roles is the gate's table: every
// rpc, with its least role and scope, and nothing else.
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "server/call_gate.h"

namespace persona::server {
namespace {

// Rows "| `Service/Method` | role | scope |" of the Security section, by
// "/persona.v1.Service/Method".
std::map<std::string, std::string> DocumentedRpcs() {
  std::ifstream in(std::string(PERSONA_SOURCE_DIR) + "/docs/OPERATIONS.md");
  std::map<std::string, std::string> rows;
  bool in_security = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("## ", 0) == 0) in_security = line == "## Security";
    if (!in_security || line.rfind("| `", 0) != 0) continue;
    std::vector<std::string> cells = absl::StrSplit(line, '|');
    if (cells.size() != 5) continue;
    std::string rpc(absl::StripAsciiWhitespace(cells[1]));
    rpc = std::string(absl::StripSuffix(absl::StripPrefix(rpc, "`"), "`"));
    if (rpc.find('/') == std::string::npos) continue;  // another table
    rows["/persona.v1." + rpc] = std::string(absl::StripAsciiWhitespace(cells[2])) + " " +
                                 std::string(absl::StripAsciiWhitespace(cells[3]));
  }
  return rows;
}

TEST(SecurityDocsTest, TheRolesTableMatchesTheGate) {
  std::map<std::string, std::string> documented = DocumentedRpcs();
  ASSERT_FALSE(documented.empty()) << "no rpc table in docs/OPERATIONS.md, ## Security";
  for (const RpcInfo& rpc : AllRpcs()) {
    const std::string method(rpc.method);
    const std::string expected = std::string(RoleName(rpc.min_role)) + " " +
                                 (rpc.scope == RpcScope::kServer ? "server" : "shop");
    auto it = documented.find(method);
    if (it == documented.end()) {
      ADD_FAILURE() << method << " is missing from docs/OPERATIONS.md; add: | `"
                    << method.substr(std::string("/persona.v1.").size()) << "` | "
                    << RoleName(rpc.min_role) << " | "
                    << (rpc.scope == RpcScope::kServer ? "server" : "shop") << " |";
      continue;
    }
    EXPECT_EQ(it->second, expected) << method;
    documented.erase(it);
  }
  for (const auto& [method, row] : documented) {
    ADD_FAILURE() << method << " is documented but not in the gate's table";
  }
}

}  // namespace
}  // namespace persona::server
