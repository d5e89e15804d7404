#include "http/client.hpp"

#include <sys/socket.h>
#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>

#include <curl/curl.h>

#include "http/call_slots.hpp"
#include "http/outbound_policy.hpp"
#include "http/redact.hpp"

namespace veer::http {
namespace {

using Clock = std::chrono::steady_clock;

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

CallSlots& call_slots() {
  static CallSlots slots;
  return slots;
}

// What the libcurl callbacks of one call share: where the answer goes and why a call was cut.
struct Transfer {
  Response* response = nullptr;
  OutboundPolicy policy;
  std::size_t max_body = 0;
  std::size_t header_bytes = 0;
  std::chrono::milliseconds stall_window{0};
  std::optional<Clock::time_point> window_start;  // set by the first body byte
  std::size_t window_start_bytes = 0;
  bool body_too_large = false;
  bool headers_too_large = false;
  bool too_slow = false;
  std::optional<std::string> refused_address;
};

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  if (t->response->body.size() + n > t->max_body) {
    t->body_too_large = true;
    return 0;  // libcurl stops the transfer (CURLE_WRITE_ERROR)
  }
  t->response->body.append(data, n);
  return n;
}

std::size_t append_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  t->header_bytes += n;
  if (t->header_bytes > kMaxHeaderBytes) {
    t->headers_too_large = true;
    return 0;
  }
  std::string line(data, n);
  const auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string key = line.substr(0, colon);
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string value = line.substr(colon + 1);
    const auto first = value.find_first_not_of(" \t");
    const auto last = value.find_last_not_of(" \t\r\n");
    t->response->headers[key] =
        first == std::string::npos ? "" : value.substr(first, last - first + 1);
  }
  return n;
}

// The stall limit: libcurl's own low-speed limit also counts the time a server thinks before it
// answers (a slow PromQL query, a webhook running a load test), so the window starts at the
// first body byte.
int check_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t received = t->response->body.size();
  if (received == 0) return 0;
  const auto now = Clock::now();
  if (!t->window_start) {
    t->window_start = now;
    t->window_start_bytes = received;
    return 0;
  }
  if (now - *t->window_start < t->stall_window) return 0;
  const auto wanted = kMinBytesPerSecond * static_cast<std::size_t>(t->stall_window.count()) / 1000;
  if (received - t->window_start_bytes < wanted) {
    t->too_slow = true;
    return 1;  // CURLE_ABORTED_BY_CALLBACK
  }
  t->window_start = now;
  t->window_start_bytes = received;
  return 0;
}

// Every connection (after name resolution) passes here: a host name that resolves to a
// link-local address is refused before a packet is sent.
curl_socket_t open_socket(void* user, curlsocktype, curl_sockaddr* address) {
  auto* t = static_cast<Transfer*>(user);
  if (auto why = refuse_address(t->policy, address->addr)) {
    t->refused_address = *why;
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype, address->protocol);
}

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// The values of this request that must never be printed.
std::vector<Secret> secrets_of(const Request& request) {
  auto secrets = secrets_in_url(request.url);
  secrets.push_back({request.bearer_token});
  if (request.basic_auth) secrets.push_back({request.basic_auth->password});
  for (const auto& [name, value] : request.headers) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower != "content-type" && lower != "accept" && lower != "user-agent") {
      secrets.push_back({value});
    }
  }
  secrets.push_back({request.proxy});
  return secrets;
}

