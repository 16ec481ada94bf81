{{/*
Escape hatches and pieces every chart shares: extra objects, and the NetworkPolicy rules
for what every pod needs to reach (cluster DNS, the API server, the nodes).
*/}}

{{/*
extraObjects: more manifests released with the chart, each a map or a string; both may hold
templates ({{ .Release.Name }}, {{ include "common.names.fullname" . }}). Each item becomes one
document, re-serialised from its parsed form, so a string can't smuggle extra documents or keys
past the render; each gets the release's standard labels under its own. An item that isn't one
Kubernetes object (apiVersion, kind, metadata.name) fails naming its index.
Usage: include "common.extraObjects" (dict "objects" .Values.extraObjects "key" "extraObjects" "context" $)
*/}}
{{- define "common.extraObjects" -}}
{{- range $i, $item := .objects }}
{{- $where := printf "%s[%d]" $.key $i -}}
{{- $text := include "common.tpl" (dict "value" $item "context" $.context) -}}
{{- if regexMatch "(?m)^---" $text -}}
{{- include "common.fail" (dict "key" $where "message" "holds more than one YAML document: give each object its own item" "context" $.context) -}}
{{- end -}}
{{- $obj := fromYaml $text -}}
{{- if hasKey $obj "Error" -}}
{{- include "common.fail" (dict "key" $where "message" (printf "is not a YAML map after templating: %s" $obj.Error) "context" $.context) -}}
{{- end -}}
{{- if not (and (kindIs "string" $obj.apiVersion) $obj.apiVersion (kindIs "string" $obj.kind) $obj.kind (kindIs "map" $obj.metadata) (kindIs "string" ($obj.metadata).name) ($obj.metadata).name) -}}
{{- include "common.fail" (dict "key" $where "message" "is not a Kubernetes object: it needs apiVersion, kind and metadata.name (strings)" "context" $.context) -}}
{{- end -}}
{{- /* the release's standard labels, under the object's own (which win) */ -}}
{{- $labels := merge (deepCopy ($obj.metadata.labels | default dict)) (include "common.labels.standard" $.context | fromYaml) -}}
{{- $_ := set $obj.metadata "labels" $labels }}
---
{{ toYaml $obj }}
{{- end }}
{{- end -}}

{{/*
Where the nodes are, for NetworkPolicy ipBlocks: the given CIDRs, else global.network.nodeCIDR,
else nothing (the rule then matches any address, restricted by port only). On kubeadm the API
servers, the kubelets and the callers of webhooks and aggregated APIs all sit on the node network.
Usage: include "common.networkPolicy.nodeCIDRs" (dict "cidrs" .Values.networkPolicy.nodeCIDRs "context" $) | fromJsonArray
*/}}
{{- define "common.networkPolicy.nodeCIDRs" -}}
{{- $cidrs := .cidrs | default list -}}
{{- if not $cidrs -}}
{{- with ((.context.Values.global).network).nodeCIDR }}{{ $cidrs = list . }}{{ end -}}
{{- end -}}
{{- toJson $cidrs -}}
{{- end -}}

{{/*
A `to:` or `from:` list of ipBlocks for the given CIDRs; renders nothing for an empty list, which
in a NetworkPolicy rule means any address.
Usage: {{- include "common.networkPolicy.ipBlocks" (dict "field" "to" "cidrs" $cidrs) | nindent 6 }}
*/}}
{{- define "common.networkPolicy.ipBlocks" -}}
{{- if .cidrs }}
{{ .field }}:
{{- range .cidrs }}
  - ipBlock:
      cidr: {{ . | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
Egress rules every pod with a NetworkPolicy needs: DNS (53/UDP and TCP, to any address, since
cluster DNS may be kube-dns's pods, a node-local cache or the node's resolver) and the API server
(its ports on the node CIDRs: NetworkPolicies see the endpoint behind the kubernetes Service,
not its ClusterIP).
Usage: {{- include "common.networkPolicy.egressBase" (dict "apiServerPorts" (list 6443) "nodeCIDRs" $cidrs) | nindent 4 }}
*/}}
{{- define "common.networkPolicy.egressBase" -}}
- ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
{{- if .apiServerPorts }}
- ports:
    {{- range .apiServerPorts }}
    - port: {{ . }}
      protocol: TCP
    {{- end }}
  {{- include "common.networkPolicy.ipBlocks" (dict "field" "to" "cidrs" .nodeCIDRs) | nindent 2 }}
{{- end }}
{{- end -}}
