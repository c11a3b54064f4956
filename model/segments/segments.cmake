# Segments (docs/SEGMENTS.md): RFM, lifecycle stages, feedback segments,
# built-in segment names, personas (k-means) and the custom segment rule
# language. Included from model/CMakeLists.txt; plain structs, no gRPC or
# storage records.
target_sources(persona_model PRIVATE
  segments/rfm.cc
  segments/lifecycle.cc
  segments/feedback.cc
  segments/builtin.cc
  segments/kmeans.cc
  segments/personas.cc
)
# The custom segment rule language (reuses model/rules' lexer and token stream).
target_sources(persona_model PRIVATE
  segments/segment_fields.cc
  segments/segment_rule_parse.cc
  segments/segment_rule_print.cc
  segments/segment_rule_match.cc
)
