{{/*
Monitoring objects for the Prometheus Operator (ServiceMonitor, PodMonitor, PrometheusRule) and
Grafana dashboards, one shape for every chart of the suite.

A chart keeps its own values in its upstream's shape and hands them here:
  monitor values: enabled, additionalLabels, annotations, namespace, interval, scrapeTimeout,
                  relabelings, metricRelabelings, honorLabels, jobLabel (all optional but enabled)
  rule values:    enabled, additionalLabels, annotations, namespace, labels (added to every alert),
                  disabled (alert name -> true), extraRules
`global.monitoring` (the platform umbrella's one block) turns everything on and adds shared labels.
*/}}

{{/* The umbrella's shared block, with defaults when a chart is installed alone. */}}
{{- define "common.monitoring.global" -}}
{{- $g := (.Values.global | default dict).monitoring | default dict -}}
{{- toJson (dict "enabled" ($g.enabled | default false) "labels" ($g.labels | default dict) "interval" ($g.interval | default "") "dashboards" (ternary $g.dashboards true (hasKey $g "dashboards"))) -}}
{{- end -}}

{{/*
"true" when the object is asked for, locally or by global.monitoring.enabled.
Usage: include "common.monitoring.on" (dict "enabled" .Values.prometheus.serviceMonitor.enabled "context" $)
*/}}
{{- define "common.monitoring.on" -}}
{{- $g := include "common.monitoring.global" .context | fromJson -}}
{{- if or .enabled $g.enabled }}true{{ end -}}
{{- end -}}

{{/*
On a live cluster (every API server serves apiregistration.k8s.io/v1; helm's offline list lacks
it) the Prometheus Operator's API for `kind` must be there, else helm's own error ("no matches
for kind") would not say what to install. Offline renders pass `--api-versions` to check.
Usage: include "common.monitoring.requireApi" (dict "kind" "ServiceMonitor" "key" "prometheus.serviceMonitor.enabled" "context" $)
*/}}
{{- define "common.monitoring.requireApi" -}}
{{- $caps := .context.Capabilities.APIVersions -}}
{{- if and ($caps.Has "apiregistration.k8s.io/v1") (not ($caps.Has (printf "monitoring.coreos.com/v1/%s" .kind))) -}}
{{- include "common.fail" (dict "key" .key "message" (printf "asks for a %s, but the cluster has no monitoring.coreos.com/v1 %s API: install the Prometheus Operator's CRDs first (kube-prometheus-stack, or the prometheus-operator-crds chart), or set it to false" .kind .kind) "context" .context) -}}
{{- end -}}
{{- end -}}

{{/* The key that asked for an object: the chart's own `<key>.enabled`, else global.monitoring.enabled. */}}
{{- define "common.monitoring.askedBy" -}}
{{- if .values.enabled }}{{ printf "%s.enabled" .key }}{{ else }}global.monitoring.enabled{{ end -}}
{{- end -}}

