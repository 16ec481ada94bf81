{{/* Cross-value checks; the schema covers types, enums and forms. */}}
{{- define "metrics-server.validate" -}}
{{- $v := .Values -}}
{{- if and $v.serviceMonitor.enabled (not (include "metrics-server.metricsOn" .)) -}}
{{- include "common.fail" (dict "key" "serviceMonitor.enabled" "message" "needs metrics.enabled: true: without it /metrics asks for a token the ServiceMonitor does not send" "context" .) -}}
{{- end -}}

{{- /* `key: null` in a values file deletes the chart's default: say which key instead of rendering "null" into a manifest. */ -}}
{{- range $key := list "image" "kubelet" "apiService" "service" "serviceAccount" "rbac" "pdb" "resources" "livenessProbe" "readinessProbe" -}}
{{- if not (kindIs "map" (get $v $key)) -}}
{{- include "common.fail" (dict "key" $key "message" "must be a map; null removes the chart's defaults and leaves nothing to render (delete the line to keep the defaults)" "context" $) -}}
{{- end -}}
{{- end -}}
{{- if not (kindIs "map" $v.resources.requests) -}}
{{- include "common.fail" (dict "key" "resources.requests" "message" "must be a map with cpu and memory: without requests the scheduler places the pod anywhere and it is evicted first" "context" .) -}}
{{- end -}}
{{- if not $v.kubelet.preferredAddressTypes -}}
{{- include "common.fail" (dict "key" "kubelet.preferredAddressTypes" "message" "must list at least one address type (InternalIP, ExternalIP, Hostname, InternalDNS, ExternalDNS): metrics-server would reach no kubelet" "context" .) -}}
{{- end -}}

{{- /* The kubelet already listens on 10250 in the node's network namespace. */ -}}
{{- if and $v.hostNetwork (eq (int $v.securePort) 10250) -}}
{{- include "common.fail" (dict "key" "securePort" "message" "is 10250, the kubelet's own port, while hostNetwork is true: the pod could never bind it. Pick another port, e.g. 4443" "context" .) -}}
{{- end -}}

{{- $managed := include "metrics-server.managedFlags" . | fromJsonArray -}}
{{- range $flag := keys $v.extraArgs | sortAlpha -}}
{{- if has $flag $managed -}}
{{- include "common.fail" (dict "key" (printf "extraArgs.%s" $flag) "message" "is a flag the chart sets from its own values (securePort, kubelet.*, metricResolution); set it there, so the probes, ports and Service follow" "context" $) -}}
{{- end -}}
{{- end -}}

{{- /* metrics-server refuses to start below 10s. */ -}}
{{- $res := $v.metricResolution | toString -}}
{{- $n := regexFind "^[0-9]+" $res | int -}}
{{- $seconds := ternary (mul $n 3600) (ternary (mul $n 60) $n (hasSuffix "m" $res)) (hasSuffix "h" $res) -}}
{{- if lt (int $seconds) 10 -}}
{{- include "common.fail" (dict "key" "metricResolution" "message" (printf "%q is below 10s, which metrics-server refuses at start-up" $res) "context" .) -}}
{{- end -}}

{{- include "common.resources.validate" (dict "resources" $v.resources "key" "resources" "context" .) -}}

{{- /* A PDB that allows no disruption blocks every node drain; it takes one of the two fields. */ -}}
{{- if $v.pdb.enabled -}}
{{- $min := $v.pdb.minAvailable -}}
{{- $max := $v.pdb.maxUnavailable -}}
{{- if and (not (kindIs "invalid" $min)) (not (kindIs "invalid" $max)) -}}
{{- include "common.fail" (dict "key" "pdb.minAvailable" "message" "and pdb.maxUnavailable are both set; a PodDisruptionBudget takes one of them (set the other to null)" "context" .) -}}
{{- end -}}
{{- if and (kindIs "invalid" $min) (kindIs "invalid" $max) -}}
{{- include "common.fail" (dict "key" "pdb.maxUnavailable" "message" "is null and so is pdb.minAvailable; set one of them (e.g. maxUnavailable: 1)" "context" .) -}}
{{- end -}}
{{- include "common.pdb.validate" (dict "maxUnavailable" $max "minAvailable" $min "replicas" $v.replicaCount "key" "pdb" "context" .) -}}
{{- end -}}

{{- /* A toleration without a key matches every taint only with operator Exists; the API server refuses it otherwise. */ -}}
{{- range $i, $t := $v.tolerations -}}
{{- if and (not $t.key) (ne ($t.operator | default "Equal") "Exists") -}}
{{- include "common.fail" (dict "key" (printf "tolerations[%d].key" $i) "message" "is missing: a toleration without a key needs operator Exists (it then tolerates every taint)" "context" $) -}}
{{- end -}}
{{- end -}}
{{- end -}}
