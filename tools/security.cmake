# Security (issue 6, docs/OPERATIONS.md "Security"): channels with TLS and an
# API key for every client of the server, and `persona keys`.
add_library(persona_client_channel STATIC ${CMAKE_CURRENT_LIST_DIR}/client_channel.cc)
target_link_libraries(persona_client_channel PUBLIC gRPC::grpc++ absl::strings absl::statusor)
target_sources(persona PRIVATE ${CMAKE_CURRENT_LIST_DIR}/keys_command.cc)
target_link_libraries(persona PRIVATE persona_client_channel persona_key_hash persona_common)
