# Overload and shutdown (issue 6, docs/OPERATIONS.md): admission control on
# the call gate, the deadline and cancellation of the rpc a thread works for,
# gRPC's own bounds and the graceful drain on SIGTERM.
target_sources(persona_server PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/admission.cc
  ${CMAKE_CURRENT_LIST_DIR}/call_context.cc
  ${CMAKE_CURRENT_LIST_DIR}/overload.cc
)
