# The browser tracker (issue 7): GET /persona.js from the real server, as
# embedded from web/tracker/persona.js. The browser side is
# tests/browser/tracker.test.mjs.
find_package(PkgConfig REQUIRED)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
persona_test(integration_tracker_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/tracker_test.cc
  LIBS persona_testing persona_api_proto gRPC::grpc++ PkgConfig::HTTPLIB
  LABELS integration)
target_include_directories(integration_tracker_test PRIVATE ${CMAKE_SOURCE_DIR})
target_compile_definitions(integration_tracker_test PRIVATE
  PERSONA_TRACKER_JS="${CMAKE_SOURCE_DIR}/web/tracker/persona.js")
