# The rules stage of the recommendation pipeline, on hand-built snapshots.
# (Needs no running server, so not persona_testing, which builds the binary.)
persona_test(server_rules_test SOURCES rules_stage_test.cc LIBS persona_server)
