#include "server/json_gateway.h"

#include <algorithm>
#include <chrono>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "server/call_gate.h"
#include "server/openapi.h"

namespace persona::server {
namespace {

namespace pb = ::google::protobuf;

// Headers that travel to the gRPC call as metadata.
constexpr const char* kForwardedHeaders[] = {"authorization", "x-api-key",
                                             "x-request-id"};
constexpr size_t kMaxStreamElements = 10'000;

const char* CodeName(grpc::StatusCode code) {
  static constexpr const char* kNames[] = {"OK",
                                           "CANCELLED",
                                           "UNKNOWN",
                                           "INVALID_ARGUMENT",
                                           "DEADLINE_EXCEEDED",
                                           "NOT_FOUND",
                                           "ALREADY_EXISTS",
                                           "PERMISSION_DENIED",
                                           "RESOURCE_EXHAUSTED",
                                           "FAILED_PRECONDITION",
                                           "ABORTED",
                                           "OUT_OF_RANGE",
                                           "UNIMPLEMENTED",
                                           "INTERNAL",
                                           "UNAVAILABLE",
                                           "DATA_LOSS",
                                           "UNAUTHENTICATED"};
  const int i = static_cast<int>(code);
  return i >= 0 && i < 17 ? kNames[i] : "UNKNOWN";
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      absl::StrAppend(&out, "\\u00", absl::Hex(c, absl::kZeroPad2));
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

HttpResponse JsonError(int http_status, std::string_view code,
                       std::string_view message) {
  HttpResponse r;
  r.status = http_status;
  r.content_type = "application/json";
  r.body = absl::StrCat("{\"code\":", JsonString(code),
                        ",\"message\":", JsonString(message), "}\n");
  return r;
}

std::string_view Strip(std::string_view s) {
  while (!s.empty() && absl::ascii_isspace(s.front())) s.remove_prefix(1);
  while (!s.empty() && absl::ascii_isspace(s.back())) s.remove_suffix(1);
  return s;
}

// Splits a top-level JSON array into its elements' texts; a JSON object is one
// element. Strings and nesting are respected; the elements are not validated
// here (the protobuf parser does that).
absl::StatusOr<std::vector<std::string_view>> SplitTopLevel(
    std::string_view body) {
  body = Strip(body);
  if (body.empty()) return std::vector<std::string_view>{"{}"};
  if (body.front() != '[') return std::vector<std::string_view>{body};
  std::vector<std::string_view> out;
  int depth = 0;
  bool in_string = false, escaped = false;
  size_t start = 1;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '[' || c == '{')
      ++depth;
    else if (c == ']' || c == '}')
      --depth;
    if ((c == ',' && depth == 1) || (c == ']' && depth == 0)) {
      std::string_view element =
          Strip(body.substr(start, i - start));
      if (!element.empty())
        out.push_back(element);
      else if (c == ',')
        return absl::InvalidArgumentError("body: empty element in the array");
      start = i + 1;
      if (c == ']' && i + 1 != body.size()) {
        return absl::InvalidArgumentError("body: text after the array");
      }
    }
    if (depth < 0)
      return absl::InvalidArgumentError("body: unbalanced brackets");
  }
  if (depth != 0 || in_string)
    return absl::InvalidArgumentError("body: unterminated JSON");
  if (out.size() > kMaxStreamElements) {
    return absl::InvalidArgumentError(absl::StrCat(
        "body: at most ", kMaxStreamElements, " messages per call"));
  }
  return out;
}

struct Call {
  grpc::Status status;
  std::vector<std::string> responses;  // serialized
};

std::string ToBytes(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const grpc::Slice& s : slices)
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

// One generic call: writes every request and half-closes while reading every
// response, so bidirectional streams that answer each message as it arrives
// (the in-process transport hands a message over only to a waiting read)
// make progress. At most one write and one read are outstanding at a time.
Call Invoke(grpc::GenericStub& stub, grpc::ClientContext& ctx, const std::string& path,
            const std::vector<std::string>& requests) {
  static char kStart, kWrite, kRead, kFinish;
  grpc::CompletionQueue cq;
  Call result;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call = stub.PrepareCall(&ctx, path, &cq);
  call->StartCall(&kStart);
  void* tag = nullptr;
  bool ok = false;
  if (cq.Next(&tag, &ok) && ok) {
    size_t written = 0;
    bool writes_done = false, writing = true, reading = true;
    grpc::ByteBuffer buffer;
    auto write_next = [&] {
      if (written < requests.size()) {
        grpc::Slice slice(requests[written++]);
        call->Write(grpc::ByteBuffer(&slice, 1), &kWrite);
      } else {
        call->WritesDone(&kWrite);
        writes_done = true;
      }
    };
    write_next();
    call->Read(&buffer, &kRead);
    while ((writing || reading) && cq.Next(&tag, &ok)) {
      if (tag == &kWrite) {
        writing = ok && !writes_done;
        if (writing) write_next();
      } else if (tag == &kRead) {
        reading = ok;
        if (reading) {
          result.responses.push_back(ToBytes(buffer));
          call->Read(&buffer, &kRead);
        }
      }
    }
  }
  call->Finish(&result.status, &kFinish);
  while (cq.Next(&tag, &ok) && tag != &kFinish) {
  }
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  return result;
}

class Gateway {
 public:
  Gateway(std::shared_ptr<grpc::Channel> channel, JsonGatewayOptions options)
      : channel_(std::move(channel)),
        stub_(channel_),
        options_(std::move(options)) {}

