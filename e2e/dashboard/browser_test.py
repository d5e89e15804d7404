#!/usr/bin/python3
"""The evidence dashboard in a real headless Chromium (docs/dashboard.md).

--mode demo runs `veer demo --dashboard` (the real controller on the in-memory cluster with the simulated
world) and --experiment-world (a whole Experiment run by the real Experiment reconciler on the
in-memory cluster, served by the same dashboard), then drives /usr/bin/chromium through
chromedriver with plain WebDriver JSON over HTTP: unauthenticated requests are refused, a token
scoped to another namespace sees nothing, pages load, the charts carry the expected series (one
per version on the Experiment page), and the actions work and are evented.
--mode operator runs dashboard_operator_world: `veer operator --dashboard-listen
--dashboard-tokenreview --dashboard-actions` as its own process on the real API server of
VEER_TEST_KUBECONFIG (a Canary promoted then rolled back), and checks the same against it with
ServiceAccount tokens reviewed by the API server (TokenReview, SubjectAccessReview).
Screenshots go to --artifacts. Exit 0 pass, 1 fail, 77 skipped (no chromium or chromedriver; in
operator mode also VEER_TEST_KUBECONFIG unset; set but unreachable is a failure).
"""
import argparse
import base64
import json
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_BINARY = "/usr/lib/chromium/chromium"  # what the /usr/bin/chromium wrapper starts
SKIP = 77
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"

USERS = """# token user namespaces
t-demo alice demo
t-other bob other
t-shop carol shop
"""

EXPERIMENT = "shop/checkout-redesign"
VERSIONS = ("current", "one-page", "express")


class Failure(Exception):
    pass


def check(condition, what):
    if not condition:
        raise Failure(what)
    print("ok   " + what, flush=True)


class Lines:
    """A process's stdout read on a thread, so the pipe never fills; wait_for a pattern."""

    def __init__(self, stream):
        self.lines = queue.Queue()
        self.seen = []
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream):
        for line in stream:
            self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, pattern, timeout):
        deadline = time.monotonic() + timeout
        for line in self.seen:
            m = re.search(pattern, line)
            if m:
                return m
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.05, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                raise Failure("the process ended before printing " + pattern)
            self.seen.append(line)
            m = re.search(pattern, line)
            if m:
                return m
        raise Failure("no line matching %r within %ss" % (pattern, timeout))


