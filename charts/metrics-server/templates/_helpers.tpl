{{/*
Flags the chart writes from its own values, in the order they are rendered.
extraArgs may not repeat them: two values for one flag, and the later one wins
silently (or, for --secure-port, the probes and the Service point at a port
nothing serves).
*/}}
{{- define "metrics-server.managedFlags" -}}
{{- list "cert-dir" "secure-port" "kubelet-preferred-address-types" "kubelet-use-node-status-port" "kubelet-insecure-tls" "metric-resolution" | toJson -}}
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
{{- range $flag := keys $v.extraArgs | sortAlpha -}}
{{- $args = append $args (printf "--%s=%v" $flag (index $v.extraArgs $flag)) -}}
{{- end -}}
{{- toJson $args -}}
{{- end -}}

{{/*
A resource quantity ("100m", "200Mi", "1", "1.5G") as a float in base units,
so requests and limits can be compared. The schema has already checked the form.
*/}}
{{- define "metrics-server.quantity" -}}
{{- $s := toString . -}}
{{- $num := regexFind "^[0-9]+(\\.[0-9]+)?" $s -}}
{{- $suffix := trimPrefix $num $s -}}
{{- $factor := get (dict "" 1.0 "m" 0.001 "k" 1e3 "M" 1e6 "G" 1e9 "T" 1e12 "P" 1e15 "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "Ti" 1099511627776.0 "Pi" 1125899906842624.0) $suffix -}}
{{- mulf (float64 $num) $factor -}}
{{- end -}}
