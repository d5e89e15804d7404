#include "bench/scale/api_stand_in.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <vector>

#include "operator/controller/simulation.hpp"

namespace veer::bench {
namespace {

using kube::Json;

// What discovery lists: the types MemoryCluster serves that veer's runtime uses. A group/version
// lists those of them the cluster resolves.
std::vector<kube::ResourceType> discoverable() {
  std::vector<kube::ResourceType> types = {
      {"", "v1", "configmaps", "ConfigMap"},
      {"", "v1", "secrets", "Secret"},
      {"", "v1", "services", "Service"},
      {"", "v1", "events", "Event"},
      {"", "v1", "namespaces", "Namespace"},
      {"", "v1", "pods", "Pod"},
      {"apps", "v1", "deployments", "Deployment"},
      {"apps", "v1", "daemonsets", "DaemonSet"},
      {"coordination.k8s.io", "v1", "leases", "Lease"},
      {"autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler"},
      {"veer.dev", "v1beta1", "metrictemplates", "MetricTemplate"},
      {"veer.dev", "v1beta1", "alertproviders", "AlertProvider"},
      {"veer.dev", "v1beta1", "experiments", "Experiment"},
  };
  for (const auto& info : controller::simulation::served_types()) types.push_back(info.type);
  return types;
}

std::string url_decode(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i] == '+' ? ' ' : text[i];
    }
  }
  return out;
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find(sep, start);
    if (end == std::string::npos) end = text.size();
    if (end > start) parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

bool send_all(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    auto n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

const char* reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 404:
      return "Not Found";
    case 409:
      return "Conflict";
    case 429:
      return "Too Many Requests";
    default:
      return "Status";
  }
}

Json status_of(int code, const std::string& reason, const std::string& message) {
  return {{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"},
          {"code", code},     {"reason", reason},   {"message", message}};
}

StandInReply error_reply(const kube::ApiError& error) {
  const int code = error.code > 0 ? error.code : 500;
  return {code, status_of(code, error.reason, error.message).dump()};
}

template <typename T>
StandInReply reply_of(const kube::Result<T>& result, int ok_status = 200) {
  if (!result) return error_reply(result.error());
  return {ok_status, Json(*result).dump()};
}

}  // namespace

struct ApiStandIn::Request {
  std::string method;
  std::string path;
  std::map<std::string, std::string> query;
  std::string body;
  std::string content_type;
  std::string param(const std::string& name) const {
    auto it = query.find(name);
    return it == query.end() ? "" : it->second;
  }
};

ApiStandIn::ApiStandIn(kube::MemoryCluster& cluster, StandInSettings settings, Extra extra)
    : cluster_(cluster),
      settings_(settings),
      extra_(std::move(extra)),
      tokens_(std::max(1, settings.burst)),
      refilled_(std::chrono::steady_clock::now()) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 1024) != 0)
    throw std::runtime_error(std::string("api stand-in: cannot listen: ") + std::strerror(errno));
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  std::thread([this] { accept_loop(); }).detach();
}

// The stand-in lives until its process exits (the bench's child): connection threads are
// detached, so this only stops accepting.
ApiStandIn::~ApiStandIn() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  cluster_.close_watches();
}

std::map<std::string, long> ApiStandIn::counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

void ApiStandIn::count(const std::string& verb) {
  std::lock_guard lock(mutex_);
  ++counts_[verb];
}

