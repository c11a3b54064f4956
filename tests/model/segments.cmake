# Segments (docs/SEGMENTS.md): RFM cuts and scores, lifecycle stages and
# flags at each threshold, feedback and built-in segments, k-means personas,
# and the custom segment rule language (valid/invalid tables, round trip,
# randomized property test, limits).
persona_test(model_segments_test SOURCES
  segments/rfm_test.cc
  segments/lifecycle_test.cc
  segments/builtin_test.cc
  segments/personas_test.cc
  segments/segment_rule_test.cc
  segments/segment_rule_property_test.cc
  LIBS persona_model)
