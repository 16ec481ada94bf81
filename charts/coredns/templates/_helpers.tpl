{{/*
CoreDNS runs a server block's plugins in the order of its plugin.cfg (compiled
in), whatever their order in the Corefile. Writing them in that order makes the
Corefile read the way a query travels. This is the order of CoreDNS 1.12.
*/}}
{{- define "coredns.pluginOrder" -}}
metadata geoip cancel tls quic timeouts multisocket reload nsid bufsize root bind debug trace ready health pprof prometheus errors log dnstap local dns64 acl any chaos loadbalance tsig cache rewrite header dnssec autopath minimal template transfer hosts route53 azure clouddns k8s_external kubernetes file auto secondary etcd loop forward grpc erratic whoami on sign view
{{- end -}}

{{/* Plugins that may appear more than once in a server block. */}}
{{- define "coredns.repeatablePlugins" -}}
rewrite template
{{- end -}}

{{/* First word of a raw plugin line: the plugin's name. */}}
{{- define "coredns.pluginName" -}}
{{- regexFind "^[a-z0-9_-]+" (trim .) -}}
{{- end -}}

{{/*
Why a raw Corefile fragment would not parse, or "" when its blocks balance.
CoreDNS opens and closes blocks with standalone `{` and `}` tokens (`{1}` in a
rewrite or `{{ .Name }}` in a template answer are not block braces), and it
rejects the whole Corefile when they don't pair up.
*/}}
{{- define "coredns.braceProblem" -}}
{{- $depth := 0 -}}
{{- $stray := false -}}
{{- range regexSplit "\\s+" (toString .) -1 -}}
{{- if eq . "{" }}{{ $depth = add1 $depth }}{{ end -}}
{{- if eq . "}" }}{{ $depth = sub $depth 1 }}{{ if lt $depth 0 }}{{ $stray = true }}{{ $depth = 0 }}{{ end }}{{ end -}}
{{- end -}}
{{- if $stray -}}
has a '}' that closes no '{'
{{- else if gt $depth 0 -}}
leaves {{ $depth }} '{' unclosed
{{- end -}}
{{- end -}}

{{/* A zone in canonical form, for comparisons: lower case, no trailing dot. */}}
{{- define "coredns.zoneKey" -}}
{{- $z := lower (trim .) -}}
{{- if eq $z "." }}.{{ else }}{{ trimSuffix "." $z }}{{ end -}}
{{- end -}}

{{/* Zones of the kubernetes plugin (not the reverse zones), space separated. */}}
{{- define "coredns.clusterZones" -}}
{{- $zones := .Values.kubernetes.zones | default (list .Values.global.clusterDomain) -}}
{{- join " " $zones -}}
{{- end -}}

{{/* Labels kubeadm puts on its CoreDNS objects; the Service selects `k8s-app: kube-dns`. */}}
{{- define "coredns.kubeDnsLabels" -}}
k8s-app: kube-dns
kubernetes.io/name: CoreDNS
{{- end -}}

{{/* Selector of the CoreDNS pods, equal to kubeadm's (a Deployment's selector is immutable). */}}
{{- define "coredns.selector" -}}
k8s-app: kube-dns
{{- end -}}

{{/* A block: `head {` lines `}`, or just `head` without lines. */}}
{{- define "coredns.block" -}}
{{- if .lines -}}
{{ .head }} {
{{- range .lines }}
    {{ . }}
{{- end }}
}
{{- else -}}
{{ .head }}
{{- end -}}
{{- end -}}

{{/* One server block; .plugins maps a plugin name to the list of its lines. */}}
{{- define "coredns.serverBlock" -}}
{{ .keys }} {
{{- range $name := splitList " " (include "coredns.pluginOrder" .) }}
{{- if hasKey $.plugins $name }}
{{- range (get $.plugins $name) }}
{{ . | indent 4 }}
{{- end }}
{{- end }}
{{- end }}
}
{{- end -}}

