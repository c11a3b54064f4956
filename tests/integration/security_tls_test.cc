// TLS through the real server: gRPC over TLS (plaintext and untrusted
// clients fail), mutual TLS (a client certificate required, and one from
// another CA refused), HTTPS on the HTTP listener, a bad certificate stopping
// start-up naming the field, and the `persona` CLI with --tls_ca and
// --api_key. Certificates are made with the openssl CLI at test time.
#include <httplib.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "persona/v1/admin.grpc.pb.h"
#include "server/key_hash.h"
#include "tests/integration/client.h"
#include "tests/server/security_certs.h"
#include "tests/testing/server_process.h"
#include "tools/client_channel.h"

namespace persona::testing {
namespace {

constexpr char kAdminKey[] = "secret-tls-admin";

class SecurityTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    certs_ = new TestCerts();
    certs_ok_ = MakeTestCerts(dir_->path(), certs_);
  }
  static void TearDownTestSuite() {
    delete certs_;
    delete dir_;
  }
  void SetUp() override { ASSERT_TRUE(certs_ok_) << "openssl could not make certificates"; }

  // Writes a config with TLS (and `extra` inside security.tls).
  static std::string Config(const std::string& name, const std::string& tls_extra) {
    const std::string path = dir_->path() + "/" + name + ".textproto";
    std::ofstream(path) << "security {\n  tls { cert_file: '" << certs_->server_cert
                        << "' key_file: '" << certs_->server_key << "' " << tls_extra
                        << " }\n  api_keys { id: 'admin' sha256: '" << server::Sha256Hex(kAdminKey)
                        << "' role: ADMIN shops: '*' }\n}\n"
                        << "training { interval_minutes: 0 }\n"
                        << "segments { pass_interval_minutes: 0 personas: 0 }\n";
    return path;
  }

  static tools::ClientSecurity Trusting(const std::string& ca) {
    return {.api_key = kAdminKey, .ca_file = ca};
  }

  // GetStats through a channel with `security`; the status code.
  static grpc::StatusCode Stats(const ServerProcess& server,
                                const tools::ClientSecurity& security) {
    auto channel = tools::NewChannel(server.address(), security);
    if (!channel.ok()) return grpc::StatusCode::INVALID_ARGUMENT;
    auto stub = v1::AdminService::NewStub(*channel);
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::GetStatsRequest request;
    v1::ShopStats stats;
    return stub->GetStats(ctx.get(), request, &stats).error_code();
  }

  static TempDir* dir_;
  static TestCerts* certs_;
  static bool certs_ok_;
};

TempDir* SecurityTlsTest::dir_ = nullptr;
TestCerts* SecurityTlsTest::certs_ = nullptr;
bool SecurityTlsTest::certs_ok_ = false;

grpc::SslCredentialsOptions TrustOptions(const TestCerts& certs) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ReadTextFile(certs.ca_cert);
  return options;
}

