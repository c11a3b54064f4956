#include "server/openapi.h"

#include <algorithm>
#include <deque>
#include <map>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"
#include "server/call_gate.h"

namespace persona::server {
namespace {

namespace pb = ::google::protobuf;

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string Ref(const pb::Descriptor& message) {
  return absl::StrCat("{\"$ref\":\"#/components/schemas/", message.full_name(),
                      "\"}");
}

// The schema of one value of `field` (ignoring repetition).
std::string ValueSchema(const pb::FieldDescriptor& field,
                        std::deque<const pb::Descriptor*>& todo) {
  switch (field.cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32:
    case pb::FieldDescriptor::CPPTYPE_UINT32:
      return "{\"type\":\"integer\",\"format\":\"int32\"}";
    case pb::FieldDescriptor::CPPTYPE_INT64:
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      return "{\"type\":\"string\",\"format\":\"int64\"}";
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
    case pb::FieldDescriptor::CPPTYPE_FLOAT:
      return "{\"type\":\"number\"}";
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      return "{\"type\":\"boolean\"}";
    case pb::FieldDescriptor::CPPTYPE_STRING:
      return field.type() == pb::FieldDescriptor::TYPE_BYTES
                 ? "{\"type\":\"string\",\"format\":\"byte\"}"
                 : "{\"type\":\"string\"}";
    case pb::FieldDescriptor::CPPTYPE_ENUM: {
      std::vector<std::string> names;
      for (int i = 0; i < field.enum_type()->value_count(); ++i) {
        names.push_back(Quote(field.enum_type()->value(i)->name()));
      }
      return absl::StrCat("{\"type\":\"string\",\"enum\":[",
                          absl::StrJoin(names, ","), "]}");
    }
    case pb::FieldDescriptor::CPPTYPE_MESSAGE:
      todo.push_back(field.message_type());
      return Ref(*field.message_type());
  }
  return "{}";
}

std::string FieldSchema(const pb::FieldDescriptor& field,
                        std::deque<const pb::Descriptor*>& todo) {
  if (field.is_map()) {
    return absl::StrCat("{\"type\":\"object\",\"additionalProperties\":",
                        ValueSchema(*field.message_type()->map_value(), todo),
                        "}");
  }
  std::string value = ValueSchema(field, todo);
  return field.is_repeated()
             ? absl::StrCat("{\"type\":\"array\",\"items\":", value, "}")
             : value;
}

// Schemas of every message reachable from `todo`, by full name.
std::map<std::string, std::string> Schemas(
    std::deque<const pb::Descriptor*> todo) {
  std::map<std::string, std::string> schemas;
  while (!todo.empty()) {
    const pb::Descriptor* message = todo.front();
    todo.pop_front();
    if (schemas.count(message->full_name()) != 0) continue;
    std::vector<std::string> properties;
    for (int i = 0; i < message->field_count(); ++i) {
      const pb::FieldDescriptor& field = *message->field(i);
      properties.push_back(
          absl::StrCat(Quote(field.name()), ":", FieldSchema(field, todo)));
    }
    schemas[message->full_name()] =
        absl::StrCat("{\"type\":\"object\",\"properties\":{",
                     absl::StrJoin(properties, ","), "}}");
  }
  return schemas;
}

std::string Operation(const RpcInfo& rpc, const pb::MethodDescriptor& method,
                      std::deque<const pb::Descriptor*>& todo) {
  todo.push_back(method.input_type());
  todo.push_back(method.output_type());
  const std::string in = Ref(*method.input_type());
  const std::string out = Ref(*method.output_type());
  const std::string description = absl::StrCat(
      "Least role: ", std::string(RoleName(rpc.min_role)), ". ",
      rpc.scope == RpcScope::kServer
          ? "Server-wide: needs a key valid for every shop. "
          : "",
      method.client_streaming()
          ? "Client stream: the body may be an array of requests. "
          : "",
      method.server_streaming() ? "Server stream: the answer is an array, or "
                                  "NDJSON with Accept: application/x-ndjson."
                                : "");
  return absl::StrCat(
      "{\"post\":{\"operationId\":",
      Quote(absl::StrCat(method.service()->name(), "_", method.name())),
      ",\"tags\":[", Quote(method.service()->name()),
      "],\"description\":", Quote(description),
      ",\"requestBody\":{\"required\":true,\"content\":{\"application/"
      "json\":{\"schema\":",
      method.client_streaming()
          ? absl::StrCat("{\"oneOf\":[", in,
                         ",{\"type\":\"array\",\"items\":", in, "}]}")
          : in,
      "}}},\"responses\":{\"200\":{\"description\":\"OK\",\"content\":{"
      "\"application/json\":{"
      "\"schema\":",
      method.server_streaming()
          ? absl::StrCat("{\"type\":\"array\",\"items\":", out, "}")
          : out,
      "}}},\"default\":{\"description\":\"An error with its gRPC "
      "code\",\"content\":{"
      "\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/"
      "Error\"}}}}}}}");
}

}  // namespace

std::string OpenApiDocument() {
  std::deque<const pb::Descriptor*> todo;
  std::vector<std::string> paths;
  for (const RpcInfo& rpc : AllRpcs()) {
    std::string name(rpc.method.substr(1));
    std::replace(name.begin(), name.end(), '/', '.');
    const pb::MethodDescriptor* method =
        pb::DescriptorPool::generated_pool()->FindMethodByName(name);
    if (method == nullptr) continue;  // a service not linked into this binary
    paths.push_back(absl::StrCat(Quote(absl::StrCat("/api", std::string(rpc.method))), ":",
                                 Operation(rpc, *method, todo)));
  }
  std::vector<std::string> schemas = {
      "\"Error\":{\"type\":\"object\",\"properties\":{\"code\":{\"type\":"
      "\"string\"},"
      "\"message\":{\"type\":\"string\"}}}"};
  for (const auto& [name, schema] : Schemas(std::move(todo))) {
    schemas.push_back(absl::StrCat(Quote(name), ":", schema));
  }
  return absl::StrCat(
      "{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"Persona HTTP/JSON "
      "API\",\"version\":\"v1\","
      "\"description\":\"Every gRPC rpc of persona.v1 as POST "
      "/api/<Service>/<Method> with "
      "protobuf's JSON mapping.\"},"
      "\"security\":[{\"bearer\":[]},{\"apiKey\":[]}],\"paths\":{",
      absl::StrJoin(paths, ","),
      "},\"components\":{\"securitySchemes\":{\"bearer\":{\"type\":\"http\","
      "\"scheme\":\"bearer\"},"
      "\"apiKey\":{\"type\":\"apiKey\",\"in\":\"header\",\"name\":\"x-api-"
      "key\"}},\"schemas\":{",
      absl::StrJoin(schemas, ","), "}}}\n");
}

}  // namespace persona::server
