#include "tests/server/security_certs.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace persona::testing {
namespace {

bool Run(const std::string& command) {
  const std::string quiet = command + " >/dev/null 2>&1";
  if (std::system(quiet.c_str()) == 0) return true;
  std::fprintf(stderr, "test certificates: failed: %s\n", command.c_str());
  return false;
}

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  return static_cast<bool>(out);
}

// A CA key and self-signed certificate.
bool MakeCa(const std::string& dir, const std::string& name) {
  return Run(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
      "-subj '/CN=Persona test " +
      name + "' -keyout " + dir + "/" + name + ".key -out " + dir + "/" + name + ".pem");
}

// A key and a certificate signed by CA `ca`, with the extensions in `ext`.
bool MakeLeaf(const std::string& dir, const std::string& ca, const std::string& name,
              const std::string& cn, const std::string& ext) {
  const std::string base = dir + "/" + name;
  return WriteFile(base + ".ext", ext) &&
         Run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj '/CN=" +
             cn + "' -keyout " + base + ".key -out " + base + ".csr") &&
         Run("openssl x509 -req -days 2 -in " + base + ".csr -CA " + dir + "/" + ca +
             ".pem -CAkey " + dir + "/" + ca + ".key -CAcreateserial -extfile " + base +
             ".ext -out " + base + ".pem");
}

}  // namespace

bool MakeTestCerts(const std::string& dir, TestCerts* certs) {
  const std::string server_ext =
      "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n";
  const std::string client_ext = "extendedKeyUsage=clientAuth\n";
  if (!MakeCa(dir, "ca") || !MakeCa(dir, "other-ca") ||
      !MakeLeaf(dir, "ca", "server", "localhost", server_ext) ||
      !MakeLeaf(dir, "ca", "client", "persona-client", client_ext) ||
      !MakeLeaf(dir, "other-ca", "other-client", "intruder", client_ext)) {
    return false;
  }
  certs->ca_cert = dir + "/ca.pem";
  certs->server_cert = dir + "/server.pem";
  certs->server_key = dir + "/server.key";
  certs->client_cert = dir + "/client.pem";
  certs->client_key = dir + "/client.key";
  certs->other_ca_cert = dir + "/other-ca.pem";
  certs->other_client_cert = dir + "/other-client.pem";
  certs->other_client_key = dir + "/other-client.key";
  return true;
}

std::string ReadTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace persona::testing
