#include "e2e/traffic/tests/support/load_generator.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "http/client.hpp"

namespace veer::e2e::traffic {

namespace {

// "name=value; Max-Age=600; Path=/" -> the jar updated (Max-Age <= 0 removes the cookie).
void keep_cookie(std::map<std::string, std::string>& jar, const std::string& set_cookie) {
  const auto first = set_cookie.substr(0, set_cookie.find(';'));
  const auto equals = first.find('=');
  if (equals == std::string::npos) return;
  auto trim = [](std::string text) {
    const auto b = text.find_first_not_of(' ');
    const auto e = text.find_last_not_of(' ');
    return b == std::string::npos ? std::string() : text.substr(b, e - b + 1);
  };
  const auto name = trim(first.substr(0, equals));
  const auto value = trim(first.substr(equals + 1));
  auto lower = set_cookie;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto max_age = lower.find("max-age=");
  if (max_age != std::string::npos && std::atol(lower.c_str() + max_age + 8) <= 0) {
    jar.erase(name);
    return;
  }
  jar[name] = value;
}

}  // namespace

LoadGenerator::LoadGenerator(std::string url, int per_second, Marker marker, int clients,
                             int sessions)
    : url_(std::move(url)),
      period_(std::chrono::microseconds(1'000'000L * clients / per_second)),
      marker_(std::move(marker)),
      jars_(static_cast<std::size_t>(sessions)),
      sessions_(static_cast<std::size_t>(sessions)) {
  for (int i = 0; i < clients; ++i) threads_.emplace_back([this] { run(); });
}

LoadGenerator::~LoadGenerator() {
  stopping_ = true;
  for (auto& t : threads_) t.join();
}

void LoadGenerator::run() {
  auto next = std::chrono::steady_clock::now();
  while (!stopping_) {
    http::Request request;
    request.url = url_;
    request.timeout = std::chrono::seconds(5);
    const long n = ++sequence_;
    const bool marked = marker_.every > 0 && n % marker_.every == 0;
    if (marked) request.headers.emplace_back(marker_.name, marker_.value);
    const std::size_t session =
        sessions_.empty() ? 0 : static_cast<std::size_t>(n) % sessions_.size();
    SessionRequest record;
    if (!sessions_.empty()) {
      std::lock_guard lock(mutex_);
      for (const auto& [name, value] : jars_[session])
        record.cookies += (record.cookies.empty() ? "" : "; ") + name + "=" + value;
      if (!record.cookies.empty()) request.headers.emplace_back("Cookie", record.cookies);
    }
    record.at = std::chrono::steady_clock::now();
    auto response = http::send(request);
    {
      std::lock_guard lock(mutex_);
      const long status = response ? response->status : 0;
      ++answers_[status];
      if (marked) ++marked_answers_[status];
      if (!sessions_.empty()) {
        record.status = status;
        if (response) {
          record.served_by = response->body.substr(0, response->body.find(' '));
          if (auto found = response->headers.find("set-cookie"); found != response->headers.end())
            record.set_cookie = found->second;
          if (!record.set_cookie.empty()) keep_cookie(jars_[session], record.set_cookie);
        }
        sessions_[session].push_back(std::move(record));
      }
    }
    // The steady rate; after a slow answer it goes on from now rather than bursting to catch up.
    next = std::max(next + period_, std::chrono::steady_clock::now());
    std::this_thread::sleep_until(next);
  }
}

std::map<long, long> LoadGenerator::answers() const {
  std::lock_guard lock(mutex_);
  return answers_;
}

std::map<long, long> LoadGenerator::marked_answers() const {
  std::lock_guard lock(mutex_);
  return marked_answers_;
}

std::vector<std::vector<SessionRequest>> LoadGenerator::sessions() const {
  std::lock_guard lock(mutex_);
  return sessions_;
}

long LoadGenerator::sent() const {
  long total = 0;
  for (const auto& [status, n] : answers()) total += n;
  return total;
}

std::string to_string(const std::map<long, long>& answers) {
  std::string text;
  for (const auto& [status, n] : answers)
    text += (text.empty() ? "" : ", ") + std::to_string(status) + ": " + std::to_string(n);
  return text.empty() ? "none" : text;
}

}  // namespace veer::e2e::traffic
