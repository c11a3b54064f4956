# Observability and configuration (issue 6, docs/OPERATIONS.md): Prometheus
# metrics (prometheus-cpp core; served by our own HttpServer, not
# prometheus-cpp-pull's civetweb), the structured log, the access-log and
# rpc-metric gate hooks, environment and --set overrides of every config
# setting and the --help listing that quotes config.proto's comments.
find_package(prometheus-cpp CONFIG REQUIRED)
target_sources(persona_server PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/admission_metrics.cc
  ${CMAKE_CURRENT_LIST_DIR}/config_help.cc
  ${CMAKE_CURRENT_LIST_DIR}/config_overrides.cc
  ${CMAKE_CURRENT_LIST_DIR}/log.cc
  ${CMAKE_CURRENT_LIST_DIR}/observability.cc
  ${CMAKE_CURRENT_LIST_DIR}/observability_config.cc
  ${CMAKE_CURRENT_LIST_DIR}/observability_hooks.cc
  ${CMAKE_CURRENT_LIST_DIR}/process_stats.cc
  ${CMAKE_CURRENT_LIST_DIR}/prom_metrics.cc)
target_link_libraries(persona_server PRIVATE prometheus-cpp::core)
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/observability.cc PROPERTIES
  COMPILE_DEFINITIONS PERSONA_VERSION="${PROJECT_VERSION}")

# config.proto's descriptors with their comments, embedded for --help.
set(_persona_config_desc ${CMAKE_BINARY_DIR}/gen/persona/config/v1/config_with_comments.desc)
set(_persona_config_docs ${CMAKE_BINARY_DIR}/gen/persona/config/v1/config_docs.cc)
add_custom_command(
  OUTPUT ${_persona_config_desc}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/gen/persona/config/v1
  COMMAND protobuf::protoc -I ${CMAKE_SOURCE_DIR}/proto --include_source_info
          --descriptor_set_out=${_persona_config_desc}
          ${CMAKE_SOURCE_DIR}/proto/persona/config/v1/config.proto
  DEPENDS ${CMAKE_SOURCE_DIR}/proto/persona/config/v1/config.proto protobuf::protoc
  COMMENT "protoc config.proto descriptors with comments")
add_custom_command(
  OUTPUT ${_persona_config_docs}
  COMMAND ${CMAKE_COMMAND} -DIN=${_persona_config_desc} -DOUT=${_persona_config_docs}
          -DSYMBOL=kConfigProtoDescriptor -P ${CMAKE_CURRENT_LIST_DIR}/embed_bytes.cmake
  DEPENDS ${_persona_config_desc} ${CMAKE_CURRENT_LIST_DIR}/embed_bytes.cmake
  COMMENT "embedding config.proto's comments")
target_sources(persona_server PRIVATE ${_persona_config_docs})

# Database::Statistics (RocksDB tickers and properties for the metrics). A
# storage source registered here because storage/CMakeLists.txt has no
# observability part; it stays inside persona_storage and its RocksDB-only
# dependencies.
target_sources(persona_storage PRIVATE ${CMAKE_SOURCE_DIR}/storage/statistics.cc)
