#!/usr/bin/env python3
"""The Helm chart's unit test: `helm lint --strict` for every documented value combination,
charts/veer/manifests.yaml current, and each combination rendering the objects it promises.
Also: every `helm install|upgrade|template` line of the docs' shell blocks renders and lints,
the container args of every rendering are accepted by the built `veer operator` (--veer PATH),
docs/install.md's RBAC table is exactly what the chart grants, and its values table names every
value of values.yaml.
Exit 77 (CTest SKIP_RETURN_CODE) when helm cannot be had (charts/get-helm), never a pass."""
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "docs", "tests"))
from markdown_shell import shell_lines  # noqa: E402
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
    "dashboard": ["dashboard.enabled=true", "dashboard.actions=true"],
    "dashboard-secret": ["dashboard.enabled=true", "dashboard.auth=secret",
                         "dashboard.existingSecret=veer-dashboard"],
    "admission-cert-manager": ["admission.enabled=true", "admission.certManager.enabled=true"],
    "admission-secret": ["admission.enabled=true", "admission.existingSecret=veer-webhook-tls",
                         "admission.caBundle=Q0E=", "admission.failurePolicy=Ignore"],
    "istio": ["meshProvider=istio", "metricsServer=http://prometheus.istio-system:9090"],
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
    got = subprocess.run(args, capture_output=True, text=True)
    # helm's note on the linked crds/ is not an error.
    got.stderr = "".join(l for l in got.stderr.splitlines(True) if "found symbolic link" not in l)
    return got


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
        cluster_scoped = d["kind"] in ("ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "Namespace",
                                       "ValidatingWebhookConfiguration")
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
                  {("kuma.io", "trafficroutes", v) for v in ["get", "list", "create", "update", "delete"]},
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
    all_rules = set()
    for r in cluster_roles + by_kind(docs, "Role"):
        all_rules |= triples(r["rules"])
    # Every combination runs where the OwnerReferencesPermissionEnforcement plugin is on.
    for owner in ("canaries", "experiments"):
        check(("veer.dev", f"{owner}/finalizers", "update") in all_rules,
              f"{name}: update on {owner}/finalizers (blockOwnerDeletion)")
    dashboard_checks(name, docs, args, cluster_roles, all_rules)
    admission_checks(name, docs, deployment, args)


