# Scale-out (issue 6, docs/SCALE_OUT.md): `persona cluster train|models|health`,
# training one model from every shard's interactions and publishing it to all.
target_sources(persona PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/cluster_command.cc
  ${CMAKE_CURRENT_LIST_DIR}/cluster_training.cc
)
