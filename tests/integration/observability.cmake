# Observability and configuration through the real persona-server binary
# (issue 6): /metrics after real calls, JSON logs with request ids, the
# --help listing, environment and flag overrides.
persona_test(integration_observability_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/observability_test.cc
  LIBS persona_testing persona_server persona_api_proto gRPC::grpc++
  LABELS integration)
target_include_directories(integration_observability_test PRIVATE ${CMAKE_SOURCE_DIR})
