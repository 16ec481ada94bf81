{{/*
Names of the objects the binaries are told about through flags or env. With
release "metallb" they match upstream: metallb-controller, metallb-speaker,
metallb-webhook-service, metallb-webhook-cert, metallb-memberlist,
metallb-excludel2.
*/}}
{{- define "metallb.controller.fullname" -}}
{{- include "common.names.component" (dict "context" . "component" "controller") -}}
{{- end -}}

{{- define "metallb.speaker.fullname" -}}
{{- include "common.names.component" (dict "context" . "component" "speaker") -}}
{{- end -}}

{{- define "metallb.webhook.serviceName" -}}
{{- include "common.names.component" (dict "context" . "component" "webhook-service") -}}
{{- end -}}

{{- define "metallb.webhook.secretName" -}}
{{- include "common.names.component" (dict "context" . "component" "webhook-cert") -}}
{{- end -}}

{{- define "metallb.memberlist.secretName" -}}
{{- include "common.names.component" (dict "context" . "component" "memberlist") -}}
{{- end -}}

{{- define "metallb.frrStartup.name" -}}
{{- include "common.names.component" (dict "context" . "component" "frr-startup") -}}
{{- end -}}

{{- define "metallb.excludel2.name" -}}
{{- include "common.names.component" (dict "context" . "component" "excludel2") -}}
{{- end -}}

{{/* The controller patches the caBundle of a VWC with this exact name: it is compiled into the binary. */}}
{{- define "metallb.webhook.configurationName" -}}
metallb-webhook-configuration
{{- end -}}

{{- define "metallb.controller.serviceAccountName" -}}
{{- $sa := .Values.controller.serviceAccount -}}
{{- if $sa.create -}}
{{- default (include "metallb.controller.fullname" .) $sa.name -}}
{{- else -}}
{{- default "default" $sa.name -}}
{{- end -}}
{{- end -}}

{{- define "metallb.speaker.serviceAccountName" -}}
{{- $sa := .Values.speaker.serviceAccount -}}
{{- if $sa.create -}}
{{- default (include "metallb.speaker.fullname" .) $sa.name -}}
{{- else -}}
{{- default "default" $sa.name -}}
{{- end -}}
{{- end -}}

{{/*
Metadata annotations of a configuration custom resource (pool, advertisement,
peer, ...). As hooks they are sent after every release object (CRDs,
controller, webhook Service) exists, in weight order; helm 4 patches them in
place on upgrade, helm 3 re-creates them (common.hooks.annotations). See the README.
Usage: include "metallb.config.annotations" (dict "weight" 10 "annotations" .annotations "context" $)
*/}}
{{- define "metallb.config.annotations" -}}
{{- $fixed := dict -}}
{{- if .context.Values.config.asHooks }}
{{- include "common.hooks.annotationsInto" (dict "weight" .weight "recreateOnHelm3" true "context" .context "into" $fixed) -}}
{{- else }}
{{- $_ := set $fixed "argocd.argoproj.io/sync-wave" (toString .weight) -}}
{{- end }}
{{- include "common.labels.merge" (dict "fixed" $fixed "sources" (list (dict "key" (printf "%s.annotations" (.key | default "annotations")) "map" .annotations)) "what" "annotations" "context" .context) -}}
{{- end -}}

{{/*
What every configuration custom resource of one hook weight shares (namespace,
standard labels, hook or sync-wave annotations), as JSON: computed once per
template, not once per object, so 10,000 pools render in seconds.
Usage: $shared := include "metallb.config.shared" (dict "weight" 10 "context" $) | fromJson
*/}}
{{- define "metallb.config.shared" -}}
{{- toJson (dict "weight" .weight "namespace" (include "common.names.namespace" .context) "labels" (include "common.labels.standard" .context) "annotations" (include "metallb.config.annotations" (dict "weight" .weight "context" .context) | trim)) -}}
{{- end -}}

