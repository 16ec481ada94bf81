{{/* Name of the Elasticsearch resource. */}}
{{- define "elasticsearch.clusterName" -}}
{{- .Values.clusterName | default (include "common.names.fullname" .) | trunc 36 | trimSuffix "-" -}}
{{- end -}}

{{/* Name of the Kibana resource. */}}
{{- define "elasticsearch.kibanaName" -}}
{{- .Values.kibana.name | default (include "elasticsearch.clusterName" .) | trunc 36 | trimSuffix "-" -}}
{{- end -}}

{{/* Kibana version: its own value, else the cluster's. */}}
{{- define "elasticsearch.kibanaVersion" -}}
{{- .Values.kibana.version | default .Values.version -}}
{{- end -}}

{{/* spec.image: the image map with the tag defaulting to a version. Usage: (dict "image" X "version" V "context" $) */}}
{{- define "elasticsearch.image" -}}
{{- $img := merge (dict "tag" (.image.tag | default .version)) .image -}}
{{- include "common.images.image" (dict "image" $img "context" .context) -}}
{{- end -}}

{{/*
"true" when a node set is master-eligible: `roles` contains master, or
`roles` is empty and config["node.roles"] is absent (every role). An empty
config["node.roles"] is a coordinating-only node.
*/}}
{{- define "elasticsearch.masterEligible" -}}
{{- $config := .config | default dict -}}
{{- if .roles -}}
{{- if has "master" .roles }}true{{ end -}}
{{- else if hasKey $config "node.roles" -}}
{{- if has "master" (get $config "node.roles" | default list) }}true{{ end -}}
{{- else -}}
true
{{- end -}}
{{- end -}}

{{/*
A Kubernetes quantity or JVM size ("2Gi", "2G", "1g", "512m") in bytes, for
comparing the heap with the memory limit. Prints -1 when it can't be parsed.
JVM sizes (k, m, g) are binary, as the JVM reads them.
*/}}
{{- define "elasticsearch.bytes" -}}
{{- $s := toString . -}}
{{- $m := regexFind "^[0-9]+" $s -}}
{{- if not $m -}}-1{{- else -}}
{{- $unit := trimPrefix $m $s -}}
{{- $mult := dict "" 1 "k" 1024 "K" 1000 "Ki" 1024 "m" 1048576 "M" 1000000 "Mi" 1048576 "g" 1073741824 "G" 1000000000 "Gi" 1073741824 "t" 1099511627776 "T" 1000000000000 "Ti" 1099511627776 -}}
{{- if hasKey $mult $unit -}}{{ mul (int64 $m) (get $mult $unit) }}{{- else -}}-1{{- end -}}
{{- end -}}
{{- end -}}

{{/* Turn ["es.lab", "10.0.0.5"] into subjectAltNames entries. */}}
{{- define "elasticsearch.subjectAltNames" -}}
{{- range . }}
- {{ if regexMatch "^[0-9.]+$|:" . }}ip{{ else }}dns{{ end }}: {{ . | quote }}
{{- end }}
{{- end -}}

{{/* spec.http.tls from a {mode, subjectAltNames, certificateSecret} map. */}}
{{- define "elasticsearch.httpTLS" -}}
tls:
  {{- if eq .mode "disabled" }}
  selfSignedCertificate:
    disabled: true
  {{- else if eq .mode "certificate" }}
  certificate:
    secretName: {{ .certificateSecret }}
  {{- else }}
  selfSignedCertificate:
    {{- with .subjectAltNames }}
    subjectAltNames:
      {{- include "elasticsearch.subjectAltNames" . | nindent 6 }}
    {{- else }}
    disabled: false
    {{- end }}
  {{- end }}
{{- end -}}

{{/*
Is this a real cluster? Every API server serves apiregistration.k8s.io/v1 (the
aggregator), and discovery is open to every authenticated user; helm's offline
API list (`helm template`, client dry runs) lacks it. A `lookup` would need read
access to a cluster-scoped object, and its "forbidden" fails the whole install
of a user who may only write the release namespace.
*/}}
{{- define "elasticsearch.live" -}}
{{- if .Capabilities.APIVersions.Has "apiregistration.k8s.io/v1" }}true{{ end -}}
{{- end -}}

