# Model benchmarks (included from tests/bench/CMakeLists.txt).
persona_benchmark(model_topk_benchmark
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/model_topk_benchmark.cc LIBS persona_model)
persona_benchmark(model_als_benchmark
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/model_als_benchmark.cc LIBS persona_model)
# Reads ../shared/data/ml-100k beside the source tree when present.
target_compile_definitions(model_als_benchmark PRIVATE PERSONA_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