{{/*
Metadata of one configuration custom resource rendered from a values item. An item with labels
or annotations of its own has them merged (common.labels.merge: one key each, the hook and
sync-wave annotations unchangeable); the others take the shared strings as they are.
Usage: include "metallb.config.metadata" (dict "item" $pool "shared" $shared "context" $)
*/}}
{{- define "metallb.config.metadata" -}}
metadata:
  name: {{ .item.name | quote }}
  namespace: {{ .shared.namespace }}
  labels:
    {{- if or .item.labels .item.annotations }}
    {{- include "common.labels.standard" (dict "context" .context "sources" (list (dict "key" (printf "%s.labels" .item.name) "map" .item.labels))) | nindent 4 }}
  annotations:
    {{- include "metallb.config.annotations" (dict "weight" .shared.weight "annotations" .item.annotations "key" .item.name "context" .context) | nindent 4 }}
    {{- else }}
    {{- .shared.labels | nindent 4 }}
  annotations:
    {{- .shared.annotations | nindent 4 }}
    {{- end }}
{{- end -}}

{{/* Hook weights: profiles and aliases first, then what refers to them. */}}
{{- define "metallb.weight.base" -}}0{{- end -}}
{{- define "metallb.weight.peer" -}}5{{- end -}}
{{- define "metallb.weight.advertisement" -}}10{{- end -}}

{{/*
Parse one pool address (CIDR or "from-to" range), failing with a message
that names the key. Returns JSON {"family": "4"|"6", "start", "end"}: numbers
for IPv4, 128-character bit strings (common.ipv6.bits) for IPv6.
Usage: include "metallb.parseAddress" (dict "address" "10.0.0.10-10.0.0.50" "key" "addressPools[0].addresses[0]" "context" $) | fromJson
*/}}
{{- define "metallb.parseAddress" -}}
{{- $a := trim (toString .address) -}}
{{- $key := .key -}}
{{- $ctx := .context -}}
{{- $out := dict -}}
{{- if contains "/" $a -}}
  {{- $parts := splitList "/" $a -}}
  {{- $ip := index $parts 0 -}}
  {{- $prefix := last $parts -}}
  {{- $family := include "common.ip.family" $ip -}}
  {{- if or (ne (len $parts) 2) (not (regexMatch "^[0-9]{1,3}$" $prefix)) -}}
    {{- include "common.fail" (dict "key" $key "message" (printf "%s: a CIDR is <ip>/<prefix length>, e.g. 10.0.0.0/24" $a) "context" $ctx) -}}
  {{- end -}}
  {{- if eq $family "4" -}}
    {{- if gt (atoi $prefix) 32 -}}
      {{- include "common.fail" (dict "key" $key "message" (printf "%s: an IPv4 prefix length is 0 to 32" $a) "context" $ctx) -}}
    {{- end -}}
    {{- $size := 1 -}}
    {{- range until (sub 32 (atoi $prefix) | int) -}}{{- $size = mul $size 2 -}}{{- end -}}
    {{- $n := include "common.ipv4.toInt" $ip | atoi -}}
    {{- $start := sub $n (mod $n $size) -}}
    {{- $out = dict "family" "4" "start" $start "end" (sub (add $start $size) 1) -}}
  {{- else if eq $family "6" -}}
    {{- if gt (atoi $prefix) 128 -}}
      {{- include "common.fail" (dict "key" $key "message" (printf "%s: an IPv6 prefix length is 0 to 128" $a) "context" $ctx) -}}
    {{- end -}}
    {{- $net := substr 0 (atoi $prefix) (include "common.ipv6.bits" $ip) -}}
    {{- $host := sub 128 (atoi $prefix) | int -}}
    {{- $out = dict "family" "6" "start" (printf "%s%s" $net (repeat $host "0")) "end" (printf "%s%s" $net (repeat $host "1")) -}}
  {{- else -}}
    {{- include "common.fail" (dict "key" $key "message" (printf "%s: %s is not a valid IP address" $a $ip) "context" $ctx) -}}
  {{- end -}}
{{- else if contains "-" $a -}}
  {{- $parts := splitList "-" $a -}}
  {{- if ne (len $parts) 2 -}}
    {{- include "common.fail" (dict "key" $key "message" (printf "%s: a range is <first ip>-<last ip>, e.g. 10.0.0.10-10.0.0.50" $a) "context" $ctx) -}}
  {{- end -}}
  {{- $from := trim (index $parts 0) -}}
  {{- $to := trim (index $parts 1) -}}
  {{- $ff := include "common.ip.family" $from -}}
  {{- $tf := include "common.ip.family" $to -}}
  {{- if not $ff -}}
    {{- include "common.fail" (dict "key" $key "message" (printf "%s: %s is not a valid IP address" $a $from) "context" $ctx) -}}
  {{- end -}}
  {{- if not $tf -}}
    {{- include "common.fail" (dict "key" $key "message" (printf "%s: %s is not a valid IP address" $a $to) "context" $ctx) -}}
  {{- end -}}
  {{- if ne $ff $tf -}}
    {{- include "common.fail" (dict "key" $key "message" (printf "%s: start and end are of different IP families (IPv%s and IPv%s)" $a $ff $tf) "context" $ctx) -}}
  {{- end -}}
  {{- if eq $ff "4" -}}
    {{- $start := include "common.ipv4.toInt" $from | atoi -}}
    {{- $end := include "common.ipv4.toInt" $to | atoi -}}
    {{- if gt $start $end -}}
      {{- include "common.fail" (dict "key" $key "message" (printf "%s: start is after end" $a) "context" $ctx) -}}
    {{- end -}}
    {{- $out = dict "family" "4" "start" $start "end" $end -}}
  {{- else -}}
    {{- $start := include "common.ipv6.bits" $from -}}
    {{- $end := include "common.ipv6.bits" $to -}}
    {{- if gt $start $end -}}
      {{- include "common.fail" (dict "key" $key "message" (printf "%s: start is after end" $a) "context" $ctx) -}}
    {{- end -}}
    {{- $out = dict "family" "6" "start" $start "end" $end -}}
  {{- end -}}
{{- else -}}
  {{- include "common.fail" (dict "key" $key "message" (printf "%s: is neither a CIDR (10.0.0.0/24) nor a range (10.0.0.10-10.0.0.50)" $a) "context" $ctx) -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/*
Spec of a configuration custom resource: the values item without the keys
that go into metadata. The schema limits the remaining keys to the CRD's.
*/}}
{{- define "metallb.config.spec" -}}
{{- $spec := omit . "name" "labels" "annotations" -}}
{{- if $spec }}
spec:
  {{- toYaml $spec | nindent 2 }}
{{- else }}
spec: {}
{{- end }}
{{- end -}}

