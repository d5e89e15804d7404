#include "analysis/tests/support/tls_server.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <csignal>
#include <stdexcept>

#include <openssl/ssl.h>

#include "analysis/tests/support/loopback_listener.hpp"

namespace veer::analysis::testing {
TlsServer::TlsServer(const TestCertificates& certificates) {
  // A client that refuses the certificate closes mid-handshake; OpenSSL's write to that socket
  // must fail with EPIPE, not kill the test process with SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
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
