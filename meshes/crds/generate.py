#!/usr/bin/python3
# Writes the router CRDs in this folder (run: /usr/bin/python3 meshes/crds/generate.py; needs PyYAML).
# Schemas follow each router's published API: the fields veer renders are typed, the rest are
# free-form objects. Structural, no CEL, so that kube-apiserver 1.20 accepts them.
import os
import yaml, copy
S = lambda **kw: dict(type="string", **kw)
I = lambda **kw: dict(type="integer", **kw)
B = dict(type="boolean")
def O(props=None, required=None, preserve=False, **kw):
    o = dict(type="object", **kw)
    if props: o["properties"] = props
    if required: o["required"] = required
    if preserve: o["x-kubernetes-preserve-unknown-fields"] = True
    return o
def A(items, **kw): return dict(type="array", items=items, **kw)
FREE = O(preserve=True)
SL = A(S())

def crd(group, plural, kind, short, versions, categories=None, status=False, annotations=None):
    names = dict(kind=kind, listKind=kind + "List", plural=plural, singular=kind.lower())
    if short: names["shortNames"] = short
    if categories: names["categories"] = categories
    vs = []
    for name, schema, storage in versions:
        v = dict(name=name, served=True, storage=storage,
                 schema=dict(openAPIV3Schema=O({"apiVersion": S(), "kind": S(), "metadata": O(),
                                                "spec": schema,
                                                **({"status": FREE} if status else {})},
                                               required=["spec"])))
        if status: v["subresources"] = {"status": {}}
        vs.append(v)
    return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": f"{plural}.{group}",
                         "annotations": {"veer.dev/purpose": "router CRD for veer tests and clusters without the router installed; prefer the router's own CRDs", **(annotations or {})}},
            "spec": {"group": group, "scope": "Namespaced", "names": names, "versions": vs}}

# ---- Istio
string_match = O({"exact": S(), "prefix": S(), "regex": S()})
port_selector = O({"number": I(minimum=0, maximum=65535)})
destination = O({"host": S(), "subset": S(), "port": port_selector}, required=["host"])
header_ops = O({"set": O(additionalProperties=S()), "add": O(additionalProperties=S()), "remove": SL})
headers = O({"request": header_ops, "response": header_ops})
route_dest = O({"destination": destination, "weight": I(minimum=0, maximum=100), "headers": headers},
               required=["destination"])
http_match = O({"name": S(), "uri": string_match, "scheme": string_match, "method": string_match,
                "authority": string_match, "headers": O(additionalProperties=string_match),
                "queryParams": O(additionalProperties=string_match),
                "withoutHeaders": O(additionalProperties=string_match),
                "port": I(minimum=0, maximum=65535), "sourceLabels": O(additionalProperties=S()),
                "gateways": SL, "ignoreUriCase": B, "sourceNamespace": S()})
http_route = O({"name": S(), "match": A(http_match), "route": A(route_dest),
                "redirect": FREE, "directResponse": FREE, "delegate": FREE,
                "rewrite": O({"uri": S(), "authority": S(), "uriRegexRewrite": FREE}),
                "timeout": S(), "retries": O({"attempts": I(minimum=0), "perTryTimeout": S(),
                                              "retryOn": S(), "retryRemoteLocalities": B}),
                "fault": FREE, "mirror": destination,
                "mirrorPercentage": O({"value": dict(type="number", minimum=0, maximum=100)}),
                "mirrors": A(FREE), "corsPolicy": FREE, "headers": headers})
l4_match = O({"destinationSubnets": SL, "port": I(minimum=0, maximum=65535),
              "sourceLabels": O(additionalProperties=S()), "gateways": SL, "sourceNamespace": S(),
              "sourceSubnet": S()})
tcp_route = O({"match": A(l4_match), "route": A(route_dest)})
vs_spec = O({"hosts": SL, "gateways": SL, "exportTo": SL, "http": A(http_route),
             "tcp": A(tcp_route), "tls": A(FREE)})
dr_spec = O({"host": S(), "trafficPolicy": FREE, "subsets": A(FREE), "exportTo": SL,
             "workloadSelector": FREE}, required=["host"])
istio_versions = lambda spec: [("v1alpha3", spec, False), ("v1beta1", spec, True), ("v1", spec, False)]

# ---- SMI
def split_spec(weight, matches):
    props = {"service": S(), "backends": A(O({"service": S(), "weight": weight}, required=["service", "weight"]), minItems=1)}
    if matches:
        props["matches"] = A(O({"kind": S(), "name": S(), "apiGroup": S()}, required=["kind", "name"]))
    return O(props, required=["service", "backends"])
