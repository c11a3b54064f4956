# Overload and shutdown through the real persona-server binary (issue 6):
# SIGTERM drains (health NOT_SERVING, new calls UNAVAILABLE, the call in
# flight finishes, exit 0, acknowledged writes kept), the grace period ends
# in cancellation, and calls too close to their deadline are refused.
persona_test(integration_overload_test
  SOURCES overload_test.cc
  LIBS persona_testing persona_api_proto gRPC::grpc++
  LABELS integration)
target_include_directories(integration_overload_test PRIVATE ${CMAKE_SOURCE_DIR})
