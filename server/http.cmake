# The HTTP side of persona-server (issue 5's open-time email links; later the
# HTTP/JSON API): cpp-httplib behind server/http_server.h, HMAC-signed link
# tokens with OpenSSL.
find_package(PkgConfig REQUIRED)
# Debian builds libcpp-httplib with OpenSSL, zlib and Brotli support; its .pc
# Cflags carry the matching CPPHTTPLIB_*_SUPPORT defines, which must be seen
# by every file including httplib.h or the class layouts differ from the .so.
# The imported target passes them on, so never define them by hand.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
find_package(OpenSSL REQUIRED)
target_sources(persona_server PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/http_server.cc
  ${CMAKE_CURRENT_LIST_DIR}/link_token.cc
  ${CMAKE_CURRENT_LIST_DIR}/email_links.cc)
# httplib is PUBLIC only so tests can talk to the server with httplib::Client;
# no server header includes httplib.h.
target_link_libraries(persona_server PUBLIC PkgConfig::HTTPLIB OpenSSL::Crypto OpenSSL::SSL)
