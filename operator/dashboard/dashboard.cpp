#include "operator/dashboard/dashboard.hpp"

#include <algorithm>

#include "base/time_format.hpp"
#include "html/html.hpp"
#include "operator/controller/canary_reconciler.hpp"
#include "operator/controller/experiment/experiment_reconciler.hpp"
#include "operator/controller/gates.hpp"
#include "operator/dashboard/json_fields.hpp"
#include "operator/dashboard/pages.hpp"

namespace veer::dashboard {

using html::escape;
using html::form_field;

using nlohmann::json;
using server::Reply;
using server::Request;

struct Dashboard::Caller {
  Principal who;
  std::string session;  // "" when the token came in an Authorization header
  std::string csrf;
};

namespace {

constexpr const char* kCookie = "veer_session";
constexpr std::size_t kEventsShown = 50;

const kube::ResourceType& event_type() {
  static const kube::ResourceType type{"", "v1", "events", "Event"};
  return type;
}
using controller::experiment::experiment_type;

std::vector<std::pair<std::string, std::string>> security_headers() {
  return {{"Content-Security-Policy",
           "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
           "frame-ancestors 'none'; base-uri 'none'"},
          {"X-Content-Type-Options", "nosniff"},
          {"X-Frame-Options", "DENY"},
          {"Referrer-Policy", "same-origin"},  // no-referrer makes forms send Origin: null
          {"Cache-Control", "no-store"}};
}

Reply redirect(const std::string& location) {
  Reply reply{303, "text/plain; charset=utf-8", "see " + location + "\n"};
  reply.headers.push_back({"Location", location});
  return reply;
}

std::string cookie_value(const Request& request, const std::string& name) {
  const auto header = request.header("cookie");
  std::size_t at = 0;
  while (at < header.size()) {
    auto end = header.find(';', at);
    if (end == std::string::npos) end = header.size();
    auto pair = header.substr(at, end - at);
    pair.erase(0, pair.find_first_not_of(' '));
    if (pair.compare(0, name.size() + 1, name + "=") == 0) return pair.substr(name.size() + 1);
    at = end + 1;
  }
  return "";
}

std::string bearer_token(const Request& request) {
  const auto header = request.header("authorization");
  const std::string prefix = "Bearer ";
  if (header.size() <= prefix.size() || header.compare(0, prefix.size(), prefix) != 0) return "";
  return header.substr(prefix.size());
}

// A form posted from another site (its Origin names another host) is refused whatever it carries.
bool same_origin(const Request& request) {
  const auto origin = request.header("origin");
  if (origin.empty() || origin == "null") return origin.empty();
  const auto host = request.header("host");
  return origin == "http://" + host || origin == "https://" + host;
}

// Kubernetes names (DNS labels and subdomains): anything else in a path is not a Canary.
bool valid_name(const std::string& text) {
  return !text.empty() && text.size() <= 253 && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
  });
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t at = 1;
  while (at <= path.size()) {
    auto end = path.find('/', at);
    if (end == std::string::npos) end = path.size();
    parts.push_back(path.substr(at, end - at));
    at = end + 1;
  }
  return parts;
}

std::string api_problem(const kube::ApiError& error) {
  return std::string(kube::to_string(error.type)) + ": " + error.message;
}

}  // namespace

Dashboard::Dashboard(kube::Cluster& cluster, base::Clock& clock, Access& access, History& history,
                     DashboardSettings settings)
    : cluster_(cluster),
      clock_(clock),
      access_(access),
      history_(history),
      settings_(std::move(settings)),
      sessions_(clock),
      events_(cluster, clock) {}

Reply Dashboard::html(int status, const std::string& title, const Caller* caller,
                      const std::string& body) const {
  Reply reply{status, "text/html; charset=utf-8",
              page(title, caller ? caller->who.user.name : "", caller ? caller->csrf : "", body)};
  return reply;
}

