// MetricTemplate query rendering: the input is the query, rendered for the canary and for the
// primary with every variable Flagger defines set.
#include <cstddef>
#include <cstdint>
#include <string>

#include "analysis/templates.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string query(reinterpret_cast<const char*>(data), size);
  veer::analysis::TemplateContext context;
  context.name = "podinfo";
  context.namespace_ = "test";
  context.target = "podinfo";
  context.service = "podinfo";
  context.ingress = "podinfo";
  context.route = "podinfo";
  context.interval = "1m";
  context.variables = {{"ingress", "{{ name }}"}, {"x", ""}, {"{{", "}}"}};
  (void)veer::analysis::render_query(query, context, "fuzz");
  (void)veer::analysis::render_query(query, veer::analysis::primary_context(context), "fuzz");
  if (size >= sizeof(long long)) {
    long long milliseconds = 0;
    __builtin_memcpy(&milliseconds, data, sizeof milliseconds);
    (void)veer::analysis::promql_duration(milliseconds);
  }
  return 0;
}
