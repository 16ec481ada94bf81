{{/*
Flags the chart writes from its own values, in the order they are rendered.
extraArgs may not repeat them: two values for one flag, and the later one wins
silently (or, for --secure-port, the probes and the Service point at a port
nothing serves).
*/}}
{{- define "metrics-server.managedFlags" -}}
{{- list "cert-dir" "secure-port" "kubelet-preferred-address-types" "kubelet-use-node-status-port" "kubelet-insecure-tls" "metric-resolution" "authorization-always-allow-paths" | toJson -}}
{{- end -}}

{{/* The container's arguments as a JSON list (flags from values, then extraArgs sorted by name). */}}
{{- define "metrics-server.args" -}}
{{- $v := .Values -}}
{{- $args := list
      "--cert-dir=/tmp"
      (printf "--secure-port=%d" (int $v.securePort))
      (printf "--kubelet-preferred-address-types=%s" (join "," $v.kubelet.preferredAddressTypes))
      (printf "--metric-resolution=%s" $v.metricResolution) -}}
{{- if $v.kubelet.useNodeStatusPort }}{{ $args = append $args "--kubelet-use-node-status-port" }}{{ end -}}
{{- if $v.kubelet.insecureTLS }}{{ $args = append $args "--kubelet-insecure-tls" }}{{ end -}}
{{- /* /metrics without a token, for Prometheus; the probes' paths stay open as by default. */ -}}
{{- if include "metrics-server.metricsOn" . }}{{ $args = append $args "--authorization-always-allow-paths=/healthz,/livez,/readyz,/metrics" }}{{ end -}}
{{- range $flag := keys $v.extraArgs | sortAlpha -}}
{{- $args = append $args (printf "--%s=%v" $flag (index $v.extraArgs $flag)) -}}
{{- end -}}
{{- toJson $args -}}
{{- end -}}

{{/* /metrics is served to Prometheus when asked for, or when global.monitoring turns on every chart's monitoring. */}}
{{- define "metrics-server.metricsOn" -}}
{{- include "common.monitoring.on" (dict "enabled" .Values.metrics.enabled "context" .) -}}
{{- end -}}
