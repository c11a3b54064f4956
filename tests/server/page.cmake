# The whole placement pipeline in-process on a hand-built shop: a table of
# rule kinds and combinations, a seeded property test of exclusions, RankList.
persona_test(server_page_test SOURCES pipeline_test.cc pipeline_property_test.cc
  pipeline_rank_test.cc
  LIBS persona_server)
