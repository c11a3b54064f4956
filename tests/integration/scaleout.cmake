# Scale-out (issue 6, docs/SCALE_OUT.md): the shipped nginx.conf in front of
# real shards, cluster training and publishing, and deploy/ checked against
# the code. Needs /usr/sbin/nginx (Debian's nginx) and python3 with yaml.
persona_test(integration_scaleout_test
  SOURCES scaleout_test.cc cluster_train_test.cc deploy_test.cc nginx_process.cc
  LIBS persona_testing persona_server persona_model persona_api_proto gRPC::grpc++
  LABELS integration)
target_compile_definitions(integration_scaleout_test PRIVATE
  PERSONA_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
  PERSONA_SERVER_BIN="$<TARGET_FILE:persona-server>"
  PERSONA_CLI_BIN="$<TARGET_FILE:persona>")
add_dependencies(integration_scaleout_test persona persona-server)
target_include_directories(integration_scaleout_test PRIVATE ${CMAKE_SOURCE_DIR})
