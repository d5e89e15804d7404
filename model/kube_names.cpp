#include "model/kube_names.hpp"

#include <cstdio>

namespace veer::model {

namespace {

bool lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool alnum(char c) {
  return lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

std::string too_long(std::size_t size, std::size_t limit) {
  return "is " + std::to_string(size) + " characters long; at most " + std::to_string(limit) +
         " are allowed";
}

// Dot-separated labels, each [a-z0-9]([-a-z0-9]*[a-z0-9])? (any case when `any_case`).
bool dotted_labels(const std::string& name, bool any_case) {
  auto edge = any_case ? alnum : lower_alnum;
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find('.', start);
    if (end == std::string::npos) end = name.size();
    if (end == start || end - start > 63 || !edge(name[start]) || !edge(name[end - 1]))
      return false;
    for (std::size_t i = start; i < end; ++i)
      if (!edge(name[i]) && name[i] != '-') return false;
    start = end + 1;
  }
  return true;
}

bool label_text(const std::string& v) {
  if (!alnum(v.front()) || !alnum(v.back())) return false;
  for (char c : v)
    if (!alnum(c) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

}  // namespace

std::string quoted_value(const std::string& value) {
  constexpr std::size_t kShown = 64;
  std::string out = "\"";
  for (std::size_t i = 0; i < value.size() && i < kShown; ++i) {
    auto c = static_cast<unsigned char>(value[i]);
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += "\"";
  if (value.size() > kShown) out += "... (" + std::to_string(value.size()) + " characters)";
  return out;
}

std::string dns1123_subdomain_problem(const std::string& v) {
  if (v.size() > 253) return too_long(v.size(), 253);
  if (v.empty() || !dotted_labels(v, false))
    return "use lowercase letters, digits, '-' and '.', starting and ending with a letter or "
           "digit";
  return "";
}

bool is_dns1123_subdomain(const std::string& name) {
  return dns1123_subdomain_problem(name).empty();
}

std::string dns1123_label_problem(const std::string& v) {
  if (v.size() > 63) return too_long(v.size(), 63);
  if (v.empty() || v.find('.') != std::string::npos || !dotted_labels(v, false))
    return "use lowercase letters, digits and '-', starting and ending with a letter or digit";
  return "";
}

std::string qualified_name_problem(const std::string& v) {
  auto slash = v.find('/');
  std::string name = slash == std::string::npos ? v : v.substr(slash + 1);
  if (slash != std::string::npos) {
    std::string prefix = v.substr(0, slash);
    if (auto p = dns1123_subdomain_problem(prefix); !p.empty()) return "its prefix " + p;
  }
  if (name.size() > 63) return "its name part " + too_long(name.size(), 63);
  if (name.empty() || !label_text(name))
    return "use letters, digits, '-', '_' and '.', starting and ending with a letter or digit "
           "(with an optional DNS prefix and '/')";
  return "";
}

std::string label_value_problem(const std::string& v) {
  if (v.empty()) return "";
  if (v.size() > 63) return too_long(v.size(), 63);
  if (!label_text(v))
    return "use letters, digits, '-', '_' and '.', starting and ending with a letter or digit";
  return "";
}

std::string host_problem(const std::string& v) {
  if (v.size() > 253) return too_long(v.size(), 253);
  if (v == "*") return "";
  std::string name = v.rfind("*.", 0) == 0 ? v.substr(2) : v;
  if (name.empty() || !dotted_labels(name, true))
    return "use a DNS name (letters, digits, '-' and '.'), optionally starting with \"*.\"";
  return "";
}

}  // namespace veer::model
