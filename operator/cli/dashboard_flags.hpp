// The dashboard flags of `veer operator` and `veer demo` (docs/dashboard.md): where it listens,
// how callers authenticate, whether actions are allowed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "operator/cli/args.hpp"
#include "operator/dashboard/dashboard_server.hpp"
#include "operator/kube/cluster.hpp"

namespace veer::cli {

class DashboardFlags {
 public:
  // `demo`: --dashboard turns it on (default address 127.0.0.1:8090) and, with no token given,
  // a random token is made and printed; the Secret and TokenReview flags are operator-only.
  void add_to(ArgParser& parser, bool demo);
  bool wanted() const { return on_ || !listen_.empty(); }

  // The dashboard's options, or nullopt with a usage error naming the flag. `cluster` serves the
  // token Secret and the reviews; `ns` is the operator's namespace ("" = all).
  // `generated_token` gets the random token the demo made, if it made one.
  std::optional<dashboard::DashboardOptions> options(kube::Cluster& cluster, const std::string& ns,
                                                     std::string& error,
                                                     std::string* generated_token) const;

  // Checks what can be checked before connecting (the address, that some authentication is
  // set); "" when fine.
  std::string check() const;

 private:
  bool demo_ = false;
  bool on_ = false;  // demo: --dashboard
  std::string listen_;
  std::string token_file_;
  std::string token_secret_;  // NS/NAME, key `token`
  std::string users_file_;
  bool token_review_ = false;
  bool actions_ = false;
};

// `veer demo --dashboard=ADDR` is `--dashboard --dashboard-listen=ADDR` (the parser's boolean
// flags take no value).
std::vector<std::string> expand_dashboard_shorthand(std::vector<std::string> args);

}  // namespace veer::cli
