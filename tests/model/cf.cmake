# Collaborative-filtering tests (included from tests/model/CMakeLists.txt).
persona_test(model_cf_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/interactions_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/als_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/fold_in_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/topk_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/model_record_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/weighting_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/serving_model_test.cc
  LIBS persona_model ZLIB::ZLIB)
persona_test(model_cf_eval_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/eval_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/item_neighbors_test.cc
  LIBS persona_model)
# The MovieLens test reads ../shared/data/ml-100k beside the source tree when present.
target_compile_definitions(model_cf_eval_test PRIVATE PERSONA_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
persona_test(model_cf_ann_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/ann_test.cc
  LIBS persona_model)
