{{/*
Escape hatches: extra objects, containers, volumes and env that a chart passes
through, and the guards that keep them from re-setting what the chart types.
*/}}

{{/*
The user's extra objects (`extraObjects` / `extraDeploy`): each item a map or a
string, rendered through tpl, one document each. Every item must come out as one
object with apiVersion, kind and metadata.name, or the render fails naming it.
Usage: include "common.extras.objects" (dict "objects" .Values.extraObjects "key" "extraObjects" "context" $)
*/}}
{{- define "common.extras.objects" -}}
{{- range $i, $item := .objects }}
{{- $key := printf "%s[%d]" $.key $i -}}
{{- $text := include "common.tpl" (dict "value" $item "context" $.context) -}}
{{- if regexMatch "(?m)^---(\\s|$)" $text -}}
{{- include "common.fail" (dict "key" $key "message" "holds more than one YAML document (only the first would be parsed): give each object its own item" "context" $.context) -}}
{{- end -}}
{{- $obj := fromYaml $text -}}
{{- if hasKey $obj "Error" -}}
{{- include "common.fail" (dict "key" $key "message" (printf "is not one YAML object after templating: %s" (get $obj "Error")) "context" $.context) -}}
{{- end -}}
{{- if or (not $obj.apiVersion) (not $obj.kind) (not (dig "metadata" "name" "" $obj)) -}}
{{- include "common.fail" (dict "key" $key "message" "needs apiVersion, kind and metadata.name (one object per item; use another item for the next object)" "context" $.context) -}}
{{- end }}
{{- /* Namespaced objects land in the chart's namespace (namespaceOverride too), as its own objects do. */}}
{{- $clusterScoped := list "Namespace" "CustomResourceDefinition" "StorageClass" "PersistentVolume" "PriorityClass" "ValidatingWebhookConfiguration" "MutatingWebhookConfiguration" "ValidatingAdmissionPolicy" "ValidatingAdmissionPolicyBinding" "APIService" "IngressClass" "RuntimeClass" "CSIDriver" "Node" "GatewayClass" }}
{{- if and (not $obj.metadata.namespace) (not (has $obj.kind $clusterScoped)) (not (hasPrefix "Cluster" $obj.kind)) }}
{{- $_ := set $obj.metadata "namespace" (include "common.names.namespace" $.context) }}
{{- end }}
{{- /* The release's standard labels, so `helm`-style selectors and audits find them; the object's own win. */}}
{{- $_ := set $obj.metadata "labels" (merge (dig "metadata" "labels" dict $obj) (include "common.labels.standard" $.context | fromYaml)) }}
---
{{ toYaml $obj }}
{{- end }}
{{- end -}}

{{/*
Fails when an extra argument re-sets a flag the chart sets from a typed value:
the chart's value and the argument would disagree, and the last one wins
silently. `flags` maps each flag (without dashes; `-` and `_` are the same) to
the key that sets it. Arguments may be `--flag=value`, `--flag value` or `-flag`.
Usage: include "common.extras.argsGuard" (dict "args" .Values.extraArgs "key" "extraArgs" "flags" (dict "server-id" "replication.serverIdBase") "context" $)
*/}}
{{- define "common.extras.argsGuard" -}}
{{- range $i, $arg := .args -}}
{{- $name := regexReplaceAll "^-+" (toString $arg) "" | splitList "=" | first | lower | replace "_" "-" -}}
{{- if and (hasPrefix "-" (toString $arg)) (hasKey $.flags $name) -}}
{{- include "common.fail" (dict "key" (printf "%s[%d]" $.key $i) "message" (printf "(%s) re-sets --%s, which the chart already sets from %s: remove the argument (and set that value instead)" (toString $arg) $name (get $.flags $name)) "context" $.context) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Fails when an extra env var has the name of one the chart sets (`names` maps the
name to the key that sets it), or when two extra ones share a name.
Usage: include "common.extras.envGuard" (dict "env" .Values.extraEnvVars "key" "extraEnvVars" "names" (dict "MYSQL_DATABASE" "auth.database") "context" $)
*/}}
{{- define "common.extras.envGuard" -}}
{{- $seen := dict -}}
{{- range $i, $e := .env -}}
{{- $name := toString (dig "name" "" $e) -}}
{{- if hasKey $.names $name -}}
{{- include "common.fail" (dict "key" (printf "%s[%d].name" $.key $i) "message" (printf "%q is set by the chart from %s: set that instead" $name (get $.names $name)) "context" $.context) -}}
{{- end -}}
{{- if hasKey $seen $name -}}
{{- include "common.fail" (dict "key" (printf "%s[%d].name" $.key $i) "message" (printf "%q is already set by %s[%d]" $name $.key (get $seen $name)) "context" $.context) -}}
{{- end -}}
{{- $_ := set $seen $name $i -}}
{{- end -}}
{{- end -}}

