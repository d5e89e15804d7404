// A TLS server on 127.0.0.1 (port 0) for the client's certificate tests, with a CA and a server
// certificate (for localhost and 127.0.0.1) from testing/test_certificates.hpp.
#pragma once

#include <atomic>
#include <string>
#include <thread>

#include "testing/test_certificates.hpp"

namespace veer::analysis::testing {

using veer::testing::TestCertificates;

class TlsServer {
 public:
  // Answers every request with 200 "ok"; a client that refuses the certificate just goes away.
  explicit TlsServer(const TestCertificates& certificates);
  ~TlsServer();
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;
  int port() const { return port_; }

 private:
  void serve();
  void* context_ = nullptr;  // SSL_CTX
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace veer::analysis::testing
