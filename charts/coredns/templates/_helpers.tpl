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
{{- if $v.reload.enabled }}{{ $_ := set $p "reload" (list (trim (printf "reload %s" $v.reload.interval))) }}{{ end -}}
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
{{- with .Values.extraServerBlocks }}
{{ trim . }}
{{- end }}
{{- end -}}
