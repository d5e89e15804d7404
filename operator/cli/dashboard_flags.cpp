#include "operator/cli/dashboard_flags.hpp"

#include <fstream>
#include <sstream>

#include "operator/cli/listen.hpp"
#include "operator/kube/secret_data.hpp"

namespace veer::cli {
namespace {

constexpr const char* kDemoAddress = "127.0.0.1:8090";

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

}  // namespace

void DashboardFlags::add_to(ArgParser& parser, bool demo) {
  demo_ = demo;
  if (demo) {
    parser.flag("dashboard", &on_,
                "serve the dashboard for the demo's rollouts (--dashboard=ADDR: on ADDR; default " +
                    std::string(kDemoAddress) + ") and keep running until Ctrl-C");
  }
  parser
      .option("dashboard-listen", &listen_, "HOST:PORT",
              demo ? "address of the dashboard (port 0 picks one)"
                   : "serve the evidence dashboard on this address (off by default; port 0 "
                     "picks one)")
      .option("dashboard-token-file", &token_file_, "PATH",
              "a file holding the dashboard's shared bearer token (sees every namespace)")
      .option("dashboard-users", &users_file_, "PATH",
              "a file of `TOKEN USER NAMESPACES` lines answering token and access reviews "
              "without the API server");
  if (!demo) {
    parser
        .option("dashboard-token-secret", &token_secret_, "NS/NAME",
                "a Secret whose `token` key is the dashboard's shared bearer token")
        .flag("dashboard-tokenreview", &token_review_,
              "accept Kubernetes tokens (TokenReview) and show each caller only the namespaces "
              "where it may list canaries (SubjectAccessReview)");
  }
  parser.flag("dashboard-actions", &actions_,
              "offer promote, abort, pause, resume and retry on the dashboard (needs patch on "
              "canaries in the namespace)");
}

std::string DashboardFlags::check() const {
  if (!wanted()) {
    if (!token_file_.empty() || !token_secret_.empty() || !users_file_.empty() || token_review_ ||
        actions_)
      return demo_ ? "the --dashboard-* flags need --dashboard"
                   : "the --dashboard-* flags need --dashboard-listen";
    return "";
  }
  std::string error;
  if (!parse_listen("--dashboard-listen", listen_.empty() ? kDemoAddress : listen_, error))
    return error;
  if (!demo_ && token_file_.empty() && token_secret_.empty() && users_file_.empty() &&
      !token_review_)
    return "--dashboard-listen needs a way to authenticate callers: --dashboard-token-file, "
           "--dashboard-token-secret, --dashboard-tokenreview or --dashboard-users";
  if (!token_file_.empty() && !token_secret_.empty())
    return "give --dashboard-token-file or --dashboard-token-secret, not both";
  if (!token_secret_.empty() && token_secret_.find('/') == std::string::npos)
    return "--dashboard-token-secret \"" + token_secret_ + "\" is not NAMESPACE/NAME";
  if (token_review_ && !users_file_.empty())
    return "give --dashboard-tokenreview or --dashboard-users, not both";
  return "";
}

std::optional<dashboard::DashboardOptions> DashboardFlags::options(
    kube::Cluster& cluster, const std::string& ns, std::string& error,
    std::string* generated_token) const {
  if (error = check(); !error.empty()) return std::nullopt;
  dashboard::DashboardOptions out;
  auto listen =
      *parse_listen("--dashboard-listen", listen_.empty() ? kDemoAddress : listen_, error);
  out.host = listen.host;
  out.port = listen.port;
  out.settings.ns = ns;
  out.settings.actions = actions_;
  if (!token_file_.empty()) {
    auto text = read_file(token_file_);
    if (!text) {
      error = "--dashboard-token-file " + token_file_ + ": cannot read it";
      return std::nullopt;
    }
    out.shared_token = trimmed(*text);
    if (out.shared_token.empty()) {
      error = "--dashboard-token-file " + token_file_ + " is empty";
      return std::nullopt;
    }
  }
  if (!token_secret_.empty()) {
    const auto slash = token_secret_.find('/');
    const kube::ObjectRef ref{kube::type_of("v1", "Secret"), token_secret_.substr(0, slash),
                              token_secret_.substr(slash + 1)};
    auto secret = cluster.get(ref);
    if (!secret) {
      error = "--dashboard-token-secret " + token_secret_ + ": " + secret.error().message;
      return std::nullopt;
    }
    auto data = kube::secret_data(*secret);
    if (!data) {
      error = "--dashboard-token-secret " + token_secret_ + ": " + data.error().message;
      return std::nullopt;
    }
    out.shared_token = trimmed(data.value()["token"]);
    if (out.shared_token.empty()) {
      error = "--dashboard-token-secret " + token_secret_ + " has no `token` key";
      return std::nullopt;
    }
  }
  if (!users_file_.empty()) {
    auto text = read_file(users_file_);
    std::string problem;
    auto users = text ? dashboard::StaticReviews::parse(*text, problem) : std::nullopt;
    if (!users) {
      error = "--dashboard-users " + users_file_ + ": " + (text ? problem : "cannot read it");
      return std::nullopt;
    }
    out.reviews = std::make_unique<dashboard::StaticReviews>(std::move(*users));
  }
  if (token_review_) out.reviews = std::make_unique<dashboard::KubeReviews>(cluster);
  if (demo_ && out.shared_token.empty() && !out.reviews) {
    out.shared_token = dashboard::random_hex(16);
    if (generated_token) *generated_token = out.shared_token;
  }
  return out;
}

std::vector<std::string> expand_dashboard_shorthand(std::vector<std::string> args) {
  std::vector<std::string> out;
  bool flags = true;  // until "--"
  for (auto& arg : args) {
    if (arg == "--") flags = false;
    if (flags && arg.rfind("--dashboard=", 0) == 0) {
      out.push_back("--dashboard");
      out.push_back("--dashboard-listen=" + arg.substr(12));
    } else {
      out.push_back(std::move(arg));
    }
  }
  return out;
}

}  // namespace veer::cli
