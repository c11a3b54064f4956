# The placement metrics call over a real RocksDB database in a temp dir. Needs
# no running server, so it links persona_server alone (not persona_testing,
# which builds the persona-server binary first).
persona_test(server_metrics_test SOURCES metrics_api_test.cc LIBS persona_server)
