# Scale-out (issue 6, docs/SCALE_OUT.md): the cluster section of the config,
# ClusterService (export a shard's interactions, publish one model to every shard).
target_sources(persona_server PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/cluster_config.cc
  ${CMAKE_CURRENT_LIST_DIR}/cluster_api.cc
  ${CMAKE_CURRENT_LIST_DIR}/cluster_publish.cc
  ${CMAKE_CURRENT_LIST_DIR}/grpc_cluster.cc
)
