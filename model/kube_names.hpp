// Kubernetes' rules for names, namespaces, label keys and values, and host names, so veer
// refuses what the API server (or the router reading the host) would refuse: control
// characters, bidi overrides and 100,000-character strings included. Each check returns why
// the value is invalid, "" when it is valid.
#pragma once

#include <string>

namespace veer::model {

// Object names: DNS-1123 subdomain, lowercase alphanumerics, '-' and '.', at most 253.
std::string dns1123_subdomain_problem(const std::string& value);
// Namespaces (and Service names): DNS-1123 label, lowercase alphanumerics and '-', at most 63.
std::string dns1123_label_problem(const std::string& value);
// Label and annotation keys: [prefix/]name, prefix a DNS-1123 subdomain, name at most 63 of
// [A-Za-z0-9-_.] starting and ending with an alphanumeric.
std::string qualified_name_problem(const std::string& value);
// Label values: empty, or at most 63 of [A-Za-z0-9-_.] starting and ending with an alphanumeric.
std::string label_value_problem(const std::string& value);
// Hosts a router matches: a DNS name of at most 253 characters, optionally starting with
// "*." (or "*" alone), letters of either case.
std::string host_problem(const std::string& value);

bool is_dns1123_subdomain(const std::string& name);

// A value for an error message: quoted, control and non-ASCII bytes escaped (\x1b), cut to 64
// characters with its length, so a hostile value cannot drive the terminal or flood it.
std::string quoted_value(const std::string& value);

}  // namespace veer::model
