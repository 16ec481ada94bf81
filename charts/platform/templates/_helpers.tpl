{{/*
The components the umbrella knows, in install order (see NOTES.txt), with the
role shown in NOTES and the least Pod Security level their pods get past
(`needs`, and why). A component counts as enabled when helm kept its subchart
(its `<name>.enabled` condition), which `.Subcharts` tells directly.
*/}}
{{- define "platform.components" -}}
- {name: calico, role: "pod network (Tigera operator; it deploys calico-node, typha and kube-controllers)", needs: privileged, why: "the Tigera operator uses hostNetwork and a hostPath"}
- {name: coredns, role: "cluster DNS", needs: restricted}
- {name: metallb, role: "LoadBalancer IPs", needs: privileged, why: "the speaker uses hostNetwork and NET_RAW"}
- {name: ingress-nginx, role: "Ingress controller", needs: restricted}
- {name: traefik, role: "Ingress and Gateway API controller (the front door after ingress-nginx)", needs: restricted}
- {name: nfs-subdir-provisioner, role: "NFS-backed dynamic volumes", needs: baseline, why: "the provisioner mounts the export as an inline nfs volume"}
- {name: metrics-server, role: "resource metrics API (kubectl top, HPAs)", needs: restricted}
{{- end -}}

{{/* Namespace an enabled subchart installs into: its namespaceOverride, or the release namespace. */}}
{{- define "platform.namespaceOf" -}}
{{- $sub := index .context.Subcharts .name -}}
{{- default .context.Release.Namespace $sub.Values.namespaceOverride -}}
{{- end -}}

{{/*
Namespaces the umbrella renders: {namespace: level} for the enabled components
that don't land in a namespace kubeadm owns. Two components sharing a
namespace get the more permissive of their levels.
*/}}
{{- define "platform.namespaces" -}}
{{- $rank := dict "restricted" 0 "baseline" 1 "privileged" 2 -}}
{{- $out := dict -}}
{{- range include "platform.components" . | fromYamlArray -}}
{{- if hasKey $.Subcharts .name -}}
{{- $ns := include "platform.namespaceOf" (dict "name" .name "context" $) -}}
{{- $level := index $.Values.namespaces.podSecurity .name | default "restricted" -}}
{{- if not (has $ns (list "kube-system" "kube-public" "kube-node-lease" "default")) -}}
{{- $prev := index $out $ns | default "restricted" -}}
{{- if ge (int (index $rank $level)) (int (index $rank $prev)) -}}
{{- $_ := set $out $ns $level -}}
{{- else -}}
{{- $_ := set $out $ns $prev -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/*
Calico's IPv4 pool CIDRs as a list of {key, value} (empty when Calico is
disabled). The calico chart fills an empty first pool CIDR from
global.network.podCIDR, else 192.168.0.0/16; the same rule applies here so the
check sees what Calico gets.
*/}}
{{- define "platform.calicoCIDRs" -}}
{{- $out := list -}}
{{- with index .Subcharts "calico" -}}
{{- $podCIDR := ((.Values.global | default dict).network | default dict).podCIDR | default "" -}}
{{- range $i, $pool := .Values.ipPools | default list -}}
{{- $cidr := $pool.cidr | default "" -}}
{{- if and (not $cidr) (eq $i 0) -}}
{{- $cidr = $podCIDR | default "192.168.0.0/16" -}}
{{- end -}}
{{- if $cidr -}}
{{- $out = append $out (dict "key" (printf "calico.ipPools[%d].cidr" $i) "value" $cidr) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}
