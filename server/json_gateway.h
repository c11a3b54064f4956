// The whole gRPC API over HTTP/JSON, for web stacks and browsers.
//
//   POST /api/<package.Service>/<Method>     e.g.
//   /api/persona.v1.RecommendService/Recommend
//
// The body is the request in protobuf's JSON mapping (field names as in the
// protos or lowerCamelCase); the answer is the response in the same mapping,
// with the proto field names. Client-streaming rpcs take a JSON array of
// requests (or one object); server-streaming rpcs answer with a JSON array, or
// with one object per line when the client sends `Accept:
// application/x-ndjson`.
//
// Each request becomes a gRPC call on an in-process channel to the server
// itself, so it passes the same gate (API keys, roles, rate limits, admission,
// metrics, access log) and the same validation as a gRPC call: the
// `Authorization`, `x-api-key` and `x-request-id` headers travel as metadata.
// gRPC status codes map to HTTP statuses (INVALID_ARGUMENT 400,
// UNAUTHENTICATED 401, PERMISSION_DENIED 403, NOT_FOUND 404, ...) with a JSON
// body {"code": "INVALID_ARGUMENT", "message": "..."}.
//
// CORS: origins in `cors_origins` (or "*") get Access-Control-Allow-* headers
// and preflight (OPTIONS) answers. GET /api/openapi.json describes every
// method, generated from the protos' descriptors.
//
// Thread-safe: handlers run concurrently on the HTTP server's workers.
#ifndef PERSONA_SERVER_JSON_GATEWAY_H_
#define PERSONA_SERVER_JSON_GATEWAY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "grpcpp/channel.h"
#include "server/http_server.h"

namespace persona::server {

inline constexpr char kJsonApiPrefix[] = "/api/";

struct JsonGatewayOptions {
  // Origins allowed to call from browsers; "*" allows any. Empty: no CORS
  // headers (same-origin pages and non-browser clients only).
  std::vector<std::string> cors_origins;
  // Deadline of each call, unless the client sends a shorter
  // `grpc-timeout`-like `x-timeout-ms` header.
  int64_t timeout_ms = 30'000;
};

// Routes /api/ on `http` to the rpcs of the gate's table, called on `channel`
// (the server's in-process channel). `channel` must outlive `http`'s serving.
void RegisterJsonGateway(HttpServer& http,
                         std::shared_ptr<grpc::Channel> channel,
                         JsonGatewayOptions options);

// The HTTP status for a gRPC status code.
int HttpStatusOf(int grpc_code);

}  // namespace persona::server

#endif  // PERSONA_SERVER_JSON_GATEWAY_H_
