#!/usr/bin/env python3
"""The sample app of the traffic e2e (a test fixture): one process per workload version.

  sample_app.py --port P --namespace NS --workload NAME
                --behaviour good|errors-<pct>|slow-<ms>|converts-<pct> [--seed S]

Every request to / is answered as the behaviour says: `errors-20` answers 500 to exactly one
request in five (a counter, not a dice: the share is exact and the run repeatable), `slow-300`
waits 300 ms before answering 200, `converts-30` answers 200 and turns each visit into an order
with probability 30% (a generator seeded with S, the workload and the behaviour, so each app's
n-th visit converts or not the same way in every run). /metrics exposes the series the meshes' proxies report for
the destination workload, with the labels veer's built-in queries select: Istio's
istio_requests_total and istio_request_duration_milliseconds, Linkerd's inbound response_total
and response_latency_ms, ingress-nginx's nginx_ingress_controller_requests,
response_duration_seconds and request_duration_seconds, and an app's own http_request_duration_seconds (Gateway API); so those
queries run unchanged against a real Prometheus. It also exposes a shop's business metrics, which
an Experiment's queries read: checkout_visits_total (every request to /) and checkout_orders_total
(the visits that converted), labelled app="<workload>" and counted from 0 at start. /served answers the number of requests to / so far
and, after a space, how many of them were marked as an A/B test's insiders (an `x-canary` header
or a `canary` cookie, whatever its value), which is how the test measures the split at the apps.
/healthz answers 200 once the app serves.
"""
import os

# The test spawns this app from its data-plane thread while another thread may be running a
# command whose output it reads from a pipe (kubectl, e2e/cluster/up, the veer CLI): a pipe end
# inherited here would keep that read from ever ending (seen: the Prometheus-outage case hung in
# set_up for 12 minutes on `operator_kubeconfig`'s pipe held by a sample app). Nothing is passed
# to the app above stderr, so it keeps none of what it inherited.
os.closerange(3, os.sysconf("SC_OPEN_MAX"))

import argparse  # noqa: E402 (after closing the inherited descriptors)
import http.server
import random
import re
import threading
import time

BUCKETS_MS = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]