def admission_checks(name, docs, deployment, args):
    """The webhook: the flags, the mounted certificate, a Service in front of the port, the
    registration pointing at it, and the certificate's source."""
    hooks = by_kind(docs, "ValidatingWebhookConfiguration")
    admission_args = sorted(a for a in args if a.startswith("--admission"))
    if not name.startswith("admission"):
        check(not hooks and not admission_args and not by_kind(docs, "Certificate"),
              f"{name}: no admission webhook unless enabled")
        return
    check(admission_args == ["--admission-listen=:9443",
                             "--admission-tls-cert=/etc/veer/admission-tls/tls.crt",
                             "--admission-tls-key=/etc/veer/admission-tls/tls.key"],
          f"{name}: admission flags, got {admission_args}")
    pod = deployment["spec"]["template"]["spec"]
    secret = "veer-admission-tls" if name == "admission-cert-manager" else "veer-webhook-tls"
    volumes = {v["name"]: v for v in pod["volumes"]}
    check(volumes.get("admission-tls", {}).get("secret", {}).get("secretName") == secret,
          f"{name}: the certificate Secret {secret} is mounted")
    mounts = {m["name"]: m for m in pod["containers"][0]["volumeMounts"]}
    check(mounts.get("admission-tls", {}).get("mountPath") == "/etc/veer/admission-tls",
          f"{name}: mounted where the flags read it")
    services = [s for s in by_kind(docs, "Service") if s["metadata"]["name"] == "veer-admission"]
    if not check(len(services) == 1 and len(hooks) == 1, f"{name}: one Service and one webhook"):
        return
    port = services[0]["spec"]["ports"][0]
    check(port["port"] == 9443 and port["targetPort"] == "admission", f"{name}: Service port 9443")
    container_ports = {p["name"]: p["containerPort"] for p in pod["containers"][0]["ports"]}
    check(container_ports.get("admission") == 9443, f"{name}: container port named admission")
    hook = hooks[0]["webhooks"][0]
    check(hook["clientConfig"]["service"] == {"name": "veer-admission", "namespace": "veer-system",
                                              "path": "/validate", "port": 9443},
          f"{name}: the webhook calls the Service's /validate")
    check(hook["rules"][0]["apiGroups"] == ["veer.dev"] and sorted(hook["rules"][0]["resources"]) ==
          ["alertproviders", "canaries", "experiments", "metrictemplates"],
          f"{name}: the webhook sees only veer.dev's four kinds")
    check(hook["sideEffects"] == "None", f"{name}: no side effects")
    annotations = hooks[0]["metadata"].get("annotations", {})
    if name == "admission-cert-manager":
        certificates = by_kind(docs, "Certificate")
        check(len(certificates) == 1 and certificates[0]["spec"]["secretName"] == secret and
              "veer-admission.veer-system.svc" in certificates[0]["spec"]["dnsNames"],
              f"{name}: a Certificate for the Service's name into {secret}")
        check(annotations.get("cert-manager.io/inject-ca-from") == "veer-system/veer-admission",
              f"{name}: cert-manager injects the CA")
        check("caBundle" not in hook["clientConfig"], f"{name}: no caBundle of ours")
        check(hook["failurePolicy"] == "Fail", f"{name}: failurePolicy Fail by default")
    else:
        check(hook["clientConfig"].get("caBundle") == "Q0E=", f"{name}: the given caBundle")
        check(not by_kind(docs, "Certificate") and not annotations, f"{name}: no cert-manager objects")
        check(hook["failurePolicy"] == "Ignore", f"{name}: the given failurePolicy")
        check("namespaceSelector" not in hook, f"{name}: every namespace, as the operator watches")
    scoped, _ = render(helm(), COMBINATIONS[name] + ["watchNamespace=team-a"])
    scoped_hook = by_kind(scoped or [], "ValidatingWebhookConfiguration")
    check(scoped_hook and scoped_hook[0]["webhooks"][0].get("namespaceSelector") ==
          {"matchLabels": {"kubernetes.io/metadata.name": "team-a"}},
          f"{name} with watchNamespace: the webhook sees only the watched namespace")


def dashboard_checks(name, docs, args, cluster_roles, all_rules):
    reviews = {("authentication.k8s.io", "tokenreviews", "create"),
               ("authorization.k8s.io", "subjectaccessreviews", "create")}
    reads = {("", "events", "list")}
    check(reads <= all_rules if name.startswith("dashboard") else not (reads & all_rules),
          f"{name}: list on events only with the dashboard")
    check(("veer.dev", "experiments", "watch") in all_rules and
          ("veer.dev", "experiments/status", "update") in all_rules,
          f"{name}: the Experiment controller's permissions")
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


# ---- the docs and the binary: what the chart promises is what veer and the docs say -----------

def veer_accepts(veer, name, args):
    """`veer operator` with the rendered container args must get past every flag check (names
    and values; usage errors exit 64) and stop only for want of a cluster: a flag the chart
    passes that veer renamed or whose value it refuses fails here, though no pod ever runs."""
    if not check(veer, f"{name}: no --veer binary to check the container args with"):
        return
    env = {k: v for k, v in os.environ.items()
           if k != "KUBECONFIG" and not k.startswith("KUBERNETES_SERVICE")}
    missing = os.path.join(tempfile.gettempdir(), "veer-chart-test-no-such-kubeconfig")
    got = subprocess.run([veer] + args + ["--kubeconfig=" + missing], capture_output=True,
                         text=True, env=env, timeout=60)
    check(got.returncode == 1 and "cannot read kubeconfig" in got.stderr,
          f"{name}: `veer {' '.join(args)}` refused the chart's args (exit {got.returncode}): "
          f"{got.stderr.strip()[-600:]}")


