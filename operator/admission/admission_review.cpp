#include "operator/admission/admission_review.hpp"

#include <nlohmann/json.hpp>

#include "model/document.hpp"

namespace veer::admission {

namespace {

using nlohmann::json;

constexpr std::size_t kMaxListed = 20;  // problems named in one message; the rest are counted

ReviewAnswer bad_request(const std::string& why) {
  return {400, "admission review refused: " + why + "\n", "text/plain; charset=utf-8"};
}

std::string string_at(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

const json& member(const json& object, const char* key) {
  static const json null;
  auto it = object.find(key);
  return it == object.end() ? null : *it;
}

// "path: reason" for each problem, at most kMaxListed of them.
std::vector<std::string> listed(const std::vector<model::FieldError>& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) {
    if (out.size() == kMaxListed) {
      out.push_back("and " + std::to_string(errors.size() - kMaxListed) + " more");
      break;
    }
    out.push_back(e.path.empty() ? e.reason : e.path + ": " + e.reason);
  }
  return out;
}

json allowed(json response) {
  response["allowed"] = true;
  return response;
}

// What the review decides about the object it carries.
json judge(const json& request, const model::ValidationOptions& options) {
  json response = {{"uid", string_at(request, "uid")}};
  const auto operation = string_at(request, "operation");
  const auto& object = member(request, "object");
  if (operation == "DELETE" || operation == "CONNECT" || !object.is_object())
    return allowed(response);
  if (!member(member(object, "metadata"), "deletionTimestamp").is_null()) return allowed(response);
  if (operation == "UPDATE") {
    const auto& old_object = member(request, "oldObject");
    if (old_object.is_object() && member(old_object, "spec") == member(object, "spec"))
      return allowed(response);
  }
  model::Document document;
  document.kind = string_at(object, "kind");
  document.api_version = string_at(object, "apiVersion");
  document.json = object;
  if (!model::is_veer_document(document)) return allowed(response);
  auto check = model::check_document(document, options);
  if (!check.notes.empty()) response["warnings"] = listed(check.notes);
  if (check.errors.empty()) return allowed(response);

  const auto& meta = member(object, "metadata");
  auto name = string_at(meta, "name");
  if (name.empty()) name = string_at(request, "name");
  const auto ns = string_at(request, "namespace");
  std::string message =
      document.kind + " " + (ns.empty() ? "" : ns + "/") + name + " is invalid (veer validate):";
  for (const auto& line : listed(check.errors)) message += " " + line + ";";
  message.pop_back();
  response["allowed"] = false;
  response["status"] = {{"code", 422}, {"reason", "Invalid"}, {"message", message}};
  return response;
}

}  // namespace

ReviewAnswer answer_review(std::string_view body, const model::ValidationOptions& options) {
  // Read as any user document is (depth, size and number limits), not trusted as well-formed.
  auto read = model::read_documents(body, "admission review");
  if (!read.errors.empty()) return bad_request(read.errors.front().message);
  if (read.documents.size() != 1) return bad_request("expected one JSON object");
  const auto& review = read.documents.front();
  if (review.kind != "AdmissionReview" || (review.api_version != "admission.k8s.io/v1" &&
                                           review.api_version != "admission.k8s.io/v1beta1"))
    return bad_request("not an admission.k8s.io/v1 AdmissionReview (kind \"" + review.kind +
                       "\", apiVersion \"" + review.api_version + "\")");
  const auto& request = member(review.json, "request");
  if (!request.is_object() || string_at(request, "uid").empty())
    return bad_request("the AdmissionReview has no request with a uid");
  json answer = {{"apiVersion", review.api_version},
                 {"kind", "AdmissionReview"},
                 {"response", judge(request, options)}};
  return {200, answer.dump(-1, ' ', true, json::error_handler_t::replace) + "\n"};
}

}  // namespace veer::admission
