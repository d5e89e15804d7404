// A kubeconfig file: the current context, and a context named in the input's first line (as
// --context would), read into a client configuration.
#include <cstddef>
#include <cstdint>
#include <string>

#include "operator/kube/kubeconfig.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)veer::kube::parse_kubeconfig(text, "/fuzz/kubeconfig", "");
  const auto newline = text.find('\n');
  if (newline != std::string::npos && newline < 64)
    (void)veer::kube::parse_kubeconfig(text, "/fuzz/kubeconfig", text.substr(0, newline));
  return 0;
}
