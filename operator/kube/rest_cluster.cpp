#include "operator/kube/rest_cluster.hpp"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <set>

#include "http/client.hpp"
#include "operator/kube/credentials.hpp"
#include "operator/kube/http_transport.hpp"
#include "operator/kube/owner_reference_refusal.hpp"
#include "operator/kube/rate_limiter.hpp"
#include "operator/kube/watch_frames.hpp"

namespace veer::kube {
namespace {

using http::url_encode;

class Query {
 public:
  Query& add(const std::string& name, const std::string& value) {
    if (value.empty()) return *this;
    text_ += (text_.empty() ? "?" : "&") + name + "=" + url_encode(value);
    return *this;
  }
  const std::string& str() const { return text_; }

 private:
  std::string text_;
};

class RestWatchStream final : public WatchStream {
 public:
  RestWatchStream(std::unique_ptr<LineStream> lines, std::string url)
      : lines_(std::move(lines)), url_(std::move(url)) {}

  std::optional<WatchEvent> next() override {
    while (auto line = lines_->next_line())
      if (auto event = decode_watch_frame(*line)) return event;
    return std::nullopt;
  }
  void stop() override { lines_->stop(); }

 private:
  std::unique_ptr<LineStream> lines_;
  std::string url_;
};

}  // namespace

struct RestCluster::Impl {
  ClientConfig config;
  base::Clock& clock;
  Result<std::shared_ptr<HttpTransport>> transport;
  TokenSource tokens;
  RateLimiter limiter;
  mutable std::mutex mutex;
  std::map<std::string, std::vector<ResourceInfo>> discovery;  // by group/version
  std::map<std::string, std::size_t> counts;

  Impl(const ClientConfig& c, base::Clock& k)
      : config(c),
        clock(k),
        transport(HttpTransport::create(c)),
        tokens(c, k),
        limiter(k, c.qps, c.burst) {}

  std::string describe(const TransportRequest& request) const {
    return request.method + " " + config.server + request.target;
  }

  static constexpr int kMaxThrottledRetries = 10;

  // Sends one request: rate limit, auth header, one retry with a fresh exec token on 401, up to
  // kMaxThrottledRetries after a 429's Retry-After.
  Result<TransportResponse> send(const std::string& verb, TransportRequest request) {
    if (!transport) return transport.error();
    {
      std::lock_guard guard(mutex);
      ++counts[verb];
    }
    limiter.acquire();
    request.timeout = config.timeout;
    int throttled = 0;
    for (int attempt = 0; attempt < 2; ++attempt) {
      auto token = tokens.token();
      if (!token) return token.error();
      TransportRequest sent = request;
      sent.headers.emplace_back("User-Agent", config.user_agent);
      if (!token->empty()) sent.headers.emplace_back("Authorization", "Bearer " + *token);
      auto response = (*transport)->send(sent);
      if (!response) return response.error();
      if (response->status == 401 && attempt == 0 && config.exec) {
        tokens.invalidate();
        continue;
      }
      // An overloaded server (429, or its max-inflight limit) says when to come back; client-go
      // waits that long and retries, up to 10 times. The wait takes the request's token again.
      if (response->status == 429 && throttled < kMaxThrottledRetries) {
        ++throttled;
        {
          std::lock_guard guard(mutex);
          ++counts["throttled"];
        }
        const int seconds = std::clamp(response->retry_after_seconds, 1, 60);
        clock.sleep_for(std::chrono::seconds(seconds));
        limiter.acquire();
        --attempt;
        continue;
      }
      return response;
    }
    return ApiError{ErrorType::Internal, 0, "Internal", "unreachable"};
  }

  // A JSON answer, or the API's Status as an error naming the request.
  Result<Json> call(const std::string& verb, TransportRequest request) {
    std::string what = describe(request);
    auto response = send(verb, request);
    if (!response) return response.error();
    Json body = Json::parse(response->body, nullptr, false);
    if (response->status >= 200 && response->status < 300) {
      if (body.is_discarded())
        return ApiError{ErrorType::Internal, response->status, "InternalError",
                        what + ": the answer is not JSON: " + response->body.substr(0, 200)};
      return body;
    }
    if (body.is_discarded()) body = Json{{"message", response->body.substr(0, 300)}};
    return error_from_status(response->status, body, what + " (" + config.origin + ")");
  }

