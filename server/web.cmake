# The web side (issue 7): the gRPC API over HTTP/JSON and its OpenAPI document.
target_sources(persona_server PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/json_gateway.cc
  ${CMAKE_CURRENT_LIST_DIR}/openapi.cc)
# The admin dashboard (/admin/) and the browser tracker and widget (/persona.js).
include(${CMAKE_CURRENT_LIST_DIR}/dashboard.cmake OPTIONAL)
include(${CMAKE_CURRENT_LIST_DIR}/tracker.cmake OPTIONAL)
