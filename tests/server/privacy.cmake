# Privacy and operations on the server side (issue 6): model scrubbing and
# hooks of erasure, the export document, OperationsApi, the privacy config.
persona_test(server_privacy_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/privacy_test.cc
  LIBS persona_server)
