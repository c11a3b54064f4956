# Security (issue 6, docs/OPERATIONS.md "Security"): API keys with roles and
# shops, per-key rate limits, the stream length limit, TLS for gRPC and HTTP.
find_package(OpenSSL REQUIRED)
# Hashing and making key secrets; small, so `persona keys new` links it
# without the server.
add_library(persona_key_hash STATIC ${CMAKE_CURRENT_LIST_DIR}/key_hash.cc)
target_include_directories(persona_key_hash PUBLIC ${CMAKE_SOURCE_DIR})
target_link_libraries(persona_key_hash PUBLIC absl::strings absl::statusor OpenSSL::Crypto)
target_sources(persona_server PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/api_keys.cc
  ${CMAKE_CURRENT_LIST_DIR}/auth.cc
  ${CMAKE_CURRENT_LIST_DIR}/rate_limit.cc
  ${CMAKE_CURRENT_LIST_DIR}/security.cc
  ${CMAKE_CURRENT_LIST_DIR}/tls.cc)
target_link_libraries(persona_server PUBLIC persona_key_hash OpenSSL::SSL OpenSSL::Crypto)
