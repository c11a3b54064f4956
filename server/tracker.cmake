# The browser tracker and widget (issue 7, docs/TRACKER.md): web/tracker/
# persona.js embedded in persona-server and served at GET /persona.js, so no
# file is needed at run time.
set(_persona_tracker_js ${CMAKE_SOURCE_DIR}/web/tracker/persona.js)
set(_persona_tracker_cc ${CMAKE_BINARY_DIR}/gen/persona/web/tracker_script.cc)
add_custom_command(
  OUTPUT ${_persona_tracker_cc}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/gen/persona/web
  COMMAND ${CMAKE_COMMAND} -DIN=${_persona_tracker_js} -DOUT=${_persona_tracker_cc}
          -DSYMBOL=kTrackerScriptBytes -P ${CMAKE_CURRENT_LIST_DIR}/embed_bytes.cmake
  DEPENDS ${_persona_tracker_js} ${CMAKE_CURRENT_LIST_DIR}/embed_bytes.cmake
  COMMENT "embedding web/tracker/persona.js")
target_sources(persona_server PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/tracker.cc
  ${_persona_tracker_cc})
