#!/usr/bin/python3
"""Writes the seed corpora in fuzz/corpus/<target>/ from examples/, the raw strings of the unit
tests that hold recorded answers, and a few hand-written inputs. Run from anywhere; it replaces
the seed-*.txt files it wrote before and leaves inputs the fuzzer added (named by their hash)."""
import glob
import hashlib
import json
import os
import re

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
written = {}


def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    name = "seed-" + hashlib.sha1(data).hexdigest()[:16] + ".txt"
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)
    written.setdefault(target, set()).add(name)


def raw_strings(path):
    with open(os.path.join(ROOT, path)) as f:
        return re.findall(r'R"\((.*?)\)"', f.read(), re.S)


def reply(status, header, body):
    code = status - 100 if status else 500
    return bytes([code >> 8, code & 0xFF, 0]) + header.encode() + b"\n" + body.encode()


KINDS = {"Canary": "canary", "Experiment": "experiment", "MetricTemplate": "metric_template",
         "AlertProvider": "alert_provider"}

# Documents of examples/ and the model's test data: YAML as written, each document alone as
# YAML and as JSON, and as watch events.
for path in sorted(glob.glob(os.path.join(ROOT, "examples", "**", "*.yaml"), recursive=True) +
                   glob.glob(os.path.join(ROOT, "model", "tests", "data", "*.yaml"))):
    with open(path) as f:
        text = f.read()
    documents = [d for d in yaml.safe_load_all(text) if isinstance(d, dict)]
    kinds = {KINDS.get(d.get("kind")) for d in documents} - {None}
    for target in kinds:
        put(target, text)
    for document in documents:
        target = KINDS.get(document.get("kind"))
        if not target:
            continue
        put(target, yaml.safe_dump(document, sort_keys=False))
        put(target, json.dumps(document))
        event = json.dumps({"type": "ADDED", "object": document})
        put("watch_stream", bytes([7]) + event.encode() + b"\n")
        if document.get("kind") == "MetricTemplate":
            query = document.get("spec", {}).get("query")
            if query:
                put("templates", query)

put("watch_stream", bytes([255]) + b'{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"12"}}}\n'
    b'{"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","message":"too old"}}\n')
put("watch_stream", bytes([0]) + b'{"type":"DELETED","object":{"kind":"Canary","metadata":{"name":"a"}}}\n\n{"type":')

# Recorded answers in the unit tests.
for test, targets in [("analysis/tests/prometheus_test.cpp", ["prometheus"]),
                      ("analysis/tests/look_window_test.cpp", ["prometheus"]),
                      ("analysis/tests/other_providers_test.cpp", ["datadog", "graphite"]),
                      ("analysis/tests/influxdb_test.cpp", ["influxdb"]),
                      ("analysis/tests/newrelic_test.cpp", ["newrelic"]),
                      ("operator/kube/tests/kubeconfig_test.cpp", ["kubeconfig"])]:
    for text in raw_strings(test):
        for target in targets:
            put(target, text)

put("prometheus", '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"0.5"]}]}}')
put("prometheus", '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"],[2,"NaN"],[3,"+Inf"]]}]}}')
put("prometheus", '{"status":"error","errorType":"bad_data","error":"parse error"}')
put("datadog", '{"status":"ok","series":[{"pointlist":[[1700000000000,0.5],[1700000060000,null]]}]}')
put("graphite", '[{"target":"x","datapoints":[[1.5,1700000000],[null,1700000060]]}]')
put("influxdb", "#datatype,string,long,double\n#group,false,false,false\n#default,_result,,\n"
    ",result,table,_value\n,,0,1.5\n,,0,2.5\n\n,result,table,_value\n,,1,3\n")
put("influxdb", ",error,reference\n,\"bad \"\"query\"\"\",897\n")
put("newrelic", '{"results":[{"average":0.25}]}')
put("newrelic", '{"timeSeries":[{"results":[{"count":3}]},{"results":[{"count":null}]}]}')

kubeconfig = """apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:6443", certificate-authority-data: LS0tLS1CRUdJTg==}
users:
- name: u
  user: {client-certificate-data: QUJD, client-key-data: REVG}
contexts:
- name: x
  context: {cluster: c, user: u, namespace: shop}
current-context: x
"""
put("kubeconfig", kubeconfig)
put("kubeconfig", "x\n" + kubeconfig)

for status, header, body in [(200, "", "ok"), (200, "", '{"ok":false,"error":"channel_not_found"}'),
                             (429, "120", "slow down"), (503, "Wed, 21 Oct 2015 07:28:00 GMT", ""),
                             (404, "1.5", "\x1b[31mno such hook\r\nforged: line"), (0, "", "timeout")]:
    put("notifier_reply", reply(status, header, body))
    put("webhook_reply", reply(status, "deploy of podinfo failed", body))

for query in ['sum(rate(x{namespace="{{ namespace }}",pod=~"{{ target }}-[0-9a-z]+"}[{{ interval }}]))',
              "{{- variables.x -}} {{ .service }} {{ ingress }} {{ route }}", "{{ unknown }}", "{{ name"]:
    put("templates", query)

for first, baseline, candidate in [(0, "1\n2\n3\n4\n5\n", "2\n3\n4\n5\n6\n"),
                                   (1, "# ms\n10.5\n11\n 12 \r\n", "1e2\n+3\n-4.5\n"),
                                   (0, "1\n", "1\n2\n3\n"), (1, "1e400\n", "1e-400\n"),
                                   (2, "3 100\n0 50\n", "5 100\n"), (3, "1 10\n2 10\n", "9 10\n3 10\n"),
                                   (6, "nan\n", "inf\n"), (3, "5 4\n", "")]:
    put("stats_input", bytes([first]) + (baseline + "---\n" + candidate).encode())

for target, names in written.items():
    for old in glob.glob(os.path.join(CORPUS, target, "seed-*.txt")):
        if os.path.basename(old) not in names:
            os.remove(old)
    print(f"{target}: {len(names)} seeds")
