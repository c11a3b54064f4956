# Model benchmarks (included from tests/bench/CMakeLists.txt).
persona_benchmark(model_topk_benchmark
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/model_topk_benchmark.cc LIBS persona_model)
# Optional Faiss reference (Debian libfaiss-dev, a static library needing
# OpenMP, BLAS and LAPACK): IndexFlatIP beside our top-k when present.
find_library(FAISS_LIBRARY faiss)
find_package(OpenMP QUIET)
find_package(BLAS QUIET)
find_package(LAPACK QUIET)
if(FAISS_LIBRARY AND OpenMP_CXX_FOUND AND BLAS_FOUND AND LAPACK_FOUND)
  target_link_libraries(model_topk_benchmark PRIVATE ${FAISS_LIBRARY} OpenMP::OpenMP_CXX
    ${LAPACK_LIBRARIES} ${BLAS_LIBRARIES})
  target_compile_definitions(model_topk_benchmark PRIVATE PERSONA_HAVE_FAISS=1)
endif()
persona_benchmark(model_als_benchmark
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/model_als_benchmark.cc LIBS persona_model)
# Reads ../shared/data beside the source tree when present; the smoke run
# trains a small synthetic shop instead of 1M customers.
target_compile_definitions(model_als_benchmark PRIVATE PERSONA_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
set_tests_properties(model_als_benchmark_smoke PROPERTIES ENVIRONMENT
  "PERSONA_SHOP_USERS=3000;PERSONA_SHOP_ITEMS=2000")
persona_benchmark(model_ann_benchmark
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/model_ann_benchmark.cc LIBS persona_model)
# The real run uses 1M items; the smoke run a small shop.
set_tests_properties(model_ann_benchmark_smoke PROPERTIES ENVIRONMENT
  "PERSONA_ANN_ITEMS=5000;PERSONA_ANN_USERS=2000;PERSONA_ANN_ITERATIONS=2;PERSONA_ANN_EF_CONSTRUCTION=40")
