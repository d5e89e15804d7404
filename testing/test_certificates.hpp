// A test CA and a server certificate it signed (for localhost and 127.0.0.1), and a second,
// unrelated CA, made by the `openssl` command in a temporary folder removed at the end.
#pragma once

#include <filesystem>
#include <string>

namespace veer::testing {

struct TestCertificates {
  TestCertificates();  // throws std::runtime_error naming the openssl command that failed
  ~TestCertificates();
  TestCertificates(const TestCertificates&) = delete;
  TestCertificates& operator=(const TestCertificates&) = delete;
  std::filesystem::path dir;
  std::string ca_file, other_ca_file, server_cert_file, server_key_file;
};

}  // namespace veer::testing