def http(method, url, body=None, headers=None):
    """(status, headers, body text); no redirects followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    data = body.encode() if isinstance(body, str) else body
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with opener.open(request, timeout=30) as reply:
            return reply.status, dict(reply.headers), reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


class WebDriver:
    def __init__(self, port):
        self.base = "http://127.0.0.1:%d" % port
        self.session = None

    def call(self, method, path, payload=None):
        data = None if payload is None else json.dumps(payload).encode()
        url = self.base + path
        request = urllib.request.Request(url, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as reply:
                return json.loads(reply.read().decode())["value"]
        except urllib.error.HTTPError as error:
            raise Failure("webdriver %s %s: %s" % (method, path, error.read().decode()[:500]))

    def start(self, profile):
        args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--window-size=1280,1800",
                "--user-data-dir=" + profile]
        options = {"args": args}
        if os.path.exists(CHROMIUM_BINARY):
            options["binary"] = CHROMIUM_BINARY
        value = self.call("POST", "/session", {"capabilities": {"alwaysMatch": {
            "browserName": "chrome", "goog:chromeOptions": options}}})
        self.session = value["sessionId"]

    def s(self, path):
        return "/session/%s%s" % (self.session, path)

    def go(self, url):
        self.call("POST", self.s("/url"), {"url": url})

    def url(self):
        return self.call("GET", self.s("/url"))

    def find_all(self, css):
        found = self.call("POST", self.s("/elements"), {"using": "css selector", "value": css})
        return [e[ELEMENT] for e in found]

    def find(self, css):
        found = self.find_all(css)
        if not found:
            raise Failure("no element %r on %s" % (css, self.url()))
        return found[0]

    def text(self, element):
        return self.call("GET", self.s("/element/%s/text" % element))

    def attribute(self, element, name):
        return self.call("GET", self.s("/element/%s/attribute/%s" % (element, name)))

    def rect(self, element):
        return self.call("GET", self.s("/element/%s/rect" % element))

    def click(self, element):
        self.call("POST", self.s("/element/%s/click" % element), {})

    def submit(self, element, timeout=20):
        """Clicks a form's button and waits until the page it led to has loaded: the old
        document's button goes stale, then the new document is complete."""
        self.click(element)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.call("GET", self.s("/element/%s/name" % element))
            except Failure:
                break  # stale: the old document is gone
            time.sleep(0.05)
        else:
            raise Failure("the form did not lead to a new page within %ss" % timeout)
        while time.monotonic() < deadline:
            state = self.call("POST", self.s("/execute/sync"),
                              {"script": "return document.readyState", "args": []})
            if state == "complete":
                return
            time.sleep(0.05)
        raise Failure("the page after the form did not finish loading within %ss" % timeout)

    def type(self, element, text):
        self.call("POST", self.s("/element/%s/value" % element), {"text": text})

    def source(self):
        return self.call("GET", self.s("/source"))

    def cookies(self):
        return self.call("GET", self.s("/cookie"))

    def screenshot(self, path):
        with open(path, "wb") as out:
            out.write(base64.b64decode(self.call("GET", self.s("/screenshot"))))
        print("     screenshot " + path, flush=True)

    def quit(self):
        if self.session:
            try:
                self.call("DELETE", self.s(""))
            except Exception:  # the browser may already be gone; nothing to keep
                pass


def sign_in(driver, base, token):
    driver.go(base + "/login")
    driver.type(driver.find("#token"), token)
    driver.submit(driver.find("#sign-in"))


def sign_out(driver):
    driver.submit(driver.find("header form button"))


def series_points(driver, chart, series):
    found = driver.find_all('svg[data-chart="%s"] polyline[data-series="%s"]' % (chart, series))
    if not found:
        return 0
    rect = driver.rect(found[0])
    if rect["width"] <= 0 and rect["height"] <= 0:
        return 0  # present but not drawn
    return int(driver.attribute(found[0], "data-points"))


def phase_after_retry(driver, page, timeout=120):
    """The rollout page's phase once it is no longer Failed (or still Failed after `timeout`):
    the controller takes the retry at its next reconcile."""
    deadline = time.monotonic() + timeout
    phase = ""
    while time.monotonic() < deadline:
        driver.go(page)
        phase = driver.text(driver.find("#phase"))
        if phase != "Failed":
            break
        time.sleep(0.5)
    return phase


