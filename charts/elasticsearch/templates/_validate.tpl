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

{{- /* Settings ECK manages itself (its documented list): a value here fights the operator. */ -}}
{{- $managed := list "cluster.name" "discovery.seed_hosts" "discovery.seed_providers" "discovery.zen.minimum_master_nodes" "cluster.initial_master_nodes" "network.host" "network.publish_host" "path.data" "path.logs" "xpack.security.authc.reserved_realm.enabled" "xpack.security.enabled" "xpack.security.http.ssl.certificate" "xpack.security.http.ssl.enabled" "xpack.security.http.ssl.key" "xpack.security.transport.ssl.enabled" "xpack.security.transport.ssl.verification_mode" -}}
{{- $anonymous := false -}}
{{- range $i, $ns := .Values.nodeSets -}}
{{- $key := printf "nodeSets[%d]" $i -}}
{{- $flat := include "elasticsearch.flatten" (dict "value" ($ns.config | default dict) "prefix" "") | fromJson -}}
{{- range $setting, $v := $flat -}}
{{- if has $setting $managed -}}
{{- include "common.fail" (dict "key" (printf "%s.config.%s" $key $setting) "message" "is managed by the ECK operator (security, TLS, discovery and paths are its own): remove it; use http.tls, transport.tls or the node set's storage instead" "context" $) -}}
{{- end -}}
{{- if and (eq $setting "xpack.security.http.ssl.client_authentication") (eq (toString $v) "required") -}}
{{- include "common.fail" (dict "key" (printf "%s.config.%s" $key $setting) "message" "\"required\" is refused by the ECK webhook when set in the node set's config (the operator's own probes have no client certificate)" "context" $) -}}
{{- end -}}
{{- if and (hasPrefix "node." $setting) (has (trimPrefix "node." $setting) (list "master" "data" "ingest" "ml" "remote_cluster_client" "transform" "voting_only")) -}}
{{- include "common.fail" (dict "key" (printf "%s.config.%s" $key $setting) "message" (printf "is a legacy role setting that Elasticsearch %s refuses beside node.roles: list the roles in %s.roles" $.Values.version $key) "context" $) -}}
{{- end -}}
{{- if and (hasPrefix "xpack.security.authc.anonymous.roles" $setting) $v -}}{{ $anonymous = true }}{{- end -}}
{{- end -}}
{{- /* Extra claims: unique, not the data claim, and mounted (the ECK webhook refuses a claim no container mounts). */ -}}
{{- $mounted := dict -}}
{{- range $c := concat (dig "podTemplate" "spec" "containers" list $ns) (dig "podTemplate" "spec" "initContainers" list $ns) -}}
{{- range ($c.volumeMounts | default list) }}{{ $_ := set $mounted .name true }}{{ end -}}
{{- end -}}
{{- $claims := dict "elasticsearch-data" true -}}
{{- range $j, $vct := ($ns.volumeClaimTemplates | default list) -}}
{{- $name := $vct.metadata.name -}}
{{- if eq $name "elasticsearch-data" -}}
{{- include "common.fail" (dict "key" (printf "%s.volumeClaimTemplates[%d].metadata.name" $key $j) "message" (printf "is the data claim, which the chart writes from %s.storage: set its size and class there" $key) "context" $) -}}
{{- end -}}
{{- if hasKey $claims $name -}}
{{- include "common.fail" (dict "key" (printf "%s.volumeClaimTemplates[%d].metadata.name" $key $j) "message" (printf "%q is used twice" $name) "context" $) -}}
{{- end -}}
{{- $_ := set $claims $name true -}}
{{- range $label, $_ := (dig "metadata" "labels" dict $vct) -}}
{{- if regexMatch "^(elasticsearch|common)\\.k8s\\.elastic\\.co/" $label -}}
{{- include "common.fail" (dict "key" (printf "%s.volumeClaimTemplates[%d].metadata.labels.%s" $key $j $label) "message" "is reserved by ECK on claims (its webhook refuses it)" "context" $) -}}
{{- end -}}
{{- end -}}
{{- if not (hasKey $mounted $name) -}}
{{- include "common.fail" (dict "key" (printf "%s.volumeClaimTemplates[%d]" $key $j) "message" (printf "(%s) is mounted by no container: add a volumeMounts entry named %q to %s.podTemplate.spec.containers (ECK would create claims nothing uses)" $name $name $key) "context" $) -}}
{{- end -}}
{{- end -}}
{{- /* Data on an emptyDir or the node's disk. */ -}}
{{- range $j, $vol := (dig "podTemplate" "spec" "volumes" list $ns) -}}
{{- if and (eq $vol.name "elasticsearch-data") (or (hasKey $vol "emptyDir") (hasKey $vol "hostPath")) (not $.Values.allowDangerous.ephemeralData) -}}
{{- include "common.fail" (dict "key" (printf "%s.podTemplate.spec.volumes[%d]" $key $j) "message" (printf "puts elasticsearch-data on %s: the data is lost with the pod (or stays on one node's disk, e.g. /tmp). Use %s.storage; or set allowDangerous.ephemeralData=true for a throw-away cluster" (ternary "an emptyDir" "a hostPath" (hasKey $vol "emptyDir")) $key) "context" $) -}}
{{- end -}}
{{- if and (hasKey $vol "hostPath") (ne $vol.name "elasticsearch-data") (hasPrefix "/tmp" (toString (dig "hostPath" "path" "" $vol))) (not $.Values.allowDangerous.ephemeralData) -}}
{{- include "common.fail" (dict "key" (printf "%s.podTemplate.spec.volumes[%d].hostPath.path" $key $j) "message" "is under the node's /tmp, which the node clears: set allowDangerous.ephemeralData=true if that is what you want" "context" $) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- /* A public way in needs TLS, and never leads to anonymous access. */ -}}
{{- range $name, $ing := .Values.ingress -}}
{{- if and $ing.enabled (not $.Values.allowDangerous.insecureIngress) -}}
{{- if not $ing.tls.enabled -}}
{{- include "common.fail" (dict "key" (printf "ingress.%s.tls.enabled" $name) "message" (printf "is false: the %s Ingress would carry passwords (basic auth, the login form) in clear over the network. Turn TLS on, or set allowDangerous.insecureIngress=true" $name) "context" $) -}}
{{- end -}}
{{- if and $anonymous (eq $name "elasticsearch") -}}
{{- include "common.fail" (dict "key" "ingress.elasticsearch.enabled" "message" "is true while a node set configures anonymous access (xpack.security.authc.anonymous.roles): anyone reaching the Ingress gets those roles without a password. Remove one, or set allowDangerous.insecureIngress=true" "context" $) -}}
{{- end -}}
{{- end -}}
{{- range $k, $_ := ($ing.labels | default dict) -}}
{{- if or (hasPrefix "app.kubernetes.io/" $k) (hasPrefix "helm.sh/" $k) -}}
{{- include "common.fail" (dict "key" (printf "ingress.%s.labels.%s" $name $k) "message" "is one of the chart's standard labels: use another key (or commonLabels)" "context" $) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- with .Values.podDisruptionBudget -}}
{{- if and (not (kindIs "invalid" .minAvailable)) (not (kindIs "invalid" .maxUnavailable)) -}}
{{- include "common.fail" (dict "key" "podDisruptionBudget.minAvailable" "message" "and podDisruptionBudget.maxUnavailable are both set: a PodDisruptionBudget takes one of them" "context" $) -}}
{{- end -}}
{{- if and (not .enabled) (or (not (kindIs "invalid" .minAvailable)) (not (kindIs "invalid" .maxUnavailable))) -}}
{{- include "common.fail" (dict "key" "podDisruptionBudget.enabled" "message" "is false but a budget is set: remove minAvailable/maxUnavailable, or enable it" "context" $) -}}
{{- end -}}
{{- end -}}
{{- $remotes := dict -}}
{{- range $i, $r := .Values.remoteClusters -}}
{{- if hasKey $remotes $r.name -}}
{{- include "common.fail" (dict "key" (printf "remoteClusters[%d].name" $i) "message" (printf "%q is used twice" $r.name) "context" $) -}}
{{- end -}}
{{- $_ := set $remotes $r.name true -}}
{{- end -}}
{{- if and .Values.auth.disableElasticUser (not .Values.auth.fileRealm) -}}
{{- include "common.fail" (dict "key" "auth.disableElasticUser" "message" "is true but auth.fileRealm is empty: nobody could log in to manage the cluster; add a superuser through auth.fileRealm first" "context" .) -}}
{{- end -}}
{{- end -}}
