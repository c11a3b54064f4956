# The HTTP server, signed link tokens and open-time email links (issue 5).
# Talks to an in-process HttpServer on port 0 with httplib::Client; needs no
# persona-server binary, so it links persona_server alone (persona_testing
# would build the binary first).
persona_test(server_http_test
  SOURCES http/link_token_test.cc http/http_server_test.cc http/email_links_test.cc
  LIBS persona_server)
