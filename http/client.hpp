// The project's one outbound request/response HTTP client (libcurl): metric APIs, webhooks,
// notifiers. Every call is bounded (a whole-exchange timeout, a connect timeout, a stall limit,
// a maximum answer size, a process-wide cap on calls in flight) and fenced by the outbound policy
// (outbound_policy.hpp: http and https only, no link-local hosts, an optional host allow-list).
// Every failure is a value that names the method and the URL, with secrets redacted.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.hpp"

namespace veer::http {

struct BasicAuth {
  std::string username;
  std::string password;
};

// Once an answer's body has started, at least this many bytes per second must keep arriving
// (averaged over Request::stall_window), or the call is abandoned.
inline constexpr std::size_t kMinBytesPerSecond = 1024;
// The most header bytes one answer may carry.
inline constexpr std::size_t kMaxHeaderBytes = 64u << 10;

struct Request {
  std::string method = "GET";  // GET, POST, PUT, PATCH, DELETE
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string bearer_token;  // "Authorization: Bearer ..." when not empty
  std::optional<BasicAuth> basic_auth;
  std::string proxy;  // "" = libcurl's default (the *_proxy environment variables)
  // TLS: the server's certificate and host name are verified against the system's trust store
  // (or `ca_file`, a PEM bundle, when set) unless this is true (insecureSkipVerify).
  bool insecure_skip_verify = false;
  std::string ca_file;
  std::chrono::milliseconds timeout{5000};          // the whole exchange, waiting for a slot too
  std::chrono::milliseconds connect_timeout{5000};  // TCP and TLS handshakes (at most `timeout`)
  std::chrono::milliseconds stall_window{10000};    // see kMinBytesPerSecond
  // The largest answer body accepted; 0 = the policy's (8 MiB unless --max-response-size says
  // otherwise). A value above the policy's is lowered to it.
  std::size_t max_response_bytes = 0;
  // "host:port:address" entries that replace name resolution for this call (CURLOPT_RESOLVE).
  std::vector<std::string> resolve;
};

struct Response {
  long status = 0;
  std::map<std::string, std::string> headers;  // keys in lower case
  std::string body;
};

// A transport failure is an error naming the method and the redacted URL, of kind forbidden
// (refused by the outbound policy), invalid (an answer over a limit, a malformed URL) or
// unavailable (DNS, refused, TLS, a timeout, too slow: a retry may work); any HTTP status, 4xx
// and 5xx included, is a Response.
base::Outcome<Response> send(const Request& request);

// Percent-encodes a query-string component.
std::string url_encode(const std::string& text);

}  // namespace veer::http
