// Throwaway TLS material for tests, made with the `openssl` CLI at test
// time (no key is ever committed): a CA, a server certificate for
// localhost / 127.0.0.1 and a client certificate it signed, plus a second,
// unrelated CA with a client certificate of its own. Not thread-safe.
#ifndef PERSONA_TESTS_SERVER_SECURITY_CERTS_H_
#define PERSONA_TESTS_SERVER_SECURITY_CERTS_H_

#include <string>

namespace persona::testing {

struct TestCerts {
  std::string ca_cert;  // the CA that signed server and client
  std::string server_cert, server_key;
  std::string client_cert, client_key;
  std::string other_ca_cert;  // a CA nobody trusts
  std::string other_client_cert, other_client_key;
};

// Writes the files into `dir` (which must exist). Returns false, with the
// failing command on stderr, when openssl fails.
bool MakeTestCerts(const std::string& dir, TestCerts* certs);

// Returns the contents of `path` ("" when unreadable).
std::string ReadTextFile(const std::string& path);

}  // namespace persona::testing

#endif  // PERSONA_TESTS_SERVER_SECURITY_CERTS_H_
