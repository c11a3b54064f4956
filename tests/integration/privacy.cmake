# Privacy and durability through the real persona-server binary (issue 6):
# erasure leaves no trace after a restart and a full compaction (opens the
# data directory with RocksDB), retention, an online backup under write load
# restored with --restore_backup, a full disk on a small tmpfs (skipped
# without root), and corruption at start with --repair.
persona_test(integration_privacy_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/privacy_test.cc ${CMAKE_CURRENT_LIST_DIR}/backup_test.cc
  LIBS persona_testing persona_api_proto gRPC::grpc++ RocksDB::rocksdb
  LABELS integration)
target_compile_definitions(integration_privacy_test PRIVATE PERSONA_CLI_BIN="$<TARGET_FILE:persona>")
add_dependencies(integration_privacy_test persona persona-server)
target_include_directories(integration_privacy_test PRIVATE ${CMAKE_SOURCE_DIR})
