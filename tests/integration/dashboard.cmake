# The admin dashboard (issue 7) through the real persona-server: the rpcs it
# added and the page served at /admin/, talked to with gRPC and httplib.
find_package(PkgConfig REQUIRED)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
persona_test(integration_dashboard_test
  SOURCES dashboard_test.cc
  LIBS persona_testing persona_api_proto gRPC::grpc++ PkgConfig::HTTPLIB
  LABELS integration)
target_include_directories(integration_dashboard_test PRIVATE ${CMAKE_SOURCE_DIR})
