// The evidence dashboard (docs/dashboard.md): answers every request of the dashboard's listener.
// Pages are read from the cluster at each request (so they show what the API shows), the history
// from the Recorder; every request needs a valid bearer token (header or session cookie), and
// each namespace is checked before anything of it is shown or changed.
#pragma once

#include <string>

#include "operator/dashboard/access.hpp"
#include "operator/dashboard/history.hpp"
#include "operator/dashboard/sessions.hpp"
#include "operator/kube/cluster.hpp"
#include "operator/runtime/canary_events.hpp"
#include "operator/server/status_server.hpp"

namespace veer::dashboard {

struct DashboardSettings {
  std::string ns;        // the operator's namespace; "" = every namespace
  bool actions = false;  // Promote / Abort / Pause / Resume / Retry buttons
};

class Dashboard {
 public:
  Dashboard(kube::Cluster& cluster, base::Clock& clock, Access& access, History& history,
            DashboardSettings settings);

  server::Reply handle(const server::Request& request);

 private:
  struct Caller;
  server::Reply login(const server::Request& request);
  server::Reply index(const Caller& caller);
  server::Reply rollout(const Caller& caller, const std::string& ns, const std::string& name,
                        const std::string& notice);
  server::Reply experiment(const Caller& caller, const std::string& ns, const std::string& name);
  // The newest Events about kind/ns/name; a failure to list is added to `problem`.
  std::vector<nlohmann::json> events_about(const std::string& kind, const std::string& ns,
                                           const std::string& name, std::string& problem);
  server::Reply act(const Caller& caller, const server::Request& request, const std::string& ns,
                    const std::string& name, const std::string& action);
  server::Reply logout(const Caller& caller, const server::Request& request);
  // nullopt when the caller may see `ns` (and `verb` there); else the reply to send.
  std::optional<server::Reply> refuse(const Caller& caller, const std::string& ns,
                                      const std::string& verb, const std::string& name,
                                      const std::string& kind = "Canary");
  server::Reply html(int status, const std::string& title, const Caller* caller,
                     const std::string& body) const;

  kube::Cluster& cluster_;
  base::Clock& clock_;
  Access& access_;
  History& history_;
  DashboardSettings settings_;
  Sessions sessions_;
  runtime::CanaryEvents events_;
};

}  // namespace veer::dashboard
