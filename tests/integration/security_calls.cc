#include "tests/integration/security_calls.h"

#include <chrono>
#include <fstream>
#include <sstream>

#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/generic/generic_stub.h"

namespace persona::testing {
namespace {

namespace pb = ::google::protobuf;

// Waits for the one operation in flight on `cq`; returns its ok bit.
bool Wait(grpc::CompletionQueue& cq) {
  void* tag = nullptr;
  bool ok = false;
  if (!cq.Next(&tag, &ok)) return false;
  return ok;
}

std::string ToString(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const auto& slice : slices) {
    out.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return out;
}

// Sets the message's top-level "shop"; when it has none, the "shop" of its
// message fields (PublishModel names the shop in its header).
bool SetShop(pb::Message& message, const std::string& shop, bool descend) {
  const pb::Descriptor* type = message.GetDescriptor();
  const pb::Reflection* reflection = message.GetReflection();
  const pb::FieldDescriptor* field = type->FindFieldByName("shop");
  if (field != nullptr && !field->is_repeated() &&
      field->type() == pb::FieldDescriptor::TYPE_STRING) {
    reflection->SetString(&message, field, shop);
    return true;
  }
  if (!descend) return false;
  bool set = false;
  for (int i = 0; i < type->field_count(); ++i) {
    field = type->field(i);
    if (field->is_repeated() || field->type() != pb::FieldDescriptor::TYPE_MESSAGE) continue;
    if (SetShop(*reflection->MutableMessage(&message, field), shop, false)) {
      set = true;
    } else {
      reflection->ClearField(&message, field);
    }
  }
  return set;
}

}  // namespace

CallResult CallMethod(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                      const std::vector<std::string>& requests, const Metadata& metadata) {
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue cq;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  for (const auto& [name, value] : metadata) context.AddMetadata(name, value);
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
      stub.PrepareCall(&context, method, &cq);
  int tag = 0;
  call->StartCall(&tag);
  bool open = Wait(cq);
  for (const std::string& request : requests) {
    if (!open) break;
    grpc::Slice slice(request);
    grpc::ByteBuffer buffer(&slice, 1);
    call->Write(buffer, &tag);
    open = Wait(cq);
  }
  if (open) {
    call->WritesDone(&tag);
    Wait(cq);
  }
  CallResult result;
  for (;;) {
    grpc::ByteBuffer response;
    call->Read(&response, &tag);
    if (!Wait(cq)) break;
    ++result.responses;
    result.payloads.push_back(ToString(response));
  }
  grpc::Status status;
  call->Finish(&status, &tag);
  Wait(cq);
  cq.Shutdown();
  void* ignored_tag;
  bool ignored_ok;
  while (cq.Next(&ignored_tag, &ignored_ok)) {
  }
  result.code = status.error_code();
  result.message = status.error_message();
  return result;
}

const pb::DescriptorPool& ApiDescriptors() {
  static const pb::DescriptorPool* pool = [] {
    auto* built = new pb::DescriptorPool();
    std::ifstream in(PERSONA_API_DESCRIPTORS, std::ios::binary);
    pb::FileDescriptorSet set;
    if (!set.ParseFromIstream(&in)) return built;  // FindMethod then finds nothing
    for (const pb::FileDescriptorProto& file : set.file()) built->BuildFile(file);
    return built;
  }();
  return *pool;
}

std::vector<const pb::FileDescriptor*> ApiFiles() {
  std::ifstream in(PERSONA_API_DESCRIPTORS, std::ios::binary);
  pb::FileDescriptorSet set;
  std::vector<const pb::FileDescriptor*> files;
  if (!set.ParseFromIstream(&in)) return files;
  for (const pb::FileDescriptorProto& file : set.file()) {
    if (const pb::FileDescriptor* found = ApiDescriptors().FindFileByName(file.name())) {
      files.push_back(found);
    }
  }
  return files;
}

std::string RequestNamingShop(const pb::MethodDescriptor& method, const std::string& shop) {
  static pb::DynamicMessageFactory* factory = new pb::DynamicMessageFactory();
  const pb::Message* prototype = factory->GetPrototype(method.input_type());
  std::unique_ptr<pb::Message> request(prototype->New());
  SetShop(*request, shop, true);
  return request->SerializeAsString();
}

const pb::MethodDescriptor* FindMethod(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (path.empty() || path[0] != '/' || slash == 0 || slash == std::string::npos) return nullptr;
  const pb::ServiceDescriptor* service =
      ApiDescriptors().FindServiceByName(path.substr(1, slash - 1));
  return service == nullptr ? nullptr : service->FindMethodByName(path.substr(slash + 1));
}

std::string MethodPath(const pb::MethodDescriptor& method) {
  return "/" + method.service()->full_name() + "/" + method.name();
}

std::vector<std::string> ServedServices(const std::shared_ptr<grpc::Channel>& channel) {
  // Links the reflection library, whose generated messages describe the
  // reflection protocol in the generated pool.
  volatile auto keep_linked = &grpc::reflection::InitProtoReflectionServerBuilderPlugin;
  (void)keep_linked;
  const pb::DescriptorPool* pool = pb::DescriptorPool::generated_pool();
  const pb::Descriptor* request_type =
      pool->FindMessageTypeByName("grpc.reflection.v1alpha.ServerReflectionRequest");
  const pb::Descriptor* response_type =
      pool->FindMessageTypeByName("grpc.reflection.v1alpha.ServerReflectionResponse");
  if (request_type == nullptr || response_type == nullptr) return {};
  pb::DynamicMessageFactory factory;
  std::unique_ptr<pb::Message> request(factory.GetPrototype(request_type)->New());
  request->GetReflection()->SetString(request.get(), request_type->FindFieldByName("list_services"),
                                      "*");
  const CallResult result =
      CallMethod(channel, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                 {request->SerializeAsString()}, {});
  std::vector<std::string> services;
  if (result.payloads.empty()) return services;
  std::unique_ptr<pb::Message> response(factory.GetPrototype(response_type)->New());
  if (!response->ParseFromString(result.payloads[0])) return services;
  const pb::Message& list = response->GetReflection()->GetMessage(
      *response, response_type->FindFieldByName("list_services_response"));
  const pb::FieldDescriptor* service_field = list.GetDescriptor()->FindFieldByName("service");
  for (int i = 0; i < list.GetReflection()->FieldSize(list, service_field); ++i) {
    const pb::Message& service = list.GetReflection()->GetRepeatedMessage(list, service_field, i);
    services.push_back(service.GetReflection()->GetString(
        service, service.GetDescriptor()->FindFieldByName("name")));
  }
  return services;
}

}  // namespace persona::testing
