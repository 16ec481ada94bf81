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
{{- include "coredns.validate.rules" . -}}
{{- include "coredns.validate.pods" . -}}
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

{{/*
What CoreDNS itself refuses at start (the whole Corefile, so no DNS at all after a restart),
and what would silently take the cluster's names away.
*/}}
{{- define "coredns.validate.rules" -}}
{{- $v := .Values -}}
{{- /* Upstream servers: an IP (IPv6 in brackets when a port follows), or a resolv.conf-style file. */ -}}
{{- range include "coredns.upstreams" . | fromJsonArray -}}
{{- if not .file -}}
{{- if regexMatch "^([a-z]+://)?\\[[^]]*\\]$" .value -}}
{{- include "common.fail" (dict "key" .key "message" (printf "%q has brackets but no port: CoreDNS takes [address] only with a port after it (else it looks for a file of that name); write the address without brackets, or add the port, e.g. [2001:db8::53]:53" .value) "context" $) -}}
{{- end -}}
{{- if not (include "common.ip.family" .host) -}}
{{- include "common.fail" (dict "key" .key "message" (printf "%q is not an upstream CoreDNS can dial: write an IPv4 address, an IPv6 address (in brackets when a port follows, e.g. [2001:db8::53]:53), with an optional dns:// or tls:// in front" .value) "context" $) -}}
{{- end -}}
{{- if or (lt (atoi .port) 1) (gt (atoi .port) 65535) -}}
{{- include "common.fail" (dict "key" .key "message" (printf "%q has port %s: a port is 1 to 65535" .value .port) "context" $) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- /* hosts entries: real addresses, and no names of the cluster's own records unless allowed. */ -}}
{{- $clusterZones := list -}}
{{- range splitList " " (include "coredns.clusterZones" .) }}{{ $clusterZones = append $clusterZones (include "coredns.zoneKey" .) }}{{ end -}}
{{- range $i, $e := $v.hosts.entries -}}
{{- if not (include "common.ip.family" $e.ip) -}}
{{- include "common.fail" (dict "key" (printf "hosts.entries[%d].ip" $i) "message" (printf "%q is not an IPv4 or IPv6 address: CoreDNS would refuse the hosts block" $e.ip) "context" $) -}}
{{- end -}}
{{- if not $v.hosts.allowDangerousClusterNames -}}
{{- range $j, $name := $e.names -}}
{{- $n := include "coredns.zoneKey" $name -}}
{{- $hit := or (has $n (list "kubernetes" "kubernetes.default")) (hasSuffix ".svc" $n) (eq $n "svc") -}}
{{- range $clusterZones -}}
{{- if or (hasSuffix (printf ".svc.%s" .) $n) (hasSuffix (printf ".pod.%s" .) $n) (eq $n (printf "svc.%s" .)) (eq $n (printf "pod.%s" .)) }}{{ $hit = true }}{{ end -}}
{{- end -}}
{{- if $hit -}}
{{- include "common.fail" (dict "key" (printf "hosts.entries[%d].names[%d]" $i $j) "message" (printf "%q is a name of the cluster's own Service or Pod records: the hosts plugin answers before the kubernetes plugin, so every pod would get %s instead (kubernetes.default.svc is the API server). Pick another name, or set hosts.allowDangerousClusterNames: true if this is intended" $name $e.ip) "context" $) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- /* reload: CoreDNS refuses an interval under 2s and a jitter under 1s. */ -}}
{{- if $v.reload.enabled -}}
{{- with $v.reload.interval -}}
{{- if lt (include "common.durationMs" . | int64) 2000 -}}
{{- include "common.fail" (dict "key" "reload.interval" "message" (printf "%q is under 2s, CoreDNS's minimum: the reload plugin refuses it and CoreDNS does not start" .) "context" $) -}}
{{- end -}}
{{- end -}}
{{- with $v.reload.jitter -}}
{{- if lt (include "common.durationMs" . | int64) 1000 -}}
{{- include "common.fail" (dict "key" "reload.jitter" "message" (printf "%q is under 1s, CoreDNS's minimum: the reload plugin refuses it" .) "context" $) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- /* Escape hatches may not set again what the chart writes from typed values. */ -}}
{{- $typed := dict "kubernetes" (dict "pods" "kubernetes.pods" "fallthrough" "kubernetes.fallthrough" "ttl" "kubernetes.ttl") "forward" (dict "except" "forward.except" "max_concurrent" "forward.maxConcurrent" "policy" "forward.policy") "cache" (dict) -}}
{{- if and $v.cache.disableClusterZones $v.kubernetes.enabled }}{{ $_ := set (get $typed "cache") "disable" "cache.disableClusterZones" }}{{ end -}}
{{- range $plugin, $options := $typed -}}
{{- range $i, $line := (get $v $plugin).extraLines | default list -}}
{{- $word := regexFind "^[a-z_]+" (trim $line) -}}
{{- if hasKey $options $word -}}
{{- include "common.fail" (dict "key" (printf "%s.extraLines[%d]" $plugin $i) "message" (printf "(%s) sets %s again, which the chart writes from %s: set that value instead" (trim $line) $word (get $options $word)) "context" $) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- /* Server blocks: one per zone and port. The main block is .:53. */ -}}
{{- $blocks := dict ".:53" "the main server block (forward.to)" -}}
{{- range $i, $s := $v.stubDomains }}{{ $_ := set $blocks (printf "%s:53" (include "coredns.zoneKey" $s.zone)) (printf "stubDomains[%d]" $i) }}{{ end -}}
{{- range $i, $z := $v.zoneFiles -}}
{{- $key := printf "%s:53" (include "coredns.zoneKey" $z.domain) -}}
{{- if hasKey $blocks $key -}}
{{- include "common.fail" (dict "key" (printf "zoneFiles[%d].domain" $i) "message" (printf "%q already has a server block (%s): CoreDNS refuses two blocks for one zone and port" $z.domain (get $blocks $key)) "context" $) -}}
{{- end -}}
{{- $_ := set $blocks $key (printf "zoneFiles[%d]" $i) -}}
{{- end -}}
{{- range include "coredns.extraZones" . | fromJsonArray -}}
{{- $key := printf "%s:%s" .zone .port -}}
{{- if hasKey $blocks $key -}}
{{- include "common.fail" (dict "key" "extraServerBlocks" "message" (printf "has a block for %q, and %s already serves %s: CoreDNS refuses two blocks for one zone and port (merge them)" .key (get $blocks $key) $key) "context" $) -}}
{{- end -}}
{{- $_ := set $blocks $key "extraServerBlocks" -}}
{{- end -}}
{{- /* Zone files: mounted from the Corefile's ConfigMap, which only this chart's pods do. */ -}}
{{- if $v.zoneFiles -}}
{{- if ne $v.mode "full" -}}
{{- include "common.fail" (dict "key" "zoneFiles" "message" "needs mode: full: kubeadm's CoreDNS pods (mode overrides) mount only the Corefile key of the ConfigMap, so the file plugin would find no zone file; serve the records with hosts.entries, or run CoreDNS with mode: full" "context" .) -}}
{{- end -}}
{{- $files := dict "Corefile" "the Corefile" -}}
{{- range $i, $z := include "coredns.zoneFiles" . | fromJsonArray -}}
{{- if eq (include "coredns.zoneKey" $z.domain) "." -}}
{{- include "common.fail" (dict "key" (printf "zoneFiles[%d].domain" $i) "message" "must not be the root zone: that is the main server block" "context" $) -}}
{{- end -}}
{{- if hasKey $files $z.filename -}}
{{- include "common.fail" (dict "key" (printf "zoneFiles[%d].filename" $i) "message" (printf "%q is already used by %s: each zone file needs its own key" $z.filename (get $files $z.filename)) "context" $) -}}
{{- end -}}
{{- $_ := set $files $z.filename (printf "zoneFiles[%d]" $i) -}}
{{- if $v.kubernetes.enabled -}}
{{- range $cz := $clusterZones -}}
{{- if or (eq (include "coredns.zoneKey" $z.domain) $cz) (hasSuffix (printf ".%s" $cz) (include "coredns.zoneKey" $z.domain)) -}}
{{- include "common.fail" (dict "key" (printf "zoneFiles[%d].domain" $i) "message" (printf "%q is inside %s, a zone of the kubernetes plugin: a zone file there would take cluster names away from CoreDNS" $z.domain $cz) "context" $) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The pods (mode full) and the autoscaler: DNS policy, scaling, Service shape, escape hatches. */}}
{{- define "coredns.validate.pods" -}}
{{- $v := .Values -}}
{{- if and $v.autoscaler.enabled $v.autoscaling.enabled -}}
{{- include "common.fail" (dict "key" "autoscaler.enabled" "message" "and autoscaling.enabled are both true: the cluster-proportional autoscaler and the HPA would both set the Deployment's replicas; choose one" "context" .) -}}
{{- end -}}
{{- if and $v.autoscaler.enabled $v.autoscaler.max (gt (int $v.autoscaler.min) (int $v.autoscaler.max)) -}}
{{- include "common.fail" (dict "key" "autoscaler.min" "message" (printf "%d is larger than autoscaler.max %d" (int $v.autoscaler.min) (int $v.autoscaler.max)) "context" .) -}}
{{- end -}}
{{- include "common.extras.argsGuard" (dict "args" $v.autoscaler.customFlags "key" "autoscaler.customFlags" "flags" (dict "target" "the chart (the CoreDNS Deployment)" "namespace" "namespaceOverride" "configmap" "the autoscaler.* parameters" "default-params" "the autoscaler.* parameters") "context" .) -}}
{{- if eq $v.mode "full" -}}
{{- if and (eq $v.dnsPolicy "ClusterFirst") (has "/etc/resolv.conf" $v.forward.to) $v.forward.enabled -}}
{{- include "common.fail" (dict "key" "dnsPolicy" "message" "is ClusterFirst while forward.to names /etc/resolv.conf: that file would point at CoreDNS itself, a loop (the loop plugin stops CoreDNS). Keep dnsPolicy Default, or forward to the upstream servers' addresses" "context" .) -}}
{{- end -}}
{{- if and (eq $v.dnsPolicy "None") (not (($v.dnsConfig | default dict).nameservers)) -}}
{{- include "common.fail" (dict "key" "dnsConfig.nameservers" "message" "is required with dnsPolicy None: the pods would get an empty resolv.conf" "context" .) -}}
{{- end -}}
{{- $svc := $v.service -}}
{{- if eq $svc.type "ClusterIP" -}}
{{- range $field := list "loadBalancerIP" "loadBalancerClass" "externalTrafficPolicy" -}}
{{- if get $svc $field -}}
{{- include "common.fail" (dict "key" (printf "service.%s" $field) "message" (printf "is set while service.type is ClusterIP: it applies to LoadBalancer%s Services" (ternary " and NodePort" "" (eq $field "externalTrafficPolicy"))) "context" $) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if and (eq $svc.type "NodePort") (or $svc.loadBalancerIP $svc.loadBalancerClass) -}}
{{- include "common.fail" (dict "key" "service.loadBalancerClass" "message" "(or loadBalancerIP) is set while service.type is NodePort: it applies to LoadBalancer Services" "context" .) -}}
{{- end -}}
{{- with $svc.clusterIPs -}}
{{- if ne (first .) $svc.clusterIP -}}
{{- include "common.fail" (dict "key" "service.clusterIPs[0]" "message" (printf "%q must equal service.clusterIP %q (the API server requires it)" (first .) $svc.clusterIP) "context" $) -}}
{{- end -}}
{{- end -}}
{{- $mounts := list "/etc/coredns" -}}
{{- range $v.extraSecrets }}{{ $mounts = append $mounts .mountPath }}{{ end -}}
{{- include "common.extras.mountsGuard" (dict "mounts" $v.extraSecrets "key" "extraSecrets" "reserved" (list "/etc/coredns") "context" .) -}}
{{- include "common.extras.mountsGuard" (dict "mounts" $v.extraVolumeMounts "key" "extraVolumeMounts" "reserved" $mounts "context" .) -}}
{{- $volumes := list "config" -}}
{{- range $v.extraSecrets }}{{ $volumes = append $volumes (printf "secret-%s" .name | trunc 63 | trimSuffix "-") }}{{ end -}}
{{- include "common.extras.namesGuard" (dict "items" $v.extraSecrets "key" "extraSecrets" "reserved" (list) "what" "Secret" "context" .) -}}
{{- include "common.extras.namesGuard" (dict "items" $v.extraVolumes "key" "extraVolumes" "reserved" $volumes "what" "volume" "context" .) -}}
{{- include "common.extras.namesGuard" (dict "items" $v.extraContainers "key" "extraContainers" "reserved" (list "coredns") "what" "container" "context" .) -}}
{{- $containers := list "coredns" -}}
{{- range $v.extraContainers }}{{ $containers = append $containers .name }}{{ end -}}
{{- include "common.extras.namesGuard" (dict "items" $v.initContainers "key" "initContainers" "reserved" $containers "what" "container" "context" .) -}}
{{- include "common.extras.envGuard" (dict "env" $v.env "key" "env" "names" (dict) "context" .) -}}
{{- else -}}
{{- range $key := list "extraContainers" "initContainers" "extraVolumes" "extraVolumeMounts" "extraSecrets" "env" "topologySpreadConstraints" -}}
{{- if get $v $key -}}
{{- include "common.fail" (dict "key" $key "message" "is set in mode overrides, where the chart renders no CoreDNS pods (kubeadm's Deployment runs them): use mode: full, or patch kubeadm's Deployment" "context" $) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
