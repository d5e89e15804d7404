#!/usr/bin/env python3
"""The Helm chart's unit test: `helm lint --strict` for every documented value combination,
charts/veer/manifests.yaml current, and each combination rendering the objects it promises.
Exit 77 (CTest SKIP_RETURN_CODE) when helm cannot be had (charts/get-helm), never a pass."""
import os
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHART = os.path.join(ROOT, "charts", "veer")
SKIP = 77

# The documented combinations (docs/install.md): name -> --set values.
COMBINATIONS = {
    "default": [],
    "ha": ["replicas=2"],
    "namespaced": ["watchNamespace=team-a"],
    "namespaced-no-kuma": ["watchNamespace=team-a", "rbac.routers={istio,gatewayapi}"],
    "servicemonitor": ["serviceMonitor.enabled=true", "serviceMonitor.labels.release=prom"],
    "slack": ["slack.existingSecret=veer-slack", "slack.channel=deploys", "slack.user=veer"],
    "no-leader-election": ["leaderElection.enabled=false"],
    "openshift": ["rbac.ownerReferencesPermissionEnforcement=true"],
    "dashboard": ["dashboard.enabled=true", "dashboard.actions=true"],
    "dashboard-secret": ["dashboard.enabled=true", "dashboard.auth=secret",
                         "dashboard.existingSecret=veer-dashboard"],
}

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def helm():
    got = subprocess.run([os.path.join(ROOT, "charts", "get-helm")], capture_output=True, text=True)
    if got.returncode != 0:
        print("SKIPPED: no helm: " + got.stderr.strip())
        sys.exit(SKIP)
    return got.stdout.strip()


def run(args):
    return subprocess.run(args, capture_output=True, text=True)


def set_args(values):
    out = []
    for v in values:
        out += ["--set", v]
    return out


def render(helm_bin, values, crds=False):
    return render_for(helm_bin, values, None, crds)


def render_for(helm_bin, values, kube_version, crds=False):
    args = [helm_bin, "template", "veer", CHART, "--namespace", "veer-system"] + set_args(values)
    if kube_version:
        args += ["--kube-version", kube_version]
    if crds:
        args.append("--include-crds")
    got = run(args)
    if got.returncode != 0:
        return None, got.stderr
    return [d for d in yaml.safe_load_all(got.stdout) if d], ""


def by_kind(docs, kind):
    return [d for d in docs if d["kind"] == kind]


def triples(rules):
    """(apiGroup, resource, verb) for every rule; resourceNames are ignored."""
    out = set()
    for rule in rules:
        for g in rule["apiGroups"]:
            for r in rule["resources"]:
                for v in rule["verbs"]:
                    out.add((g, r, v))
    return out


def container(docs):
    deployments = by_kind(docs, "Deployment")
    if not check(len(deployments) == 1, "exactly one Deployment"):
        return None, None
    return deployments[0], deployments[0]["spec"]["template"]["spec"]["containers"][0]