{{/* Plugins of the main server block, as a JSON map name -> [lines]. */}}
{{- define "coredns.mainPlugins" -}}
{{- $v := .Values -}}
{{- $p := dict -}}
{{- $clusterZones := splitList " " (include "coredns.clusterZones" .) -}}
{{- if $v.errors.enabled }}{{ $_ := set $p "errors" (list "errors") }}{{ end -}}
{{- if $v.log.enabled -}}
{{- $lines := list -}}
{{- with $v.log.classes }}{{ $lines = append $lines (printf "class %s" (join " " .)) }}{{ end -}}
{{- $_ := set $p "log" (list (include "coredns.block" (dict "head" "log" "lines" $lines))) -}}
{{- end -}}
{{- if $v.health.enabled -}}
{{- $lines := list -}}
{{- with $v.health.lameduck }}{{ $lines = append $lines (printf "lameduck %s" .) }}{{ end -}}
{{- $_ := set $p "health" (list (include "coredns.block" (dict "head" "health" "lines" $lines))) -}}
{{- end -}}
{{- if $v.ready.enabled }}{{ $_ := set $p "ready" (list "ready") }}{{ end -}}
{{- if $v.prometheus.enabled }}{{ $_ := set $p "prometheus" (list "prometheus :9153") }}{{ end -}}
{{- if $v.kubernetes.enabled -}}
{{- $k := $v.kubernetes -}}
{{- $lines := list (printf "pods %s" $k.pods) -}}
{{- with $k.fallthrough }}{{ $lines = append $lines (printf "fallthrough %s" (join " " .)) }}{{ end -}}
{{- $lines = append $lines (printf "ttl %d" (int $k.ttl)) -}}
{{- $lines = concat $lines ($k.extraLines | default list) -}}
{{- $head := printf "kubernetes %s" (join " " (concat $clusterZones ($k.reverseZones | default list))) -}}
{{- $_ := set $p "kubernetes" (list (include "coredns.block" (dict "head" $head "lines" $lines))) -}}
{{- end -}}
{{- with $v.hosts.entries -}}
{{- $lines := list -}}
{{- range . }}{{ $lines = append $lines (printf "%s %s" .ip (join " " .names)) }}{{ end -}}
{{- $lines = append $lines (printf "ttl %d" (int $v.hosts.ttl)) -}}
{{- if $v.hosts.noReverse }}{{ $lines = append $lines "no_reverse" }}{{ end -}}
{{- if $v.hosts.fallthrough }}{{ $lines = append $lines "fallthrough" }}{{ end -}}
{{- $_ := set $p "hosts" (list (include "coredns.block" (dict "head" "hosts" "lines" $lines))) -}}
{{- end -}}
{{- range $v.rewrites -}}
{{- $line := printf "rewrite %s name %s %s %s" (ternary "continue" "stop" (default false .continue)) .type .from .to -}}
{{- if .answerAuto }}{{ $line = printf "%s answer auto" $line }}{{ end -}}
{{- with .answerName }}{{ $line = printf "%s answer name %s %s" $line .from .to }}{{ end -}}
{{- $_ := set $p "rewrite" (append (get $p "rewrite" | default list) $line) -}}
{{- end -}}
{{- if $v.forward.enabled -}}
{{- $f := $v.forward -}}
{{- $lines := list -}}
{{- with $f.except }}{{ $lines = append $lines (printf "except %s" (join " " .)) }}{{ end -}}
{{- $lines = append $lines (printf "max_concurrent %d" (int $f.maxConcurrent)) -}}
{{- with $f.policy }}{{ $lines = append $lines (printf "policy %s" .) }}{{ end -}}
{{- $lines = concat $lines ($f.extraLines | default list) -}}
{{- $_ := set $p "forward" (list (include "coredns.block" (dict "head" (printf "forward . %s" (join " " $f.to)) "lines" $lines))) -}}
{{- end -}}
{{- if $v.cache.enabled -}}
{{- $lines := list -}}
{{- if and $v.cache.disableClusterZones $v.kubernetes.enabled -}}
{{- range $clusterZones }}{{ $lines = append $lines (printf "disable success %s" .) }}{{ end -}}
{{- range $clusterZones }}{{ $lines = append $lines (printf "disable denial %s" .) }}{{ end -}}
{{- end -}}
{{- $lines = concat $lines ($v.cache.extraLines | default list) -}}
{{- $_ := set $p "cache" (list (include "coredns.block" (dict "head" (printf "cache %d" (int $v.cache.ttl)) "lines" $lines))) -}}
{{- end -}}
{{- if $v.loop.enabled }}{{ $_ := set $p "loop" (list "loop") }}{{ end -}}
{{- if $v.reload.enabled -}}
{{- /* the jitter is CoreDNS's second argument: an interval must come first */ -}}
{{- $args := list ($v.reload.interval | default (ternary "30s" "" (ne ($v.reload.jitter | default "") ""))) ($v.reload.jitter | default "") | compact -}}
{{- $_ := set $p "reload" (list (trim (printf "reload %s" (join " " $args)))) -}}
{{- end -}}
{{- if $v.loadbalance.enabled }}{{ $_ := set $p "loadbalance" (list "loadbalance") }}{{ end -}}
{{- range $v.extraPlugins -}}
{{- $name := include "coredns.pluginName" . -}}
{{- $_ := set $p $name (append (get $p $name | default list) (trim .)) -}}
{{- end -}}
{{- toJson $p -}}
{{- end -}}

