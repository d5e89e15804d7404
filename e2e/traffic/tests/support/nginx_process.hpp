// Debian's nginx as the data plane's proxy (a real program on 127.0.0.1): one upstream whose
// servers and weights are what the router objects say, reloaded by SIGHUP to its own pid. For
// A/B testing a second upstream takes the requests that match a header condition (nginx maps on
// the request's headers choose the upstream). Each
// configuration carries a generation number that nginx answers on /__generation; a change is in
// force, and the caller goes on, once that answers and the old worker has exited (until its
// master's signal reaches it, it keeps accepting requests under the old configuration).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "e2e/controller/tests/support/process.hpp"

namespace veer::e2e::traffic {

struct Backend {
  int port = 0;
  int weight = 0;  // a weighted round robin share; 0 leaves the backend out
  bool operator==(const Backend&) const = default;
};

// A condition on one request header (lower case; "cookie" for the Cookie header): an exact value
// or a regular expression (PCRE, unanchored).
struct RequestMatch {
  std::string header;
  std::string exact;
  std::string regex;
  bool operator==(const RequestMatch&) const = default;
};

class NginxProcess {
 public:
  // `dir` holds its configuration, pid, logs and temporary files.
  explicit NginxProcess(std::string dir);
  ~NginxProcess();

  // Starts nginx with no backends (every request answered 503); "" or why not.
  std::string start();
  // Writes the upstream of `backends`, reloads nginx and waits until the new configuration
  // answers; "" or why not.
  std::string route(const std::vector<Backend>& backends);
  // The same, with requests that meet any of `match` sent to `matched` instead (A/B testing).
  // `set_cookie`: the Set-Cookie header added to the answers of backend `set_cookie_port` among
  // `backends` (not `matched`): Istio's response header on the canary's weighted destination,
  // which hands session affinity's cookie to the clients the canary served.
  std::string route(const std::vector<Backend>& backends, const std::vector<RequestMatch>& match,
                    const std::vector<Backend>& matched, const std::string& set_cookie = "",
                    int set_cookie_port = 0);

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }

 private:
  std::string write_config(const std::vector<Backend>& backends,
                           const std::vector<RequestMatch>& match = {},
                           const std::vector<Backend>& matched = {},
                           const std::string& set_cookie = "", int set_cookie_port = 0);
  std::string wait_generation();

  std::string dir_;
  int port_ = 0;
  int generation_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace veer::e2e::traffic
