# Privacy and durability (issue 6): persona backup, purge-events, export, erase.
target_sources(persona PRIVATE ${CMAKE_CURRENT_LIST_DIR}/ops_commands.cc)
target_link_libraries(persona PRIVATE absl::time)
