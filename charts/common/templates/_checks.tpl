{{/*
Checks of rules the API server, the kubelet or the node hold values to that no
OpenAPI schema carries: ports taken twice or already taken on every node, object
sizes, cron schedules. Each fails naming the key.
*/}}

{{/*
Ports the nodes of a kubeadm cluster with this platform already listen on: a hostPort,
a nodePort or a hostNetwork container port that takes one fails to bind on every node
(or, for a nodePort, takes the port from the daemon). Calico's and MetalLB's ports
are here too: a component that owns one lists it in `allow`.
*/}}
{{- define "common.ports.nodeReserved" -}}
{{- dict "22" "sshd" "179" "BGP (calico-node, MetalLB's FRR)" "2379" "etcd" "2380" "etcd peers" "2381" "etcd metrics" "4789" "Calico's VXLAN" "5473" "Calico Typha" "9098" "Calico Typha's health port" "6443" "kube-apiserver" "7946" "MetalLB's memberlist" "9099" "calico-node health" "10248" "the kubelet's healthz" "10249" "kube-proxy metrics" "10250" "the kubelet" "10255" "the kubelet's read-only port" "10256" "kube-proxy health" "10257" "kube-controller-manager" "10259" "kube-scheduler" | toJson -}}
{{- end -}}

{{/*
Fails when two of the ports take one number (per protocol), or, with "node" true (ports
bound on every node: hostPorts, hostNetwork, nodePorts), when one is a port the nodes
already use (common.ports.nodeReserved) and not in `allow`. Ports of 0 or unset are skipped.
Each port: (dict "port" 30080 "key" "controller.service.nodePorts.http" "protocol" "TCP").
Usage: include "common.ports.check" (dict "ports" (list ...) "node" true "allow" (list 7946) "what" "nodePort" "context" $)
*/}}
{{- define "common.ports.check" -}}
{{- $reserved := include "common.ports.nodeReserved" . | fromJson -}}
{{- $allow := dict -}}
{{- range (.allow | default list) }}{{ $_ := set $allow (toString (int .)) true }}{{ end -}}
{{- $seen := dict -}}
{{- $what := .what | default "port" -}}
{{- range .ports -}}
{{- if and (not (kindIs "invalid" .port)) (ne (toString .port) "") (ne (int64 .port) 0) -}}
{{- $n := toString (int64 .port) -}}
{{- $id := printf "%s/%s" $n (upper (.protocol | default "TCP")) -}}
{{- if hasKey $seen $id -}}
{{- include "common.fail" (dict "key" .key "message" (printf "%s equals %s: both would take one %s, and the second fails" $n (get $seen $id) $what) "context" $.context) -}}
{{- end -}}
{{- $_ := set $seen $id .key -}}
{{- if and $.node (hasKey $reserved $n) (not (hasKey $allow $n)) -}}
{{- include "common.fail" (dict "key" .key "message" (printf "%s is already taken on every node by %s: the %s would collide with it; pick another port" $n (get $reserved $n) $what) "context" $.context) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Fails when the data of a ConfigMap or Secret would exceed the 1 MiB the API server
allows in one object (keys and values together, as it counts them).
Usage: include "common.limits.data" (dict "data" $data "key" "initdbScripts" "kind" "ConfigMap" "context" $)
*/}}
{{- define "common.limits.data" -}}
{{- $size := 0 -}}
{{- range $k, $v := (.data | default dict) }}{{ $size = add $size (len $k) (len (toString $v)) }}{{ end -}}
{{- if gt $size 1048576 -}}
{{- include "common.fail" (dict "key" .key "message" (printf "makes a %s of %d bytes, over the 1048576 (1 MiB) the API server stores in one object: mount large files from a volume instead" (.kind | default "ConfigMap") $size) "context" .context) -}}
{{- end -}}
{{- end -}}

{{/*
Fails naming the key when a cron schedule (already shaped by the schema's
common.cron) has a range that runs backwards ("30-10"), which the CronJob API refuses.
Usage: include "common.cron.validate" (dict "schedule" .Values.backup.schedule "key" "backup.schedule" "context" $)
*/}}
{{- define "common.cron.validate" -}}
{{- range (regexFindAll "[0-9]+-[0-9]+" (toString .schedule) -1) -}}
{{- $ends := splitList "-" . -}}
{{- if gt (atoi (index $ends 0)) (atoi (index $ends 1)) -}}
{{- include "common.fail" (dict "key" $.key "message" (printf "(%q) has the range %s, which runs backwards: the CronJob API refuses it" (toString $.schedule) .) "context" $.context) -}}
{{- end -}}
{{- end -}}
{{- end -}}
