#include "operator/admission/admission_server.hpp"

#include "operator/admission/admission_review.hpp"
#include "operator/server/status_server.hpp"

namespace veer::admission {

namespace {

// An AdmissionReview holds the object and the old one; the API server stores objects of at most
// ~1.5 MiB, so both fit with room for the envelope.
constexpr std::uint64_t kBodyLimit = 8u << 20;

}  // namespace

AdmissionServer::AdmissionServer(AdmissionSettings settings) : settings_(std::move(settings)) {
  const auto validation = settings_.validation;
  auto handler = [validation](const server::Request& request) -> server::Reply {
    if (request.path != "/validate")
      return {404, "text/plain; charset=utf-8", "not found: the webhook path is /validate\n"};
    if (request.method != "POST")
      return {405, "text/plain; charset=utf-8", "only POST an AdmissionReview\n"};
    auto answer = answer_review(request.body, validation);
    return {answer.http_status, answer.content_type, std::move(answer.body)};
  };
  server::ServerOptions options;
  options.tls_cert_file = settings_.tls_cert_file;
  options.tls_key_file = settings_.tls_key_file;
  options.body_limit = kBodyLimit;
  server_ = std::make_unique<server::StatusServer>(
      settings_.host, settings_.port,
      std::map<std::string, server::Route>{
          {"/healthz",
           [] {
             return server::Reply{200, "text/plain; charset=utf-8", "ok\n"};
           }}},
      handler, options);
}

AdmissionServer::~AdmissionServer() {
  stop();
}

std::string AdmissionServer::address() const {
  return settings_.host + ":" + std::to_string(server_->port());
}

void AdmissionServer::stop() {
  if (server_) server_->stop();
}

}  // namespace veer::admission