def documented_helm_renders():
    """Every `helm install|upgrade|template` of charts/veer in README.md and docs/*.md as
    (where, namespace, --set values); a line this cannot read is a failure naming it."""
    pages = [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))
    found = []
    for page in pages:
        for number, line in shell_lines(page):
            try:
                words = shlex.split(line, comments=True)
            except ValueError as error:
                words = []
                check(not line.lstrip().startswith("helm"), f"{page}:{number}: {error}")
            if len(words) < 2 or words[0] != "helm" or words[1] not in ("install", "upgrade", "template"):
                continue
            where = f"{os.path.relpath(page, ROOT)}:{number}"
            positionals, values, namespace, i = [], [], "default", 2
            while i < len(words):
                w = words[i]
                if w in ("--set", "--set-string"):
                    values.append(words[i + 1])
                    i += 2
                    continue
                if w.startswith("--set="):
                    values.append(w[len("--set="):])
                elif w in ("-n", "--namespace"):
                    namespace = words[i + 1]
                    i += 2
                    continue
                elif w.startswith("--namespace="):
                    namespace = w.split("=", 1)[1]
                elif w in ("--create-namespace", "--include-crds", "--wait", "--atomic"):
                    pass
                elif w.startswith("-"):
                    check(False, f"{where}: the test cannot render option {w} of: {line.strip()}")
                else:
                    positionals.append(w)
                i += 1
            chart = positionals[-1] if positionals else ""
            if not check(chart == "charts/veer", f"{where}: expected the chart charts/veer, got {chart!r}"):
                continue
            found.append((where, namespace, values))
    return found


def check_documented_commands(helm_bin, veer):
    documented = documented_helm_renders()
    # install.md's Helm install and its common combinations, getting-started's install.
    check(len(documented) >= 9, f"only {len(documented)} helm lines found in the docs")
    print(f"{len(documented)} helm lines of the docs rendered and linted")
    for where, namespace, values in documented:
        lint = run([helm_bin, "lint", "--strict", "--kube-version", "1.30.0", CHART,
                    "--namespace", namespace] + set_args(values))
        check(lint.returncode == 0, f"{where}: helm lint --strict: {lint.stdout}{lint.stderr}")
        args = [helm_bin, "template", "veer", CHART, "--namespace", namespace] + set_args(values)
        got = run(args)
        if not check(got.returncode == 0, f"{where}: helm template: {got.stderr}"):
            continue
        docs = [d for d in yaml.safe_load_all(got.stdout) if d]
        check_well_formed(where, docs)
        _, c = container(docs)
        if c is None:
            continue
        veer_accepts(veer, where, c["args"])
        for v in values:
            key, _, value = v.partition("=")
            flag = {"meshProvider": "--mesh-provider=", "metricsServer": "--metrics-server=",
                    "watchNamespace": "--namespace="}.get(key)
            if flag:
                check(flag + value in c["args"], f"{where}: {v} becomes {flag}{value}")


def section(page, heading):
    with open(os.path.join(ROOT, page)) as f:
        text = f.read()
    start = text.find("\n" + heading + "\n")
    if start < 0:
        check(False, f"{page} has no section {heading!r}")
        return ""
    end = text.find("\n## ", start + 1)
    return text[start:end if end >= 0 else len(text)]


def table_rows(text):
    """The cells of a markdown table's body rows (header and rule skipped)."""
    rows = []
    for line in text.splitlines():
        if not line.startswith("|") or set(line.replace("|", "").strip()) <= set("-: "):
            continue
        rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return rows[1:]


SIX = ["get", "list", "watch", "create", "update", "delete"]