{{/*
OpenAPI schema of a metav1.LabelSelector, for the CRDs.
Usage: include "metallb.crd.labelSelector" "Nodes this applies to."
*/}}
{{- define "metallb.crd.labelSelector" -}}
type: object
description: {{ . | quote }}
x-kubernetes-map-type: atomic
properties:
  matchLabels:
    type: object
    additionalProperties:
      type: string
  matchExpressions:
    type: array
    items:
      type: object
      required: [key, operator]
      properties:
        key:
          type: string
        operator:
          type: string
        values:
          type: array
          items:
            type: string
{{- end -}}

{{/* Metadata shared by every CRD of the chart. */}}
{{- define "metallb.crd.metadata" -}}
metadata:
  name: {{ .name }}
  labels:
    {{- include "common.labels.standard" .context | nindent 4 }}
  annotations:
    # Deleting a CRD deletes every pool and advertisement with it.
    helm.sh/resource-policy: keep
{{- end -}}

{{/* The speaker's selector labels as a label selector string, for METALLB_ML_LABELS. */}}
{{- define "metallb.speaker.memberlistLabels" -}}
{{- $labels := include "common.labels.selector" (dict "context" . "component" "speaker") | fromYaml -}}
{{- $pairs := list -}}
{{- range $k := keys $labels | sortAlpha -}}
{{- $pairs = append $pairs (printf "%s=%s" $k (index $labels $k)) -}}
{{- end -}}
{{- join "," $pairs -}}
{{- end -}}

{{/* ServiceMonitors are on (locally or through global.monitoring) unless PodMonitors replace them. */}}
{{- define "metallb.serviceMonitor.on" -}}
{{- if and (include "common.monitoring.on" (dict "enabled" .Values.prometheus.serviceMonitor.enabled "context" .)) (not .Values.prometheus.podMonitor.enabled) }}true{{ end -}}
{{- end -}}

