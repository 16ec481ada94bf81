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

{{/* The exporter's objects: <clusterName>-metrics (Deployment, Service), -user and -roles (Secrets). */}}
{{- define "elasticsearch.metricsName" -}}
{{- printf "%s-metrics" (include "elasticsearch.clusterName" .) | trunc 55 | trimSuffix "-" -}}
{{- end -}}