def documented_rbac():
    """docs/install.md's RBAC table as (group, resource, verb) triples."""
    out = set()
    rows = table_rows(section("docs/install.md", "## RBAC: what veer may do, and why"))
    check(len(rows) >= 20, f"docs/install.md: only {len(rows)} RBAC rows read")
    for row in rows:
        if len(row) < 3:
            check(False, f"docs/install.md RBAC row {row}")
            continue
        groups = [g if g != '""' else "" for g in re.findall(r"`([^`]*)`", row[0])]
        resources = re.findall(r"`([^`]*)`", row[1])
        verbs = set()
        for part in row[2].split(";"):
            part = re.sub(r"\bon `[^`]*`( only)?", "", part)  # resourceNames
            if "the same six" in part:
                verbs |= set(SIX)
            else:
                verbs |= {v.strip() for v in part.split(",") if v.strip()}
        check(groups and resources and verbs <= set(SIX + ["patch"]),
              f"docs/install.md RBAC row not read: {row[:3]}")
        out |= {(g, r, v) for g in groups for r in resources for v in verbs}
    return out


def check_rbac_documented(helm_bin):
    """Every permission any documented combination grants has its row in docs/install.md, and
    every row is granted by one of them: the table is the chart's list of verbs."""
    granted = set()
    for name, values in COMBINATIONS.items():
        docs, _ = render(helm_bin, values)
        for r in by_kind(docs or [], "ClusterRole") + by_kind(docs or [], "Role"):
            granted |= triples(r["rules"])
    documented = documented_rbac()
    print(f"{len(granted)} permissions granted, {len(documented)} documented in docs/install.md")
    check(granted == documented, "docs/install.md's RBAC table differs from the chart: granted but "
          f"not documented {sorted(granted - documented)}, documented but never granted "
          f"{sorted(documented - granted)}")


def value_keys(tree, prefix=""):
    """The leaf keys of values.yaml (a list or an empty map is a leaf)."""
    out = []
    for key, value in tree.items():
        path = prefix + key
        if isinstance(value, dict) and value:
            out += value_keys(value, path + ".")
        else:
            out.append(path)
    return out


def documented_values():
    """The keys docs/install.md's values table names; `.x` after `a.b` stands for `a.x`."""
    out = set()
    for row in table_rows(section("docs/install.md", "## Values")):
        names = re.findall(r"`([^`]*)`", row[0])
        parent = ""
        for n in names:
            if n.startswith("."):
                out.add(parent + n)
            else:
                out.add(n)
                parent = n.rsplit(".", 1)[0] if "." in n else ""
    return out


def check_values_documented():
    with open(os.path.join(CHART, "values.yaml")) as f:
        values = yaml.safe_load(f)
    documented = documented_values()
    for key in value_keys(values):
        parts = key.split(".")
        covered = any(".".join(parts[:i]) in documented for i in range(1, len(parts) + 1))
        check(covered, f"value {key} of charts/veer/values.yaml is not in docs/install.md's values table")
    keys = set(value_keys(values))
    for name in documented:
        check(any(k == name or k.startswith(name + ".") for k in keys),
              f"docs/install.md documents value {name}, which values.yaml does not have")


# Packages every debian:12-slim has, and the sanitizers' runtimes of a test build.
BASE_PACKAGES = {"libc6", "libgcc-s1", "libstdc++6"}
SANITIZER_PACKAGES = {"libasan8", "libubsan1", "libtsan2", "liblsan0"}


