# The business-rule language (docs/RULES.md): lexer and parser, canonical
# printing, compilation to item masks and the pure ranking steps. Included
# from model/CMakeLists.txt; no gRPC or RocksDB here.
target_sources(persona_model PRIVATE
  rules/lexer.cc
  rules/token_stream.cc
  rules/parse_expression.cc
  rules/parser.cc
  rules/print.cc
  rules/compile.cc
  rules/rank.cc
)
