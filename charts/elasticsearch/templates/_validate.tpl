{{/* Cross-value checks; the schema covers types, enums and patterns. */}}
{{- define "elasticsearch.validate" -}}
{{- /* On a live cluster the CRDs must be there: otherwise helm's own error ("no matches for kind") says nothing about what to install. */ -}}
{{- if include "elasticsearch.live" . -}}
{{- if not (.Capabilities.APIVersions.Has "elasticsearch.k8s.elastic.co/v1/Elasticsearch") -}}
{{- include "common.fail" (dict "key" "(cluster)" "message" "has no elasticsearch.k8s.elastic.co/v1 Elasticsearch API: install the eck-operator chart (its CRDs and operator) first, then this chart" "context" .) -}}
{{- end -}}
{{- if and .Values.kibana.enabled (not (.Capabilities.APIVersions.Has "kibana.k8s.elastic.co/v1/Kibana")) -}}
{{- include "common.fail" (dict "key" "kibana.enabled" "message" "is true but the cluster has no kibana.k8s.elastic.co/v1 Kibana API: install the eck-operator chart first" "context" .) -}}
{{- end -}}
{{- end -}}

{{- $names := list -}}
{{- $masters := 0 -}}
{{- $masterSets := 0 -}}
{{- range $i, $ns := .Values.nodeSets -}}
{{- $key := printf "nodeSets[%d]" $i -}}
{{- if has $ns.name $names -}}
{{- include "common.fail" (dict "key" (printf "%s.name" $key) "message" (printf "%q is used twice: node set names must be unique" $ns.name) "context" $) -}}
{{- end -}}
{{- $names = append $names $ns.name -}}
{{- if include "elasticsearch.masterEligible" $ns -}}
{{- $masterSets = add1 $masterSets -}}
{{- $masters = add $masters (int $ns.count) -}}
{{- end -}}
{{- if $ns.heap -}}
{{- $heap := include "elasticsearch.bytes" $ns.heap | int64 -}}
{{- $limit := include "elasticsearch.bytes" (dig "limits" "memory" "" ($ns.resources | default dict)) | int64 -}}
{{- if lt $heap 0 -}}
{{- include "common.fail" (dict "key" (printf "%s.heap" $key) "message" (printf "%q is not a JVM size: use e.g. 1g or 512m" (toString $ns.heap)) "context" $) -}}
{{- end -}}
{{- if le $limit 0 -}}
{{- include "common.fail" (dict "key" (printf "%s.resources.limits.memory" $key) "message" "is needed when heap is set: the heap must fit in half of it" "context" $) -}}
{{- end -}}
{{- if gt (mul $heap 2) $limit -}}
{{- include "common.fail" (dict "key" (printf "%s.heap" $key) "message" (printf "%s is more than half of resources.limits.memory (%s): Elasticsearch needs the other half for off-heap memory and the filesystem cache" (toString $ns.heap) (toString $ns.resources.limits.memory)) "context" $) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if eq $masterSets 0 -}}
{{- include "common.fail" (dict "key" "nodeSets[].roles" "message" "has no master-eligible node set: give at least one node set the master role (or leave its roles empty for all roles)" "context" .) -}}
{{- end -}}
{{- if eq $masters 0 -}}
{{- include "common.fail" (dict "key" "nodeSets[].count" "message" "is 0 on every master-eligible node set: the cluster needs at least one master-eligible node" "context" .) -}}
{{- end -}}
{{- if and (gt $masters 1) (eq (mod $masters 2) 0) -}}
{{- include "common.fail" (dict "key" "nodeSets[].count" "message" (printf "gives %d master-eligible nodes: use an odd number (1, 3, 5) so a majority survives the loss of a node without a tie" $masters) "context" .) -}}
{{- end -}}

