// `persona keys new` makes a key the server accepts: its secret is printed
// once, its config entry holds only the hash, and the CLI presents the key
// with --api_key or PERSONA_API_KEY, within the key's role.
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "server/key_hash.h"
#include "tests/server/security_certs.h"
#include "tests/testing/server_process.h"

namespace persona::testing {
namespace {

int RunCommand(const std::string& command, const std::string& out_file, std::string* output) {
  const int status = std::system((command + " >" + out_file + " 2>&1").c_str());
  *output = ReadTextFile(out_file);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(SecurityCliTest, KeysNewMakesAKeyTheServerAccepts) {
  TempDir dir;
  const std::string cli = PERSONA_CLI_BIN;
  const std::string out = dir.path() + "/out.txt";
  std::string output;
  ASSERT_EQ(
      RunCommand(cli + " keys new --id=web --role=frontend --shops=shop-a,shop-b", out, &output), 0)
      << output;
  // The secret is the indented line starting with pk_; the entry follows "security {".
  const size_t at = output.find("\n  pk_");
  ASSERT_NE(at, std::string::npos) << output;
  const std::string secret = output.substr(at + 3, output.find('\n', at + 1) - at - 3);
  EXPECT_EQ(secret.size(), 46u) << secret;
  const size_t entry = output.find("security {");
  ASSERT_NE(entry, std::string::npos) << output;
  const std::string config_text = output.substr(entry);
  EXPECT_NE(config_text.find(server::Sha256Hex(secret)), std::string::npos) << config_text;
  EXPECT_EQ(config_text.find(secret), std::string::npos) << "the config holds the secret";
  EXPECT_NE(config_text.find("role: FRONTEND"), std::string::npos) << config_text;

  // `keys hash` gives the same hash for the secret.
  ASSERT_EQ(RunCommand("echo " + secret + " | " + cli + " keys hash", out, &output), 0) << output;
  EXPECT_EQ(output, server::Sha256Hex(secret) + "\n");

  const std::string config = dir.path() + "/persona.textproto";
  std::ofstream(config) << config_text << "training { interval_minutes: 0 }\n"
                        << "segments { pass_interval_minutes: 0 personas: 0 }\n";
  ServerProcess server(ServerBinary(), dir.path() + "/data", {"--config=" + config});
  ASSERT_TRUE(server.Start());
  const std::string recommend = cli + " recommend --server=" + server.address() + " --customer=c1";
  EXPECT_EQ(RunCommand(recommend + " --shop=shop-a --api_key=" + secret, out, &output), 0)
      << output;
  EXPECT_EQ(
      RunCommand("PERSONA_API_KEY=" + secret + " " + recommend + " --shop=shop-b", out, &output), 0)
      << output;
  EXPECT_EQ(RunCommand(recommend + " --shop=shop-a", out, &output), 1) << output;
  EXPECT_NE(output.find("missing API key"), std::string::npos) << output;
  EXPECT_EQ(RunCommand(recommend + " --shop=shop-c --api_key=" + secret, out, &output), 1)
      << output;
  EXPECT_NE(output.find("not valid for shop 'shop-c'"), std::string::npos) << output;
  EXPECT_EQ(
      RunCommand(cli + " stats --server=" + server.address() + " --shop=shop-a --api_key " + secret,
                 out, &output),
      1)
      << output;
  EXPECT_NE(output.find("needs role marketing"), std::string::npos) << output;
}

TEST(SecurityCliTest, KeysNewRefusesBadArguments) {
  TempDir dir;
  const std::string cli = PERSONA_CLI_BIN;
  const std::string out = dir.path() + "/out.txt";
  std::string output;
  EXPECT_EQ(RunCommand(cli + " keys new --id=web --role=owner --shops=a", out, &output), 2)
      << output;
  EXPECT_NE(output.find("--role"), std::string::npos) << output;
  EXPECT_EQ(RunCommand(cli + " keys new --id=web --role=admin", out, &output), 2) << output;
  EXPECT_NE(output.find("--shops"), std::string::npos) << output;
  EXPECT_EQ(RunCommand(cli + " keys new --id='Bad Id' --role=admin --shops=*", out, &output), 2)
      << output;
  EXPECT_EQ(RunCommand(cli + " keys new --id=ok --role=admin --shops='*'", out, &output), 0)
      << output;
  EXPECT_NE(output.find("shops: \"*\""), std::string::npos) << output;
}

}  // namespace
}  // namespace persona::testing
