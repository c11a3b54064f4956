#include "server/http_server.h"

#include <httplib.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/status_macros.h"

namespace persona::server {
namespace {

// Longest path routed at all; longer ones get 414 before any regex (httplib
// matches body-carrying requests with std::regex, which recurses per char).
constexpr size_t kMaxPathBytes = 2048;

// Methods whose body httplib reads only after routing; they are dispatched
// from a catch-all route instead of the pre-routing hook.
bool CarriesBody(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

// SO_REUSEADDR only: restarts may reuse a port in TIME_WAIT, but binding a
// port another process listens on fails (httplib's default SO_REUSEPORT
// would silently share it).
void SetSocketOptions(socket_t sock) {
  int yes = 1;
  setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
}

HttpRequest ToHttpRequest(const httplib::Request& in) {
  HttpRequest out;
  out.method = in.method;
  out.path = in.path;
  for (const auto& [name, value] : in.params) out.query.emplace(name, value);
  for (const auto& [name, value] : in.headers) {
    out.headers.emplace(absl::AsciiStrToLower(name), value);
  }
  out.body = in.body;
  return out;
}

void FromHttpResponse(const HttpResponse& in, httplib::Response& out) {
  out.status = in.status;
  bool has_cache_control = false;
  for (const auto& [name, value] : in.headers) {
    has_cache_control |= absl::EqualsIgnoreCase(name, "Cache-Control");
    out.set_header(name, value);  // httplib drops values holding CR/LF
  }
  // Nothing this server answers is meant to be cached unless a handler says so.
  if (!has_cache_control) out.set_header("Cache-Control", "no-store");
  out.set_header("X-Content-Type-Options", "nosniff");
  out.set_content(in.body, in.content_type);
}

absl::Status ValidateOptions(const HttpServerOptions& options) {
  if (options.port < 0 || options.port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("http port out of range: ", options.port));
  }
  if (options.threads < 1) return absl::InvalidArgumentError("http threads must be >= 1");
  if (options.max_request_bytes == 0) {
    return absl::InvalidArgumentError("http max_request_bytes must be > 0");
  }
  if (options.io_timeout_seconds < 1) {
    return absl::InvalidArgumentError("http io_timeout_seconds must be >= 1");
  }
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return absl::InvalidArgumentError("http tls_cert_file and tls_key_file are set together");
  }
  if (!options.tls_client_ca_file.empty() && options.tls_cert_file.empty()) {
    return absl::InvalidArgumentError("http tls_client_ca_file needs tls_cert_file");
  }
  return absl::OkStatus();
}

// The OpenSSL error queue as text, emptied.
std::string TakeSslErrors() {
  std::string text;
  while (unsigned long e = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(e, buffer, sizeof(buffer));
    absl::StrAppend(&text, text.empty() ? "" : "; ", buffer);
  }
  return text.empty() ? "unknown OpenSSL error" : text;
}

// Loads the certificate, key and client CA of `options` into `ctx`; on
// failure returns false with the file and OpenSSL's reason in `*error`.
bool SetUpTls(const HttpServerOptions& options, SSL_CTX& ctx, std::string* error) {
  SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(&ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION);
  if (SSL_CTX_use_certificate_chain_file(&ctx, options.tls_cert_file.c_str()) != 1) {
    *error = absl::StrCat("tls_cert_file ", options.tls_cert_file, ": ", TakeSslErrors());
    return false;
  }
  if (SSL_CTX_use_PrivateKey_file(&ctx, options.tls_key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(&ctx) != 1) {
    *error = absl::StrCat("tls_key_file ", options.tls_key_file, ": ", TakeSslErrors());
    return false;
  }
  if (!options.tls_client_ca_file.empty()) {
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(options.tls_client_ca_file.c_str());
    if (names == nullptr ||
        SSL_CTX_load_verify_locations(&ctx, options.tls_client_ca_file.c_str(), nullptr) != 1) {
      if (names != nullptr) sk_X509_NAME_pop_free(names, X509_NAME_free);
      *error = absl::StrCat("tls_client_ca_file ", options.tls_client_ca_file, ": ",
                            TakeSslErrors());
      return false;
    }
    SSL_CTX_set_client_CA_list(&ctx, names);  // takes ownership
    SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }
  return true;
}

// A plain or, with TLS options, an HTTPS server; INVALID_ARGUMENT naming the
// TLS file that does not load.
absl::StatusOr<std::unique_ptr<httplib::Server>> NewServer(const HttpServerOptions& options) {
  if (options.tls_cert_file.empty()) return std::make_unique<httplib::Server>();
  std::string error;
  auto server = std::make_unique<httplib::SSLServer>(
      [&](SSL_CTX& ctx) { return SetUpTls(options, ctx, &error); });
  if (!server->is_valid()) {
    return absl::InvalidArgumentError(
        absl::StrCat("http TLS: ", error.empty() ? TakeSslErrors() : error));
  }
  return server;
}

}  // namespace

HttpResponse HttpResponse::Text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpResponse HttpResponse::Redirect(std::string location) {
  HttpResponse r;
  r.status = 302;
  r.headers.emplace_back("Location", std::move(location));
  return r;
}

class HttpServer::Impl {
 public:
  explicit Impl(const HttpServerOptions& options) : options_(options) {}
  ~Impl() { Stop(); }

  absl::Status Start();
  void Stop();
  void Handle(std::string method, std::string pattern, HttpHandler handler);
  int port() const { return port_; }

 private:
  using Routes = absl::flat_hash_map<std::string, std::map<std::string, std::shared_ptr<HttpHandler>>>;