Reply Dashboard::handle(const Request& request) {
  auto reply = [&]() -> Reply {
    if (request.path == "/login") return login(request);
    // Who is asking: a bearer token in the header, else the session cookie's token.
    std::string token = bearer_token(request), session;
    if (token.empty()) {
      session = cookie_value(request, kCookie);
      if (auto t = session.empty() ? std::nullopt : sessions_.token_of(session))
        token = *t;
      else
        session.clear();
    }
    auto who = access_.authenticate(token);
    if (!who) {
      return html(503, "error", nullptr,
                  "<h1>Cannot check the token</h1><p>" + escape(api_problem(who.error())) + "</p>");
    }
    if (!*who) {
      auto refused = html(401, "sign in", nullptr,
                          login_body(token.empty() ? "" : "That token is not valid (any more)."));
      refused.headers.push_back({"WWW-Authenticate", "Bearer realm=\"veer\""});
      return refused;
    }
    const Caller caller{**who, session, session.empty() ? "" : sessions_.csrf_of(session)};
    const auto parts = split_path(request.path);
    const bool read = request.method == "GET" || request.method == "HEAD";
    if (request.method == "POST") {
      // Forms from a browser session need the session's CSRF value and our own origin; a
      // request with an Authorization header cannot be forged by another site.
      if (!same_origin(request))
        return html(403, "refused", &caller, "<h1>Refused</h1><p>cross-origin form</p>");
      if (!session.empty() && !sessions_.csrf_matches(session, form_field(request.body, "csrf")))
        return html(403, "refused", &caller,
                    "<h1>Refused</h1><p>the form's CSRF value is missing or stale; reload the "
                    "page and try again</p>");
    }
    if (request.path == "/" && read) return index(caller);
    if (request.path == "/logout" && request.method == "POST") return logout(caller, request);
    if (parts.size() == 3 && parts[0] == "canary" && read)
      return rollout(caller, parts[1], parts[2], form_field(request.query, "done"));
    if (parts.size() == 3 && parts[0] == "experiment" && read)
      return experiment(caller, parts[1], parts[2]);
    if (parts.size() == 4 && parts[0] == "canary" && request.method == "POST")
      return act(caller, request, parts[1], parts[2], parts[3]);
    if (!read && request.method != "POST")
      return html(405, "not allowed", &caller, "<h1>Only GET and POST</h1>");
    return html(404, "not found", &caller, "<h1>Not found</h1>");
  }();
  for (auto& header : security_headers()) reply.headers.push_back(std::move(header));
  return reply;
}

Reply Dashboard::login(const Request& request) {
  if (request.method != "POST") return html(200, "sign in", nullptr, login_body(""));
  if (!same_origin(request)) return html(403, "refused", nullptr, "<h1>cross-origin form</h1>");
  const auto token = form_field(request.body, "token");
  auto who = access_.authenticate(token);
  if (!who) {
    return html(503, "sign in", nullptr,
                login_body("Cannot check the token: " + api_problem(who.error())));
  }
  if (!*who) {
    auto refused = html(401, "sign in", nullptr, login_body("That token is not valid."));
    refused.headers.push_back({"WWW-Authenticate", "Bearer realm=\"veer\""});
    return refused;
  }
  auto reply = redirect("/");
  reply.headers.push_back({"Set-Cookie", std::string(kCookie) + "=" + sessions_.start(token) +
                                             "; Path=/; HttpOnly; SameSite=Strict"});
  return reply;
}

