# The HTTP/JSON API through the real server (issue 7), talked to with httplib.
find_package(PkgConfig REQUIRED)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
persona_test(integration_web_test
  SOURCES web_test.cc
  LIBS persona_testing persona_api_proto gRPC::grpc++ PkgConfig::HTTPLIB
  LABELS integration)
target_include_directories(integration_web_test PRIVATE ${CMAKE_SOURCE_DIR})