{{/* The Corefile. */}}
{{- define "coredns.corefile" -}}
{{- $main := include "coredns.mainPlugins" . | fromJson -}}
{{- include "coredns.serverBlock" (dict "keys" ".:53" "plugins" $main) }}
{{- range .Values.stubDomains }}
{{- $p := dict "forward" (list (printf "forward . %s" (join " " .servers))) -}}
{{- if $.Values.errors.enabled }}{{ $_ := set $p "errors" (list "errors") }}{{ end -}}
{{- if $.Values.prometheus.enabled }}{{ $_ := set $p "prometheus" (list "prometheus :9153") }}{{ end -}}
{{- if $.Values.log.enabled }}{{ $_ := set $p "log" (get $main "log") }}{{ end -}}
{{- $cache := ternary .cache (ternary $.Values.cache.ttl 0 $.Values.cache.enabled) (hasKey . "cache") -}}
{{- if gt (int $cache) 0 }}{{ $_ := set $p "cache" (list (printf "cache %d" (int $cache))) }}{{ end }}
{{ include "coredns.serverBlock" (dict "keys" (printf "%s:53" .zone) "plugins" $p) }}
{{- end }}
{{- range include "coredns.zoneFiles" . | fromJsonArray }}
{{- $p := dict "file" (list (printf "file /etc/coredns/%s %s" .filename .domain)) -}}
{{- if $.Values.errors.enabled }}{{ $_ := set $p "errors" (list "errors") }}{{ end -}}
{{- if $.Values.prometheus.enabled }}{{ $_ := set $p "prometheus" (list "prometheus :9153") }}{{ end -}}
{{- if $.Values.log.enabled }}{{ $_ := set $p "log" (get $main "log") }}{{ end }}
{{ include "coredns.serverBlock" (dict "keys" (printf "%s:53" .domain) "plugins" $p) }}
{{- end }}
{{- with .Values.extraServerBlocks }}
{{ trim . }}
{{- end }}
{{- end -}}

{{/* Zone files with their file names filled in, as a JSON list of {domain, filename, contents}. */}}
{{- define "coredns.zoneFiles" -}}
{{- $out := list -}}
{{- range .Values.zoneFiles -}}
{{- $out = append $out (dict "domain" (trimSuffix "." .domain) "filename" (.filename | default (printf "%s.db" (trimSuffix "." .domain))) "contents" .contents) -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/*
metadata.annotations from the chart's defaults (`base`), commonAnnotations and the object's
own (`annotations`, named by `key` in errors), each key once, through common.labels.merge;
`fixed` holds what neither may change. Rendered only when there are some.
Usage: include "coredns.annotations" (dict "annotations" .Values.service.annotations "key" "service.annotations" "context" $)
*/}}
{{- define "coredns.annotations" -}}
{{- $sources := list (dict "key" "commonAnnotations" "map" .context.Values.commonAnnotations) -}}
{{- with .annotations }}{{ $sources = append $sources (dict "key" ($.key | default "annotations") "map" .) }}{{ end -}}
{{- with include "common.labels.merge" (dict "base" .base "fixed" .fixed "sources" $sources "what" "annotations" "context" .context) }}
annotations:
  {{- . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "coredns.autoscaler.name" -}}
{{- include "common.names.component" (dict "context" . "component" "autoscaler") -}}
{{- end -}}

