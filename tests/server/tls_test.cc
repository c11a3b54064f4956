// TLS: the HTTP listener over HTTPS (and with required client certificates),
// the gRPC credentials' checks of the configured files, and the address
// check behind the start-up warning. Certificates are made at test time.
#include "server/tls.h"

#include <httplib.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "server/http_server.h"
#include "tests/server/security_certs.h"

namespace persona::server {
namespace {

namespace cfg = ::persona::config::v1;

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "persona-tls-XXXXXX").string();
    dir_ = new std::string(mkdtemp(tmpl.data()) != nullptr ? tmpl : "");
    certs_ = new testing::TestCerts();
    ok_ = !dir_->empty() && testing::MakeTestCerts(*dir_, certs_);
  }
  static void TearDownTestSuite() {
    std::error_code ignored;
    if (!dir_->empty()) std::filesystem::remove_all(*dir_, ignored);
    delete certs_;
    delete dir_;
  }
  void SetUp() override { ASSERT_TRUE(ok_) << "openssl could not make test certificates"; }

  // An HTTPS server answering GET /hello.
  static std::unique_ptr<HttpServer> Serve(HttpServerOptions options) {
    auto server = HttpServer::Start(options);
    EXPECT_TRUE(server.ok()) << server.status();
    if (!server.ok()) return nullptr;
    (*server)->Handle("GET", "/hello",
                      [](const HttpRequest&) { return HttpResponse::Text(200, "hi"); });
    return *std::move(server);
  }
  static HttpServerOptions TlsOptions() {
    HttpServerOptions options;
    options.tls_cert_file = certs_->server_cert;
    options.tls_key_file = certs_->server_key;
    return options;
  }
  // GET /hello over TLS, trusting the test CA; -1 when no response came.
  static int GetOverTls(int port, const std::string& cert = "", const std::string& key = "") {
    httplib::SSLClient client("127.0.0.1", port, cert, key);
    client.set_ca_cert_path(certs_->ca_cert.c_str());
    client.enable_server_certificate_verification(true);
    client.set_connection_timeout(5);
    auto response = client.Get("/hello");
    return response ? response->status : -1;
  }

  static std::string* dir_;
  static testing::TestCerts* certs_;
  static bool ok_;
};

std::string* TlsTest::dir_ = nullptr;
testing::TestCerts* TlsTest::certs_ = nullptr;
bool TlsTest::ok_ = false;

TEST_F(TlsTest, HttpsServesTrustedClientsAndRefusesPlainHttp) {
  auto server = Serve(TlsOptions());
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(GetOverTls(server->port()), 200);
  httplib::Client plain("127.0.0.1", server->port());
  plain.set_connection_timeout(5);
  plain.set_read_timeout(5);
  EXPECT_FALSE(plain.Get("/hello"));
  // A client that trusts another CA refuses the server.
  httplib::SSLClient distrustful("127.0.0.1", server->port());
  distrustful.set_ca_cert_path(certs_->other_ca_cert.c_str());
  distrustful.enable_server_certificate_verification(true);
  EXPECT_FALSE(distrustful.Get("/hello"));
}

TEST_F(TlsTest, AClientCaRequiresAClientCertificateItSigned) {
  HttpServerOptions options = TlsOptions();
  options.tls_client_ca_file = certs_->ca_cert;
  auto server = Serve(options);
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(GetOverTls(server->port()), -1);
  EXPECT_EQ(GetOverTls(server->port(), certs_->other_client_cert, certs_->other_client_key), -1);
  EXPECT_EQ(GetOverTls(server->port(), certs_->client_cert, certs_->client_key), 200);
}

TEST_F(TlsTest, HttpRefusesFilesThatDoNotLoadNamingThem) {
  HttpServerOptions options = TlsOptions();
  options.tls_cert_file = *dir_ + "/missing.pem";
  auto server = HttpServer::Start(options);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(server.status().message().find("tls_cert_file"), std::string::npos) << server.status();
  options = TlsOptions();
  options.tls_key_file = certs_->client_key;  // not the certificate's key
  server = HttpServer::Start(options);
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.status().message().find("tls_key_file"), std::string::npos) << server.status();
  options = TlsOptions();
  options.tls_key_file.clear();
  EXPECT_EQ(HttpServer::Start(options).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(TlsTest, GrpcCredentialsCheckTheFilesNamingTheField) {
  cfg::TlsConfig tls;
  auto insecure = GrpcServerCredentials(tls);
  ASSERT_TRUE(insecure.ok());
  EXPECT_NE(*insecure, nullptr);
  tls.set_cert_file(certs_->server_cert);
  tls.set_key_file(certs_->server_key);
  tls.set_client_ca_file(certs_->ca_cert);
  tls.set_require_client_cert(true);
  auto secure = GrpcServerCredentials(tls);
  ASSERT_TRUE(secure.ok()) << secure.status();
  EXPECT_NE(*secure, nullptr);

  struct Case {
    std::string field;
    cfg::TlsConfig tls;
  };
  std::vector<Case> cases(4, Case{"", tls});
  cases[0].field = "security.tls.cert_file";
  cases[0].tls.set_cert_file(*dir_ + "/missing.pem");
  cases[1].field = "security.tls.key_file";
  cases[1].tls.set_key_file(certs_->client_key);  // another certificate's key
  cases[2].field = "security.tls.cert_file";
  cases[2].tls.set_cert_file(certs_->server_key);  // PEM, but no certificate
  cases[3].field = "security.tls.client_ca_file";
  cases[3].tls.set_client_ca_file(*dir_);  // a directory
  for (const Case& c : cases) {
    auto credentials = GrpcServerCredentials(c.tls);
    ASSERT_FALSE(credentials.ok()) << c.field;
    EXPECT_EQ(credentials.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(credentials.status().message().find(c.field), std::string::npos)
        << credentials.status();
  }
}

TEST(TlsConfigTest, TheHttpListenerGetsTheCertificateButNeverAClientCa) {
  cfg::TlsConfig tls;
  tls.set_cert_file("/c.pem");
  tls.set_key_file("/k.pem");
  tls.set_client_ca_file("/ca.pem");
  tls.set_require_client_cert(true);
  HttpServerOptions options;
  ApplyHttpTls(tls, options);
  EXPECT_EQ(options.tls_cert_file, "/c.pem");
  EXPECT_EQ(options.tls_key_file, "/k.pem");
  EXPECT_EQ(options.tls_client_ca_file, "");
  tls.set_http_plaintext(true);
  HttpServerOptions plain;
  ApplyHttpTls(tls, plain);
  EXPECT_EQ(plain.tls_cert_file, "");
}

TEST(TlsConfigTest, LoopbackAddresses) {
  for (const char* address : {"127.0.0.1:50051", "127.1.2.3:0", "localhost:80", "[::1]:50051"}) {
    EXPECT_TRUE(IsLoopbackAddress(address)) << address;
  }
  for (const char* address :
       {"0.0.0.0:50051", "[::]:50051", "10.0.0.5:1", "persona:50051", "128.0.0.1:1"}) {
    EXPECT_FALSE(IsLoopbackAddress(address)) << address;
  }
}

}  // namespace
}  // namespace persona::server
