// A cluster whose role lacks one permission: every call of one verb on one kind is refused with
// the API server's 403 (Forbidden) and its message, as a real kube-apiserver words it.
#pragma once

#include <atomic>
#include <string>

#include "operator/kube/cluster_decorator.hpp"

namespace veer::controller::testing {

class RefusingCluster final : public kube::ClusterDecorator {
 public:
  // `resource` and `group` as the server's message names them ("services", "" for the core
  // group; "canaries/status" for update_status).
  RefusingCluster(kube::Cluster& inner, std::string kind, kube::CallInfo::Verb verb,
                  std::string resource, std::string group, std::string ns = "default")
      : ClusterDecorator(inner),
        kind_(std::move(kind)),
        verb_(verb),
        resource_(std::move(resource)),
        group_(std::move(group)),
        ns_(std::move(ns)) {}

  bool refusing = true;
  std::atomic<std::size_t> refused{0};

  // "cannot create resource "services" in API group "" in the namespace "default"" (`ns`).
  std::string message() const {
    return std::string("cannot ") + rbac_verb() + " resource \"" + resource_ +
           "\" in API group \"" + group_ + "\" in the namespace \"" + ns_ + "\"";
  }

 protected:
  std::optional<kube::ApiError> before(const kube::CallInfo& call) override {
    if (!refusing || call.verb != verb_ || call.kind != kind_) return std::nullopt;
    ++refused;
    const auto what = resource_ + (group_.empty() ? "" : "." + group_);
    return kube::ApiError{kube::ErrorType::Forbidden, 403, "Forbidden",
                          what + " \"" + call.name +
                              "\" is forbidden: User \"system:serviceaccount:veer-system:veer\" " +
                              message()};
  }

 private:
  const char* rbac_verb() const {
    switch (verb_) {
      case kube::CallInfo::Verb::UpdateStatus:
        return "update";
      case kube::CallInfo::Verb::Delete:
        return "delete";
      default:
        return kube::CallInfo{verb_, "", ""}.verb_name();
    }
  }

  std::string kind_;
  kube::CallInfo::Verb verb_;
  std::string resource_, group_, ns_;
};

}  // namespace veer::controller::testing