Reply Dashboard::logout(const Caller& caller, const Request&) {
  sessions_.end(caller.session);
  auto reply = redirect("/login");
  reply.headers.push_back(
      {"Set-Cookie", std::string(kCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"});
  return reply;
}

std::optional<Reply> Dashboard::refuse(const Caller& caller, const std::string& ns,
                                       const std::string& verb, const std::string& name,
                                       const std::string& kind) {
  const auto missing = html(404, "not found", &caller,
                            "<h1>Not found</h1><p>No " + escape(kind) + " " +
                                escape(ns + "/" + name) + " that you may see.</p>");
  if (!valid_name(ns) || !valid_name(name)) return missing;
  if (!settings_.ns.empty() && ns != settings_.ns) return missing;
  const std::string resource = kind == "Experiment" ? "experiments" : "canaries";
  auto allowed = access_.allowed(caller.who, {ns, "list", resource});
  if (!allowed)
    return html(503, "error", &caller,
                "<h1>Cannot check access</h1><p>" + escape(api_problem(allowed.error())) + "</p>");
  if (!*allowed) return missing;  // the same answer as for a Canary that does not exist
  if (verb == "list") return std::nullopt;
  auto may_act = access_.allowed(caller.who, {ns, verb, resource});
  if (!may_act)
    return html(503, "error", &caller,
                "<h1>Cannot check access</h1><p>" + escape(api_problem(may_act.error())) + "</p>");
  if (!*may_act)
    return html(403, "forbidden", &caller,
                "<h1>Forbidden</h1><p>" + escape(caller.who.user.name) + " may not " +
                    escape(verb) + " canaries in namespace " + escape(ns) + ".</p>");
  return std::nullopt;
}

Reply Dashboard::index(const Caller& caller) {
  std::string problems;
  auto visible = [&](const kube::ResourceType& type, const std::string& resource, bool optional) {
    std::vector<json> out;
    auto list = cluster_.list(type, settings_.ns);
    if (!list) {
      if (!(optional && list.is(kube::ErrorType::NotFound)))
        problems += "<p class=\"notice\">cannot list " + escape(type.kind) + ": " +
                    escape(api_problem(list.error())) + "</p>";
      return out;
    }
    std::map<std::string, bool> namespaces;
    for (auto& item : list->items) {
      const auto ns = kube::namespace_of(item);
      auto seen = namespaces.find(ns);
      if (seen == namespaces.end()) {
        auto allowed = access_.allowed(caller.who, {ns, "list", resource});
        if (!allowed)
          problems += "<p class=\"notice\">cannot check access to " + escape(ns) + ": " +
                      escape(api_problem(allowed.error())) + "</p>";
        seen = namespaces.emplace(ns, allowed && *allowed).first;
      }
      if (seen->second) out.push_back(std::move(item));
    }
    std::sort(out.begin(), out.end(),
              [](const json& a, const json& b) { return kube::key_of(a) < kube::key_of(b); });
    return out;
  };
  auto canaries = visible(controller::canary_type(), "canaries", false);
  auto experiments = visible(experiment_type(), "experiments", true);
  std::erase_if(experiments, [](const json& x) { return object_at(x, "status").empty(); });
  return html(200, "rollouts", &caller, problems + index_body(canaries, experiments, clock_.now()));
}

Reply Dashboard::rollout(const Caller& caller, const std::string& ns, const std::string& name,
                         const std::string& notice) {
  if (auto refused = refuse(caller, ns, "list", name)) return *refused;
  auto canary = cluster_.get({controller::canary_type(), ns, name});
  if (canary.is(kube::ErrorType::NotFound))
    return html(404, "not found", &caller,
                "<h1>Not found</h1><p>No Canary " + escape(ns + "/" + name) + ".</p>");
  if (!canary)
    return html(
        503, "error", &caller,
        "<h1>Cannot read the Canary</h1><p>" + escape(api_problem(canary.error())) + "</p>");
  RolloutView view;
  view.canary = *canary;
  view.record = history_.record(ns, name);
  view.now = clock_.now();
  view.actions = settings_.actions;
  view.csrf = caller.csrf;
  // Only a gate's name: a crafted link cannot put other words in the notice.
  if (auto gate = controller::parse_gate(notice))
    view.notice = std::string(controller::to_string(*gate)) + " requested";
  view.events = events_about("Canary", ns, name, view.notice);
  return html(200, ns + "/" + name, &caller, rollout_body(view));
}

std::vector<json> Dashboard::events_about(const std::string& kind, const std::string& ns,
                                          const std::string& name, std::string& problem) {
  std::vector<json> out;
  auto events = cluster_.list(event_type(), ns);
  if (!events) {
    problem += (problem.empty() ? "" : "; ") + std::string("cannot list events: ") +
               api_problem(events.error());
    return out;
  }
  for (auto& e : events->items) {
    const auto& about = object_at(e, "involvedObject");
    if (text_at(about, "kind") == kind && text_at(about, "name") == name)
      out.push_back(std::move(e));
  }
  auto when = [](const json& e) {
    auto t = text_at(e, "lastTimestamp");
    return t.empty() ? text_at(e, "eventTime") : t;
  };
  std::stable_sort(out.begin(), out.end(),
                   [&](const json& a, const json& b) { return when(a) > when(b); });
  if (out.size() > kEventsShown) out.resize(kEventsShown);
  return out;
}

Reply Dashboard::experiment(const Caller& caller, const std::string& ns, const std::string& name) {
  if (auto refused = refuse(caller, ns, "list", name, "Experiment")) return *refused;
  auto experiment = cluster_.get({experiment_type(), ns, name});
  if (experiment.is(kube::ErrorType::NotFound))
    return html(404, "not found", &caller,
                "<h1>Not found</h1><p>No Experiment " + escape(ns + "/" + name) + ".</p>");
  if (!experiment)
    return html(503, "error", &caller,
                "<h1>Cannot read the Experiment</h1><p>" + escape(api_problem(experiment.error())) +
                    "</p>");
  ExperimentView view;
  view.experiment = *experiment;
  view.record = history_.experiment_record(ns, name);
  view.now = clock_.now();
  std::string problem;
  view.events = events_about("Experiment", ns, name, problem);
  const auto notice = problem.empty() ? "" : "<p class=\"notice\">" + escape(problem) + "</p>";
  return html(200, ns + "/" + name, &caller, notice + experiment_body(view));
}

Reply Dashboard::act(const Caller& caller, const Request&, const std::string& ns,
                     const std::string& name, const std::string& action) {
  const auto gate = controller::parse_gate(action);
  if (!gate) return html(404, "not found", &caller, "<h1>No such action</h1>");
  if (!settings_.actions)
    return html(403, "read-only", &caller,
                "<h1>Read-only</h1><p>This dashboard was started without --dashboard-actions.</p>");
  if (auto refused = refuse(caller, ns, "patch", name)) return *refused;
  const auto id = base::format_micro_time(clock_.now());
  if (auto error = controller::request_gate(cluster_, ns, name, *gate, id); !error.empty())
    return html(409, "not done", &caller, "<h1>Not done</h1><p>" + escape(error) + "</p>");
  model::Canary about;
  about.metadata.namespace_ = ns;
  about.metadata.name = name;
  if (auto canary = cluster_.get({controller::canary_type(), ns, name}))
    about.metadata.uid = kube::uid_of(*canary);
  events_.write(about, false, "DashboardAction",
                std::string(controller::to_string(*gate)) + " requested by " +
                    caller.who.user.name + " from the dashboard (request " + id + ")");
  return redirect("/canary/" + ns + "/" + name + "?done=" + controller::to_string(*gate));
}

}  // namespace veer::dashboard
