# The business-rule language: parser (every statement, canonical printing,
# errors, limits), compilation to item masks and the ranking steps.
persona_test(model_rules_test SOURCES rules_parser_test.cc rules_compile_test.cc LIBS persona_model)
