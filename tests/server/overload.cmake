# Overload and shutdown (issue 6): admission control on the call gate (also
# through an in-process gRPC server with many concurrent clients), the
# overload config, CallContext, and deadline/cancellation checks inside
# campaign blocks, the page pipeline, segment passes and training requests
# over a real RocksDB database. Needs no running server.
persona_test(server_overload_test
  SOURCES admission_test.cc overload_config_test.cc deadline_test.cc
  LIBS persona_server)
