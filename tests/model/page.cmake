# Page placements: blending and the small page recommenders.
persona_test(model_page_test SOURCES page_recommenders_test.cc LIBS persona_model)