  Result<std::vector<ResourceInfo>> discover(const std::string& group, const std::string& version,
                                             bool refresh) {
    std::string gv = group.empty() ? version : group + "/" + version;
    {
      std::lock_guard guard(mutex);
      auto it = discovery.find(gv);
      if (it != discovery.end() && !refresh) return it->second;
    }
    TransportRequest request;
    request.target = group.empty() ? "/api/" + version : "/apis/" + gv;
    auto list = call("discovery", request);
    if (!list) {
      if (list.is(ErrorType::NotFound)) {
        std::lock_guard guard(mutex);
        discovery[gv] = {};
        return std::vector<ResourceInfo>{};
      }
      return list.error();
    }
    std::vector<ResourceInfo> infos;
    std::set<std::string> with_status;
    for (const auto& r : list->value("resources", Json::array())) {
      std::string name = r.value("name", "");
      auto slash = name.find('/');
      if (slash != std::string::npos) {
        if (name.substr(slash + 1) == "status") with_status.insert(name.substr(0, slash));
        continue;
      }
      infos.push_back(ResourceInfo{ResourceType{group, version, name, r.value("kind", "")},
                                   r.value("namespaced", true), false});
    }
    for (auto& info : infos) info.has_status = with_status.count(info.type.resource) > 0;
    std::lock_guard guard(mutex);
    discovery[gv] = infos;
    return infos;
  }

  Result<ResourceInfo> resolve(const ResourceType& type) {
    for (bool refresh : {false, true}) {
      auto infos = discover(type.group, type.version, refresh);
      if (!infos) return infos.error();
      for (const auto& info : *infos)
        if ((!type.resource.empty() && info.type.resource == type.resource) ||
            (type.resource.empty() && info.type.kind == type.kind))
          return info;
    }
    return ApiError{ErrorType::NotFound, 404, "NotFound",
                    config.server + " (" + config.origin + ") does not serve " + type.describe() +
                        ": is its CustomResourceDefinition installed?"};
  }

  // A write refused by the OwnerReferencesPermissionEnforcement admission plugin, said with the
  // permission it wanted (its own message names none).
  Result<Json> owner_references_explained(Result<Json> written, const Json& object,
                                          const ResourceInfo& info) {
    if (written || !written.error().is(ErrorType::Forbidden)) return written;
    auto error = written.error();
    error.message += owner_reference_refusal(error.message, object, info.type.resource,
                                             [this](const ResourceType& type) {
                                               auto owner = resolve(type);
                                               return owner ? owner->type.resource : std::string();
                                             });
    return error;
  }

  // "/apis/apps/v1/namespaces/default/deployments[/name[/status]]"
  Result<std::string> path(const ResourceType& type, const std::string& ns, const std::string& name,
                           bool status, ResourceInfo* resolved = nullptr) {
    auto info = resolve(type);
    if (!info) return info.error();
    if (resolved) *resolved = *info;
    std::string p =
        type.group.empty() ? "/api/" + type.version : "/apis/" + type.group + "/" + type.version;
    if (info->namespaced && !ns.empty()) p += "/namespaces/" + url_encode(ns);
    p += "/" + info->type.resource;
    if (!name.empty()) p += "/" + url_encode(name);
    if (status) p += "/status";
    return p;
  }

