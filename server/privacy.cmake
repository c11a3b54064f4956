# Privacy and durability (issue 6): erasure beyond the storage records and
# the customer export, OperationsService (backups, retention) with its
# periodic runs, the privacy config, and the offline restore/repair commands.
target_sources(persona_server PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/customer_privacy.cc
  ${CMAKE_CURRENT_LIST_DIR}/grpc_operations.cc
  ${CMAKE_CURRENT_LIST_DIR}/offline_commands.cc
  ${CMAKE_CURRENT_LIST_DIR}/operations_api.cc
  ${CMAKE_CURRENT_LIST_DIR}/privacy_config.cc
)
target_link_libraries(persona_server PUBLIC absl::flags absl::time)
