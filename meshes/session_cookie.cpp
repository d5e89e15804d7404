#include "meshes/session_cookie.hpp"

namespace veer::meshes {

std::string set_cookie_value(const SessionAffinity& affinity, const std::string& cookie) {
  // 0 (unset) is a day, as in Flagger: Max-Age=0 would make browsers drop the cookie at once.
  const int max_age = affinity.max_age > 0 ? affinity.max_age : 86400;
  std::string value = cookie + "; Max-Age=" + std::to_string(max_age);
  if (!affinity.domain.empty()) value += "; Domain=" + affinity.domain;
  if (!affinity.path.empty()) value += "; Path=" + affinity.path;
  if (!affinity.same_site.empty()) value += "; SameSite=" + affinity.same_site;
  if (affinity.secure) value += "; Secure";
  if (affinity.http_only) value += "; HttpOnly";
  if (affinity.partitioned) value += "; Partitioned";
  return value;
}

std::string expire_cookie_value(const std::string& cookie) {
  return cookie + "; Max-Age=-1";
}

std::string cookie_regex(const std::string& cookie) {
  auto equals = cookie.find('=');
  std::string name = cookie.substr(0, equals);
  std::string value = equals == std::string::npos ? std::string() : cookie.substr(equals + 1);
  return ".*" + name + ".*" + value + ".*";
}

}  // namespace veer::meshes
