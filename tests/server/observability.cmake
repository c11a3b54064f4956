# Observability and configuration (issue 6): the structured log, config
# overrides and the --help listing, the Prometheus registry, the access-log
# and rpc-metric hooks, the collectors (a real RocksDB database) and the
# metrics listener.
persona_test(server_observability_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/admission_metrics_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/log_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/config_overrides_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/prom_metrics_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/observability_test.cc
  LIBS persona_server persona_testing)
target_compile_definitions(server_observability_test PRIVATE
  PERSONA_SOURCE_DIR="${CMAKE_SOURCE_DIR}" PERSONA_TEST_VERSION="${PROJECT_VERSION}")
