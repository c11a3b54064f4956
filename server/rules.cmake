# The business rules of a placement call (docs/RULES.md); the language itself
# lives in model/rules.
target_sources(persona_server PRIVATE rules_stage.cc)
