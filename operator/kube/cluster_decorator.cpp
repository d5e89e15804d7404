#include "operator/kube/cluster_decorator.hpp"

namespace veer::kube {

namespace {

std::string kind_of(const Json& object) {
  return object.is_object() ? object.value("kind", "") : "";
}

}  // namespace

bool CallInfo::is_write() const {
  return verb == Verb::Create || verb == Verb::Update || verb == Verb::UpdateStatus ||
         verb == Verb::Patch || verb == Verb::Delete;
}

const char* CallInfo::verb_name() const {
  switch (verb) {
    case Verb::Resolve:
      return "resolve";
    case Verb::Get:
      return "get";
    case Verb::List:
      return "list";
    case Verb::Watch:
      return "watch";
    case Verb::Create:
      return "create";
    case Verb::Update:
      return "update";
    case Verb::UpdateStatus:
      return "update_status";
    case Verb::Patch:
      return "patch";
    case Verb::Delete:
      return "delete";
  }
  return "?";
}

Result<ResourceInfo> ClusterDecorator::resolve(const ResourceType& type) {
  if (auto refused = before({CallInfo::Verb::Resolve, type.kind, ""})) return *refused;
  return inner_.resolve(type);
}

Result<Json> ClusterDecorator::get(const ObjectRef& ref) {
  if (auto refused = before({CallInfo::Verb::Get, ref.type.kind, ref.name})) return *refused;
  return inner_.get(ref);
}

Result<ObjectList> ClusterDecorator::list(const ResourceType& type, const std::string& ns,
                                          const ListOptions& options) {
  if (auto refused = before({CallInfo::Verb::List, type.kind, ""})) return *refused;
  return inner_.list(type, ns, options);
}

Result<Json> ClusterDecorator::create(const Json& object) {
  if (auto refused = before({CallInfo::Verb::Create, kind_of(object), name_of(object)}))
    return *refused;
  return inner_.create(object);
}

Result<Json> ClusterDecorator::update(const Json& object) {
  if (auto refused = before({CallInfo::Verb::Update, kind_of(object), name_of(object)}))
    return *refused;
  return inner_.update(object);
}

Result<Json> ClusterDecorator::update_status(const Json& object) {
  if (auto refused = before({CallInfo::Verb::UpdateStatus, kind_of(object), name_of(object)}))
    return *refused;
  return inner_.update_status(object);
}

Result<Json> ClusterDecorator::patch(const ObjectRef& ref, PatchType type, const Json& patch,
                                     const PatchOptions& options) {
  if (auto refused = before({CallInfo::Verb::Patch, ref.type.kind, ref.name})) return *refused;
  return inner_.patch(ref, type, patch, options);
}

Status ClusterDecorator::remove(const ObjectRef& ref, const DeleteOptions& options) {
  if (auto refused = before({CallInfo::Verb::Delete, ref.type.kind, ref.name})) return *refused;
  return inner_.remove(ref, options);
}

Result<std::unique_ptr<WatchStream>> ClusterDecorator::watch(const ResourceType& type,
                                                             const std::string& ns,
                                                             const WatchOptions& options) {
  if (auto refused = before({CallInfo::Verb::Watch, type.kind, ""})) return *refused;
  return inner_.watch(type, ns, options);
}

}  // namespace veer::kube
