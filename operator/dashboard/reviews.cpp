#include "operator/dashboard/reviews.hpp"

#include <sstream>

namespace veer::dashboard {

using nlohmann::json;

kube::Result<std::optional<User>> KubeReviews::review_token(const std::string& token) {
  json review = {{"apiVersion", "authentication.k8s.io/v1"},
                 {"kind", "TokenReview"},
                 {"metadata", json::object()},
                 {"spec", {{"token", token}}}};
  auto answer = cluster_.create(review);
  if (!answer) return answer.error();
  const auto& status = answer->value("status", json::object());
  if (!status.value("authenticated", false)) return std::optional<User>{};
  const auto& user = status.value("user", json::object());
  User out{user.value("username", ""), user.value("uid", ""), {}};
  for (const auto& group : user.value("groups", json::array()))
    if (group.is_string()) out.groups.push_back(group.get<std::string>());
  if (out.name.empty()) return std::optional<User>{};
  return std::optional<User>{out};
}

kube::Result<bool> KubeReviews::review_access(const User& user, const AccessQuestion& question) {
  json review = {{"apiVersion", "authorization.k8s.io/v1"},
                 {"kind", "SubjectAccessReview"},
                 {"metadata", json::object()},
                 {"spec",
                  {{"user", user.name},
                   {"groups", user.groups},
                   {"resourceAttributes",
                    {{"namespace", question.ns},
                     {"verb", question.verb},
                     {"group", "veer.dev"},
                     {"resource", question.resource}}}}}};
  if (!user.uid.empty()) review["spec"]["uid"] = user.uid;
  auto answer = cluster_.create(review);
  if (!answer) return answer.error();
  const auto& status = answer->value("status", json::object());
  return status.value("allowed", false) && !status.value("denied", false);
}

std::optional<StaticReviews> StaticReviews::parse(const std::string& text, std::string& error) {
  StaticReviews out;
  std::istringstream lines(text);
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    std::string token, user, namespaces, extra;
    if (!(words >> token)) continue;
    if (!(words >> user >> namespaces) || (words >> extra)) {
      error = "line " + std::to_string(number) + ": want TOKEN USER NAMESPACES (`*` or a,b)";
      return std::nullopt;
    }
    std::set<std::string> allowed;
    std::istringstream list(namespaces);
    for (std::string ns; std::getline(list, ns, ',');)
      if (!ns.empty()) allowed.insert(ns);
    out.add(token, user, std::move(allowed));
  }
  return out;
}

void StaticReviews::add(const std::string& token, const std::string& user,
                        std::set<std::string> namespaces) {
  by_user_[user].insert(namespaces.begin(), namespaces.end());
  by_token_[token] = {user, std::move(namespaces)};
}

kube::Result<std::optional<User>> StaticReviews::review_token(const std::string& token) {
  auto it = by_token_.find(token);
  if (it == by_token_.end()) return std::optional<User>{};
  return std::optional<User>{User{it->second.user, "", {}}};
}

kube::Result<bool> StaticReviews::review_access(const User& user, const AccessQuestion& question) {
  auto it = by_user_.find(user.name);
  if (it == by_user_.end()) return false;
  return it->second.count("*") > 0 || it->second.count(question.ns) > 0;
}

}  // namespace veer::dashboard