{{/*
Fails when an extra item (volume, container, port...) takes a name the chart
uses, or a name another extra item has: the API server refuses duplicate names
in a pod. `reserved` lists the chart's names; `field` is the item's name field.
Usage: include "common.extras.namesGuard" (dict "items" .Values.extraVolumes "key" "extraVolumes" "reserved" (list "data") "what" "volume" "context" $)
*/}}
{{- define "common.extras.namesGuard" -}}
{{- $field := .field | default "name" -}}
{{- $seen := dict -}}
{{- range .reserved }}{{ $_ := set $seen (toString .) -1 }}{{ end -}}
{{- range $i, $item := .items -}}
{{- $name := toString (get ($item | default dict) $field) -}}
{{- if hasKey $seen $name -}}
{{- $was := get $seen $name -}}
{{- include "common.fail" (dict "key" (printf "%s[%d].%s" $.key $i $field) "message" (printf "%q is the name of %s: every %s in the pod needs its own" $name (ternary (printf "the chart's own %s" $.what) (printf "%s[%v]" $.key $was) (eq (toString $was) "-1")) $.what) "context" $.context) -}}
{{- end -}}
{{- $_ := set $seen $name $i -}}
{{- end -}}
{{- end -}}

{{/*
Fails when an extra volume mount lands on a path the chart mounts.
Usage: include "common.extras.mountsGuard" (dict "mounts" .Values.extraVolumeMounts "key" "extraVolumeMounts" "reserved" (list "/var/lib/mysql") "context" $)
*/}}
{{- define "common.extras.mountsGuard" -}}
{{- $seen := dict -}}
{{- range .reserved }}{{ $_ := set $seen (trimSuffix "/" (toString .)) true }}{{ end -}}
{{- range $i, $m := .mounts -}}
{{- $path := trimSuffix "/" (toString (dig "mountPath" "" ($m | default dict))) -}}
{{- if hasKey $seen $path -}}
{{- include "common.fail" (dict "key" (printf "%s[%d].mountPath" $.key $i) "message" (printf "%q is already mounted (by the chart or an earlier item): mount below another path" $path) "context" $.context) -}}
{{- end -}}
{{- $_ := set $seen $path true -}}
{{- end -}}
{{- end -}}

