# Privacy and durability (issue 6): online backups, restore and repair,
# event retention, and RocksDB's info log that survives a full disk.
target_sources(persona_storage PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/backup.cc
  ${CMAKE_CURRENT_LIST_DIR}/info_log.cc
  ${CMAKE_CURRENT_LIST_DIR}/maintenance.cc
  ${CMAKE_CURRENT_LIST_DIR}/retention.cc
)
