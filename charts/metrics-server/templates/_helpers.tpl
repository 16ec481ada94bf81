{{/*
Flags the chart writes from its own values, in the order they are rendered.
extraArgs may not repeat them: two values for one flag, and the later one wins
silently (or, for --secure-port, the probes and the Service point at a port
nothing serves).
*/}}
{{- define "metrics-server.managedFlags" -}}
{{- list "cert-dir" "secure-port" "kubelet-preferred-address-types" "kubelet-use-node-status-port" "kubelet-insecure-tls" "metric-resolution" "tls-cert-file" "tls-private-key-file" "authorization-always-allow-paths" | toJson -}}
{{- end -}}

{{/* Where the serving certificate is mounted when the chart (or you) provide one. */}}
{{- define "metrics-server.tlsDir" -}}/etc/metrics-server/tls{{- end -}}

{{/* The Secret holding tls.crt / tls.key: the chart's own for helm and cert-manager, yours for existingSecret. */}}
{{- define "metrics-server.tlsSecretName" -}}
{{- if eq .Values.tls.type "existingSecret" -}}
{{- .Values.tls.existingSecret.name -}}
{{- else -}}
{{- include "common.names.component" (dict "context" . "component" "tls") -}}
{{- end -}}
{{- end -}}

{{/* The Service's DNS names, which the serving certificate must carry (the API server dials <svc>.<ns>.svc). */}}
{{- define "metrics-server.dnsNames" -}}
{{- include "common.tls.serviceDNSNames" (dict "service" (include "common.names.fullname" .) "namespace" (include "common.names.namespace" .) "context" .) -}}
{{- end -}}

{{/* tls.type helm: {ca, cert, key}, generated once and kept (see common.tls.generated). */}}
{{- define "metrics-server.helmCerts" -}}
{{- include "common.tls.generated" (dict "secretName" (include "metrics-server.tlsSecretName" .) "namespace" (include "common.names.namespace" .) "dnsNames" (include "metrics-server.dnsNames" . | fromJsonArray) "days" .Values.tls.helm.certDurationDays "key" "tls.helm.certDurationDays" "context" .) -}}
{{- end -}}

{{/*
The APIService's CA as base64 (empty when there is none to give): the generated CA (helm),
apiService.caBundle, or the existing Secret's ca.crt (else tls.crt) found by lookup.
*/}}
{{- define "metrics-server.caBundle" -}}
{{- $t := .Values.tls.type -}}
{{- if eq $t "helm" -}}
{{- (include "metrics-server.helmCerts" . | fromJson).ca | b64enc -}}
{{- else if .Values.apiService.caBundle -}}
{{- .Values.apiService.caBundle | b64enc -}}
{{- else if and (eq $t "existingSecret") .Values.tls.existingSecret.lookup -}}
{{- $data := (lookup "v1" "Secret" (include "common.names.namespace" .) .Values.tls.existingSecret.name).data | default dict -}}
{{- index $data "ca.crt" | default (index $data "tls.crt") | default "" -}}
{{- end -}}
{{- end -}}

{{/* Go durations ("15s", "1m30s", "500ms") in seconds, for the start-up rules metrics-server enforces. */}}
{{- define "metrics-server.seconds" -}}
{{- $total := 0.0 -}}
{{- $units := dict "h" 3600.0 "m" 60.0 "s" 1.0 "ms" 0.001 -}}
{{- range regexFindAll "[0-9]+(\\.[0-9]+)?(ms|h|m|s)" (toString .) -1 -}}
{{- $unit := regexFind "(ms|h|m|s)$" . -}}
{{- $total = addf $total (mulf (float64 (trimSuffix $unit .)) (get $units $unit)) -}}
{{- end -}}
{{- $total -}}
{{- end -}}

{{/* The container's arguments as a JSON list (flags from values, then extraArgs sorted by name). */}}
{{- define "metrics-server.args" -}}
{{- $v := .Values -}}
{{- $args := list -}}
{{- if eq $v.tls.type "metrics-server" -}}
{{- $args = append $args "--cert-dir=/tmp" -}}
{{- else -}}
{{- $dir := include "metrics-server.tlsDir" . -}}
{{- $args = concat $args (list (printf "--tls-cert-file=%s/tls.crt" $dir) (printf "--tls-private-key-file=%s/tls.key" $dir)) -}}
{{- end -}}
{{- $args = concat $args (list
      (printf "--secure-port=%d" (int $v.securePort))
      (printf "--kubelet-preferred-address-types=%s" (join "," $v.kubelet.preferredAddressTypes))
      (printf "--metric-resolution=%s" $v.metricResolution)) -}}
{{- if $v.kubelet.useNodeStatusPort }}{{ $args = append $args "--kubelet-use-node-status-port" }}{{ end -}}
{{- if $v.kubelet.insecureTLS }}{{ $args = append $args "--kubelet-insecure-tls" }}{{ end -}}
{{- if $v.metrics.enabled -}}
{{- /* the flag replaces the default list, so the health endpoints are named again */ -}}
{{- $args = append $args "--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics" -}}
{{- end -}}
{{- range $flag := keys $v.extraArgs | sortAlpha -}}
{{- $args = append $args (printf "--%s=%v" $flag (index $v.extraArgs $flag)) -}}
{{- end -}}
{{- toJson $args -}}
{{- end -}}
