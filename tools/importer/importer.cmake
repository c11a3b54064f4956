# The importer's readers of common tools' exports (GA4, Shopify, Segment), the
# unit-wise streaming they share and the checkpoint/rejects files of resumable
# imports; included from tools/CMakeLists.txt after persona_importer is defined.
target_sources(persona_importer PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/checkpoint.cc
  ${CMAKE_CURRENT_LIST_DIR}/ga4.cc
  ${CMAKE_CURRENT_LIST_DIR}/json_fields.cc
  ${CMAKE_CURRENT_LIST_DIR}/resumable.cc
  ${CMAKE_CURRENT_LIST_DIR}/segment.cc
  ${CMAKE_CURRENT_LIST_DIR}/segment_identify.cc
  ${CMAKE_CURRENT_LIST_DIR}/shopify.cc
  ${CMAKE_CURRENT_LIST_DIR}/units.cc)
