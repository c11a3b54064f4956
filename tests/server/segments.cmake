# The segment calls (server/segments_api.h) over a real RocksDB database, a
# trained model and the segment engine. Needs no running server, so it links
# persona_server alone.
persona_test(server_segments_test SOURCES segments_api_test.cc LIBS persona_server)