smi_versions = [("v1alpha1", split_spec({"x-kubernetes-int-or-string": True}, False), False),
                ("v1alpha2", split_spec(I(minimum=0), False), True),
                ("v1alpha3", split_spec(I(minimum=0), True), False),
                ("v1alpha4", split_spec(I(minimum=0), True), False)]

# ---- Gateway API
name_value = O({"name": S(minLength=1, maxLength=256), "value": S(maxLength=4096)}, required=["name", "value"])
header_filter = O({"set": A(name_value, maxItems=16), "add": A(name_value, maxItems=16), "remove": A(S(), maxItems=16)})
backend_object_ref = O({"group": S(maxLength=253), "kind": S(maxLength=63), "name": S(minLength=1, maxLength=253),
                        "namespace": S(maxLength=63), "port": I(minimum=1, maximum=65535)}, required=["name"])
filter_types = ["RequestHeaderModifier", "ResponseHeaderModifier", "RequestMirror", "RequestRedirect",
                "URLRewrite", "ExtensionRef", "CORS", "ExternalAuth"]
path_modifier = O({"type": S(enum=["ReplaceFullPath", "ReplacePrefixMatch"]), "replaceFullPath": S(),
                   "replacePrefixMatch": S()}, required=["type"])
route_filter = O({"type": S(enum=filter_types),
                  "requestHeaderModifier": header_filter, "responseHeaderModifier": header_filter,
                  "requestMirror": O({"backendRef": backend_object_ref, "percent": I(minimum=0, maximum=100),
                                      "fraction": O({"numerator": I(minimum=0), "denominator": I(minimum=1)})},
                                     required=["backendRef"]),
                  "requestRedirect": FREE,
                  "urlRewrite": O({"hostname": S(), "path": path_modifier}),
                  "extensionRef": O({"group": S(), "kind": S(), "name": S()}, required=["group", "kind", "name"]),
                  "cors": FREE, "externalAuth": FREE}, required=["type"])
typed_match = lambda types: O({"type": S(enum=types), "name": S(minLength=1), "value": S(maxLength=4096)}, required=["name", "value"])
route_match = O({"path": O({"type": S(enum=["Exact", "PathPrefix", "RegularExpression"]), "value": S(maxLength=1024)}),
                 "headers": A(typed_match(["Exact", "RegularExpression"]), maxItems=16),
                 "queryParams": A(typed_match(["Exact", "RegularExpression"]), maxItems=16),
                 "method": S(enum=["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"])})
backend_ref = copy.deepcopy(backend_object_ref)
backend_ref["properties"]["weight"] = I(minimum=0, maximum=1000000)
backend_ref["properties"]["filters"] = A(route_filter, maxItems=16)
parent_ref = O({"group": S(maxLength=253), "kind": S(maxLength=63), "namespace": S(maxLength=63),
                "name": S(minLength=1, maxLength=253), "sectionName": S(maxLength=253),
                "port": I(minimum=1, maximum=65535)}, required=["name"])
http_route_spec = O({"parentRefs": A(parent_ref, maxItems=32), "hostnames": A(S(maxLength=253), maxItems=16),
                     "rules": A(O({"name": S(), "matches": A(route_match, maxItems=64),
                                   "filters": A(route_filter, maxItems=16),
                                   "backendRefs": A(backend_ref, maxItems=16),
                                   "timeouts": O({"request": S(), "backendRequest": S()}),
                                   "retry": FREE, "sessionPersistence": FREE}), maxItems=16)})
gw_versions = [("v1beta1", http_route_spec, False), ("v1", http_route_spec, True)]

docs = {
    "istio-virtualservice.yaml": crd("networking.istio.io", "virtualservices", "VirtualService", ["vs"], istio_versions(vs_spec), categories=["istio-io", "networking-istio-io"], status=True),
    "istio-destinationrule.yaml": crd("networking.istio.io", "destinationrules", "DestinationRule", ["dr"], istio_versions(dr_spec), categories=["istio-io", "networking-istio-io"], status=True),
    "smi-trafficsplit.yaml": crd("split.smi-spec.io", "trafficsplits", "TrafficSplit", ["ts"], smi_versions),
    "gatewayapi-httproute.yaml": crd("gateway.networking.k8s.io", "httproutes", "HTTPRoute", [], gw_versions, categories=["gateway-api"], status=True,
                                     # *.k8s.io groups need this; it is upstream's approval.
                                     annotations={"api-approved.kubernetes.io": "https://github.com/kubernetes-sigs/gateway-api/pull/2466"}),
}
class D(yaml.SafeDumper):
    def ignore_aliases(self, data): return True
for name, doc in docs.items():
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), name), "w") as f:
        f.write("# Generated by meshes/crds/generate.py: do not edit by hand.\n")
        yaml.dump(doc, f, Dumper=D, sort_keys=False, default_flow_style=False, width=100)