TEST_F(SecurityTlsTest, GrpcOverTlsServesTrustingClientsOnly) {
  ServerProcess server(ServerBinary(), dir_->path() + "/tls", {"--config=" + Config("tls", "")});
  server.set_channel_credentials(grpc::SslCredentials(TrustOptions(*certs_)));
  ASSERT_TRUE(server.Start());
  EXPECT_EQ(Stats(server, Trusting(certs_->ca_cert)), grpc::StatusCode::OK);
  // The key still counts over TLS.
  EXPECT_EQ(Stats(server, {.ca_file = certs_->ca_cert}), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Stats(server, {.api_key = kAdminKey}), grpc::StatusCode::UNAVAILABLE);  // plaintext
  EXPECT_EQ(Stats(server, Trusting(certs_->other_ca_cert)), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(SecurityTlsTest, TheHttpListenerServesHttpsWithTheSameCertificate) {
  const std::string http_port_file = dir_->path() + "/https-http.port";
  ServerProcess server(ServerBinary(), dir_->path() + "/https",
                       {"--config=" + Config("https", ""), "--http_listen=127.0.0.1:0",
                        "--http_port_file=" + http_port_file});
  server.set_channel_credentials(grpc::SslCredentials(TrustOptions(*certs_)));
  ASSERT_TRUE(server.Start());
  int http_port = 0;
  std::ifstream(http_port_file) >> http_port;
  ASSERT_GT(http_port, 0);
  httplib::SSLClient https("127.0.0.1", http_port);
  https.set_ca_cert_path(certs_->ca_cert.c_str());
  https.enable_server_certificate_verification(true);
  https.set_connection_timeout(5);
  auto answer = https.Get("/no-such-page");
  ASSERT_TRUE(answer) << "no HTTPS answer: " << httplib::to_string(answer.error());
  EXPECT_EQ(answer->status, 404);
  httplib::Client plain("127.0.0.1", http_port);
  plain.set_connection_timeout(5);
  plain.set_read_timeout(5);
  EXPECT_FALSE(plain.Get("/no-such-page"));
}

TEST_F(SecurityTlsTest, MutualTlsRequiresAClientCertificateFromTheCa) {
  ServerProcess server(ServerBinary(), dir_->path() + "/mtls",
                       {"--config=" + Config("mtls", "client_ca_file: '" + certs_->ca_cert +
                                                         "' require_client_cert: true")});
  grpc::SslCredentialsOptions options = TrustOptions(*certs_);
  options.pem_cert_chain = ReadTextFile(certs_->client_cert);
  options.pem_private_key = ReadTextFile(certs_->client_key);
  server.set_channel_credentials(grpc::SslCredentials(options));
  ASSERT_TRUE(server.Start());
  tools::ClientSecurity with_cert = Trusting(certs_->ca_cert);
  with_cert.cert_file = certs_->client_cert;
  with_cert.key_file = certs_->client_key;
  EXPECT_EQ(Stats(server, with_cert), grpc::StatusCode::OK);
  EXPECT_EQ(Stats(server, Trusting(certs_->ca_cert)), grpc::StatusCode::UNAVAILABLE);
  tools::ClientSecurity foreign = Trusting(certs_->ca_cert);
  foreign.cert_file = certs_->other_client_cert;
  foreign.key_file = certs_->other_client_key;
  EXPECT_EQ(Stats(server, foreign), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(SecurityTlsTest, AnOptionalClientCertificateMustStillVerify) {
  ServerProcess server(
      ServerBinary(), dir_->path() + "/optional",
      {"--config=" + Config("optional", "client_ca_file: '" + certs_->ca_cert + "'")});
  server.set_channel_credentials(grpc::SslCredentials(TrustOptions(*certs_)));
  ASSERT_TRUE(server.Start());
  EXPECT_EQ(Stats(server, Trusting(certs_->ca_cert)), grpc::StatusCode::OK);
  tools::ClientSecurity foreign = Trusting(certs_->ca_cert);
  foreign.cert_file = certs_->other_client_cert;
  foreign.key_file = certs_->other_client_key;
  EXPECT_EQ(Stats(server, foreign), grpc::StatusCode::UNAVAILABLE);
}

// Runs `command`, returning its exit code; its stderr and stdout go to `output`.
int RunCommand(const std::string& command, std::string* output, const std::string& out_file) {
  const int status = std::system((command + " >" + out_file + " 2>&1").c_str());
  *output = ReadTextFile(out_file);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(SecurityTlsTest, ABadCertificateStopsStartUpNamingTheField) {
  const std::string config = dir_->path() + "/bad.textproto";
  std::ofstream(config) << "security { tls { cert_file: '" << certs_->server_cert << "' key_file: '"
                        << certs_->client_key << "' } }\n";
  std::string output;
  const int code = RunCommand(ServerBinary() + " --config=" + config + " --listen=127.0.0.1:0" +
                                  " --data_dir=" + dir_->path() + "/bad-data",
                              &output, dir_->path() + "/bad.out");
  EXPECT_EQ(code, 2) << output;
  EXPECT_NE(output.find("security.tls.key_file"), std::string::npos) << output;
}

TEST_F(SecurityTlsTest, TheCliConnectsWithTlsAndAnApiKey) {
  ServerProcess server(ServerBinary(), dir_->path() + "/cli", {"--config=" + Config("cli", "")});
  server.set_channel_credentials(grpc::SslCredentials(TrustOptions(*certs_)));
  ASSERT_TRUE(server.Start());
  const std::string cli = std::string(PERSONA_CLI_BIN) + " stats --server=" + server.address();
  const std::string out = dir_->path() + "/cli.out";
  std::string output;
  EXPECT_EQ(
      RunCommand(cli + " --tls_ca=" + certs_->ca_cert + " --api_key=" + kAdminKey, &output, out), 0)
      << output;
  EXPECT_EQ(RunCommand("PERSONA_API_KEY=" + std::string(kAdminKey) +
                           " PERSONA_TLS_CA=" + certs_->ca_cert + " " + cli,
                       &output, out),
            0)
      << output;
  EXPECT_EQ(RunCommand(cli + " --tls_ca " + certs_->ca_cert, &output, out), 1) << output;
  EXPECT_NE(output.find("missing API key"), std::string::npos) << output;
  EXPECT_EQ(RunCommand(cli + " --api_key=" + kAdminKey, &output, out), 1) << output;  // no TLS
}

}  // namespace
}  // namespace persona::testing
