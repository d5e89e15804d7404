// A Prometheus stand-in (a test fixture) on 127.0.0.1: answers /api/v1/query and
// /api/v1/query_range for the built-in metrics veer sends (request-success-rate and
// request-duration, every provider's series) with scripted values. The primary's series are
// always healthy; the canary's are healthy or failing as `canary_is_bad` says at the moment of
// the query (the test answers it from the target Deployment's image). A query that does not read
// the provider's series (`series`, e.g. "istio_" or "response_") is refused and kept, so a
// Canary analysed with another provider's queries shows up.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "testing/http_server.hpp"

namespace veer::e2e {

// What a query asks for, told from its text.
enum class QueryKind { SuccessRate, Errors, Total, Duration, Unknown };
QueryKind query_kind(const std::string& query);
// The series prefix of the built-in metrics of a provider ("istio_" for istio).
std::string builtin_series(const std::string& provider);
// True when the query selects the primary's series ("<target>-primary", or NGINX's canary="").
bool selects_primary(const std::string& query);

class FakePrometheus {
 public:
  FakePrometheus(std::string series, std::function<bool()> canary_is_bad);

  std::string url() const { return server_.url(); }
  std::size_t queries() const { return server_.request_count(); }
  // Queries seen that it could not answer (empty when every query was understood).
  std::vector<std::string> unknown_queries() const;

 private:
  testing::HttpResponse answer(const testing::HttpRequest& request);

  std::string series_;
  std::function<bool()> canary_is_bad_;
  mutable std::mutex mutex_;
  std::vector<std::string> unknown_;
  testing::HttpServer server_;
};

}  // namespace veer::e2e
