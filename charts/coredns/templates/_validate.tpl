{{/* Cross-value checks; the schema covers types and formats. */}}
{{- define "coredns.validate" -}}
{{- $v := .Values -}}
{{- $full := eq $v.mode "full" -}}
{{- include "coredns.validate.monitoring" . -}}

{{- /* The pods' probes hit /health and /ready: kubeadm's always, ours unless we fall back to TCP. */ -}}
{{- if not $full -}}
{{- if not $v.health.enabled -}}
{{- include "common.fail" (dict "key" "health.enabled" "message" "must be true in mode overrides: kubeadm's CoreDNS pods probe /health on :8080 for liveness and would restart forever without it" "context" .) -}}
{{- end -}}
{{- if not $v.ready.enabled -}}
{{- include "common.fail" (dict "key" "ready.enabled" "message" "must be true in mode overrides: kubeadm's CoreDNS pods probe /ready on :8181 and would never become ready without it" "context" .) -}}
{{- end -}}
{{- end -}}

{{- if $full -}}
{{- $ip := include "common.required" (dict "value" $v.service.clusterIP "key" "service.clusterIP" "hint" "the kubelets' clusterDNS address, the 10th IP of the service CIDR (e.g. 10.96.0.10 for 10.96.0.0/12)" "context" .) -}}
{{- with (($v.global.network | default dict).serviceCIDR) -}}
{{- $cidr := include "common.ipv4.range" . | fromJson -}}
{{- $n := include "common.ipv4.toInt" $ip | int64 -}}
{{- if or (lt $n (int64 $cidr.start)) (gt $n (int64 $cidr.end)) -}}
{{- include "common.fail" (dict "key" "service.clusterIP" "message" (printf "%s is outside global.network.serviceCIDR %s: use an address of the service CIDR, conventionally %s, the kubelets' clusterDNS" $ip . (include "common.ipv4.fromInt" (add (int64 $cidr.start) 10))) "context" $) -}}
{{- end -}}
{{- end -}}
{{- if and $v.autoscaling.enabled (gt (int $v.autoscaling.minReplicas) (int $v.autoscaling.maxReplicas)) -}}
{{- include "common.fail" (dict "key" "autoscaling.minReplicas" "message" "must not be larger than autoscaling.maxReplicas" "context" .) -}}
{{- end -}}
{{- end -}}

{{- /* Zones: every server block needs its own, and none may shadow the cluster zones. */ -}}
{{- $clusterZones := list -}}
{{- range splitList " " (include "coredns.clusterZones" .) }}{{ $clusterZones = append $clusterZones (include "coredns.zoneKey" .) }}{{ end -}}
{{- $seen := list -}}
{{- range $i, $z := $v.kubernetes.zones -}}
{{- $key := include "coredns.zoneKey" $z -}}
{{- if has $key $seen -}}
{{- include "common.fail" (dict "key" (printf "kubernetes.zones[%d]" $i) "message" (printf "%q is listed twice" $z) "context" $) -}}
{{- end -}}
{{- $seen = append $seen $key -}}
{{- end -}}
{{- if and $v.kubernetes.enabled $v.kubernetes.zones (not (has (include "coredns.zoneKey" $v.global.clusterDomain) $seen)) -}}
{{- include "common.fail" (dict "key" "kubernetes.zones" "message" (printf "%v leaves out global.clusterDomain %s, the search domain every kubelet writes into pods' resolv.conf: Services would stop resolving; add it (or leave kubernetes.zones empty)" $v.kubernetes.zones $v.global.clusterDomain) "context" $) -}}
{{- end -}}
{{- $stubs := list -}}
{{- range $i, $s := $v.stubDomains -}}
{{- $key := include "coredns.zoneKey" $s.zone -}}
{{- $where := printf "stubDomains[%d].zone" $i -}}
{{- if eq $key "." -}}
{{- include "common.fail" (dict "key" $where "message" "must not be the root zone \".\": that is the main server block; set forward.to to change the upstreams of every name" "context" $) -}}
{{- end -}}
{{- if $v.kubernetes.enabled -}}
{{- range $cz := $clusterZones -}}
{{- if or (eq $key $cz) (hasSuffix (printf ".%s" $cz) $key) -}}
{{- include "common.fail" (dict "key" $where "message" (printf "%q is inside %s, a zone of the kubernetes plugin: a stub domain there would take cluster names away from CoreDNS" $s.zone $cz) "context" $) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if has $key $stubs -}}
{{- include "common.fail" (dict "key" $where "message" (printf "%q is used twice: CoreDNS refuses two server blocks for the same zone and port; merge their servers into one entry" $s.zone) "context" $) -}}
{{- end -}}
{{- $stubs = append $stubs $key -}}
{{- end -}}