{{/*
Upstream servers of forward.to and the stub domains as JSON [{key, scheme, host, port, file}]:
`tls://` servers default to port 853, others to 53; a file (resolv.conf) has only "file".
*/}}
{{- define "coredns.upstreams" -}}
{{- $out := list -}}
{{- $all := list -}}
{{- range $i, $to := .Values.forward.to }}{{ $all = append $all (list (printf "forward.to[%d]" $i) $to) }}{{ end -}}
{{- range $i, $s := .Values.stubDomains -}}
{{- range $j, $srv := $s.servers }}{{ $all = append $all (list (printf "stubDomains[%d].servers[%d]" $i $j) $srv) }}{{ end -}}
{{- end -}}
{{- range $all -}}
{{- $key := index . 0 -}}
{{- $v := toString (index . 1) -}}
{{- if hasPrefix "/" $v -}}
{{- $out = append $out (dict "key" $key "file" $v) -}}
{{- else -}}
{{- $scheme := "dns" -}}
{{- if hasPrefix "tls://" $v }}{{ $scheme = "tls" }}{{ end -}}
{{- $rest := regexReplaceAll "^(dns|tls)://" $v "" -}}
{{- $host := $rest -}}
{{- $port := ternary "853" "53" (eq $scheme "tls") -}}
{{- if hasPrefix "[" $rest -}}
{{- $host = regexReplaceAll "^\\[([^]]*)\\].*$" $rest "${1}" -}}
{{- with regexFind "\\]:[0-9]+$" $rest }}{{ $port = trimPrefix "]:" . }}{{ end -}}
{{- if not (regexMatch "^\\[[^]]*\\](:[0-9]+)?$" $rest) }}{{ $host = "" }}{{ end -}}
{{- else if not (contains ":" (regexReplaceAll ":[0-9]+$" $rest "")) -}}
{{- $host = regexReplaceAll ":[0-9]+$" $rest "" -}}
{{- with regexFind ":[0-9]+$" $rest }}{{ $port = trimPrefix ":" . }}{{ end -}}
{{- end -}}
{{- $out = append $out (dict "key" $key "value" $v "scheme" $scheme "host" $host "port" $port) -}}
{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/*
The zones of the raw extraServerBlocks: the keys before each top-level `{`, as
JSON [{zone, port}] (zone in canonical form; port 53 unless written).
*/}}
{{- define "coredns.extraZones" -}}
{{- $out := list -}}
{{- $depth := 0 -}}
{{- $keys := list -}}
{{- range regexSplit "\\s+" (regexReplaceAll "(?m)#.*$" (toString .Values.extraServerBlocks) "") -1 -}}
{{- if eq . "{" -}}
{{- if eq $depth 0 -}}
{{- range $keys -}}
{{- $k := regexReplaceAll "^[a-z]+://" . "" -}}
{{- $port := "53" -}}
{{- with regexFind ":[0-9]+$" $k }}{{ $port = trimPrefix ":" . }}{{ end -}}
{{- $out = append $out (dict "zone" (include "coredns.zoneKey" (regexReplaceAll ":[0-9]+$" $k "")) "port" $port "key" .) -}}
{{- end -}}
{{- $keys = list -}}
{{- end -}}
{{- $depth = add1 $depth -}}
{{- else if eq . "}" -}}
{{- $depth = sub $depth 1 -}}
{{- else if and (eq $depth 0) . -}}
{{- $keys = append $keys (trimSuffix "," .) -}}
{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}