std::string bytes_text(std::size_t bytes) {
  if (bytes % (1u << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes % (1u << 10) == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

std::string why_failed(CURLcode code, const char* message, const Transfer& t,
                       std::chrono::milliseconds timeout) {
  if (t.refused_address) return "refused: " + *t.refused_address;
  if (t.body_too_large || code == CURLE_FILESIZE_EXCEEDED) {
    return "the answer is larger than the limit of " + bytes_text(t.max_body) +
           " (--max-response-size)";
  }
  if (t.headers_too_large) {
    return "the answer's headers are larger than the limit of " + bytes_text(kMaxHeaderBytes);
  }
  if (t.too_slow) {
    return "the answer arrived slower than " + std::to_string(kMinBytesPerSecond) +
           " bytes/s for " + std::to_string(t.stall_window.count()) + " ms; gave up";
  }
  std::string why = message[0] ? message : curl_easy_strerror(code);
  if (code == CURLE_OPERATION_TIMEDOUT) {
    why = "no answer within " + std::to_string(timeout.count()) + " ms (" + why + ")";
  }
  if (code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE) {
    why = "TLS: " + why +
          " (the server's certificate is not signed by a trusted CA or not for this host name; "
          "insecureSkipVerify turns the check off)";
  }
  return why;
}

// A refused address is the policy's no; an answer over a limit fails the same way again; the
// rest (DNS, refused, reset, TLS, timeouts, too slow) may work on a retry.
base::ErrorKind kind_of(CURLcode code, const Transfer& t) {
  if (t.refused_address) return base::ErrorKind::forbidden;
  if (t.body_too_large || t.headers_too_large || code == CURLE_FILESIZE_EXCEEDED)
    return base::ErrorKind::invalid;
  if (code == CURLE_UNSUPPORTED_PROTOCOL || code == CURLE_URL_MALFORMAT)
    return base::ErrorKind::invalid;
  return base::ErrorKind::unavailable;
}

}  // namespace

base::Outcome<Response> send(const Request& request) {
  global_init();
  const auto secrets = secrets_of(request);
  const std::string where = request.method + " " + redact(request.url, secrets);
  auto failed = [&](base::ErrorKind kind, const std::string& why) {
    return base::fail(kind, where + ": " + redact(why, secrets));
  };

  Transfer t;
  t.policy = outbound_policy();
  if (auto why = refuse_url(t.policy, request.url))
    return failed(base::ErrorKind::forbidden, "refused: " + *why);

  const auto started = Clock::now();
  if (!call_slots().acquire(std::max(1, t.policy.max_concurrent_calls),
                            started + request.timeout)) {
    return failed(
        base::ErrorKind::unavailable,
        std::to_string(std::max(1, t.policy.max_concurrent_calls)) +
            " outbound calls are in flight (--max-outbound-calls) and none finished within " +
            std::to_string(request.timeout.count()) + " ms");
  }
  CallSlot slot(call_slots());
  const auto left =
      std::max(std::chrono::milliseconds(1),
               request.timeout -
                   std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started));

  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return failed(base::ErrorKind::failed, "cannot initialise libcurl");
  CURL* h = curl.get();
  Response response;
  t.response = &response;
  t.max_body = request.max_response_bytes == 0
                   ? t.policy.max_response_bytes
                   : std::min(request.max_response_bytes, t.policy.max_response_bytes);
  t.stall_window = std::max(std::chrono::milliseconds(1000), request.stall_window);
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(left.count()));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min(left, request.connect_timeout).count()));
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(t.max_body));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, append_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, check_progress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, &t);
  curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
  curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &t);
  if (request.method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
  }
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  auto add_header = [&](const std::string& line) {
    headers.reset(curl_slist_append(headers.release(), line.c_str()));
  };
  for (const auto& [name, value] : request.headers) add_header(name + ": " + value);
  if (!request.bearer_token.empty()) add_header("Authorization: Bearer " + request.bearer_token);
  // No "Expect: 100-continue": the interim answer would start the stall window early.
  if (request.method != "GET") add_header("Expect:");
  if (headers) curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  std::unique_ptr<curl_slist, SlistDeleter> resolve;
  for (const auto& entry : request.resolve) {
    resolve.reset(curl_slist_append(resolve.release(), entry.c_str()));
  }
  if (resolve) curl_easy_setopt(h, CURLOPT_RESOLVE, resolve.get());
  if (request.basic_auth) {
    curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(h, CURLOPT_USERNAME, request.basic_auth->username.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, request.basic_auth->password.c_str());
  }
  if (!request.proxy.empty()) curl_easy_setopt(h, CURLOPT_PROXY, request.proxy.c_str());
  if (!request.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, request.ca_file.c_str());
  if (request.insecure_skip_verify) {
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  char message[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, message);
  const CURLcode code = curl_easy_perform(h);
  if (code != CURLE_OK)
    return failed(kind_of(code, t), why_failed(code, message, t, request.timeout));
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

std::string url_encode(const std::string& text) {
  global_init();
  // Every byte but the unreserved ones (RFC 3986: letters, digits, -._~) as %XX, whatever the
  // locale. libcurl >= 7.82 takes no handle here.
  std::unique_ptr<char, decltype(&curl_free)> escaped(
      curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size())), &curl_free);
  if (!escaped) throw std::bad_alloc();
  return escaped.get();
}

}  // namespace veer::http
