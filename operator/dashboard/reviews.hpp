// Who is calling and what they may see: the two questions the dashboard asks Kubernetes
// (TokenReview, SubjectAccessReview), behind an interface so unit tests, `veer demo` and the
// in-memory cluster can answer them too.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "operator/kube/cluster.hpp"

namespace veer::dashboard {

struct User {
  std::string name;
  std::string uid;
  std::vector<std::string> groups;
};

// "May `user` <verb> <resource>.veer.dev in namespace `ns`?" (list to see, patch to act).
struct AccessQuestion {
  std::string ns;
  std::string verb;
  std::string resource = "canaries";  // or "experiments"
};

class Reviews {
 public:
  virtual ~Reviews() = default;
  // The token's user; nullopt when the token is not valid. An error when no answer came.
  virtual kube::Result<std::optional<User>> review_token(const std::string& token) = 0;
  virtual kube::Result<bool> review_access(const User& user, const AccessQuestion& question) = 0;
};

// Asks the API server: creates TokenReview (authentication.k8s.io/v1) and SubjectAccessReview
// (authorization.k8s.io/v1) objects and reads their status. Needs `create` on both.
class KubeReviews final : public Reviews {
 public:
  explicit KubeReviews(kube::Cluster& cluster) : cluster_(cluster) {}
  kube::Result<std::optional<User>> review_token(const std::string& token) override;
  kube::Result<bool> review_access(const User& user, const AccessQuestion& question) override;

 private:
  kube::Cluster& cluster_;
};

// A fixed table of users, from a file of lines `TOKEN USER NAMESPACES` (NAMESPACES is `*` or a
// comma-separated list; `#` starts a comment). Every verb is allowed in the listed namespaces.
// For the in-memory cluster (`veer demo`, tests) and clusters where reviews are not allowed.
class StaticReviews final : public Reviews {
 public:
  // Parses the file's text; the error names the line.
  static std::optional<StaticReviews> parse(const std::string& text, std::string& error);
  void add(const std::string& token, const std::string& user, std::set<std::string> namespaces);

  kube::Result<std::optional<User>> review_token(const std::string& token) override;
  kube::Result<bool> review_access(const User& user, const AccessQuestion& question) override;

 private:
  struct Entry {
    std::string user;
    std::set<std::string> namespaces;  // "*" = every namespace
  };
  std::map<std::string, Entry> by_token_;
  std::map<std::string, std::set<std::string>> by_user_;
};

}  // namespace veer::dashboard
