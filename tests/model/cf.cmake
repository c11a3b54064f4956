# Collaborative-filtering tests (included from tests/model/CMakeLists.txt).
persona_test(model_cf_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/interactions_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/als_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/fold_in_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/topk_test.cc
  LIBS persona_model)
