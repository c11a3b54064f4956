# Page placements: blending and the small page recommenders.
persona_test(model_page_test SOURCES page_recommenders_test.cc LIBS persona_model)
persona_test(model_similar_cache_test SOURCES similar_cache_test.cc LIBS persona_model)
persona_test(model_als_page_test SOURCES als_page_test.cc LIBS persona_model)