{{/* Labels of a component's metrics Service, which its ServiceMonitor selects. */}}
{{- define "metallb.metricsService.selector" -}}
{{- include "common.labels.selector" (dict "context" .context "component" (printf "%s-metrics" .component)) -}}
{{- end -}}

{{/* How Prometheus scrapes MetalLB: HTTPS, authorised by its ServiceAccount token (TokenReview + SubjectAccessReview on /metrics). */}}
{{- define "metallb.scrapeEndpoint" -}}
{{- toJson (dict "port" "metricshttps" "path" "/metrics" "scheme" "https" "bearerTokenFile" "/var/run/secrets/kubernetes.io/serviceaccount/token" "tlsConfig" .tlsConfig) -}}
{{- end -}}

{{/* The scraping Prometheus gets RBAC when asked and something scrapes MetalLB. */}}
{{- define "metallb.prometheusRbac" -}}
{{- $p := .Values.prometheus -}}
{{- if and $p.rbacPrometheus (or (include "metallb.serviceMonitor.on" .) $p.podMonitor.enabled) }}true{{ end -}}
{{- end -}}

{{/*
The BGP backend, as METALLB_BGP_TYPE spells it: "frr" (FRR beside each speaker),
"frr-k8s" (an frr-k8s installed elsewhere) or "native". The controller's
webhook validates the configuration by it, so both components get the same.
*/}}
{{- define "metallb.bgpType" -}}
{{- if .Values.speaker.frr.enabled -}}frr{{- else if .Values.frrk8s.external -}}frr-k8s{{- else -}}native{{- end -}}
{{- end -}}

{{/*
"true" when a metav1.LabelSelector (matchLabels, matchExpressions with In,
NotIn, Exists, DoesNotExist) selects an object with these labels. An empty
selector selects everything, as MetalLB reads its pool selectors.
Usage: include "metallb.selects" (dict "selector" $sel "labels" $pool.labels)
*/}}
{{- define "metallb.selects" -}}
{{- $labels := .labels | default dict -}}
{{- $ok := true -}}
{{- range $k, $v := .selector.matchLabels | default dict -}}
{{- if ne (toString (get $labels $k)) (toString $v) }}{{ $ok = false }}{{ end -}}
{{- if not (hasKey $labels $k) }}{{ $ok = false }}{{ end -}}
{{- end -}}
{{- range .selector.matchExpressions | default list -}}
{{- $has := hasKey $labels .key -}}
{{- $in := and $has (has (toString (get $labels .key)) (.values | default list)) -}}
{{- if or (and (eq .operator "In") (not $in)) (and (eq .operator "NotIn") $in) (and (eq .operator "Exists") (not $has)) (and (eq .operator "DoesNotExist") $has) }}{{ $ok = false }}{{ end -}}
{{- end -}}
{{- if $ok }}true{{ end -}}
{{- end -}}

{{/* The TLS flags both binaries take for their HTTPS servers (metrics, webhook). */}}
{{- define "metallb.tlsArgs" -}}
{{- with .Values.tls.cipherSuites }}
- --tls-cipher-suites={{ . }}
{{- end }}
{{- with .Values.tls.curvePreferences }}
- --tls-curve-preferences={{ . }}
{{- end }}
{{- with .Values.tls.minVersion }}
- --tls-min-version={{ . }}
{{- end }}
{{- end -}}

{{/*
securityContext of the FRR containers, as upstream runs them: root, because
FRR's daemons switch to the frr user themselves and vtysh reaches their sockets
(frr:frrvty, 0770) only as root with the runtime's default capabilities; no
privilege escalation, a read-only root filesystem, RuntimeDefault seccomp.
Usage: include "metallb.frrSecurityContext" (dict "add" (list "NET_ADMIN"))
*/}}
{{- define "metallb.frrSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: false
runAsUser: 0
seccompProfile:
  type: RuntimeDefault
{{- with .add }}
capabilities:
  add: {{ toJson . }}
{{- end }}
{{- end -}}

{{/* Whether MetalLB's webhooks are served: the controller runs and its webhook mode is not `disabled`. */}}
{{- define "metallb.webhookServed" -}}
{{- if and .Values.controller.enabled (ne .Values.controller.webhookMode "disabled") }}true{{ end -}}
{{- end -}}
