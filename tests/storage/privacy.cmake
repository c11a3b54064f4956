# Privacy and durability (issue 6): retention, online backups and restore,
# corruption reports and repair, a full disk (mounts a tmpfs; skipped
# without root), and the model rewrite erasure uses.
persona_test(storage_privacy_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/retention_test.cc ${CMAKE_CURRENT_LIST_DIR}/backup_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/disk_full_test.cc ${CMAKE_CURRENT_LIST_DIR}/model_replace_test.cc
  LIBS persona_storage)
