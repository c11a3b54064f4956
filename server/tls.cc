#include "server/tls.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace persona::server {
namespace {

namespace cfg = ::persona::config::v1;

absl::Status Invalid(std::string_view field, std::string_view reason) {
  return absl::InvalidArgumentError(
      absl::StrCat("config security.tls.", std::string(field), ": ", std::string(reason)));
}

absl::StatusOr<std::string> ReadPem(std::string_view field, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Invalid(field, absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  if (text.str().find("-----BEGIN ") == std::string::npos) {
    return Invalid(field, absl::StrCat(path, " is not a PEM file"));
  }
  return text.str();
}

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

std::unique_ptr<BIO, BioDeleter> MemoryBio(const std::string& pem) {
  return std::unique_ptr<BIO, BioDeleter>(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// Checks that `cert_pem` starts with a certificate whose key is `key_pem`.
absl::Status CheckKeyPair(const cfg::TlsConfig& tls, const std::string& cert_pem,
                          const std::string& key_pem) {
  std::unique_ptr<X509, X509Deleter> cert(
      PEM_read_bio_X509(MemoryBio(cert_pem).get(), nullptr, nullptr, nullptr));
  if (cert == nullptr) {
    ERR_clear_error();
    return Invalid("cert_file", absl::StrCat(tls.cert_file(), " holds no PEM certificate"));
  }
  std::unique_ptr<EVP_PKEY, KeyDeleter> key(
      PEM_read_bio_PrivateKey(MemoryBio(key_pem).get(), nullptr, nullptr, nullptr));
  if (key == nullptr) {
    ERR_clear_error();
    return Invalid("key_file",
                   absl::StrCat(tls.key_file(), " holds no unencrypted PEM private key"));
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return Invalid(
        "key_file",
        absl::StrCat(tls.key_file(), " is not the key of the certificate in ", tls.cert_file()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateTlsConfig(const cfg::TlsConfig& tls) {
  if (tls.cert_file().empty() != tls.key_file().empty()) {
    return Invalid(tls.cert_file().empty() ? "cert_file" : "key_file",
                   "cert_file and key_file are set together");
  }
  if (!tls.client_ca_file().empty() && tls.cert_file().empty()) {
    return Invalid("client_ca_file",
                   "needs cert_file and key_file (client certificates are "
                   "only asked for over TLS)");
  }
  if (tls.require_client_cert() && tls.client_ca_file().empty()) {
    return Invalid("require_client_cert", "needs client_ca_file to verify certificates against");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> GrpcServerCredentials(
    const cfg::TlsConfig& tls) {
  RETURN_IF_ERROR(ValidateTlsConfig(tls));
  if (tls.cert_file().empty()) return grpc::InsecureServerCredentials();
  ASSIGN_OR_RETURN(std::string cert, ReadPem("cert_file", tls.cert_file()));
  ASSIGN_OR_RETURN(std::string key, ReadPem("key_file", tls.key_file()));
  RETURN_IF_ERROR(CheckKeyPair(tls, cert, key));
  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back({std::move(key), std::move(cert)});
  if (!tls.client_ca_file().empty()) {
    ASSIGN_OR_RETURN(options.pem_root_certs, ReadPem("client_ca_file", tls.client_ca_file()));
    options.client_certificate_request =
        tls.require_client_cert() ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                  : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

void ApplyHttpTls(const cfg::TlsConfig& tls, HttpServerOptions& options) {
  if (tls.cert_file().empty() || tls.http_plaintext()) return;
  options.tls_cert_file = tls.cert_file();
  options.tls_key_file = tls.key_file();
}

bool IsLoopbackAddress(std::string_view address) {
  const size_t colon = address.rfind(':');
  std::string_view host = colon == std::string_view::npos ? address : address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return host == "localhost" || host == "::1" || host.substr(0, 4) == "127.";
}

}  // namespace persona::server
