# Segments (passes, live evaluation, targeting) and email campaigns (issue 5).
target_sources(persona_server PRIVATE
  segment_facts.cc
  segment_engine.cc
)