class App:
    def __init__(self, namespace, workload, behaviour, seed):
        self.labels = (
            f'reporter="destination",destination_workload_namespace="{namespace}",'
            f'destination_workload="{workload}"'
        )
        self.linkerd_labels = (
            f'namespace="{namespace}",deployment="{workload}",direction="inbound"'
        )
        # ingress-nginx labels each request with the Ingress that routed it (the user's, named
        # as the target) and, for requests it sent to the canary backend, that backend's name.
        target = workload[: -len("-primary")] if workload.endswith("-primary") else workload
        canary = "" if workload.endswith("-primary") else f"{namespace}-{target}-canary-9898"
        self.nginx_labels = f'namespace="{namespace}",ingress="{target}",canary="{canary}"'
        self.error_every = 0
        self.delay_ms = 0
        self.app_label = f'app="{workload}"'
        self.conversion = 0.0
        self.random = random.Random(f"{seed}/{workload}/{behaviour}")
        if behaviour.startswith("errors-"):
            pct = int(behaviour[len("errors-"):])
            self.error_every = round(100 / pct) if pct > 0 else 0
        elif behaviour.startswith("slow-"):
            self.delay_ms = int(behaviour[len("slow-"):])
        elif behaviour.startswith("converts-"):
            self.conversion = int(behaviour[len("converts-"):]) / 100
        elif behaviour != "good":
            raise SystemExit(f"sample_app: unknown behaviour {behaviour!r}")
        self.lock = threading.Lock()
        self.served = 0
        self.marked = 0
        self.orders = 0
        # Per status code: bucket counts (BUCKETS_MS), count, sum of milliseconds.
        self.by_code = {}

    def handle(self, marked):
        start = time.monotonic()
        with self.lock:
            self.served += 1
            self.marked += 1 if marked else 0
            n = self.served
            if self.conversion and self.random.random() < self.conversion:
                self.orders += 1
        if self.delay_ms:
            time.sleep(self.delay_ms / 1000)
        code = 500 if self.error_every and n % self.error_every == 0 else 200
        elapsed_ms = (time.monotonic() - start) * 1000
        with self.lock:
            h = self.by_code.setdefault(code, {"buckets": [0] * len(BUCKETS_MS), "count": 0, "sum": 0.0})
            h["count"] += 1
            h["sum"] += elapsed_ms
            for i, le in enumerate(BUCKETS_MS):
                if elapsed_ms <= le:
                    h["buckets"][i] += 1
        return code

    def histogram(self, lines, name, labels, scale, codes):
        """One histogram over the requests answered with `codes`; `scale` divides milliseconds."""
        hs = [self.by_code[c] for c in codes]
        for i, le in enumerate(BUCKETS_MS):
            n = sum(h["buckets"][i] for h in hs)
            lines.append(f'{name}_bucket{{{labels},le="{le / scale:g}"}} {n}')
        count = sum(h["count"] for h in hs)
        lines.append(f'{name}_bucket{{{labels},le="+Inf"}} {count}')
        lines.append(f"{name}_sum{{{labels}}} {sum(h['sum'] for h in hs) / scale}")
        lines.append(f"{name}_count{{{labels}}} {count}")

    def metrics(self):
        with self.lock:
            codes = sorted(self.by_code)
            lines = ["# TYPE istio_requests_total counter"]
            for code in codes:
                n = self.by_code[code]["count"]
                lines.append(f'istio_requests_total{{{self.labels},response_code="{code}"}} {n}')
            lines.append("# TYPE istio_request_duration_milliseconds histogram")
            self.histogram(lines, "istio_request_duration_milliseconds", self.labels, 1, codes)
            lines.append("# TYPE response_total counter")
            for code in codes:
                classification = "failure" if code >= 500 else "success"
                n = self.by_code[code]["count"]
                lines.append(
                    f'response_total{{{self.linkerd_labels},classification="{classification}",'
                    f'status_code="{code}"}} {n}')
            lines.append("# TYPE response_latency_ms histogram")
            self.histogram(lines, "response_latency_ms", self.linkerd_labels, 1, codes)
            lines.append("# TYPE nginx_ingress_controller_requests counter")
            for code in codes:
                n = self.by_code[code]["count"]
                lines.append(
                    f'nginx_ingress_controller_requests{{{self.nginx_labels},status="{code}"}} {n}')
            lines.append("# TYPE nginx_ingress_controller_response_duration_seconds histogram")
            self.histogram(lines, "nginx_ingress_controller_response_duration_seconds",
                           self.nginx_labels, 1000, codes)
            # ingress-nginx's whole-request histogram too (here the same time: the app's), the
            # one veer's sequential test (comparison.slowerThan) reads its buckets from.
            lines.append("# TYPE nginx_ingress_controller_request_duration_seconds histogram")
            self.histogram(lines, "nginx_ingress_controller_request_duration_seconds",
                           self.nginx_labels, 1000, codes)
            # The app's own histogram (in seconds, by status), as Gateway API's and Kubernetes'
            # built-in queries read it; Prometheus adds the pod's labels (kubernetes_namespace,
            # kubernetes_pod_name) from its scrape targets, as relabelling does in a cluster.
            lines.append("# TYPE http_request_duration_seconds histogram")
            for code in codes:
                self.histogram(lines, "http_request_duration_seconds", f'status="{code}"', 1000,
                               [code])
            lines.append("# TYPE checkout_visits_total counter")
            lines.append(f"checkout_visits_total{{{self.app_label}}} {self.served}")
            lines.append("# TYPE checkout_orders_total counter")
            lines.append(f"checkout_orders_total{{{self.app_label}}} {self.orders}")
            return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--workload", required=True)
    parser.add_argument("--behaviour", required=True)
    parser.add_argument("--seed", default="0")
    args = parser.parse_args()
    app = App(args.namespace, args.workload, args.behaviour, args.seed)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def reply(self, code, body, content_type="text/plain"):
            data = body.encode()
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path == "/metrics":
                self.reply(200, app.metrics(), "text/plain; version=0.0.4")
            elif self.path == "/served":
                with app.lock:
                    self.reply(200, f"{app.served} {app.marked}")
            elif self.path == "/healthz":
                self.reply(200, "ok")
            else:
                cookie = self.headers.get("Cookie", "")
                marked = ("x-canary" in self.headers
                          or re.search(r"(^|;)\s*canary=", cookie) is not None)
                code = app.handle(marked)
                self.reply(code, f"{args.workload} {args.behaviour}\n")

        def log_message(self, *_):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"sample_app listening on 127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