def test(args, driver, base, lines):
    shots = args.artifacts

    # Unauthenticated requests are refused, whatever the path or method.
    for method, path in [("GET", "/"), ("GET", "/canary/demo/checkout"),
                         ("POST", "/canary/demo/checkout/promote")]:
        status, headers, _ = http(method, base + path, body="" if method == "POST" else None)
        check(status == 401, "%s %s without a token: 401 (got %s)" % (method, path, status))
    status, _, _ = http("GET", base + "/", headers={"Authorization": "Bearer wrong"})
    check(status == 401, "a wrong bearer token: 401")
    driver.go(base + "/")
    check(driver.find_all("#token") and "demo/" not in driver.source(),
          "the browser without a session gets the sign-in form and nothing else")
    driver.screenshot(os.path.join(shots, "01-sign-in.png"))

    # A token allowed only in namespace `other` sees nothing of `demo`.
    status, _, body = http("GET", base + "/", headers={"Authorization": "Bearer t-other"})
    check(status == 200 and "demo/" not in body, "t-other over HTTP: no demo Canary listed")
    sign_in(driver, base, "t-other")
    check(driver.text(driver.find("#user")) == "bob", "signed in as bob")
    check(driver.find_all("#no-canaries") and not driver.find_all("tr[data-canary]"),
          "bob's index lists no Canary")
    driver.screenshot(os.path.join(shots, "02-other-namespace-index.png"))
    driver.go(base + "/canary/demo/checkout")
    check("Not found" in driver.source() and not driver.find_all("svg"),
          "bob opening demo/checkout gets Not found, no chart")
    sign_out(driver)
    driver.go(base + "/")
    check(driver.find_all("#token"), "after signing out the session is gone")

    # The demo namespace's user sees both rollouts.
    sign_in(driver, base, "t-demo")
    check(driver.text(driver.find("#user")) == "alice", "signed in as alice")
    rows = {driver.attribute(r, "data-canary"): driver.text(r)
            for r in driver.find_all("tr[data-canary]")}
    check(set(rows) == {"demo/checkout", "demo/podinfo"}, "alice's index lists both Canaries")
    check("Succeeded" in rows["demo/checkout"] and "promoted after" in rows["demo/checkout"],
          "checkout: Succeeded with its time to decision")
    check("Failed" in rows["demo/podinfo"] and "rolled back after" in rows["demo/podinfo"] and
          "request-success-rate: fail" in rows["demo/podinfo"],
          "podinfo: Failed, last verdict and time to decision")
    driver.screenshot(os.path.join(shots, "03-index.png"))

    # The statistics rollout: weight, canary vs primary with the margin, decision markers.
    driver.go(base + "/canary/demo/checkout")
    weight = series_points(driver, "weight", "weight")
    check(weight >= 4, "checkout weight chart drawn with %d points" % weight)
    for series in ("canary", "primary", "primary + margin"):
        n = series_points(driver, "metric:error-rate", series)
        check(n >= 3, "checkout error-rate chart: %r drawn with %d points" % (series, n))
    decisions = [driver.attribute(m, "data-decision")
                 for m in driver.find_all('svg[data-chart="weight"] line[data-decision]')]
    check("Succeeded" in decisions and "Failed" in decisions,
          "decision markers include the promotion and the rollback: %s" % sorted(set(decisions)))
    for key in ("e_value", "n_candidate", "n_baseline", "estimate", "ci_low", "ci_high", "queries"):
        check(driver.find_all('table[data-evidence="error-rate"] td[data-key="%s"]' % key),
              "checkout evidence shows %s" % key)
    check(driver.find_all('table[data-evidence="traffic_split"]'), "the traffic-split guard shown")
    driver.screenshot(os.path.join(shots, "04-checkout.png"))

    # The thresholds rollout: the success rate with its minimum.
    driver.go(base + "/canary/demo/podinfo")
    check(series_points(driver, "metric:request-success-rate", "canary") >= 2,
          "podinfo request-success-rate canary series drawn")
    limits = driver.find_all('svg[data-chart="metric:request-success-rate"] line[data-limit="min"]')
    check(limits and driver.attribute(limits[0], "data-value") == "99", "the threshold min 99 drawn")
    # The evidence each decision was taken on, folded under the decisions; opened by a click.
    folded = driver.find_all("details.evidence-then")
    check(len(folded) >= 2, "podinfo: %d decisions keep their evidence" % len(folded))
    driver.click(driver.find("details.evidence-then summary"))
    opened = driver.find('details.evidence-then table[data-evidence="then:request-success-rate"]')
    check(driver.rect(opened)["height"] > 0, "a decision's evidence opens in the page")
    driver.screenshot(os.path.join(shots, "05-podinfo.png"))

    # Actions: a form POST without the session's CSRF value is refused...
    session = [c["value"] for c in driver.cookies() if c["name"] == "veer_session"]
    check(session, "the session cookie is set (HttpOnly: %s)" %
          [c.get("httpOnly") for c in driver.cookies() if c["name"] == "veer_session"])
    status, _, _ = http("POST", base + "/canary/demo/podinfo/abort", body="csrf=x",
                        headers={"Cookie": "veer_session=" + session[0]})
    check(status == 403, "a POST with the cookie but a forged CSRF value: 403")

    # ...pause and resume from the page change the Canary and are evented with the user.
    driver.go(base + "/canary/demo/checkout")
    driver.submit(driver.find("#action-pause"))
    check("pause requested" in driver.text(driver.find("#notice")), "pause: notice shown")
    check("yes" in driver.source().split("<th>paused</th>")[1][:40], "checkout shows paused")
    check("pause requested by alice from the dashboard" in driver.text(driver.find("table.events")),
          "the pause is an Event naming alice")
    driver.submit(driver.find("#action-resume"))
    check("no" in driver.source().split("<th>paused</th>")[1][:40], "resume: not paused")

    # Retry the failed podinfo revision: the controller (the demo keeps reconciling) starts it
    # again, so the request had the CLI's effect.
    driver.go(base + "/canary/demo/podinfo")
    driver.submit(driver.find("#action-retry"))
    check("retry requested by alice" in driver.text(driver.find("table.events")),
          "the retry is an Event naming alice")
    phase = phase_after_retry(driver, base + "/canary/demo/podinfo")
    check(phase != "Failed", "after retry the controller runs podinfo again (phase %s)" % phase)
    driver.screenshot(os.path.join(shots, "06-after-actions.png"))