def check_well_formed(name, docs):
    for d in docs:
        where = f"{name}: {d.get('kind')}/{d.get('metadata', {}).get('name')}"
        check(isinstance(d.get("apiVersion"), str) and d["apiVersion"], where + " has no apiVersion")
        check(d.get("metadata", {}).get("name"), where + " has no name")
        cluster_scoped = d["kind"] in ("ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "Namespace")
        check(cluster_scoped == ("namespace" not in d["metadata"]), where + ": namespace set wrongly")
    for binding in by_kind(docs, "ClusterRoleBinding") + by_kind(docs, "RoleBinding"):
        ref = binding["roleRef"]
        roles = [r for r in by_kind(docs, ref["kind"]) if r["metadata"]["name"] == ref["name"]
                 and r["metadata"].get("namespace") == binding["metadata"].get("namespace")]
        check(len(roles) == 1, f"{name}: {binding['kind']} {binding['metadata']['name']} binds a missing {ref['kind']}")
        for s in binding["subjects"]:
            accounts = [a for a in by_kind(docs, "ServiceAccount") if a["metadata"]["name"] == s["name"]
                        and a["metadata"]["namespace"] == s["namespace"]]
            check(len(accounts) == 1, f"{name}: {binding['metadata']['name']} binds a missing ServiceAccount")


def check_deployment(name, docs, values):
    deployment, c = container(docs)
    if c is None:
        return
    pod = deployment["spec"]["template"]["spec"]
    args = c["args"]
    check(args[0] == "operator", f"{name}: runs `veer operator`")
    listen = [a for a in args if a.startswith("--listen=")]
    check(listen == ["--listen=:8080"], f"{name}: --listen=:8080, got {listen}")
    check(c["ports"][0]["containerPort"] == 8080, f"{name}: container port is the --listen port")
    check(c["livenessProbe"]["httpGet"]["path"] == "/healthz", f"{name}: liveness on /healthz")
    check(c["readinessProbe"]["httpGet"]["path"] == "/readyz", f"{name}: readiness on /readyz")
    check(pod["securityContext"]["runAsNonRoot"] is True, f"{name}: runAsNonRoot")
    check(c["securityContext"]["readOnlyRootFilesystem"] is True, f"{name}: read-only root filesystem")
    check(c["securityContext"]["allowPrivilegeEscalation"] is False, f"{name}: no privilege escalation")
    check(c["resources"]["requests"] and c["resources"]["limits"], f"{name}: requests and limits")
    check(pod["serviceAccountName"] == "veer", f"{name}: runs as the chart's ServiceAccount")
    leader = "leaderElection.enabled=false" not in values
    check(("--leader-elect" in args) == leader, f"{name}: --leader-elect is {leader}")
    if leader:
        check("--leader-election-namespace=veer-system" in args, f"{name}: the Lease in the release namespace")
        lease_roles = [r for r in by_kind(docs, "Role") if r["metadata"]["name"] == "veer-leader-election"]
        check(len(lease_roles) == 1 and lease_roles[0]["metadata"]["namespace"] == "veer-system",
              f"{name}: a Role for the Lease in veer-system")
    else:
        check(not [r for r in by_kind(docs, "Role") if "leader" in r["metadata"]["name"]],
              f"{name}: no Lease Role without leader election")


def combination_checks(name, docs, values):
    deployment, c = container(docs)
    if c is None:
        return
    args = c["args"]
    replicas = deployment["spec"]["replicas"]
    pdbs = by_kind(docs, "PodDisruptionBudget")
    if name == "ha":
        check(replicas == 2 and "--leader-elect" in args, "ha: 2 replicas with leader election")
        check(len(pdbs) == 1 and pdbs[0]["spec"]["minAvailable"] == 1, "ha: a PodDisruptionBudget keeping one")
    else:
        check(replicas == 1 and not pdbs, f"{name}: one replica, no PodDisruptionBudget")
    cluster_roles = by_kind(docs, "ClusterRole")
    if name.startswith("namespaced"):
        check("--namespace=team-a" in args, f"{name}: --namespace=team-a")
        roles = [r for r in by_kind(docs, "Role") if r["metadata"]["name"] == "veer"]
        check(len(roles) == 1 and roles[0]["metadata"]["namespace"] == "team-a", f"{name}: the Role in team-a")
        bindings = [b for b in by_kind(docs, "RoleBinding") if b["metadata"]["name"] == "veer"]
        check(len(bindings) == 1 and bindings[0]["metadata"]["namespace"] == "team-a", f"{name}: bound in team-a")
        if name == "namespaced":
            # Kuma's TrafficRoute is cluster-scoped: the only cluster-wide permission.
            check([r["metadata"]["name"] for r in cluster_roles] == ["veer-cluster-scoped"],
                  f"namespaced: one ClusterRole, for cluster-scoped router objects")
            check(cluster_roles and triples(cluster_roles[0]["rules"]) ==
                  {("kuma.io", "trafficroutes", v) for v in ["get", "list", "watch", "create", "update", "delete"]},
                  "namespaced: the cluster-scoped ClusterRole holds only kuma.io trafficroutes")
        else:
            check(not cluster_roles and not by_kind(docs, "ClusterRoleBinding"),
                  f"{name}: nothing cluster-wide without kuma")
            groups = {g for g, _, _ in triples(roles[0]["rules"])} if roles else set()
            check("networking.istio.io" in groups and "gateway.networking.k8s.io" in groups
                  and "split.smi-spec.io" not in groups, f"{name}: only the routers asked for")
    else:
        check(not [a for a in args if a.startswith("--namespace")], f"{name}: watches every namespace")
        check([r["metadata"]["name"] for r in cluster_roles] == ["veer"], f"{name}: one ClusterRole")
    monitors = by_kind(docs, "ServiceMonitor")
    if name == "servicemonitor":
        if check(len(monitors) == 1, "servicemonitor: one ServiceMonitor"):
            m = monitors[0]
            service = by_kind(docs, "Service")[0]
            selector = m["spec"]["selector"]["matchLabels"]
            check(all(service["metadata"]["labels"].get(k) == v for k, v in selector.items()),
                  "servicemonitor: selects the chart's Service")
            check(m["spec"]["endpoints"][0]["port"] == service["spec"]["ports"][0]["name"],
                  "servicemonitor: scrapes the Service's port by name")
            check(m["spec"]["endpoints"][0]["path"] == "/metrics", "servicemonitor: /metrics")
            check(m["metadata"]["labels"].get("release") == "prom", "servicemonitor: extra labels")
    else:
        check(not monitors, f"{name}: no ServiceMonitor unless asked")
    env = {e["name"]: e for e in c.get("env", [])}
    if name == "slack":
        ref = env.get("SLACK_URL", {}).get("valueFrom", {}).get("secretKeyRef", {})
        check(ref == {"name": "veer-slack", "key": "url"}, "slack: SLACK_URL from Secret veer-slack key url")
        check("--slack-channel=deploys" in args and "--slack-user=veer" in args, "slack: channel and user flags")
    else:
        check("SLACK_URL" not in env, f"{name}: no Slack URL unless asked")
    finalizers = ("veer.dev", "canaries/finalizers", "update")
    all_rules = set()
    for r in cluster_roles + by_kind(docs, "Role"):
        all_rules |= triples(r["rules"])
    check((finalizers in all_rules) == (name == "openshift"),
          f"{name}: canaries/finalizers only with ownerReferencesPermissionEnforcement")
    dashboard_checks(name, docs, args, cluster_roles, all_rules)


def dashboard_checks(name, docs, args, cluster_roles, all_rules):
    reviews = {("authentication.k8s.io", "tokenreviews", "create"),
               ("authorization.k8s.io", "subjectaccessreviews", "create")}
    reads = {("", "events", "list"), ("veer.dev", "experiments", "list")}
    check(reads <= all_rules if name.startswith("dashboard") else not (reads & all_rules),
          f"{name}: list on events and experiments only with the dashboard")
    dashboard_args = sorted(a for a in args if a.startswith("--dashboard"))
    ports = [p["name"] for p in by_kind(docs, "Service")[0]["spec"]["ports"]]
    token_roles = [r for r in by_kind(docs, "Role") if r["metadata"]["name"] == "veer-dashboard-token"]
    if name == "dashboard":
        check(dashboard_args == ["--dashboard-actions", "--dashboard-listen=:9090",
                                 "--dashboard-tokenreview"], f"dashboard: flags, got {dashboard_args}")
        check(cluster_roles and reviews <= triples(cluster_roles[0]["rules"]),
              "dashboard: the ClusterRole may create tokenreviews and subjectaccessreviews")
    elif name == "dashboard-secret":
        check(dashboard_args == ["--dashboard-listen=:9090",
                                 "--dashboard-token-secret=veer-system/veer-dashboard"],
              f"dashboard-secret: flags, got {dashboard_args}")
        check(not (reviews & all_rules), "dashboard-secret: no review permissions")
        check(len(token_roles) == 1 and token_roles[0]["metadata"]["namespace"] == "veer-system" and
              token_roles[0]["rules"] == [{"apiGroups": [""], "resources": ["secrets"],
                                           "resourceNames": ["veer-dashboard"], "verbs": ["get"]}],
              "dashboard-secret: a Role reading only the token Secret")
    else:
        check(not dashboard_args and not (reviews & all_rules) and not token_roles,
              f"{name}: no dashboard flags or permissions unless enabled")
    check(("dashboard" in ports) == name.startswith("dashboard"),
          f"{name}: a dashboard Service port only when enabled, got {ports}")


def check_rbac_matches_e2e(docs):
    """The default rules are the ones e2e/controller proves on a real API server."""
    with open(os.path.join(ROOT, "e2e", "controller", "rbac.yaml")) as f:
        e2e = triples(yaml.safe_load(f)["rules"])
    chart = set()
    for r in by_kind(docs, "ClusterRole") + by_kind(docs, "Role"):
        chart |= triples(r["rules"])
    check(chart == e2e, "the chart's RBAC differs from e2e/controller/rbac.yaml: chart only "
          f"{sorted(chart - e2e)}, e2e only {sorted(e2e - chart)}")


def check_crds(docs):
    """The chart's CRDs are crds/ (a link), byte for byte once parsed."""
    crds = {d["metadata"]["name"]: d for d in by_kind(docs, "CustomResourceDefinition")}
    source = {}
    folder = os.path.join(ROOT, "crds")
    for f in sorted(os.listdir(folder)):
        with open(os.path.join(folder, f)) as fh:
            for d in yaml.safe_load_all(fh):
                if d:
                    source[d["metadata"]["name"]] = d
    check(crds == source, f"CRDs rendered {sorted(crds)} differ from crds/ {sorted(source)}")


def main():
    helm_bin = helm()
    for name, values in COMBINATIONS.items():
        # A current cluster: helm's default (1.20) would pick the deprecated PDB API and warn.
        lint = run([helm_bin, "lint", "--strict", "--kube-version", "1.30.0", CHART] + set_args(values))
        check(lint.returncode == 0, f"helm lint --strict ({name}): {lint.stdout}{lint.stderr}")
        docs, error = render(helm_bin, values, crds=(name == "default"))
        if not check(docs is not None, f"helm template ({name}): {error}"):
            continue
        check_well_formed(name, docs)
        check_deployment(name, docs, values)
        combination_checks(name, docs, values)
        if name == "default":
            check_rbac_matches_e2e(docs)
            check_crds(docs)
    for kube, api in (("1.20.0", "policy/v1beta1"), ("1.30.0", "policy/v1")):
        docs, _ = render_for(helm_bin, ["replicas=2"], kube)
        pdbs = by_kind(docs or [], "PodDisruptionBudget")
        check(len(pdbs) == 1 and pdbs[0]["apiVersion"] == api, f"ha on Kubernetes {kube}: PodDisruptionBudget {api}")
    refused = render(helm_bin, ["replicas=2", "leaderElection.enabled=false"])
    check(refused[0] is None and "leaderElection" in refused[1],
          "replicas=2 without leader election must be refused, naming leaderElection")
    current = run([os.path.join(ROOT, "charts", "generate"), "--check"])
    check(current.returncode == 0, "charts/veer/manifests.yaml is not current:\n" + current.stderr[-3000:])
    for f in failures:
        print("FAIL: " + f)
    print(f"{len(COMBINATIONS)} value combinations, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