  void Configure();
  std::shared_ptr<HttpHandler> Find(const std::string& method, const std::string& path,
                                    std::string* rest) const;
  httplib::Server::HandlerResponse PreRoute(const httplib::Request& req, httplib::Response& res);
  void Dispatch(const httplib::Request& req, httplib::Response& res);

  const HttpServerOptions options_;
  std::unique_ptr<httplib::Server> server_;  // an SSLServer with TLS options
  std::thread thread_;
  std::atomic<bool> listen_returned_{false};
  int port_ = 0;
  absl::Mutex stop_mu_;
  bool stopped_ ABSL_GUARDED_BY(stop_mu_) = false;
  mutable absl::Mutex mu_;
  Routes routes_ ABSL_GUARDED_BY(mu_);
};

void HttpServer::Impl::Configure() {
  server_->set_socket_options(SetSocketOptions);
  server_->set_payload_max_length(options_.max_request_bytes);
  server_->set_read_timeout(options_.io_timeout_seconds);
  server_->set_write_timeout(options_.io_timeout_seconds);
  server_->set_keep_alive_timeout(options_.io_timeout_seconds);
  const size_t threads = options_.threads;
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_->set_pre_routing_handler(
      [this](const httplib::Request& req, httplib::Response& res) { return PreRoute(req, res); });
  auto dispatch = [this](const httplib::Request& req, httplib::Response& res) {
    Dispatch(req, res);
  };
  server_->Post(".*", dispatch);
  server_->Put(".*", dispatch);
  server_->Patch(".*", dispatch);
  server_->Delete(".*", dispatch);
  // Handlers must not throw; should one (bad_alloc), answer 500 without details.
  server_->set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        FromHttpResponse(HttpResponse::Text(500, "internal error\n"), res);
      });
}

absl::Status HttpServer::Impl::Start() {
  ASSIGN_OR_RETURN(server_, NewServer(options_));
  Configure();
  if (options_.port == 0) {
    port_ = server_->bind_to_any_port(options_.host);
  } else {
    port_ = server_->bind_to_port(options_.host, options_.port) ? options_.port : -1;
  }
  if (port_ <= 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen for HTTP on ", options_.host, ":", options_.port));
  }
  thread_ = std::thread([this] {
    server_->listen_after_bind();
    listen_returned_ = true;
  });
  // stop() is a no-op until the accept loop runs; wait for it (microseconds)
  // so a Stop() right after Start() cannot be lost.
  while (!server_->is_running() && !listen_returned_) {
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  return absl::OkStatus();
}

void HttpServer::Impl::Stop() {
  absl::MutexLock lock(&stop_mu_);
  if (stopped_) return;
  stopped_ = true;
  if (server_ == nullptr) return;  // Start failed before creating it
  server_->stop();  // closes the listening socket; the pool drains in-flight requests
  if (thread_.joinable()) thread_.join();
}

void HttpServer::Impl::Handle(std::string method, std::string pattern, HttpHandler handler) {
  auto shared = std::make_shared<HttpHandler>(std::move(handler));
  absl::MutexLock lock(&mu_);
  routes_[std::move(method)][std::move(pattern)] = std::move(shared);
}

std::shared_ptr<HttpHandler> HttpServer::Impl::Find(const std::string& method,
                                                    const std::string& path,
                                                    std::string* rest) const {
  const std::string& key = method == "HEAD" ? std::string("GET") : method;
  absl::MutexLock lock(&mu_);
  auto by_method = routes_.find(key);
  if (by_method == routes_.end()) return nullptr;
  std::shared_ptr<HttpHandler> best;
  size_t best_len = 0;
  for (const auto& [pattern, handler] : by_method->second) {
    const bool exact = pattern == path;
    const bool prefix = !pattern.empty() && pattern.back() == '/' &&
                        absl::StartsWith(path, pattern);
    if ((exact || prefix) && (best == nullptr || pattern.size() > best_len)) {
      best = handler;
      best_len = pattern.size();
      *rest = exact ? std::string() : path.substr(pattern.size());
    }
  }
  return best;
}

httplib::Server::HandlerResponse HttpServer::Impl::PreRoute(const httplib::Request& req,
                                                            httplib::Response& res) {
  std::string rest;
  if (req.path.size() > kMaxPathBytes) {
    FromHttpResponse(HttpResponse::Text(414, "path too long\n"), res);
  } else if (Find(req.method, req.path, &rest) == nullptr) {
    FromHttpResponse(HttpResponse::Text(404, "not found\n"), res);
  } else if (CarriesBody(req.method)) {
    return httplib::Server::HandlerResponse::Unhandled;  // read the body, then Dispatch
  } else {
    Dispatch(req, res);
  }
  return httplib::Server::HandlerResponse::Handled;
}

void HttpServer::Impl::Dispatch(const httplib::Request& req, httplib::Response& res) {
  HttpRequest request = ToHttpRequest(req);
  std::shared_ptr<HttpHandler> handler = Find(req.method, req.path, &request.rest);
  // The route may have been replaced between pre-routing and here; never absent
  // since routes are not removed, but answer 404 rather than trust that.
  FromHttpResponse(handler ? (*handler)(request) : HttpResponse::Text(404, "not found\n"), res);
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options) {
  RETURN_IF_ERROR(ValidateOptions(options));
  auto impl = std::make_unique<Impl>(options);
  RETURN_IF_ERROR(impl->Start());
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() { Stop(); }

void HttpServer::Handle(std::string method, std::string pattern, HttpHandler handler) {
  impl_->Handle(std::move(method), std::move(pattern), std::move(handler));
}

int HttpServer::port() const { return impl_->port(); }
void HttpServer::Stop() { impl_->Stop(); }

}  // namespace persona::server