def check_image_recipe(veer, docs):
    """charts/Dockerfile runs what the chart expects: the user the pod runs as, the binary where
    the build leaves it, and every Debian package of a shared library the built `veer` links
    (readelf NEEDED, located by ldd, owned per dpkg) installed in the runtime stage, so a new
    library dependency fails here rather than in the first pod."""
    with open(os.path.join(ROOT, "charts", "Dockerfile")) as f:
        dockerfile = f.read()
    runtime = dockerfile.split("\nFROM ", 2)[-1]
    installed = set(re.findall(r"\b(lib[a-z0-9.+-]+|ca-certificates)\b",
                               runtime.split("COPY", 1)[0]))
    _, c = container(docs)
    pod = by_kind(docs, "Deployment")[0]["spec"]["template"]["spec"]
    user = re.search(r"^USER (\d+)", runtime, re.M)
    check(user and int(user.group(1)) == pod["securityContext"]["runAsUser"],
          "charts/Dockerfile's USER is the chart's runAsUser")
    check("--target veer" in dockerfile and "/build/operator/veer" in dockerfile and
          veer and veer.endswith("/operator/veer"),
          "charts/Dockerfile copies the binary from where the build leaves it (operator/veer)")
    if not veer or not shutil.which("readelf") or not shutil.which("dpkg"):
        check(False, "the image recipe needs --veer, readelf (binutils) and dpkg to be checked")
        return
    needed = re.findall(r"\(NEEDED\).*\[(.+)\]", run(["readelf", "-d", veer]).stdout)
    paths = dict(re.findall(r"^\s*(\S+) => (/\S+)", run(["ldd", veer]).stdout, re.M))
    packages = set()
    for soname in needed:
        path = paths.get(soname)
        if not check(path, f"ldd does not locate {soname} of {veer}"):
            continue
        owner = run(["dpkg", "-S", path])
        if owner.returncode != 0:
            owner = run(["dpkg", "-S", os.path.realpath(path)])
        if check(owner.returncode == 0, f"no Debian package owns {path}"):
            packages.add(owner.stdout.split(":", 1)[0])
    wanted = packages - BASE_PACKAGES - SANITIZER_PACKAGES
    check(len(wanted) >= 4, f"only {sorted(wanted)} found as veer's libraries")
    check(wanted <= installed, f"charts/Dockerfile's runtime stage lacks {sorted(wanted - installed)} "
          f"(veer links {sorted(needed)})")
    print(f"image recipe: the runtime stage installs every package of veer's libraries {sorted(wanted)}")


def main():
    veer = None
    if len(sys.argv) == 3 and sys.argv[1] == "--veer":
        veer = sys.argv[2]
    elif len(sys.argv) != 1:
        print("usage: chart_test.py [--veer PATH]")
        return 2
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
        veer_accepts(veer, name, container(docs)[1]["args"])
        if name == "default":
            check_image_recipe(veer, docs)
            check_rbac_matches_e2e(docs)
            check_crds(docs)
    for kube, api in (("1.20.0", "policy/v1beta1"), ("1.30.0", "policy/v1")):
        docs, _ = render_for(helm_bin, ["replicas=2"], kube)
        pdbs = by_kind(docs or [], "PodDisruptionBudget")
        check(len(pdbs) == 1 and pdbs[0]["apiVersion"] == api, f"ha on Kubernetes {kube}: PodDisruptionBudget {api}")
    for values, names in ((["admission.enabled=true"], "admission.certManager.enabled"),
                          (["admission.enabled=true", "admission.existingSecret=x"], "admission.caBundle")):
        refused = render(helm_bin, values)
        check(refused[0] is None and names in refused[1], f"{values} must be refused, naming {names}")
    refused = render(helm_bin, ["replicas=2", "leaderElection.enabled=false"])
    check(refused[0] is None and "leaderElection" in refused[1],
          "replicas=2 without leader election must be refused, naming leaderElection")
    check_documented_commands(helm_bin, veer)
    check_rbac_documented(helm_bin)
    check_values_documented()
    current = run([os.path.join(ROOT, "charts", "generate"), "--check"])
    check(current.returncode == 0, "charts/veer/manifests.yaml is not current:\n" + current.stderr[-3000:])
    for f in failures:
        print("FAIL: " + f)
    print(f"{len(COMBINATIONS)} value combinations, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
