// The project's one outbound request/response HTTP client (libcurl): metric APIs, webhooks,
// notifiers. Every call has a timeout; every failure is a value that names the URL.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analysis/outcome.hpp"

namespace veer::analysis::http {

struct BasicAuth {
  std::string username;
  std::string password;
};

struct Request {
  std::string method = "GET";  // GET, POST, PUT, PATCH, DELETE
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string bearer_token;  // "Authorization: Bearer ..." when not empty
  std::optional<BasicAuth> basic_auth;
  std::string proxy;                  // "" = libcurl's default (the *_proxy environment variables)
  bool insecure_skip_verify = false;  // TLS: skip peer and host verification
  std::chrono::milliseconds timeout{5000};
};

struct Response {
  long status = 0;
  std::map<std::string, std::string> headers;  // keys in lower case
  std::string body;
};

// A transport failure (DNS, refused, TLS, timeout) is an error naming the method and URL; any
// HTTP status, 4xx and 5xx included, is a Response.
Outcome<Response> send(const Request& request);

// Percent-encodes a query-string component.
std::string url_encode(const std::string& text);

}  // namespace veer::analysis::http
