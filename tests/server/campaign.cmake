# Email campaigns in-process (server/campaign_api.h): a seeded property test
# of consent, caps and rows over random campaigns; recording, resuming,
# audiences, validation, cross-channel capping, open-time links and the
# abandoned-cart context over a real RocksDB database. Needs no running
# server, so it links persona_server alone.
persona_test(server_campaign_test SOURCES campaign_test.cc campaign_open_test.cc
  campaign_property_test.cc
  LIBS persona_server)
