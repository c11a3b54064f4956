# The placement metrics call (issue 4): MetricsApi over the attributed figures.
target_sources(persona_server PRIVATE ${CMAKE_CURRENT_LIST_DIR}/metrics_api.cc)
target_link_libraries(persona_server PUBLIC absl::civil_time)