{{/*
A user's podTemplate merged into the chart's, as ECK would merge it, except that
it may not re-set what a typed value sets: that fails naming both keys.
  base:   the chart's podTemplate (a dict)
  user:   the user's podTemplate
  key:    where the user's lives, e.g. nodeSets[0].podTemplate
  main:   the container the chart configures (elasticsearch, kibana)
  typed:  "spec.<field>", "container.<field>" and "env.<NAME>" -> the typed key that sets it
Prints the merged podTemplate as JSON.
Usage: include "elasticsearch.mergePodTemplate" (dict "base" $pt "user" .podTemplate "key" K "main" "elasticsearch" "typed" $typed "context" $) | fromJson
*/}}
{{- define "elasticsearch.mergePodTemplate" -}}
{{- $ctx := .context -}}
{{- $out := deepCopy .base -}}
{{- $user := .user | default dict -}}
{{- $key := .key -}}
{{- $typed := .typed -}}
{{- if not (hasKey $out "metadata") }}{{ $_ := set $out "metadata" dict }}{{ end -}}
{{- if not (hasKey $out "spec") }}{{ $_ := set $out "spec" dict }}{{ end -}}
{{- range $field := list "labels" "annotations" -}}
{{- $have := get $out.metadata $field | default dict -}}
{{- range $k, $v := (get ($user.metadata | default dict) $field | default dict) -}}
{{- if regexMatch "^(elasticsearch|kibana|common)\\.k8s\\.elastic\\.co/" $k -}}
{{- include "common.fail" (dict "key" (printf "%s.metadata.%s.%s" $key $field $k) "message" "is the operator's own label: it sets and selects on it" "context" $ctx) -}}
{{- end -}}
{{- if hasKey $have $k -}}
{{- include "common.fail" (dict "key" (printf "%s.metadata.%s.%s" $key $field $k) "message" (printf "is set by the chart (a selector label, or %s): set it in one place" (get $typed (printf "metadata.%s" $field))) "context" $ctx) -}}
{{- end -}}
{{- $_ := set $have $k $v -}}
{{- end -}}
{{- if $have }}{{ $_ := set $out.metadata $field $have }}{{ end -}}
{{- end -}}
{{- $spec := $out.spec -}}
{{- range $field, $value := ($user.spec | default dict) -}}
{{- if eq $field "containers" -}}
{{- $containers := $spec.containers | default list -}}
{{- $seen := dict -}}
{{- range $containers }}{{ $_ := set $seen .name -1 }}{{ end -}}
{{- range $i, $c := $value -}}
{{- $ckey := printf "%s.spec.containers[%d]" $key $i -}}
{{- if eq $c.name $.main -}}
{{- $main := dict -}}
{{- range $containers }}{{ if eq .name $.main }}{{ $main = . }}{{ end }}{{ end -}}
{{- range $cf, $cv := $c -}}
{{- if eq $cf "env" -}}
{{- $env := $main.env | default list -}}
{{- $names := dict -}}
{{- range $env }}{{ $_ := set $names .name true }}{{ end -}}
{{- range $j, $e := $cv -}}
{{- if hasKey $names $e.name -}}
{{- include "common.fail" (dict "key" (printf "%s.env[%d]" $ckey $j) "message" (printf "(%s) is set by the chart from %s: set that instead" $e.name (get $typed (printf "env.%s" $e.name) | default "the chart")) "context" $ctx) -}}
{{- end -}}
{{- $_ := set $names $e.name true -}}
{{- $env = append $env $e -}}
{{- end -}}
{{- $_ := set $main "env" $env -}}
{{- else if ne $cf "name" -}}
{{- if hasKey $main $cf -}}
{{- include "common.fail" (dict "key" (printf "%s.%s" $ckey $cf) "message" (printf "is set by the chart from %s: set that instead" (get $typed (printf "container.%s" $cf) | default "the chart")) "context" $ctx) -}}
{{- end -}}
{{- $_ := set $main $cf $cv -}}
{{- end -}}
{{- end -}}
{{- else -}}
{{- if hasKey $seen $c.name -}}
{{- include "common.fail" (dict "key" (printf "%s.name" $ckey) "message" (printf "%q is the name of another container in the pod" $c.name) "context" $ctx) -}}
{{- end -}}
{{- $containers = append $containers $c -}}
{{- end -}}
{{- $_ := set $seen $c.name $i -}}
{{- end -}}
{{- $_ := set $spec "containers" $containers -}}
{{- else if has $field (list "initContainers" "volumes") -}}
{{- $items := get $spec $field | default list -}}
{{- $seen := dict -}}
{{- range $items }}{{ $_ := set $seen .name true }}{{ end -}}
{{- range $i, $item := $value -}}
{{- if hasKey $seen $item.name -}}
{{- include "common.fail" (dict "key" (printf "%s.spec.%s[%d].name" $key $field $i) "message" (printf "%q is already a name in the pod's %s (the chart's, or an earlier item)" $item.name $field) "context" $ctx) -}}
{{- end -}}
{{- $_ := set $seen $item.name true -}}
{{- $items = append $items $item -}}
{{- end -}}
{{- $_ := set $spec $field $items -}}
{{- else -}}
{{- if hasKey $spec $field -}}
{{- include "common.fail" (dict "key" (printf "%s.spec.%s" $key $field) "message" (printf "is set by the chart from %s: set that instead" (get $typed (printf "spec.%s" $field) | default "the chart")) "context" $ctx) -}}
{{- end -}}
{{- $_ := set $spec $field $value -}}
{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/* spec.http.service of a CR from a {type, annotations, labels, externalTrafficPolicy, loadBalancerSourceRanges} map; nothing when all are defaults. */}}
{{- define "elasticsearch.httpService" -}}
{{- $s := . | default dict -}}
{{- $spec := dict -}}
{{- if and $s.type (ne $s.type "ClusterIP") -}}
{{- $_ := set $spec "type" $s.type -}}
{{- if and $s.externalTrafficPolicy (ne $s.externalTrafficPolicy "Cluster") }}{{ $_ := set $spec "externalTrafficPolicy" $s.externalTrafficPolicy }}{{ end -}}
{{- if and (eq $s.type "LoadBalancer") $s.loadBalancerSourceRanges }}{{ $_ := set $spec "loadBalancerSourceRanges" $s.loadBalancerSourceRanges }}{{ end -}}
{{- end -}}
{{- $meta := dict -}}
{{- with $s.annotations }}{{ $_ := set $meta "annotations" . }}{{ end -}}
{{- with $s.labels }}{{ $_ := set $meta "labels" . }}{{ end -}}
{{- if or $spec $meta }}
service:
  {{- with $meta }}
  metadata:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $spec }}
  spec:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- end -}}

