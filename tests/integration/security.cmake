# Security (issue 6) through the real persona-server: the matrix of every rpc
# × role × shop, limits and rate limits, TLS and mutual TLS (certificates
# made with the openssl CLI at test time), and `persona keys` with the CLI's
# --api_key and TLS flags.
#
# The matrix builds requests from the descriptors of every proto file under
# proto/persona/v1 (a descriptor set protoc writes at build time), so that a
# new file or rpc is covered without editing the test.
file(GLOB PERSONA_SECURITY_API_PROTOS CONFIGURE_DEPENDS
  ${CMAKE_SOURCE_DIR}/proto/persona/v1/*.proto)
set(PERSONA_SECURITY_API_DESCRIPTORS ${CMAKE_CURRENT_BINARY_DIR}/persona_api_descriptors.pb)
add_custom_command(
  OUTPUT ${PERSONA_SECURITY_API_DESCRIPTORS}
  COMMAND protobuf::protoc -I ${CMAKE_SOURCE_DIR}/proto --include_imports
          --descriptor_set_out=${PERSONA_SECURITY_API_DESCRIPTORS} ${PERSONA_SECURITY_API_PROTOS}
  DEPENDS ${PERSONA_SECURITY_API_PROTOS} protobuf::protoc
  COMMENT "protoc descriptor set of proto/persona/v1 for the security matrix")
add_custom_target(persona_security_api_descriptors DEPENDS ${PERSONA_SECURITY_API_DESCRIPTORS})

persona_test(integration_security_test
  SOURCES security_matrix_test.cc security_limits_test.cc security_tls_test.cc
    security_cli_test.cc security_calls.cc ${CMAKE_SOURCE_DIR}/tests/server/security_certs.cc
  LIBS persona_testing persona_server persona_client_channel persona_api_proto gRPC::grpc++
    gRPC::grpc++_reflection
  LABELS integration)
target_compile_definitions(integration_security_test PRIVATE
  PERSONA_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
  PERSONA_API_DESCRIPTORS="${PERSONA_SECURITY_API_DESCRIPTORS}"
  PERSONA_CLI_BIN="$<TARGET_FILE:persona>")
add_dependencies(integration_security_test persona persona_security_api_descriptors)
