# Email campaigns, segments and open-time links through the real server on the
# demo shop (a separate binary: each test loads the demo shop and trains).
persona_test(integration_campaign_test
  SOURCES campaign_test.cc
  LIBS persona_testing persona_api_proto gRPC::grpc++
  LABELS integration)
target_compile_definitions(integration_campaign_test PRIVATE
  PERSONA_DEMO_CSV="${CMAKE_SOURCE_DIR}/data/demo/online-retail-sample.csv.gz")
target_include_directories(integration_campaign_test PRIVATE ${CMAKE_SOURCE_DIR})
