# Security (issue 6): API keys and roles, rate limits and the stream limit on
# a fake clock, TLS for HTTP and the gRPC credentials' checks (certificates
# made with the openssl CLI at test time), and the docs' roles table. Talks
# to no persona-server binary.
persona_test(server_security_test
  SOURCES security_test.cc rate_limit_test.cc tls_test.cc security_docs_test.cc
    security_certs.cc
  LIBS persona_server)
target_compile_definitions(server_security_test PRIVATE PERSONA_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
