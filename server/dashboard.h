// The admin dashboard (web/dashboard/, docs/DASHBOARD.md): plain HTML, CSS
// and JavaScript modules embedded in the binary at build time and served by
// the HTTP listener, so no file is needed at run time:
//
//   GET /admin          302 to /admin/
//   GET /admin/         index.html
//   GET /admin/<file>   the other files (app.js, views/customer.js, ...)
//
// The page itself calls the HTTP/JSON API (/api/..., same origin) with the
// API key the user types in; these routes hold no shop data and need no key.
// Answers carry their content type, `Cache-Control: no-cache` with an ETag
// (a matching If-None-Match is a 304), and a Content-Security-Policy that
// allows only the page's own scripts, styles and API.
//
// Thread-safe: the handlers only read immutable data.
#ifndef PERSONA_SERVER_DASHBOARD_H_
#define PERSONA_SERVER_DASHBOARD_H_

#include <string_view>
#include <vector>

#include "server/http_server.h"

namespace persona::server {

inline constexpr char kDashboardPath[] = "/admin/";

// One embedded file of web/dashboard/.
struct DashboardFile {
  // Relative to web/dashboard/, e.g. "index.html", "views/model.js".
  std::string_view path;
  std::string_view content_type;
  std::string_view body;
};

// Returns every embedded file, sorted by path.
const std::vector<DashboardFile>& DashboardFiles();

// Answers one GET or HEAD under /admin/ (`request.rest` is the file; empty
// means index.html): 200 with the file, 304 when If-None-Match names its
// ETag, 404 for anything not embedded.
HttpResponse ServeDashboard(const HttpRequest& request);

// Routes GET /admin and GET /admin/... on `http`.
void RegisterDashboard(HttpServer& http);

}  // namespace persona::server

#endif  // PERSONA_SERVER_DASHBOARD_H_
