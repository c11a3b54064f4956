// The browser tracker and widget (web/tracker/persona.js, docs/TRACKER.md),
// served by the server itself so a shop adds personalization with one
// <script> tag and no backend change:
//
//   GET /persona.js   the script, embedded in the binary at build time
//
// The answer carries a JavaScript content type, a short public cache lifetime
// and a strong ETag (a conditional GET with a matching If-None-Match is a
// 304), so browsers revalidate cheaply and pick up a new server's script
// within minutes.
//
// Thread-safe: the handler only reads immutable data.
#ifndef PERSONA_SERVER_TRACKER_H_
#define PERSONA_SERVER_TRACKER_H_

#include <string_view>

#include "server/http_server.h"

namespace persona::server {

inline constexpr char kTrackerPath[] = "/persona.js";
inline constexpr char kTrackerContentType[] = "text/javascript; charset=utf-8";
// Browsers and CDNs may reuse the script for five minutes, then revalidate.
inline constexpr char kTrackerCacheControl[] = "public, max-age=300";

// Returns the embedded script's text.
std::string_view TrackerScript();

// Answers one request for the script (GET or HEAD): 200 with the script, or
// 304 when If-None-Match names the current ETag.
HttpResponse ServeTrackerScript(const HttpRequest& request);

// Routes GET /persona.js on `http` to ServeTrackerScript.
void RegisterTracker(HttpServer& http);

}  // namespace persona::server

#endif  // PERSONA_SERVER_TRACKER_H_
