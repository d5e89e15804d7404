// The validating admission webhook's HTTPS endpoint: POST /validate answers AdmissionReviews
// (admission_review.hpp); the API server only calls webhooks over TLS, so a certificate and key
// are required. See docs/operator.md, "Admission webhook".
#pragma once

#include <memory>
#include <string>

#include "model/validate_document.hpp"

namespace veer::server {
class StatusServer;
}

namespace veer::admission {

struct AdmissionSettings {
  std::string host = "0.0.0.0";
  int port = 9443;  // 0 picks a free one
  std::string tls_cert_file;
  std::string tls_key_file;
  model::ValidationOptions validation;  // the operator's --mesh-provider and ingress settings
};

class AdmissionServer {
 public:
  // Starts serving; throws std::runtime_error naming the address or the file that failed.
  explicit AdmissionServer(AdmissionSettings settings);
  ~AdmissionServer();
  AdmissionServer(const AdmissionServer&) = delete;
  AdmissionServer& operator=(const AdmissionServer&) = delete;

  std::string address() const;  // host:port actually bound
  void stop();

 private:
  AdmissionSettings settings_;
  std::unique_ptr<server::StatusServer> server_;
};

}  // namespace veer::admission
