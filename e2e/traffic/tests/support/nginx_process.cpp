#include "e2e/traffic/tests/support/nginx_process.hpp"

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

#include "e2e/traffic/tests/support/loopback.hpp"

namespace veer::e2e::traffic {

namespace {

// The processes whose parent is `parent` (from /proc/<pid>/stat: "pid (name) state ppid ...").
int children_of(pid_t parent) {
  int count = 0;
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ignored)) {
    const auto name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string text((std::istreambuf_iterator<char>(stat)), {});
    const auto close = text.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(text.substr(close + 1));
    std::string state;
    long ppid = 0;
    if (fields >> state >> ppid && ppid == parent) ++count;
  }
  return count;
}

// `text` with the characters a regular expression gives a meaning escaped.
std::string regex_escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (std::string_view(".^$|?*+()[]{}\\/").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

// Writes `upstream <name>` with the backends that have a weight; whether there was one.
bool upstream(std::ostream& conf, const std::string& name, const std::vector<Backend>& backends) {
  std::string servers;
  for (const auto& b : backends) {
    if (b.weight > 0)
      servers += "    server 127.0.0.1:" + std::to_string(b.port) +
                 " weight=" + std::to_string(b.weight) + ";\n";
  }
  if (servers.empty()) return false;
  conf << "  upstream " << name << " {\n" << servers << "  }\n";
  return true;
}

}  // namespace

NginxProcess::NginxProcess(std::string dir) : dir_(std::move(dir)) {
  std::filesystem::create_directories(dir_ + "/temp");
}

NginxProcess::~NginxProcess() {
  if (process_) process_->stop(SIGQUIT, std::chrono::seconds(5));  // graceful shutdown
}

std::string NginxProcess::write_config(const std::vector<Backend>& backends,
                                       const std::vector<RequestMatch>& match,
                                       const std::vector<Backend>& matched,
                                       const std::string& set_cookie, int set_cookie_port) {
  ++generation_;
  const std::string t = dir_ + "/temp";
  std::ofstream conf(dir_ + "/nginx.conf", std::ios::trunc);
  conf << "daemon off;\nmaster_process on;\nworker_processes 1;\n"
       << "pid " << dir_ << "/nginx.pid;\nerror_log " << dir_ << "/error.log warn;\n"
       << "events { worker_connections 512; }\n"
       << "http {\n  access_log off;\n"
       << "  client_body_temp_path " << t << "/body;\n  proxy_temp_path " << t << "/proxy;\n"
       << "  fastcgi_temp_path " << t << "/fastcgi;\n  uwsgi_temp_path " << t << "/uwsgi;\n"
       << "  scgi_temp_path " << t << "/scgi;\n";
  const bool routed = upstream(conf, "app", backends);
  std::string pass = routed ? "proxy_pass http://app;" : "return 503;";
  if (!match.empty()) {
    // One flag per condition, then the upstream of whichever flag is set. A pool without a ready
    // backend points at a closed port: those requests fail, as they would in a cluster.
    const bool both = upstream(conf, "app_matched", matched);
    conf << "  upstream app_none { server 127.0.0.1:1; }\n";
    std::string flags;
    for (std::size_t i = 0; i < match.size(); ++i) {
      const auto& m = match[i];
      std::string variable = "$http_" + m.header;
      std::replace(variable.begin(), variable.end(), '-', '_');
      const auto regex = m.regex.empty() ? "^" + regex_escaped(m.exact) + "$" : m.regex;
      const auto flag = "$veer_match_" + std::to_string(i);
      conf << "  map " << variable << " " << flag << " { default 0; \"~" << regex << "\" 1; }\n";
      flags += flag;
    }
    conf << "  map \"" << flags << "\" $veer_pool { default " << (routed ? "app" : "app_none")
         << "; \"~1\" " << (both ? "app_matched" : "app_none") << "; }\n";
    pass = "proxy_pass http://$veer_pool;";
  }
  std::string add_header;
  if (!set_cookie.empty() && set_cookie_port > 0) {
    // Only the answers of that backend through the weighted pool (`app`), as Istio adds the
    // header on the weighted route's destination and not on the sticky route's.
    std::string value;
    for (char c : set_cookie) {
      if (c == '"' || c == '\\' || c == '$') value += '\\';
      value += c;
    }
    const auto pool = match.empty() ? std::string("app") : std::string("$veer_pool");
    conf << "  map \"" << pool
         << "|$upstream_addr\" $veer_set_cookie { default \"\"; \"app|127.0.0.1:" << set_cookie_port
         << "\" \"" << value << "\"; }\n";
    add_header = " add_header Set-Cookie $veer_set_cookie;";
  }
  conf << "  server {\n    listen 127.0.0.1:" << port_ << ";\n"
       << "    location = /__generation { return 200 \"" << generation_
       << "\"; }\n"
       // A failed request stays failed: no retry on the other backend hides it.
       << "    location / { " << pass << " proxy_next_upstream off;" << add_header
       << " }\n  }\n}\n";
  return conf ? "" : "cannot write " + dir_ + "/nginx.conf";
}

std::string NginxProcess::wait_generation() {
  const auto wanted = std::to_string(generation_);
  if (wait_until(
          [&] {
            return get_ok(port_, "/__generation") == wanted && children_of(process_->pid()) == 1;
          },
          std::chrono::seconds(10)))
    return "";
  std::ifstream log(dir_ + "/error.log");
  return "nginx did not serve configuration " + wanted +
         " within 10 s; error.log: " + std::string(std::istreambuf_iterator<char>(log), {});
}

std::string NginxProcess::start() {
  port_ = free_port();
  if (auto error = write_config({}); !error.empty()) return error;
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"/usr/sbin/nginx", "-p", dir_, "-c", dir_ + "/nginx.conf", "-e",
                               dir_ + "/error.log"},
      dir_ + "/nginx.out");
  return wait_generation();
}

std::string NginxProcess::route(const std::vector<Backend>& backends) {
  return route(backends, {}, {});
}

std::string NginxProcess::route(const std::vector<Backend>& backends,
                                const std::vector<RequestMatch>& match,
                                const std::vector<Backend>& matched, const std::string& set_cookie,
                                int set_cookie_port) {
  if (!process_ || !process_->running()) return "nginx is not running";
  if (auto error = write_config(backends, match, matched, set_cookie, set_cookie_port);
      !error.empty())
    return error;
  ::kill(process_->pid(), SIGHUP);  // reload: new workers take the new configuration
  return wait_generation();
}

}  // namespace veer::e2e::traffic
