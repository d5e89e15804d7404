{{/* The release's object name: "veer" for a release named veer, else "<release>-veer". */}}
{{- define "veer.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "veer.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "veer.labels" -}}
{{ include "veer.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "veer.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "veer.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
What `veer operator` calls, namespaced resources only (docs/install.md says why each verb is
there). Informers list and watch every type they cache; "get" is the fallback read when a router
type cannot be listed and the read of a single object the cache does not hold.
*/}}
{{- define "veer.namespacedRules" -}}
- apiGroups: ["veer.dev"]
  resources: ["canaries"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: ["veer.dev"]
  resources: ["canaries/status"]
  verbs: ["update"]
{{- /* Owner references with blockOwnerDeletion on what veer creates: the
OwnerReferencesPermissionEnforcement admission plugin (OpenShift) asks for update on the owner's
finalizers. Nothing more than patch on canaries and update on experiments grant already. */}}
- apiGroups: ["veer.dev"]
  resources: ["canaries/finalizers", "experiments/finalizers"]
  verbs: ["update"]
- apiGroups: ["veer.dev"]
  resources: ["metrictemplates", "alertproviders"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["veer.dev"]
  resources: ["experiments"]
  verbs: ["get", "list", "watch", "update"]
- apiGroups: ["veer.dev"]
  resources: ["experiments/status"]
  verbs: ["update"]
- apiGroups: ["apps"]
  resources: ["deployments", "daemonsets"]
  verbs: ["get", "list", "watch", "create", "update", "patch"]
- apiGroups: [""]
  resources: ["configmaps", "secrets"]
  verbs: ["get", "list", "watch", "create", "update"]
- apiGroups: [""]
  resources: ["services"]
  verbs: ["get", "list", "watch", "create", "update", "delete"]
- apiGroups: [""]
  resources: ["events"]
  verbs: {{ if .Values.dashboard.enabled }}["create", "list"]{{ else }}["create"]{{ end }}
- apiGroups: ["autoscaling"]
  resources: ["horizontalpodautoscalers"]
  verbs: ["get", "list", "watch", "create", "update"]
{{- $routers := .Values.rbac.routers }}
{{- $manage := list "get" "list" "watch" "create" "update" "delete" }}
{{- range $router, $rule := dict
      "istio" (dict "groups" (list "networking.istio.io") "resources" (list "virtualservices" "destinationrules"))
      "smi" (dict "groups" (list "split.smi-spec.io") "resources" (list "trafficsplits"))
      "gatewayapi" (dict "groups" (list "gateway.networking.k8s.io") "resources" (list "httproutes"))
      "ingress" (dict "groups" (list "networking.k8s.io") "resources" (list "ingresses"))
      "contour" (dict "groups" (list "projectcontour.io") "resources" (list "httpproxies"))
      "traefik" (dict "groups" (list "traefik.io") "resources" (list "traefikservices"))
      "apisix" (dict "groups" (list "apisix.apache.org") "resources" (list "apisixroutes")) }}
{{- if has $router $routers }}
- apiGroups: {{ $rule.groups | toJson }}
  resources: {{ $rule.resources | toJson }}
  verbs: {{ $manage | toJson }}
{{- end }}
{{- end }}
{{- if has "gloo" $routers }}
- apiGroups: ["gateway.solo.io"]
  resources: ["routetables"]
  verbs: {{ $manage | toJson }}
- apiGroups: ["gloo.solo.io"]
  resources: ["upstreams"]
  verbs: {{ $manage | toJson }}
{{- end }}
{{- if has "knative" $routers }}
- apiGroups: ["serving.knative.dev"]
  resources: ["services"]
  verbs: ["get", "list", "watch", "update"]
- apiGroups: ["serving.knative.dev"]
  resources: ["revisions"]
  verbs: ["get", "list", "watch"]
{{- end }}
{{- end -}}

{{/* Kuma's TrafficRoute is cluster-scoped: it needs a ClusterRole even when namespaced. So are
the dashboard's reviews (dashboard.auth tokenreview): who a caller is, and what it may see. */}}
{{- define "veer.clusterScopedRules" -}}
{{- if has "kuma" .Values.rbac.routers }}
- apiGroups: ["kuma.io"]
  resources: ["trafficroutes"]
  verbs: ["get", "list", "create", "update", "delete"]
{{- end }}
{{- if and .Values.dashboard.enabled (eq .Values.dashboard.auth "tokenreview") }}
- apiGroups: ["authentication.k8s.io"]
  resources: ["tokenreviews"]
  verbs: ["create"]
- apiGroups: ["authorization.k8s.io"]
  resources: ["subjectaccessreviews"]
  verbs: ["create"]
{{- end }}
{{- end -}}

{{/* The admission webhook's Service, and the TLS Secret its certificate is in. */}}
{{- define "veer.admissionName" -}}
{{- printf "%s-admission" (include "veer.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "veer.admissionSecretName" -}}
{{- if .Values.admission.certManager.enabled -}}
{{- printf "%s-tls" (include "veer.admissionName" .) | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- .Values.admission.existingSecret -}}
{{- end -}}
{{- end -}}