  std::string object_namespace(const Json& object) {
    std::string ns = namespace_of(object);
    return ns.empty() ? "default" : ns;
  }
};

RestCluster::RestCluster(const ClientConfig& config, base::Clock& clock)
    : impl_(std::make_unique<Impl>(config, clock)) {}

RestCluster::~RestCluster() = default;

Result<Json> RestCluster::check() {
  TransportRequest request;
  request.target = "/version";
  return impl_->call("discovery", request);
}

Result<ResourceInfo> RestCluster::resolve(const ResourceType& type) {
  return impl_->resolve(type);
}

Result<Json> RestCluster::get(const ObjectRef& ref) {
  auto p = impl_->path(ref.type, ref.ns, ref.name, false);
  if (!p) return p.error();
  TransportRequest request;
  request.target = *p;
  return impl_->call("get", request);
}

Result<ObjectList> RestCluster::list(const ResourceType& type, const std::string& ns,
                                     const ListOptions& options) {
  ResourceInfo info;
  auto p = impl_->path(type, ns, "", false, &info);
  if (!p) return p.error();
  TransportRequest request;
  request.target = *p + Query()
                            .add("labelSelector", options.label_selector)
                            .add("fieldSelector", options.field_selector)
                            .add("limit", options.limit > 0 ? std::to_string(options.limit) : "")
                            .add("continue", options.continue_token)
                            .add("resourceVersion", options.resource_version)
                            .str();
  auto body = impl_->call("list", request);
  if (!body) return body.error();
  ObjectList out;
  const Json meta = body->value("metadata", Json::object());
  out.resource_version = meta.value("resourceVersion", "");
  out.continue_token = meta.value("continue", "");
  for (auto& item : (*body)["items"]) {
    // List items of built-in types come without apiVersion and kind.
    item["apiVersion"] = type.api_version();
    item["kind"] = info.type.kind;
    out.items.push_back(std::move(item));
  }
  return out;
}

Result<Json> RestCluster::create(const Json& object) {
  ResourceInfo info;
  auto p = impl_->path(type_of(object), impl_->object_namespace(object), "", false, &info);
  if (!p) return p.error();
  TransportRequest request;
  request.method = "POST";
  request.target = *p;
  request.body = object.dump();
  request.content_type = "application/json";
  return impl_->owner_references_explained(impl_->call("create", request), object, info);
}

Result<Json> RestCluster::update(const Json& object) {
  ResourceInfo info;
  auto p =
      impl_->path(type_of(object), impl_->object_namespace(object), name_of(object), false, &info);
  if (!p) return p.error();
  TransportRequest request;
  request.method = "PUT";
  request.target = *p;
  request.body = object.dump();
  request.content_type = "application/json";
  return impl_->owner_references_explained(impl_->call("update", request), object, info);
}

Result<Json> RestCluster::update_status(const Json& object) {
  auto p = impl_->path(type_of(object), impl_->object_namespace(object), name_of(object), true);
  if (!p) return p.error();
  TransportRequest request;
  request.method = "PUT";
  request.target = *p;
  request.body = object.dump();
  request.content_type = "application/json";
  return impl_->call("update", request);
}

Result<Json> RestCluster::patch(const ObjectRef& ref, PatchType type, const Json& patch,
                                const PatchOptions& options) {
  auto p = impl_->path(ref.type, ref.ns.empty() ? "default" : ref.ns, ref.name, options.status);
  if (!p) return p.error();
  TransportRequest request;
  request.method = "PATCH";
  Query query;
  switch (type) {
    case PatchType::Merge:
      request.content_type = "application/merge-patch+json";
      break;
    case PatchType::JsonPatch:
      request.content_type = "application/json-patch+json";
      break;
    case PatchType::Apply:
      request.content_type = "application/apply-patch+yaml";  // JSON is YAML
      query.add("fieldManager", options.field_manager).add("force", options.force ? "true" : "");
      break;
  }
  if (type != PatchType::Apply) query.add("fieldManager", options.field_manager);
  request.target = *p + query.str();
  request.body = patch.dump();
  return impl_->call("patch", request);
}

Status RestCluster::remove(const ObjectRef& ref, const DeleteOptions& options) {
  auto p = impl_->path(ref.type, ref.ns.empty() ? "default" : ref.ns, ref.name, false);
  if (!p) return p.error();
  Json body = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"}};
  if (!options.propagation_policy.empty()) body["propagationPolicy"] = options.propagation_policy;
  if (options.precondition_uid) body["preconditions"]["uid"] = *options.precondition_uid;
  if (options.precondition_resource_version)
    body["preconditions"]["resourceVersion"] = *options.precondition_resource_version;
  TransportRequest request;
  request.method = "DELETE";
  request.target = *p;
  request.body = body.dump();
  request.content_type = "application/json";
  auto result = impl_->call("delete", request);
  if (!result) return result.error();
  return Empty{};
}

Result<std::unique_ptr<WatchStream>> RestCluster::watch(const ResourceType& type,
                                                        const std::string& ns,
                                                        const WatchOptions& options) {
  auto p = impl_->path(type, ns, "", false);
  if (!p) return p.error();
  if (!impl_->transport) return impl_->transport.error();
  {
    std::lock_guard guard(impl_->mutex);
    ++impl_->counts["watch"];
  }
  impl_->limiter.acquire();
  TransportRequest request;
  request.target =
      *p + Query()
               .add("watch", "1")
               .add("resourceVersion", options.resource_version)
               .add("allowWatchBookmarks", options.allow_bookmarks ? "true" : "")
               .add("labelSelector", options.label_selector)
               .add("fieldSelector", options.field_selector)
               .add("timeoutSeconds",
                    options.timeout.count() > 0 ? std::to_string(options.timeout.count()) : "")
               .str();
  request.timeout = impl_->config.timeout;
  auto token = impl_->tokens.token();
  if (!token) return token.error();
  request.headers.emplace_back("User-Agent", impl_->config.user_agent);
  if (!token->empty()) request.headers.emplace_back("Authorization", "Bearer " + *token);
  // Between events the server sends nothing for up to the watch timeout; allow a margin.
  auto idle = options.timeout.count() > 0
                  ? std::chrono::milliseconds(options.timeout) + std::chrono::seconds(60)
                  : std::chrono::milliseconds(std::chrono::hours(1));
  std::string what = impl_->describe(request);
  auto opened = (*impl_->transport)->open_stream(request, idle);
  if (!opened) return opened.error();
  if (auto* response = std::get_if<TransportResponse>(&*opened)) {
    Json body = Json::parse(response->body, nullptr, false);
    if (body.is_discarded()) body = Json{{"message", response->body.substr(0, 300)}};
    return error_from_status(response->status, body, what + " (" + impl_->config.origin + ")");
  }
  return std::unique_ptr<WatchStream>(
      new RestWatchStream(std::move(std::get<std::unique_ptr<LineStream>>(*opened)), what));
}

void RestCluster::set_rate(double qps, int burst) {
  impl_->limiter.set_rate(qps, burst);
}

std::map<std::string, std::size_t> RestCluster::request_counts() const {
  std::lock_guard guard(impl_->mutex);
  return impl_->counts;
}

}  // namespace veer::kube