  HttpResponse Handle(const HttpRequest& request) {
    HttpResponse response =
        request.method == "OPTIONS" ? Preflight(request) : Serve(request);
    AddCors(request, response);
    return response;
  }

 private:
  HttpResponse Serve(const HttpRequest& request) {
    const RpcInfo* rpc = FindRpc(absl::StrCat("/", request.rest));
    const pb::MethodDescriptor* method =
        rpc == nullptr ? nullptr
                       : pb::DescriptorPool::generated_pool()->FindMethodByName(
                             MethodFullName(request.rest));
    if (method == nullptr) {
      return JsonError(404, "NOT_FOUND", absl::StrCat("no rpc ", request.rest));
    }
    absl::StatusOr<std::vector<std::string>> requests =
        ParseRequests(*method, request.body);
    if (!requests.ok()) {
      return JsonError(400, "INVALID_ARGUMENT",
                       std::string(requests.status().message()));
    }
    grpc::ClientContext ctx;
    int64_t timeout_ms = options_.timeout_ms;
    if (auto it = request.headers.find("x-timeout-ms");
        it != request.headers.end()) {
      int64_t asked = 0;
      if (absl::SimpleAtoi(it->second, &asked) && asked > 0)
        timeout_ms = std::min(timeout_ms, asked);
    }
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::milliseconds(timeout_ms));
    for (const char* name : kForwardedHeaders) {
      if (auto it = request.headers.find(name); it != request.headers.end()) {
        ctx.AddMetadata(name, it->second);
      }
    }
    Call call = Invoke(stub_, ctx, std::string(rpc->method), *requests);
    HttpResponse response =
        call.status.ok() ? Render(*method, call.responses, request)
                         : JsonError(HttpStatusOf(call.status.error_code()),
                                     CodeName(call.status.error_code()),
                                     call.status.error_message());
    const auto& initial = ctx.GetServerInitialMetadata();
    if (auto it = initial.find("x-request-id"); it != initial.end()) {
      response.headers.emplace_back(
          "x-request-id", std::string(it->second.data(), it->second.size()));
    }
    return response;
  }

  static std::string MethodFullName(std::string_view rest) {
    std::string name(rest);
    std::replace(name.begin(), name.end(), '/', '.');
    return name;
  }