def test_experiment(args, driver, base):
    """The Experiment run by --experiment-world: A/B/n, `one-page` cut off for its guardrail,
    `express` the winner."""
    shots = args.artifacts
    page = base + "/experiment/" + EXPERIMENT
    status, _, _ = http("GET", page)
    check(status == 401, "GET the Experiment page without a token: 401 (got %s)" % status)

    # bob (namespace other) sees nothing of shop.
    sign_in(driver, base, "t-other")
    check(not driver.find_all("tr[data-experiment]"), "bob's index lists no Experiment")
    driver.go(page)
    check("Not found" in driver.source() and not driver.find_all("svg"),
          "bob opening the Experiment gets Not found, no chart")
    sign_out(driver)

    sign_in(driver, base, "t-shop")
    rows = {driver.attribute(r, "data-experiment"): driver.text(r)
            for r in driver.find_all("tr[data-experiment]")}
    check(set(rows) == {EXPERIMENT}, "carol's index lists the Experiment: %s" % sorted(rows))
    row = rows[EXPERIMENT]
    check("Completed" in row and "winner express" in row and "decided after" in row and
          "abn" in row, "the index row: Completed, winner express, pattern, time to decision")
    driver.screenshot(os.path.join(shots, "07-experiments-index.png"))

    driver.click(driver.find('tr[data-experiment] a'))
    check(driver.text(driver.find("#experiment")) == EXPERIMENT, "the Experiment page loads")
    looks = int(driver.text(driver.find("#looks")).split()[0])
    check(looks >= 3, "%d looks taken" % looks)
    for chart in ("weights", "reward", "probability-best"):
        for version in VERSIONS:
            n = series_points(driver, chart, version)
            check(n >= looks, "%s chart: %r drawn with %d points" % (chart, version, n))
    decisions = {driver.attribute(m, "data-decision")
                 for m in driver.find_all('svg[data-chart="weights"] line[data-decision]')}
    check({"Completed", "cut off one-page"} <= decisions,
          "decision markers include the cut-off and the winner: %s" % sorted(decisions))
    for version in VERSIONS:
        check(driver.find_all('table[data-version="%s"] tr[data-guardrail]' % version) and
              driver.find_all('table[data-version="%s"] tr[data-reward]' % version) and
              driver.find_all('table[data-version="%s"] tr[data-srm]' % version),
              "%s: guardrail, reward and sample-ratio guard assessed" % version)
    best = driver.text(driver.find('tr[data-reward="express"] td[data-key="probabilityBest"]'))
    check(best.startswith("P(best) 0.9") or best == "P(best) 1", "express: %s" % best)
    check("violated" in driver.text(driver.find('table[data-version="one-page"]')),
          "one-page's guardrail shown violated")
    check(driver.text(driver.find("#srm")) == "ok", "the sample-ratio guard: ok")
    folded = driver.find_all("details.evidence-then")
    check(len(folded) >= 2, "%d decisions keep their evidence" % len(folded))
    driver.screenshot(os.path.join(shots, "08-experiment.png"))