{{- if and (eq .Values.http.tls.mode "certificate") (not .Values.http.tls.certificateSecret) -}}
{{- $_ := include "common.required" (dict "value" .Values.http.tls.certificateSecret "key" "http.tls.certificateSecret" "hint" "the Secret with tls.crt and tls.key, when http.tls.mode is certificate" "context" .) -}}
{{- end -}}
{{- if .Values.kibana.enabled -}}
{{- if and .Values.kibana.version (ne (toString .Values.kibana.version) (toString .Values.version)) -}}
{{- include "common.fail" (dict "key" "kibana.version" "message" (printf "%s differs from version %s: Kibana must run the same version as Elasticsearch (leave kibana.version empty to follow it)" (toString .Values.kibana.version) (toString .Values.version)) "context" .) -}}
{{- end -}}
{{- if and (eq .Values.kibana.http.tls.mode "certificate") (not .Values.kibana.http.tls.certificateSecret) -}}
{{- $_ := include "common.required" (dict "value" .Values.kibana.http.tls.certificateSecret "key" "kibana.http.tls.certificateSecret" "hint" "the Secret with tls.crt and tls.key, when kibana.http.tls.mode is certificate" "context" .) -}}
{{- end -}}
{{- end -}}
{{- if .Values.ingress.elasticsearch.enabled -}}
{{- $_ := include "common.required" (dict "value" .Values.ingress.elasticsearch.host "key" "ingress.elasticsearch.host" "hint" "the host name, e.g. es.lab.feng.org" "context" .) -}}
{{- end -}}
{{- with .Values.httpRoute.kibana -}}
{{- if .enabled -}}
{{- if not $.Values.kibana.enabled -}}
{{- include "common.fail" (dict "key" "httpRoute.kibana.enabled" "message" "is true but kibana.enabled is false: there is no Kibana to route to" "context" $) -}}
{{- end -}}
{{- $_ := include "common.required" (dict "value" .parentRefs "key" "httpRoute.kibana.parentRefs" "hint" "the Gateway it attaches to, e.g. [{name: platform-traefik, namespace: traefik, sectionName: websecure}]" "context" $) -}}
{{- if not (or .hostnames $.Values.ingress.kibana.host) -}}
{{- include "common.fail" (dict "key" "httpRoute.kibana.hostnames" "message" "is empty and so is ingress.kibana.host: the HTTPRoute needs a host name" "context" $) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if .Values.ingress.kibana.enabled -}}
{{- if not .Values.kibana.enabled -}}
{{- include "common.fail" (dict "key" "ingress.kibana.enabled" "message" "is true but kibana.enabled is false: there is no Kibana to route to" "context" .) -}}
{{- end -}}
{{- $_ := include "common.required" (dict "value" .Values.ingress.kibana.host "key" "ingress.kibana.host" "hint" "the host name, e.g. kibana.lab.feng.org" "context" .) -}}
{{- end -}}
{{- /* ECK upgrades by spec.version: an image tag of another release makes it plan for one version and run another */ -}}
{{- range $key, $pair := dict "image.tag" (list .Values.image.tag .Values.version "version") "kibana.image.tag" (list .Values.kibana.image.tag (include "elasticsearch.kibanaVersion" .) "kibana.version (or version)") -}}
{{- $tag := toString (index $pair 0) -}}
{{- $release := regexFind "^[0-9]+\\.[0-9]+\\.[0-9]+" $tag -}}
{{- if and $release (ne $release (toString (index $pair 1))) -}}
{{- include "common.fail" (dict "key" $key "message" (printf "%q is release %s but %s is %s: ECK would plan the cluster for one version and run the other's binaries; leave the tag empty to follow the version, or change both" $tag $release (index $pair 2) (toString (index $pair 1))) "context" $) -}}
{{- end -}}
{{- end -}}
{{- include "common.resources.validate" (dict "resources" .Values.kibana.resources "key" "kibana.resources" "context" .) -}}
{{- range $i, $ns := .Values.nodeSets -}}
{{- include "common.resources.validate" (dict "resources" $ns.resources "key" (printf "nodeSets[%d].resources" $i) "context" $) -}}
{{- end -}}
{{- end -}}
