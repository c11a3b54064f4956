// A small HTTP/1.1 server for the parts of Persona that browsers and mail
// clients reach directly (the open-time email links; later the HTTP/JSON API).
//
// It wraps cpp-httplib but keeps it out of this header: handlers see only
// HttpRequest/HttpResponse. Routes are matched by method and path:
// a pattern ending in '/' matches every path that starts with it (the rest is
// HttpRequest::rest), any other pattern matches exactly that path; the longest
// match wins; anything else is 404. GET routes also answer HEAD.
//
// With TLS options it serves HTTPS only (see HttpServerOptions).
//
// Threads: Start() runs the accept loop on one thread of its own and requests
// on `threads` workers, all joined by Stop(). HttpServer is thread-safe:
// Handle() may be called at any time, also while serving; handlers run
// concurrently on the workers and must be thread-safe themselves.
#ifndef PERSONA_SERVER_HTTP_SERVER_H_
#define PERSONA_SERVER_HTTP_SERVER_H_

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace persona::server {

struct HttpServerOptions {
  // Address to bind; default loopback only. "0.0.0.0" for every interface.
  std::string host = "127.0.0.1";
  // TCP port; 0 picks a free one (see HttpServer::port()).
  int port = 0;
  // Request worker threads; default 2, at least 1.
  int threads = 2;
  // Largest accepted request body, in bytes; larger ones get 413. Default 1 MiB.
  size_t max_request_bytes = 1 << 20;
  // Seconds a connection may idle between reads/writes; default 5.
  int io_timeout_seconds = 5;
  // TLS: PEM certificate chain and unencrypted private key files. Both set:
  // the port speaks HTTPS only (TLS 1.2 or newer). Default empty: plain HTTP.
  std::string tls_cert_file;
  std::string tls_key_file;
  // PEM CA bundle; set (with the certificate): clients must present a
  // certificate that verifies against it, or the handshake fails. Default
  // empty: no client certificates asked for.
  std::string tls_client_ca_file;
};

struct HttpRequest {
  std::string method;  // "GET", "POST", ... ("HEAD" reaches GET routes)
  std::string path;    // percent-decoded path, without the query
  std::string rest;    // the part of `path` after a matched '/'-ending pattern
  // Query parameters, percent-decoded; the first value of a repeated name.
  std::map<std::string, std::string> query;
  // Request headers, names lower-cased; the first value of a repeated name.
  std::map<std::string, std::string> headers;
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  // Extra headers (e.g. Location, Cache-Control). Values holding CR or LF are
  // dropped by the transport, never sent.
  std::vector<std::pair<std::string, std::string>> headers;

  // Returns a response with `status` and a short plain-text `body`.
  static HttpResponse Text(int status, std::string body);
  // Returns a 302 to `location`; the caller must have validated it.
  static HttpResponse Redirect(std::string location);
};

// Handles one request; runs on a worker thread; must not throw.
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class HttpServer {
 public:
  // Binds options.host:options.port and starts serving (with no routes yet:
  // every path is 404 until Handle adds one). UNAVAILABLE naming host:port
  // when the address cannot be bound (in use, bad host); INVALID_ARGUMENT
  // for bad options, naming the TLS file that cannot be loaded.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options);

  // Stops serving and joins every thread.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Routes requests with `method` whose path matches `pattern` (see the file
  // comment) to `handler`, replacing an earlier handler for the same pair.
  void Handle(std::string method, std::string pattern, HttpHandler handler);

  // Returns the bound TCP port (the picked one when options.port was 0).
  int port() const;

  // Stops accepting, lets in-flight requests finish and joins the threads.
  // Idempotent; after it, requests are refused.
  void Stop();

 private:
  class Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace persona::server

#endif  // PERSONA_SERVER_HTTP_SERVER_H_
