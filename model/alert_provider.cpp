#include "model/alert_provider.hpp"

#include "model/field_reader.hpp"
#include "model/kind_header.hpp"

namespace veer::model {

const std::vector<std::string>& alert_provider_types() {
  static const std::vector<std::string> types{"slack",  "msteams", "discord",
                                              "rocket", "gchat",   "webhook"};
  return types;
}

Parsed<AlertProvider> parse_alert_provider(const nlohmann::json& document, bool accept_flagger) {
  Parsed<AlertProvider> out;
  auto& s = out.value.spec;
  FieldReader root(document, "", out.errors);
  read_kind_header(root, "AlertProvider", accept_flagger);
  if (!root.object("metadata", [&](FieldReader& m) { out.value.metadata = read_object_meta(m); }))
    root.error("metadata", "is required (at least metadata.name)");
  if (!root.object("spec", [&](FieldReader& r) {
        if (!r.has("type"))
          r.error("type", "is required: slack, msteams, discord, rocket or gchat");
        s.type = r.one_of("type", alert_provider_types());
        s.channel = r.string("channel", "general");
        s.username = r.string("username", "veer");
        s.address = r.string("address");
        s.proxy = r.string("proxy");
        r.object("secretRef", [&](FieldReader& sr) {
          s.secret_ref = sr.string("name");
          if (s.secret_ref.empty()) sr.error("name", "is required");
        });
        if (s.address.empty() && !r.has("secretRef"))
          r.error_here("set address or secretRef (a Secret with an `address` key)");
        // Flagger's CRD accepts exactly one of the two (its notifier would let the Secret win).
        if (!s.address.empty() && r.has("secretRef"))
          r.error("secretRef", "set address or secretRef, not both");
        if (!s.address.empty() && !is_http_url(s.address))
          r.error("address", "\"" + s.address + "\" is not an http:// or https:// URL");
        if (!s.proxy.empty() && !is_http_url(s.proxy))
          r.error("proxy", "\"" + s.proxy + "\" is not an http:// or https:// URL");
      }))
    root.error("spec", "is required");
  root.ignore({"status"});
  root.reject_unknown();
  return out;
}

nlohmann::json to_json(const AlertProvider& p) {
  nlohmann::json spec = {
      {"type", p.spec.type}, {"channel", p.spec.channel}, {"username", p.spec.username}};
  if (!p.spec.address.empty()) spec["address"] = p.spec.address;
  if (!p.spec.proxy.empty()) spec["proxy"] = p.spec.proxy;
  if (!p.spec.secret_ref.empty()) spec["secretRef"] = {{"name", p.spec.secret_ref}};
  return {{"apiVersion", p.api_version},
          {"kind", p.kind},
          {"metadata", to_json(p.metadata)},
          {"spec", spec}};
}

}  // namespace veer::model