{{/* Prometheus label names: rule labels the user adds must be valid, or the rule group is refused at load. */}}
{{- define "common.monitoring.checkLabels" -}}
{{- range $name, $_ := .labels -}}
{{- if not (regexMatch "^[a-zA-Z_][a-zA-Z0-9_]*$" $name) -}}
{{- include "common.fail" (dict "key" (printf "%s.%s" $.key $name) "message" "is not a valid Prometheus label name: use letters, digits and underscores, not starting with a digit" "context" $.context) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* metadata shared by the monitoring objects: name, namespace, labels (standard + global shared +
additional), annotations; each key once (common.labels.merge), the selector labels unchangeable.
("labelsKey" names additionalLabels in errors when the chart calls them otherwise.) */}}
{{- define "common.monitoring.metadata" -}}
{{- $g := include "common.monitoring.global" .context | fromJson -}}
{{- $sources := list (dict "key" "global.monitoring.labels" "map" $g.labels) (dict "key" (.labelsKey | default (printf "%s.additionalLabels" .key)) "map" .values.additionalLabels) (dict "key" .key "map" .extraLabels) -}}
name: {{ .name }}
namespace: {{ .values.namespace | default (include "common.names.namespace" .context) | quote }}
labels:
  {{- include "common.labels.standard" (dict "context" .context "component" .component "sources" $sources) | nindent 2 }}
{{- with include "common.labels.merge" (dict "sources" (list (dict "key" (printf "%s.annotations" .key) "map" .values.annotations)) "what" "annotations" "context" .context) }}
annotations:
  {{- . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* The scrape endpoints: the chart's fixed part (port, path, scheme, tlsConfig, ...) and the user's knobs. */}}
{{- define "common.monitoring.endpoints" -}}
{{- $g := include "common.monitoring.global" .context | fromJson -}}
{{- $out := list -}}
{{- range .endpoints -}}
{{- $e := deepCopy . -}}
{{- with $.values.interval | default $g.interval }}{{ $_ := set $e "interval" . }}{{ end -}}
{{- with $.values.scrapeTimeout }}{{ $_ := set $e "scrapeTimeout" . }}{{ end -}}
{{- if $.values.honorLabels }}{{ $_ := set $e "honorLabels" true }}{{ end -}}
{{- with $.values.relabelings }}{{ $_ := set $e "relabelings" . }}{{ end -}}
{{- with $.values.metricRelabelings }}{{ $_ := set $e "metricRelabelings" . }}{{ end -}}
{{- $out = append $out $e -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/*
A ServiceMonitor selecting the chart's metrics Service in the release namespace.
Usage: include "common.monitoring.serviceMonitor" (dict
  "values" .Values.prometheus.serviceMonitor "key" "prometheus.serviceMonitor"
  "name" "<object name>" "component" "controller"
  "selector" (dict ...labels of the metrics Service...) "serviceNamespace" "<ns, default release ns>"
  "endpoints" (list (dict "port" "metrics" ...)) "context" $)
Optional: "namespaceSelector" (replaces the release namespace), "extraSpec" (more spec fields: targetLabels, limits).
Renders nothing unless it is asked for.
*/}}
{{- define "common.monitoring.serviceMonitor" -}}
{{- if include "common.monitoring.on" (dict "enabled" .values.enabled "context" .context) -}}
{{- include "common.monitoring.requireApi" (dict "kind" "ServiceMonitor" "key" (include "common.monitoring.askedBy" .) "context" .context) -}}

apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  {{- include "common.monitoring.metadata" . | nindent 2 }}
spec:
  {{- with .values.jobLabel }}
  jobLabel: {{ . | quote }}
  {{- end }}
  namespaceSelector:
    {{- if .namespaceSelector }}
    {{- toYaml .namespaceSelector | nindent 4 }}
    {{- else }}
    matchNames:
      - {{ .serviceNamespace | default (include "common.names.namespace" .context) | quote }}
    {{- end }}
  selector:
    matchLabels:
      {{- toYaml .selector | nindent 6 }}
  {{- with .extraSpec }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
  endpoints:
    {{- include "common.monitoring.endpoints" . | nindent 4 }}
{{- end -}}
{{- end -}}

{{/*
A PodMonitor selecting the chart's pods (for scrapers that skip Services, or charts without one).
Same arguments as the ServiceMonitor; `endpoints` are podMetricsEndpoints (a named container port).
*/}}
{{- define "common.monitoring.podMonitor" -}}
{{- if .values.enabled -}}
{{- include "common.monitoring.requireApi" (dict "kind" "PodMonitor" "key" (printf "%s.enabled" .key) "context" .context) -}}

apiVersion: monitoring.coreos.com/v1
kind: PodMonitor
metadata:
  {{- include "common.monitoring.metadata" . | nindent 2 }}
spec:
  {{- with .values.jobLabel }}
  jobLabel: {{ . | quote }}
  {{- end }}
  namespaceSelector:
    matchNames:
      - {{ .serviceNamespace | default (include "common.names.namespace" .context) | quote }}
  selector:
    matchLabels:
      {{- toYaml .selector | nindent 6 }}
  podMetricsEndpoints:
    {{- include "common.monitoring.endpoints" . | nindent 4 }}
{{- end -}}
{{- end -}}

{{/*
A PrometheusRule of the chart's alerts.
Usage: include "common.monitoring.prometheusRule" (dict "values" .Values.prometheus.prometheusRule
  "key" "prometheus.prometheusRule" "name" "<object name>" "component" "controller"
  "groups" (list (dict "name" "metallb" "rules" (list ...alert dicts...))) "context" $)
Each alert gets the user's `labels`; `disabled.<AlertName>: true` drops one; `extraRules` are
appended as a group of their own.
*/}}
{{- define "common.monitoring.prometheusRule" -}}
{{- if include "common.monitoring.on" (dict "enabled" .values.enabled "context" .context) -}}
{{- include "common.monitoring.requireApi" (dict "kind" "PrometheusRule" "key" (include "common.monitoring.askedBy" .) "context" .context) -}}
{{- include "common.monitoring.checkLabels" (dict "labels" (.values.labels | default dict) "key" (printf "%s.labels" .key) "context" .context) -}}
{{- $disabled := .values.disabled | default dict -}}
{{- $known := list -}}
{{- range .groups }}{{ range .rules }}{{ $known = append $known (.alert | default "") }}{{ end }}{{ end -}}
{{- range $name, $_ := $disabled -}}
{{- if not (has $name $known) -}}
{{- include "common.fail" (dict "key" (printf "%s.disabled.%s" $.key $name) "message" (printf "is no alert of this chart: pick from %s" (join ", " (compact $known))) "context" $.context) -}}
{{- end -}}
{{- end -}}
{{- $groups := list -}}
{{- range .groups -}}
{{- $rules := list -}}
{{- range .rules -}}
{{- if not (index $disabled (.alert | default "")) -}}
{{- $rule := deepCopy . -}}
{{- if and .alert $.values.labels -}}
{{- $_ := set $rule "labels" (merge (dict) ($.values.labels | deepCopy) ($rule.labels | default dict)) -}}
{{- end -}}
{{- $rules = append $rules $rule -}}
{{- end -}}
{{- end -}}
{{- if $rules -}}
{{- $groups = append $groups (dict "name" .name "rules" $rules) -}}
{{- end -}}
{{- end -}}
{{- range $i, $r := .values.extraRules | default list -}}
{{- include "common.monitoring.checkLabels" (dict "labels" ($r.labels | default dict) "key" (printf "%s.extraRules[%d].labels" $.key $i) "context" $.context) -}}
{{- end -}}
{{- with .values.extraRules -}}
{{- $groups = append $groups (dict "name" (printf "%s-extra" $.name) "rules" .) -}}
{{- end }}
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  {{- include "common.monitoring.metadata" . | nindent 2 }}
spec:
  groups:
    {{- toYaml $groups | nindent 4 }}
{{- end -}}
{{- end -}}

{{/*
A Grafana dashboard as a ConfigMap with the sidecar's label (`grafana_dashboard: "1"`), from a JSON
file of the chart. On with the chart's dashboards.enabled, or with global.monitoring.enabled unless
global.monitoring.dashboards is false.
Usage: include "common.monitoring.dashboard" (dict "values" .Values.dashboards "key" "dashboards"
  "name" "<ConfigMap name>" "file" "dashboards/metallb.json" "component" "controller" "context" $)
*/}}
{{- define "common.monitoring.dashboard" -}}
{{- $g := include "common.monitoring.global" .context | fromJson -}}
{{- if or .values.enabled (and $g.enabled $g.dashboards) -}}
{{- $json := .context.Files.Get .file -}}
{{- if not $json -}}
{{- include "common.fail" (dict "key" .key "message" (printf "needs the chart file %s, which is missing from this package" .file) "context" .context) -}}
{{- end }}
apiVersion: v1
kind: ConfigMap
metadata:
  {{- include "common.monitoring.metadata" (dict "name" .name "values" .values "component" .component "extraLabels" (dict "grafana_dashboard" "1") "context" .context) | nindent 2 }}
data:
  {{ base .file }}: |-
    {{- $json | nindent 4 }}
{{- end -}}
{{- end -}}

{{/*
Fail when a user-given selector cannot match the Service the monitor is meant for.
Usage: include "common.monitoring.checkSelector" (dict "selector" .Values.prometheus.monitor.selector
  "labels" (dict ...labels of the metrics Service...) "key" "prometheus.monitor.selector" "context" $)
*/}}
{{- define "common.monitoring.checkSelector" -}}
{{- range $k, $v := .selector -}}
{{- if ne (toString (index $.labels $k | default "")) (toString $v) -}}
{{- include "common.fail" (dict "key" $.key "message" (printf "matches nothing: %s=%s is not a label of the metrics Service, whose labels are %s. Leave it empty, or pick from those labels" $k (toString $v) (include "common.monitoring.labelList" $.labels)) "context" $.context) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "common.monitoring.labelList" -}}
{{- $out := list -}}
{{- range $k, $v := . }}{{ $out = append $out (printf "%s=%s" $k (toString $v)) }}{{ end -}}
{{- join ", " $out -}}
{{- end -}}
