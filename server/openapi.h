// An OpenAPI 3.0 description of the HTTP/JSON API (server/json_gateway.h),
// generated from the protos' descriptors and the gate's table of rpcs, so it
// cannot drift from what the server serves. Pure; thread-safe.
#ifndef PERSONA_SERVER_OPENAPI_H_
#define PERSONA_SERVER_OPENAPI_H_

#include <string>

namespace persona::server {

// The document as JSON: one POST path per rpc under /api/, every request and
// response message as a schema (field names as in the protos; 64-bit integers
// as strings, enums as their names, maps as objects), the roles in each
// operation's description.
std::string OpenApiDocument();

}  // namespace persona::server

#endif  // PERSONA_SERVER_OPENAPI_H_
