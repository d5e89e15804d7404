#!/usr/bin/env python3
"""Writes one Canary with N metrics (each a distinct name with a thresholdRange) to stdout,
for measuring how `veer validate` scales with the size of a document."""
import sys

n = int(sys.argv[1])
out = sys.stdout
out.write("""apiVersion: veer.dev/v1beta1
kind: Canary
metadata:
  name: podinfo
  namespace: test
spec:
  provider: istio
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: podinfo
  service:
    port: 9898
  analysis:
    interval: 1m
    threshold: 5
    maxWeight: 50
    stepWeight: 10
    metrics:
""")
for i in range(n):
    out.write(f"    - name: request-success-rate-{i}\n      interval: 1m\n      query: sum(rate(requests_total[1m]))\n      thresholdRange:\n        min: 99\n")
