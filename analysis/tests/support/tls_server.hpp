// A TLS server on 127.0.0.1 (port 0) for the client's certificate tests, with a CA and a server
// certificate (for localhost and 127.0.0.1) made by the `openssl` command in a temporary folder.
#pragma once

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>

namespace veer::analysis::testing {

// A test CA and a server certificate it signed; a second, unrelated CA.
struct TestCertificates {
  TestCertificates();
  ~TestCertificates();
  std::filesystem::path dir;
  std::string ca_file, other_ca_file, server_cert_file, server_key_file;
};

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
