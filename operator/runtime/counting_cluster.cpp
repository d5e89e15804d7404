#include "operator/runtime/counting_cluster.hpp"

namespace veer::runtime {

const char* CountingCluster::name_of(int verb) {
  static const char* const names[] = {"get",    "list",  "watch", "create",
                                      "update", "patch", "delete"};
  return names[verb];
}

std::map<std::string, std::size_t> CountingCluster::counts() const {
  std::map<std::string, std::size_t> out;
  for (int v = 0; v < VerbCount; ++v) out[name_of(v)] = counts_[static_cast<std::size_t>(v)];
  return out;
}

std::size_t CountingCluster::count(const std::string& verb) const {
  for (int v = 0; v < VerbCount; ++v)
    if (verb == name_of(v)) return counts_[static_cast<std::size_t>(v)];
  return 0;
}

std::size_t CountingCluster::writes() const {
  return count("create") + count("update") + count("patch") + count("delete");
}

kube::Result<kube::ResourceInfo> CountingCluster::resolve(const kube::ResourceType& type) {
  return inner_.resolve(type);  // discovery, cached by the clients
}

kube::Result<kube::Json> CountingCluster::get(const kube::ObjectRef& ref) {
  ++counts_[Get];
  return inner_.get(ref);
}

kube::Result<kube::ObjectList> CountingCluster::list(const kube::ResourceType& type,
                                                     const std::string& ns,
                                                     const kube::ListOptions& options) {
  ++counts_[List];
  return inner_.list(type, ns, options);
}

kube::Result<kube::Json> CountingCluster::create(const kube::Json& object) {
  ++counts_[Create];
  return inner_.create(object);
}

kube::Result<kube::Json> CountingCluster::update(const kube::Json& object) {
  ++counts_[Update];
  return inner_.update(object);
}

kube::Result<kube::Json> CountingCluster::update_status(const kube::Json& object) {
  ++counts_[Update];
  return inner_.update_status(object);
}

kube::Result<kube::Json> CountingCluster::patch(const kube::ObjectRef& ref, kube::PatchType type,
                                                const kube::Json& patch,
                                                const kube::PatchOptions& options) {
  ++counts_[Patch];
  return inner_.patch(ref, type, patch, options);
}

kube::Status CountingCluster::remove(const kube::ObjectRef& ref,
                                     const kube::DeleteOptions& options) {
  ++counts_[Delete];
  return inner_.remove(ref, options);
}

kube::Result<std::unique_ptr<kube::WatchStream>> CountingCluster::watch(
    const kube::ResourceType& type, const std::string& ns, const kube::WatchOptions& options) {
  ++counts_[Watch];
  return inner_.watch(type, ns, options);
}

}  // namespace veer::runtime