  static absl::StatusOr<std::vector<std::string>> ParseRequests(
      const pb::MethodDescriptor& method, std::string_view body) {
    ASSIGN_OR_RETURN(std::vector<std::string_view> elements,
                     SplitTopLevel(body));
    if (!method.client_streaming() && elements.size() != 1) {
      return absl::InvalidArgumentError(
          "body: this rpc takes one request object, not an array");
    }
    const pb::Message* prototype =
        pb::MessageFactory::generated_factory()->GetPrototype(
            method.input_type());
    std::vector<std::string> out;
    for (size_t i = 0; i < elements.size(); ++i) {
      std::unique_ptr<pb::Message> message(prototype->New());
      const auto parsed = pb::util::JsonStringToMessage(
          pb::stringpiece_internal::StringPiece(elements[i].data(),
                                                elements[i].size()),
          message.get());
      if (!parsed.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "body", elements.size() > 1 ? absl::StrCat("[", i, "]") : "", ": ",
            std::string(parsed.message())));
      }
      out.push_back(message->SerializeAsString());
    }
    return out;
  }

  static HttpResponse Render(const pb::MethodDescriptor& method,
                             const std::vector<std::string>& responses,
                             const HttpRequest& request) {
    const pb::Message* prototype =
        pb::MessageFactory::generated_factory()->GetPrototype(
            method.output_type());
    pb::util::JsonPrintOptions print;
    print.preserve_proto_field_names = true;
    const bool ndjson =
        method.server_streaming() && request.headers.count("accept") != 0 &&
        request.headers.at("accept").find("application/x-ndjson") !=
            std::string::npos;
    HttpResponse out;
    out.content_type = ndjson ? "application/x-ndjson" : "application/json";
    if (method.server_streaming() && !ndjson) out.body = "[";
    for (size_t i = 0; i < responses.size(); ++i) {
      std::unique_ptr<pb::Message> message(prototype->New());
      std::string json;
      if (!message->ParseFromString(responses[i]) ||
          !pb::util::MessageToJsonString(*message, &json, print).ok()) {
        return JsonError(500, "INTERNAL", "cannot render the response");
      }
      if (method.server_streaming() && !ndjson && i > 0) out.body += ",";
      out.body += json;
      if (ndjson) out.body += "\n";
    }
    if (method.server_streaming() && !ndjson) out.body += "]";
    if (!ndjson) out.body += "\n";
    return out;
  }

  HttpResponse Preflight(const HttpRequest& request) const {
    HttpResponse r;
    r.status = 204;
    r.headers.emplace_back("Access-Control-Allow-Methods",
                           "POST, GET, OPTIONS");
    r.headers.emplace_back(
        "Access-Control-Allow-Headers",
        "authorization, content-type, x-api-key, x-request-id, x-timeout-ms");
    r.headers.emplace_back("Access-Control-Max-Age", "600");
    return r;
  }

  void AddCors(const HttpRequest& request, HttpResponse& response) const {
    auto origin = request.headers.find("origin");
    if (origin == request.headers.end()) return;
    const bool any = std::count(options_.cors_origins.begin(),
                                options_.cors_origins.end(), "*") > 0;
    const bool listed =
        std::count(options_.cors_origins.begin(), options_.cors_origins.end(),
                   origin->second) > 0;
    if (!any && !listed) return;
    response.headers.emplace_back("Access-Control-Allow-Origin",
                                  any ? "*" : origin->second);
    response.headers.emplace_back("Access-Control-Expose-Headers",
                                  "x-request-id");
    if (!any) response.headers.emplace_back("Vary", "Origin");
  }

  std::shared_ptr<grpc::Channel> channel_;
  grpc::GenericStub stub_;
  const JsonGatewayOptions options_;
};

}  // namespace

int HttpStatusOf(int grpc_code) {
  switch (static_cast<grpc::StatusCode>(grpc_code)) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::CANCELLED:
      return 499;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
      return 409;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    default:
      return 500;
  }
}

void RegisterJsonGateway(HttpServer& http,
                         std::shared_ptr<grpc::Channel> channel,
                         JsonGatewayOptions options) {
  auto gateway =
      std::make_shared<Gateway>(std::move(channel), std::move(options));
  auto handler = [gateway](const HttpRequest& request) {
    return gateway->Handle(request);
  };
  http.Handle("POST", kJsonApiPrefix, handler);
  http.Handle("OPTIONS", kJsonApiPrefix, handler);
  const std::string spec = OpenApiDocument();
  http.Handle("GET", absl::StrCat(kJsonApiPrefix, "openapi.json"),
              [spec](const HttpRequest&) {
                HttpResponse r;
                r.content_type = "application/json";
                r.body = spec;
                return r;
              });
}

}  // namespace persona::server