{{/* The chart's podTemplate of one node set, before the user's is merged in. Usage: (dict "ns" $nodeSet "pullSecrets" $ps "context" $) */}}
{{- define "elasticsearch.nodeSetPodTemplate" -}}
{{- $pullSecrets := .pullSecrets -}}
{{- $ := .context -}}
{{- with .ns -}}
metadata:
  labels:
    {{- include "common.labels.selector" (dict "context" $ "component" "elasticsearch") | nindent 4 }}
    {{- with .podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with .podAnnotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  securityContext:
    {{- include "common.securityContext.pod" $.Values.podSecurityContext | nindent 4 }}
  {{- with $.Values.serviceAccountName }}
  serviceAccountName: {{ . | quote }}
  {{- end }}
  {{- with $pullSecrets }}
  {{- . | nindent 2 }}
  {{- end }}
  {{- with $.Values.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  {{- if $.Values.sysctlInitContainer.enabled }}
  initContainers:
    # vm.max_map_count is not namespaced: only a privileged root container can set it on the node.
    # No image: the operator gives init containers the Elasticsearch image.
    - name: sysctl
      command: [sh, -c, "sysctl -w vm.max_map_count={{ int $.Values.sysctlInitContainer.maxMapCount }}"]
      securityContext:
        privileged: true
        runAsUser: 0
        runAsNonRoot: false
      resources:
        requests:
          cpu: 10m
          memory: 16Mi
        limits:
          memory: 64Mi
  {{- end }}
  containers:
    - name: elasticsearch
      {{- with .resources }}
      resources:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $.Values.securityContext | nindent 8 }}
      {{- with .heap }}
      env:
        # Without this the heap is sized from the memory limit.
        - name: ES_JAVA_OPTS
          value: "-Xms{{ . }} -Xmx{{ . }}"
      {{- end }}
  {{- with .nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}
{{- end -}}

{{/* The chart's podTemplate of Kibana, before the user's is merged in. */}}
{{- define "elasticsearch.kibanaPodTemplate" -}}
{{- $kb := .Values.kibana -}}
metadata:
  labels:
    {{- include "common.labels.selector" (dict "context" . "component" "kibana") | nindent 4 }}
    {{- with $kb.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  securityContext:
    {{- include "common.securityContext.pod" $kb.podSecurityContext | nindent 4 }}
  {{- include "common.images.pullSecrets" (dict "pullSecrets" .Values.imagePullSecrets "context" .) | nindent 2 }}
  containers:
    - name: kibana
      resources:
        {{- toYaml $kb.resources | nindent 8 }}
      securityContext:
        {{- include "common.securityContext.container" $kb.securityContext | nindent 8 }}
  {{- with $kb.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $kb.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $kb.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}

{{/*
elasticsearch.yml keys, nested or dotted, as one flat map of dotted names
(`xpack: {security: {enabled: false}}` and `xpack.security.enabled: false` are the same setting).
Usage: include "elasticsearch.flatten" (dict "value" .config "prefix" "") | fromJson
*/}}
{{- define "elasticsearch.flatten" -}}
{{- $out := dict -}}
{{- range $k, $v := .value -}}
{{- $name := ternary $k (printf "%s.%s" $.prefix $k) (eq $.prefix "") -}}
{{- if kindIs "map" $v -}}
{{- $out = merge $out (include "elasticsearch.flatten" (dict "value" $v "prefix" $name) | fromJson) -}}
{{- else -}}
{{- $_ := set $out $name $v -}}
{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}
