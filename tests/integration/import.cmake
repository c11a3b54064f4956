# `persona import` of the common tools' formats (GA4, Shopify, Segment, issue
# 7) into the real persona-server binary: the sample files land in profiles,
# and an import killed mid-way (or stopped by --max_rows) and resumed stores
# exactly what an uninterrupted one does.
persona_test(integration_import_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/import_test.cc
  LIBS persona_testing persona_api_proto gRPC::grpc++
  LABELS integration)
target_compile_definitions(integration_import_test PRIVATE
  PERSONA_CLI_BIN="$<TARGET_FILE:persona>"
  PERSONA_IMPORT_SAMPLES="${CMAKE_SOURCE_DIR}/tools/importer/samples")
add_dependencies(integration_import_test persona persona-server)
target_include_directories(integration_import_test PRIVATE ${CMAKE_SOURCE_DIR})
