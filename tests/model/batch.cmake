# AlsRecommender::RecommendBatch (email campaigns): equal to Recommend per context.
persona_test(model_als_batch_test SOURCES als_batch_test.cc LIBS persona_model)