bool ApiStandIn::take_token() {
  if (settings_.max_qps <= 0) return true;
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  tokens_ = std::min<double>(
      std::max(1, settings_.burst),
      tokens_ + std::chrono::duration<double>(now - refilled_).count() * settings_.max_qps);
  refilled_ = now;
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

void ApiStandIn::accept_loop() {
  while (!stopping_) {
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) {
      if (stopping_) return;
      continue;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::thread([this, fd] { serve(fd); }).detach();
  }
}

void ApiStandIn::serve(int fd) {
  std::string buffer;
  char chunk[16384];
  for (;;) {  // keep-alive: requests one after another on this connection
    std::size_t header_end;
    while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
      auto n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) {
        ::close(fd);
        return;
      }
      buffer.append(chunk, static_cast<std::size_t>(n));
    }
    Request request;
    const auto lines = split(buffer.substr(0, header_end), '\n');
    std::size_t length = 0;
    bool close_after = false;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      std::string line = lines[i];
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (i == 0) {
        auto parts = split(line, ' ');
        if (parts.size() < 2) {
          ::close(fd);
          return;
        }
        request.method = parts[0];
        const auto target = parts[1];
        const auto q = target.find('?');
        request.path = target.substr(0, q);
        if (q != std::string::npos) {
          for (const auto& pair : split(target.substr(q + 1), '&')) {
            const auto eq = pair.find('=');
            request.query[url_decode(pair.substr(0, eq))] =
                eq == std::string::npos ? "" : url_decode(pair.substr(eq + 1));
          }
        }
        continue;
      }
      auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(), ::tolower);
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      if (name == "content-length") length = std::stoul(value);
      if (name == "connection" && value == "close") close_after = true;
      if (name == "content-type") request.content_type = value;
    }
    buffer.erase(0, header_end + 4);
    while (buffer.size() < length) {
      auto n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) {
        ::close(fd);
        return;
      }
      buffer.append(chunk, static_cast<std::size_t>(n));
    }
    request.body = buffer.substr(0, length);
    buffer.erase(0, length);

    const bool query = request.path == "/api/v1/query";
    const auto latency = query ? settings_.query_latency : settings_.latency;
    if (latency.count() > 0) std::this_thread::sleep_for(latency);
    if (request.param("watch") == "1" || request.param("watch") == "true") {
      stream_watch(fd, request);
      ::close(fd);
      return;
    }
    StandInReply reply;
    if (query) {
      reply = answer_query();
    } else if (request.path.rfind("/bench/", 0) != 0 && !take_token()) {
      count("throttled");
      reply = {
          429,
          status_of(429, "TooManyRequests", "too many requests, please try again later").dump()};
    } else {
      reply = answer(request);
    }
    std::string head = "HTTP/1.1 " + std::to_string(reply.status) + " " +
                       reason_phrase(reply.status) +
                       "\r\nContent-Type: application/json\r\nContent-Length: " +
                       std::to_string(reply.body.size()) + "\r\n";
    if (reply.status == 429) head += "Retry-After: 1\r\n";
    if (close_after) head += "Connection: close\r\n";
    if (!send_all(fd, head + "\r\n" + reply.body) || close_after) {
      ::close(fd);
      return;
    }
  }
}

StandInReply ApiStandIn::answer_query() {
  count("query");
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const Json sample = {{"metric", Json::object()}, {"value", {now, "99.9"}}};
  return {200, Json{{"status", "success"},
                    {"data", {{"resultType", "vector"}, {"result", Json::array({sample})}}}}
                   .dump()};
}