{{/*
topologySpreadConstraints: the user's list, each item given the pods' selector
labels when it has no labelSelector of its own (what users mean nearly always).
Usage: include "common.extras.topologySpread" (dict "constraints" .Values.topologySpreadConstraints "selector" (include "common.labels.selector" $) "context" $)
*/}}
{{- define "common.extras.topologySpread" -}}
{{- $out := list -}}
{{- range .constraints -}}
{{- $c := deepCopy . -}}
{{- if not (hasKey $c "labelSelector") -}}
{{- $_ := set $c "labelSelector" (dict "matchLabels" (fromYaml $.selector)) -}}
{{- end -}}
{{- $out = append $out $c -}}
{{- end -}}
{{- with $out }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/*
Affinity from presets, as the Bitnami charts offer them: podAffinityPreset and
podAntiAffinityPreset (`soft`, `hard` or ""), nodeAffinityPreset {type, key,
values}. An explicit `affinity` replaces them all. Renders nothing when empty.
Usage: include "common.extras.affinity" (dict "affinity" .Values.affinity "podAffinityPreset" .Values.podAffinityPreset
         "podAntiAffinityPreset" .Values.podAntiAffinityPreset "nodeAffinityPreset" .Values.nodeAffinityPreset
         "selector" (include "common.labels.selector" $) "context" $)
*/}}
{{- define "common.extras.affinity" -}}
{{- $sel := fromYaml .selector -}}
{{- $aff := dict -}}
{{- if .affinity -}}
{{- $aff = .affinity -}}
{{- else -}}
{{- range $kind, $preset := dict "podAffinity" (.podAffinityPreset | default "") "podAntiAffinity" (.podAntiAffinityPreset | default "") -}}
{{- $term := dict "topologyKey" "kubernetes.io/hostname" "labelSelector" (dict "matchLabels" $sel) -}}
{{- if eq $preset "hard" -}}
{{- $_ := set $aff $kind (dict "requiredDuringSchedulingIgnoredDuringExecution" (list $term)) -}}
{{- else if eq $preset "soft" -}}
{{- $_ := set $aff $kind (dict "preferredDuringSchedulingIgnoredDuringExecution" (list (dict "weight" 100 "podAffinityTerm" $term))) -}}
{{- end -}}
{{- end -}}
{{- $node := .nodeAffinityPreset | default dict -}}
{{- if and $node.type $node.key $node.values -}}
{{- $expr := dict "key" $node.key "operator" "In" "values" $node.values -}}
{{- if eq $node.type "hard" -}}
{{- $_ := set $aff "nodeAffinity" (dict "requiredDuringSchedulingIgnoredDuringExecution" (dict "nodeSelectorTerms" (list (dict "matchExpressions" (list $expr))))) -}}
{{- else -}}
{{- $_ := set $aff "nodeAffinity" (dict "preferredDuringSchedulingIgnoredDuringExecution" (list (dict "weight" 1 "preference" (dict "matchExpressions" (list $expr))))) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- with $aff }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/*
NetworkPolicy egress rules every policed pod needs when egress is restricted:
DNS (UDP and TCP 53, to any address: the cluster DNS may be CoreDNS pods or a
node-local cache) and, with `apiServer`, the Kubernetes API server. The API
server runs on the host network, so no pod selector reaches it: it is allowed
by port, to `cidrs` when given (its addresses), else to any address.
Usage: include "common.networkPolicy.baseEgress" (dict "apiServer" true "kubeAPIServer" .Values.networkPolicy.kubeAPIServer)
*/}}
{{- define "common.networkPolicy.baseEgress" -}}
- ports:
    - {protocol: UDP, port: 53}
    - {protocol: TCP, port: 53}
{{- if .apiServer }}
{{- $api := .kubeAPIServer | default dict }}
- ports:
    {{- range ($api.ports | default (list 443 6443)) }}
    - {protocol: TCP, port: {{ int . }}}
    {{- end }}
  {{- with $api.cidrs }}
  to:
    {{- range . }}
    - ipBlock:
        cidr: {{ . | quote }}
    {{- end }}
  {{- end }}
{{- end }}
{{- end -}}

{{/*
Peers from namespace labels and pod labels, as the Bitnami charts' ingressNSMatchLabels
and ingressNSPodMatchLabels build them: pods matching the pod labels in namespaces
matching the namespace labels (either may be empty). Renders nothing when both are empty.
Usage: include "common.networkPolicy.labelPeer" (dict "namespaceLabels" .Values.networkPolicy.ingressNSMatchLabels "podLabels" .Values.networkPolicy.ingressNSPodMatchLabels)
*/}}
{{- define "common.networkPolicy.labelPeer" -}}
{{- if or .namespaceLabels .podLabels }}
- namespaceSelector:
    {{- with .namespaceLabels }}
    matchLabels:
      {{- toYaml . | nindent 6 }}
    {{- else }} {}
    {{- end }}
  {{- with .podLabels }}
  podSelector:
    matchLabels:
      {{- toYaml . | nindent 6 }}
  {{- end }}
{{- end }}
{{- end -}}

{{/*
A namespaceSelector peer for a list of namespace names (nothing when the list is empty).
Usage: include "common.networkPolicy.namespacesPeer" (list "monitoring" "wordpress")
*/}}
{{- define "common.networkPolicy.namespacesPeer" -}}
{{- if . }}
- namespaceSelector:
    matchExpressions:
      - key: kubernetes.io/metadata.name
        operator: In
        values:
          {{- range . }}
          - {{ . | quote }}
          {{- end }}
{{- end }}
{{- end -}}

{{/*
Where the nodes are, for NetworkPolicy ipBlocks: the given CIDRs, else global.network.nodeCIDR,
else none (a rule then matches any address, restricted by port only). On kubeadm the API
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
A `to:` or `from:` list of ipBlocks for the given CIDRs; nothing for an empty list, which in a
NetworkPolicy rule means any address.
Usage: {{- include "common.networkPolicy.ipBlocks" (dict "field" "from" "cidrs" $cidrs) | nindent 6 }}
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
