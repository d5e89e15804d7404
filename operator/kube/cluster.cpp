#include "operator/kube/cluster.hpp"

#include <charconv>

namespace veer::kube {

std::string ResourceType::describe() const {
  std::string name = resource.empty() ? kind : resource;
  std::string gv = api_version();
  if (!group.empty()) return name + "." + gv;
  return name + " (" + gv + ")";
}

ResourceType type_of(const std::string& api_version, const std::string& kind) {
  ResourceType type;
  auto slash = api_version.find('/');
  if (slash == std::string::npos) {
    type.version = api_version;
  } else {
    type.group = api_version.substr(0, slash);
    type.version = api_version.substr(slash + 1);
  }
  type.kind = kind;
  return type;
}

ResourceType type_of(const Json& object) {
  // Any JSON, not only objects with string fields: watch events come from the network.
  auto text = [&](const char* key) {
    auto it = object.is_object() ? object.find(key) : object.end();
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  return type_of(text("apiVersion"), text("kind"));
}

std::string ObjectRef::describe() const {
  return type.describe() + " " + (ns.empty() ? name : ns + "/" + name);
}

const char* to_string(ErrorType type) {
  switch (type) {
    case ErrorType::Transport:
      return "Transport";
    case ErrorType::BadRequest:
      return "BadRequest";
    case ErrorType::Unauthorized:
      return "Unauthorized";
    case ErrorType::Forbidden:
      return "Forbidden";
    case ErrorType::NotFound:
      return "NotFound";
    case ErrorType::AlreadyExists:
      return "AlreadyExists";
    case ErrorType::Conflict:
      return "Conflict";
    case ErrorType::Gone:
      return "Gone";
    case ErrorType::Invalid:
      return "Invalid";
    case ErrorType::TooManyRequests:
      return "TooManyRequests";
    case ErrorType::Timeout:
      return "Timeout";
    case ErrorType::Internal:
      return "Internal";
    case ErrorType::Configuration:
      return "Configuration";
  }
  return "Unknown";
}

const char* to_string(WatchEvent::Type type) {
  switch (type) {
    case WatchEvent::Type::Added:
      return "ADDED";
    case WatchEvent::Type::Modified:
      return "MODIFIED";
    case WatchEvent::Type::Deleted:
      return "DELETED";
    case WatchEvent::Type::Bookmark:
      return "BOOKMARK";
    case WatchEvent::Type::Error:
      return "ERROR";
  }
  return "UNKNOWN";
}

base::Error to_error(const ApiError& error) {
  using base::ErrorKind;
  auto kind = ErrorKind::failed;
  switch (error.type) {
    case ErrorType::BadRequest:
    case ErrorType::Invalid:
      kind = ErrorKind::invalid;
      break;
    case ErrorType::Unauthorized:
    case ErrorType::Forbidden:
      kind = ErrorKind::forbidden;
      break;
    case ErrorType::NotFound:
      kind = ErrorKind::not_found;
      break;
    case ErrorType::AlreadyExists:
    case ErrorType::Conflict:
      kind = ErrorKind::conflict;
      break;
    case ErrorType::Transport:
    case ErrorType::Gone:
    case ErrorType::TooManyRequests:
    case ErrorType::Timeout:
    case ErrorType::Internal:
      kind = ErrorKind::unavailable;
      break;
    case ErrorType::Configuration:
      kind = ErrorKind::failed;
      break;
  }
  return {kind, error.message};
}

base::Error to_error(const ApiError& error, const std::string& doing) {
  auto failure = to_error(error);
  if (!doing.empty()) failure.message = doing + ": " + failure.message;
  return failure;
}

ApiError error_from_status(int code, const Json& status, const std::string& context) {
  ApiError error;
  error.code = code;
  if (status.is_object()) {
    // A Status of the wrong shape (a string code, a numeric message) keeps what is usable.
    auto field = status.find("code");
    if (field != status.end() && field->is_number_integer()) error.code = field->get<int>();
    for (auto [key, out] : {std::pair{"reason", &error.reason}, {"message", &error.message}}) {
      auto text = status.find(key);
      if (text != status.end() && text->is_string()) *out = text->get<std::string>();
    }
  }
  switch (error.code) {
    case 400:
      error.type = ErrorType::BadRequest;
      break;
    case 401:
      error.type = ErrorType::Unauthorized;
      break;
    case 403:
      error.type = ErrorType::Forbidden;
      break;
    case 404:
      error.type = ErrorType::NotFound;
      break;
    case 409:
      error.type = error.reason == "AlreadyExists" ? ErrorType::AlreadyExists : ErrorType::Conflict;
      break;
    case 410:
      error.type = ErrorType::Gone;
      break;
    case 422:
      error.type = ErrorType::Invalid;
      break;
    case 429:
      error.type = ErrorType::TooManyRequests;
      break;
    case 504:
      error.type = ErrorType::Timeout;
      break;
    default:
      error.type = ErrorType::Internal;
      break;
  }
  if (error.reason.empty()) error.reason = to_string(error.type);
  if (error.message.empty()) error.message = "HTTP " + std::to_string(error.code);
  if (!context.empty()) error.message = context + ": " + error.message;
  if (error.type == ErrorType::Unauthorized)
    error.message += " (the token or client certificate was rejected: check the kubeconfig user)";
  return error;
}

namespace {
std::string metadata_string(const Json& object, const char* field) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return {};
  auto it = meta->find(field);
  if (it == meta->end() || !it->is_string()) return {};
  return it->get<std::string>();
}
}  // namespace

std::string name_of(const Json& object) {
  return metadata_string(object, "name");
}
std::string annotation_of(const Json& object, const std::string& key) {
  if (!object.is_object()) return "";
  const auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return "";
  const auto annotations = meta->find("annotations");
  if (annotations == meta->end() || !annotations->is_object()) return "";
  const auto found = annotations->find(key);
  return found != annotations->end() && found->is_string() ? found->get<std::string>() : "";
}
std::string namespace_of(const Json& object) {
  return metadata_string(object, "namespace");
}
std::string resource_version_of(const Json& object) {
  return metadata_string(object, "resourceVersion");
}
std::string uid_of(const Json& object) {
  return metadata_string(object, "uid");
}

ObjectRef ref_of(const Json& object) {
  return ObjectRef{type_of(object), namespace_of(object), name_of(object)};
}

std::string key_of(const std::string& ns, const std::string& name) {
  return ns.empty() ? name : ns + "/" + name;
}
std::string key_of(const Json& object) {
  return key_of(namespace_of(object), name_of(object));
}

std::pair<std::string, std::string> split_key(const std::string& key) {
  auto slash = key.find('/');
  if (slash == std::string::npos) return {"", key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

std::optional<int> compare_resource_versions(const std::string& a, const std::string& b) {
  auto parse = [](const std::string& s) -> std::optional<unsigned long long> {
    unsigned long long v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
  };
  auto x = parse(a);
  auto y = parse(b);
  if (!x || !y) return std::nullopt;
  return *x < *y ? -1 : (*x > *y ? 1 : 0);
}

}  // namespace veer::kube
