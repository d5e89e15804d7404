#include "analysis/tests/support/tls_server.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include <openssl/ssl.h>

#include "analysis/tests/support/loopback_listener.hpp"

namespace veer::analysis::testing {
namespace {

void run(const std::string& command) {
  if (std::system((command + " >/dev/null 2>&1").c_str()) != 0) {
    throw std::runtime_error("TestCertificates: failed: " + command);
  }
}

}  // namespace

TestCertificates::TestCertificates() {
  static int counter = 0;
  dir = std::filesystem::temp_directory_path() /
        ("veer-tls-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::create_directories(dir);
  const std::string d = dir.string() + "/";
  const std::string key = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  run("openssl req -x509" + key + " -keyout " + d + "ca.key -out " + d +
      "ca.pem -days 1 -subj /CN=veer-test-ca");
  run("openssl req -x509" + key + " -keyout " + d + "other.key -out " + d +
      "other.pem -days 1 -subj /CN=veer-other-ca");
  run("openssl req" + key + " -keyout " + d + "server.key -out " + d +
      "server.csr -subj /CN=localhost");
  std::ofstream(d + "ext") << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
  run("openssl x509 -req -in " + d + "server.csr -CA " + d + "ca.pem -CAkey " + d +
      "ca.key -CAcreateserial -out " + d + "server.pem -days 1 -extfile " + d + "ext");
  ca_file = d + "ca.pem";
  other_ca_file = d + "other.pem";
  server_cert_file = d + "server.pem";
  server_key_file = d + "server.key";
}

TestCertificates::~TestCertificates() {
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

TlsServer::TlsServer(const TestCertificates& certificates) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  context_ = ctx;
  if (!ctx || SSL_CTX_use_certificate_chain_file(ctx, certificates.server_cert_file.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, certificates.server_key_file.c_str(), SSL_FILETYPE_PEM) !=
          1) {
    throw std::runtime_error("TlsServer: cannot load the server certificate");
  }
  listen_fd_ = listen_on_loopback(port_, "TlsServer");
  thread_ = std::thread([this] { serve(); });
}

TlsServer::~TlsServer() {
  stopping_ = true;
  thread_.join();
  ::close(listen_fd_);
  SSL_CTX_free(static_cast<SSL_CTX*>(context_));
}

// One connection at a time: enough for tests that make one call each.
void TlsServer::serve() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    timeval limit{2, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    SSL* ssl = SSL_new(static_cast<SSL_CTX*>(context_));
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) == 1) {
      std::string head;
      char buffer[2048];
      while (head.find("\r\n\r\n") == std::string::npos) {
        const int n = SSL_read(ssl, buffer, sizeof buffer);
        if (n <= 0) break;
        head.append(buffer, static_cast<std::size_t>(n));
      }
      const std::string answer =
          "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
      SSL_write(ssl, answer.data(), static_cast<int>(answer.size()));
      SSL_shutdown(ssl);
    }
    SSL_free(ssl);
    ::close(fd);
  }
}

}  // namespace veer::analysis::testing
