# Segments (passes, live evaluation, targeting) and email campaigns (issue 5).
target_sources(persona_server PRIVATE
  segment_facts.cc
  segment_engine.cc
  segments_api.cc
  campaign_api.cc
  campaign_block.cc
  email_open.cc
  marketing_config.cc
  grpc_marketing.cc
  marketing.cc
)