StandInReply ApiStandIn::answer(const Request& r) {
  if (r.path.rfind("/bench/", 0) == 0)
    return extra_ ? extra_(r.method, r.path) : StandInReply{404, "{}"};
  if (r.path == "/version") {
    count("discovery");
    return {200,
            Json{{"major", "1"}, {"minor", "30"}, {"gitVersion", "v1.30.0-veer-bench"}}.dump()};
  }
  // /api/v1/... or /apis/<group>/<version>/...
  auto segs = split(r.path, '/');
  std::string group, version;
  std::size_t i = 0;
  if (segs.size() >= 2 && segs[0] == "api") {
    version = segs[1];
    i = 2;
  } else if (segs.size() >= 3 && segs[0] == "apis") {
    group = segs[1];
    version = segs[2];
    i = 3;
  } else {
    return {404, status_of(404, "NotFound", "no such path " + r.path).dump()};
  }
  if (i == segs.size()) {  // discovery of a group/version
    count("discovery");
    Json resources = Json::array();
    for (const auto& type : discoverable()) {
      if (type.group != group || type.version != version) continue;
      auto info = cluster_.resolve(type);
      if (!info) continue;
      resources.push_back({{"name", info->type.resource},
                           {"kind", info->type.kind},
                           {"namespaced", info->namespaced}});
      if (info->has_status)
        resources.push_back({{"name", info->type.resource + "/status"},
                             {"kind", info->type.kind},
                             {"namespaced", info->namespaced}});
    }
    if (resources.empty()) return {404, status_of(404, "NotFound", "not served").dump()};
    return {200, Json{{"kind", "APIResourceList"},
                      {"groupVersion", group.empty() ? version : group + "/" + version},
                      {"resources", resources}}
                     .dump()};
  }
  std::string ns, resource, name;
  bool status = false;
  std::vector<std::string> rest(segs.begin() + static_cast<long>(i), segs.end());
  if (rest.size() >= 3 && rest[0] == "namespaces") {
    ns = rest[1];
    rest.erase(rest.begin(), rest.begin() + 2);
  }
  resource = rest[0];
  if (rest.size() >= 2) name = rest[1];
  if (rest.size() >= 3) status = rest[2] == "status";
  const kube::ResourceType type{group, version, resource, ""};
  const kube::ObjectRef ref{type, ns, name};
  if (r.method == "GET" && !name.empty()) {
    count("get");
    return reply_of(cluster_.get(ref));
  }
  if (r.method == "GET") {
    count("list");
    kube::ListOptions options;
    options.label_selector = r.param("labelSelector");
    options.field_selector = r.param("fieldSelector");
    if (!r.param("limit").empty()) options.limit = std::stoll(r.param("limit"));
    options.continue_token = r.param("continue");
    options.resource_version = r.param("resourceVersion");
    auto list = cluster_.list(type, ns, options);
    if (!list) return error_reply(list.error());
    Json items = Json::array();
    for (auto& item : list->items) items.push_back(std::move(item));
    return {
        200,
        Json{{"kind", "List"},
             {"apiVersion", "v1"},
             {"metadata",
              {{"resourceVersion", list->resource_version}, {"continue", list->continue_token}}},
             {"items", std::move(items)}}
            .dump()};
  }
  Json body = Json::parse(r.body, nullptr, false);
  if (body.is_discarded() && r.method != "DELETE")
    return {400, status_of(400, "BadRequest", "the body is not JSON").dump()};
  if (r.method == "POST") {
    count("create");
    return reply_of(cluster_.create(body), 201);
  }
  if (r.method == "PUT") {
    count("update");
    return reply_of(status ? cluster_.update_status(body) : cluster_.update(body));
  }
  if (r.method == "PATCH") {
    count("patch");
    kube::PatchOptions options;
    options.status = status;
    if (!r.param("fieldManager").empty()) options.field_manager = r.param("fieldManager");
    options.force = r.param("force") == "true";
    auto patch_type = kube::PatchType::Merge;
    if (r.content_type.find("json-patch") != std::string::npos)
      patch_type = kube::PatchType::JsonPatch;
    if (r.content_type.find("apply-patch") != std::string::npos)
      patch_type = kube::PatchType::Apply;
    return reply_of(cluster_.patch(ref, patch_type, body, options));
  }
  if (r.method == "DELETE") {
    count("delete");
    auto removed = cluster_.remove(ref);
    if (!removed) return error_reply(removed.error());
    return {200, status_of(200, "", "deleted").dump()};
  }
  return {405, status_of(405, "MethodNotAllowed", r.method).dump()};
}

void ApiStandIn::stream_watch(int fd, const Request& r) {
  count("watch");
  auto segs = split(r.path, '/');
  const bool core = !segs.empty() && segs[0] == "api";
  const std::size_t i = core ? 2 : 3;
  std::string group = core ? "" : segs.at(1), version = segs.at(core ? 1 : 2), ns;
  std::vector<std::string> rest(segs.begin() + static_cast<long>(i), segs.end());
  if (rest.size() >= 3 && rest[0] == "namespaces") {
    ns = rest[1];
    rest.erase(rest.begin(), rest.begin() + 2);
  }
  kube::WatchOptions options;
  options.resource_version = r.param("resourceVersion");
  options.label_selector = r.param("labelSelector");
  options.field_selector = r.param("fieldSelector");
  options.allow_bookmarks = r.param("allowWatchBookmarks") == "true";
  auto stream = cluster_.watch({group, version, rest.at(0), ""}, ns, options);
  if (!stream) {
    auto reply = error_reply(stream.error());
    send_all(fd, "HTTP/1.1 " + std::to_string(reply.status) +
                     " Error\r\nContent-Type: application/json\r\nContent-Length: " +
                     std::to_string(reply.body.size()) + "\r\nConnection: close\r\n\r\n" +
                     reply.body);
    return;
  }
  if (!send_all(fd,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: "
                "chunked\r\n\r\n"))
    return;
  std::shared_ptr<kube::WatchStream> watch = std::move(*stream);
  // The server-side timeout ends the watch as kube-apiserver does; the informer re-opens it.
  const auto timeout = std::chrono::seconds(
      r.param("timeoutSeconds").empty() ? 300 : std::stol(r.param("timeoutSeconds")));
  auto done = std::make_shared<std::atomic<bool>>(false);
  std::thread([watch, timeout, done] {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (!*done && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    watch->stop();
  }).detach();
  while (auto event = watch->next()) {
    const auto line =
        Json{{"type", kube::to_string(event->type)}, {"object", event->object}}.dump() + "\n";
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", line.size());
    if (!send_all(fd, size + line + "\r\n")) break;
  }
  *done = true;
  send_all(fd, "0\r\n\r\n");
}

}  // namespace veer::bench
