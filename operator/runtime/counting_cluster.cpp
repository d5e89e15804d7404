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

std::optional<kube::ApiError> CountingCluster::before(const kube::CallInfo& call) {
  using V = kube::CallInfo::Verb;
  switch (call.verb) {
    case V::Resolve:
      break;  // discovery, cached by the clients
    case V::Get:
      ++counts_[Get];
      break;
    case V::List:
      ++counts_[List];
      break;
    case V::Watch:
      ++counts_[Watch];
      break;
    case V::Create:
      ++counts_[Create];
      break;
    case V::Update:
    case V::UpdateStatus:
      ++counts_[Update];
      break;
    case V::Patch:
      ++counts_[Patch];
      break;
    case V::Delete:
      ++counts_[Delete];
      break;
  }
  return std::nullopt;
}

}  // namespace veer::runtime