def test_operator(args, driver, base, world):
    """`veer operator --dashboard-listen --dashboard-tokenreview --dashboard-actions` on the real
    API server (dashboard_operator_world): its Canary promoted 2.0.0 then rolled back 3.0.0-bad;
    the callers are ServiceAccount tokens the API server reviews."""
    shots = args.artifacts
    ns, other = world["namespace"], world["other"]
    viewer, outsider = world["token viewer"], world["token outsider"]
    canary = ns + "/podinfo"
    page = base + "/canary/" + canary

    # Unauthenticated requests are refused; a token the API server does not know is refused.
    for method, path in [("GET", "/"), ("GET", "/canary/" + canary),
                         ("POST", "/canary/%s/promote" % canary)]:
        status, _, _ = http(method, base + path, body="" if method == "POST" else None)
        check(status == 401, "%s %s without a token: 401 (got %s)" % (method, path, status))
    status, _, _ = http("GET", base + "/", headers={"Authorization": "Bearer not-a-token"})
    check(status == 401, "a token the TokenReview rejects: 401 (got %s)" % status)
    driver.go(base + "/")
    check(driver.find_all("#token") and canary not in driver.source(),
          "the browser without a session gets the sign-in form and nothing else")
    driver.screenshot(os.path.join(shots, "01-sign-in.png"))

    # The outsider may list and patch Canaries, but only in its own namespace.
    status, _, body = http("GET", base + "/", headers={"Authorization": "Bearer " + outsider})
    check(status == 200 and canary not in body, "the outsider over HTTP: 200, no %s listed" % canary)
    status, _, _ = http("POST", page + "/abort", body="",
                        headers={"Authorization": "Bearer " + outsider})
    check(status == 404, "the outsider's abort of %s: 404 like a missing one (got %s)"
          % (canary, status))
    sign_in(driver, base, outsider)
    check(driver.text(driver.find("#user")) == "system:serviceaccount:%s:outsider" % other,
          "signed in as the outsider ServiceAccount, named by the TokenReview")
    check(driver.find_all("#no-canaries") and not driver.find_all("tr[data-canary]"),
          "the outsider's index lists no Canary")
    driver.screenshot(os.path.join(shots, "02-other-namespace-index.png"))
    driver.go(page)
    check("Not found" in driver.source() and not driver.find_all("svg"),
          "the outsider opening %s gets Not found, no chart" % canary)
    sign_out(driver)

    user = "system:serviceaccount:%s:viewer" % ns
    sign_in(driver, base, viewer)
    check(driver.text(driver.find("#user")) == user, "signed in as " + user)
    rows = {driver.attribute(r, "data-canary"): driver.text(r)
            for r in driver.find_all("tr[data-canary]")}
    check(set(rows) == {canary}, "the viewer's index lists its Canary: %s" % sorted(rows))
    check("Failed" in rows[canary] and "rolled back after" in rows[canary] and
          ": fail" in rows[canary], "the index row: Failed, rolled back after, a failed verdict")
    driver.screenshot(os.path.join(shots, "03-index.png"))

    driver.go(page)
    weight = series_points(driver, "weight", "weight")
    check(weight >= 6, "the weight chart drawn with %d points (two rollouts)" % weight)
    decisions = {driver.attribute(m, "data-decision")
                 for m in driver.find_all('svg[data-chart="weight"] line[data-decision]')}
    check({"Succeeded", "Failed"} <= decisions,
          "decision markers include the promotion and the rollback: %s" % sorted(decisions))
    for metric, limit, value in (("request-success-rate", "min", "99"),
                                 ("request-duration", "max", "500")):
        n = series_points(driver, "metric:" + metric, "canary")
        check(n >= 3, "%s chart: canary series drawn with %d points" % (metric, n))
        lines = driver.find_all('svg[data-chart="metric:%s"] line[data-limit="%s"]'
                                % (metric, limit))
        check(lines and driver.attribute(lines[0], "data-value") == value,
              "%s: the threshold %s %s drawn" % (metric, limit, value))
        check(driver.find_all('table[data-evidence="%s"]' % metric),
              "%s: the evidence of the last decision shown" % metric)
    check(driver.find_all('table[data-evidence="request-success-rate"] td[data-key="queries"]'),
          "the rendered query shown")
    check(len(driver.find_all("details.evidence-then")) >= 2, "the decisions keep their evidence")
    driver.screenshot(os.path.join(shots, "04-canary.png"))

    # Actions: a forged CSRF value is refused; pause, resume and retry patch the Canary (the
    # API server checks nothing for the dashboard: the SubjectAccessReview allowed `patch`) and
    # are Events naming the ServiceAccount.
    session = [c["value"] for c in driver.cookies() if c["name"] == "veer_session"]
    check(session, "the session cookie is set")
    status, _, _ = http("POST", page + "/abort", body="csrf=x",
                        headers={"Cookie": "veer_session=" + session[0]})
    check(status == 403, "a POST with the cookie but a forged CSRF value: 403")
    driver.submit(driver.find("#action-pause"))
    check("pause requested" in driver.text(driver.find("#notice")), "pause: notice shown")
    check("yes" in driver.source().split("<th>paused</th>")[1][:40], "the Canary shows paused")
    check("pause requested by %s from the dashboard" % user in
          driver.text(driver.find("table.events")), "the pause is an Event naming " + user)
    driver.submit(driver.find("#action-resume"))
    check("no" in driver.source().split("<th>paused</th>")[1][:40], "resume: not paused")
    driver.submit(driver.find("#action-retry"))
    check("retry requested by %s" % user in driver.text(driver.find("table.events")),
          "the retry is an Event naming " + user)
    phase = phase_after_retry(driver, page)
    check(phase != "Failed", "after retry veer operator runs the revision again (phase %s)" % phase)
    driver.screenshot(os.path.join(shots, "05-after-actions.png"))