{{- /* Rewrites: the answer options each match type supports. */ -}}
{{- $domain := "^\\.?([a-z0-9_]([-a-z0-9_]*[a-z0-9_])?\\.)*[a-z0-9_]([-a-z0-9_]*[a-z0-9_])?\\.?$" -}}
{{- range $i, $r := $v.rewrites -}}
{{- if and (eq $r.type "regex") $r.answerAuto -}}
{{- include "common.fail" (dict "key" (printf "rewrites[%d].answerAuto" $i) "message" "is for exact, suffix, prefix and substring rules: for a regex rule set answerName {from, to}, the regex that maps the answer back" "context" $) -}}
{{- end -}}
{{- if and (ne $r.type "regex") $r.answerName -}}
{{- include "common.fail" (dict "key" (printf "rewrites[%d].answerName" $i) "message" (printf "only applies to regex rules: a %s rule uses answerAuto: true" $r.type) "context" $) -}}
{{- end -}}
{{- if eq $r.type "regex" -}}
{{- include "common.regex.validate" (dict "value" $r.from "key" (printf "rewrites[%d].from" $i) "context" $) -}}
{{- with $r.answerName -}}
{{- include "common.regex.validate" (dict "value" .from "key" (printf "rewrites[%d].answerName.from" $i) "context" $) -}}
{{- end -}}
{{- end -}}
{{- if has $r.type (list "exact" "suffix") -}}
{{- range $field := list "from" "to" -}}
{{- if not (regexMatch $domain (lower (get $r $field))) -}}
{{- include "common.fail" (dict "key" (printf "rewrites[%d].%s" $i $field) "message" (printf "%q is not a domain name, which a %s rule needs (use type regex for patterns)" (get $r $field) $r.type) "context" $) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- /* Raw fragments: a block left open (or closed twice) makes CoreDNS reject the whole Corefile. */ -}}
{{- $raw := list -}}
{{- range $field := list "kubernetes" "forward" "cache" -}}
{{- range $i, $line := (get $v $field).extraLines | default list -}}
{{- $raw = append $raw (list (printf "%s.extraLines[%d]" $field $i) $line) -}}
{{- end -}}
{{- end -}}
{{- range $i, $line := $v.extraPlugins -}}
{{- $raw = append $raw (list (printf "extraPlugins[%d]" $i) $line) -}}
{{- end -}}
{{- with $v.extraServerBlocks }}{{ $raw = append $raw (list "extraServerBlocks" .) }}{{ end -}}
{{- range $pair := $raw -}}
{{- with include "coredns.braceProblem" (index $pair 1) -}}
{{- include "common.fail" (dict "key" (index $pair 0) "message" (printf "%s: every '{' that opens a block needs its matching '}', or CoreDNS rejects the whole Corefile (and a restarted pod serves no DNS)" .) "context" $) -}}
{{- end -}}
{{- end -}}

{{- /* extraPlugins: known plugins, each once, none the values already write. */ -}}
{{- $order := splitList " " (include "coredns.pluginOrder" .) -}}
{{- $repeatable := splitList " " (include "coredns.repeatablePlugins" .) -}}
{{- $generated := dict -}}
{{- $withoutExtras := deepCopy $v -}}
{{- $_ := set $withoutExtras "extraPlugins" list -}}
{{- $main := include "coredns.mainPlugins" (dict "Values" $withoutExtras) | fromJson -}}
{{- $extra := list -}}
{{- range $i, $line := $v.extraPlugins -}}
{{- $name := include "coredns.pluginName" $line -}}
{{- $where := printf "extraPlugins[%d]" $i -}}
{{- if not (has $name $order) -}}
{{- include "common.fail" (dict "key" $where "message" (printf "starts with %q, which is not a plugin of CoreDNS %s (external plugins need a custom image; put their server block in extraServerBlocks)" $name $.Chart.AppVersion) "context" $) -}}
{{- end -}}
{{- if not (has $name $repeatable) -}}
{{- if hasKey $main $name -}}
{{- include "common.fail" (dict "key" $where "message" (printf "adds %q, which the chart already writes from its own values: configure it there (e.g. %s.*) instead" $name $name) "context" $) -}}
{{- end -}}
{{- if has $name $extra -}}
{{- include "common.fail" (dict "key" $where "message" (printf "adds %q a second time: CoreDNS allows it once per server block" $name) "context" $) -}}
{{- end -}}
{{- end -}}
{{- $extra = append $extra $name -}}
{{- end -}}
{{- include "common.resources.validate" (dict "resources" .Values.resources "key" "resources" "context" .) -}}
{{- if and (eq .Values.mode "full") .Values.pdb.enabled -}}
{{- include "common.pdb.validate" (dict "maxUnavailable" .Values.pdb.maxUnavailable "replicas" .Values.replicaCount "key" "pdb" "context" .) -}}
{{- end -}}
{{- end -}}

{{- define "coredns.validate.monitoring" -}}
{{- $m := .Values.prometheus.monitor -}}
{{- if and (include "common.monitoring.on" (dict "enabled" $m.enabled "context" .)) (not .Values.prometheus.enabled) -}}
{{- include "common.fail" (dict "key" "prometheus.monitor.enabled" "message" "needs prometheus.enabled: true (the metrics plugin on :9153 is what it scrapes)" "context" .) -}}
{{- end -}}
{{- if and (include "common.monitoring.on" (dict "enabled" .Values.prometheus.prometheusRule.enabled "context" .)) (not .Values.prometheus.enabled) -}}
{{- include "common.fail" (dict "key" "prometheus.prometheusRule.enabled" "message" "needs prometheus.enabled: true: its alerts read CoreDNS's metrics" "context" .) -}}
{{- end -}}
{{- /* The labels of the Service the monitor is for: kubeadm's kube-dns Service, or this chart's. */ -}}
{{- $svc := merge (include "coredns.kubeDnsLabels" . | fromYaml) (dict "kubernetes.io/cluster-service" "true") -}}
{{- if eq .Values.mode "full" -}}
{{- $svc = merge $svc (include "common.labels.standard" . | fromYaml) -}}
{{- end -}}
{{- include "common.monitoring.checkSelector" (dict "selector" $m.selector "labels" $svc "key" "prometheus.monitor.selector" "context" .) -}}
{{- end -}}
