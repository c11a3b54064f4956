# Page-view recommendations: placements pipeline and the Recommend service's calls.
target_sources(persona_server PRIVATE page_api.cc recommend_pipeline.cc)