def start_browser(work):
    """chromedriver on a free port and a headless Chromium session: (process, driver)."""
    process = subprocess.Popen([CHROMEDRIVER, "--port=0"], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    port = int(Lines(process.stdout).wait_for(r"started successfully on port (\d+)",
                                              60).group(1))
    driver = WebDriver(port)
    driver.start(os.path.join(work, "profile"))
    return process, driver


def keep_failure(args, driver):
    if driver and driver.session:
        try:
            driver.screenshot(os.path.join(args.artifacts, "failure.png"))
            with open(os.path.join(args.artifacts, "failure.html"), "w") as f:
                f.write(driver.source())
        except Exception as e:  # the failure itself is what matters
            print("     (no failure screenshot: %s)" % e)


def stop_browser(driver, process):
    if driver:
        driver.quit()
    if process:
        process.terminate()
        process.wait(timeout=30)


def run_operator(args, work):
    """--mode operator: dashboard_operator_world on VEER_TEST_KUBECONFIG."""
    if not os.environ.get("VEER_TEST_KUBECONFIG"):
        print("SKIPPED: VEER_TEST_KUBECONFIG is not set (e2e/cluster/up brings a server up)")
        return SKIP
    world = subprocess.Popen([args.operator_world], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    driver_process = driver = None
    failed = False
    lines = Lines(world.stdout)
    try:
        facts = {}
        for key in ("namespace", "other", "token viewer", "token outsider"):
            facts[key] = lines.wait_for(r"^%s (\S+)$" % key, 300).group(1)
        base = "http://" + lines.wait_for(r"dashboard listening on http://([0-9.:]+)/",
                                          120).group(1)
        print("     %s, rollouts in %s" % (base, facts["namespace"]), flush=True)
        print("     " + lines.wait_for(r"rollouts finished: .*", 600).group(0), flush=True)
        driver_process, driver = start_browser(work)
        test_operator(args, driver, base, facts)
    except Failure as failure:
        print("FAILED: %s" % failure)
        keep_failure(args, driver)
        failed = True
    finally:
        stop_browser(driver, driver_process)
        world.stdin.close()  # the world serves until its input closes
        try:
            code = world.wait(timeout=120)
        except subprocess.TimeoutExpired:
            world.kill()
            code = world.wait()
        try:
            lines.wait_for(r"\0never", 5)  # the rest of its output, for the report below
        except Failure:
            pass
    if code != 0 or failed:
        print("dashboard_operator_world exited %s; its output:\n%s"
              % (code, "".join(lines.seen)[-6000:]))
        return 1
    print("PASSED: veer operator's dashboard in headless Chromium")
    return 0


def run_demo(args, work):
    """--mode demo: `veer demo --dashboard` and dashboard_experiment_world, in memory."""
    users = os.path.join(work, "users")
    with open(users, "w") as f:
        f.write(USERS)

    demo = subprocess.Popen(
        [args.veer, "demo", "--pace", "0", "--dashboard=127.0.0.1:0", "--dashboard-users", users,
         "--dashboard-actions"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    world = subprocess.Popen([args.experiment_world], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             env=dict(os.environ, VEER_DASHBOARD_USERS=users))
    driver_process = None
    driver = None
    demo_err = []
    threading.Thread(target=lambda: demo_err.extend(demo.stderr), daemon=True).start()
    try:
        lines = Lines(demo.stdout)
        base = "http://" + lines.wait_for(r"dashboard listening on http://([0-9.:]+)/", 120).group(1)
        lines.wait_for(r"serving the dashboard on", 300)  # the demo's rollouts are done
        driver_process, driver = start_browser(work)
        test(args, driver, base, lines)
        world_lines = Lines(world.stdout)
        world_base = "http://" + world_lines.wait_for(
            r"dashboard listening on http://([0-9.:]+)/", 120).group(1)
        world_lines.wait_for(r"experiment finished: Completed winner express", 300)
        test_experiment(args, driver, world_base)
        print("PASSED: the dashboard in headless Chromium")
        return 0
    except Failure as failure:
        print("FAILED: %s" % failure)
        keep_failure(args, driver)
        return 1
    finally:
        stop_browser(driver, driver_process)
        world.stdin.close()  # the world serves until its input closes
        try:
            world.wait(timeout=60)
        except subprocess.TimeoutExpired:
            world.kill()
            world.wait()
        demo.send_signal(signal.SIGTERM)
        try:
            code = demo.wait(timeout=60)
        except subprocess.TimeoutExpired:
            demo.kill()
            code = demo.wait()
        if code != 0 or demo_err:
            print("veer demo exited %s; stderr:\n%s" % (code, "".join(demo_err)[-4000:]))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=("demo", "operator"), default="demo")
    parser.add_argument("--veer", help="demo: the veer binary")
    parser.add_argument("--experiment-world", help="demo: dashboard_experiment_world")
    parser.add_argument("--operator-world", help="operator: dashboard_operator_world")
    parser.add_argument("--artifacts", required=True)
    args = parser.parse_args()
    needed = ("veer", "experiment_world") if args.mode == "demo" else ("operator_world",)
    for name in needed:
        if not getattr(args, name):
            parser.error("--mode %s needs --%s" % (args.mode, name.replace("_", "-")))
    for tool in (CHROMIUM, CHROMEDRIVER):
        if not os.access(tool, os.X_OK):
            print("SKIPPED: %s is not installed (scripts/setup installs chromium "
                  "chromium-driver)" % tool)
            return SKIP
    os.makedirs(args.artifacts, exist_ok=True)
    work = tempfile.mkdtemp(prefix="veer-dashboard-")
    return run_demo(args, work) if args.mode == "demo" else run_operator(args, work)


if __name__ == "__main__":
    sys.exit(main())
