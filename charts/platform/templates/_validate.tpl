{{/*
Cross-component checks. Each subchart checks its own values; the umbrella
checks what only the whole platform can see: the site values every component
needs, and the address plan (MetalLB pools, the ingress IP, pod, service and
node networks) across charts. Values are read from .Subcharts, i.e. each
subchart's defaults merged with the umbrella's block, and only for enabled
components.
*/}}
{{- define "platform.validate" -}}
{{- include "platform.validate.siteValues" . -}}
{{- include "common.images.checkMirror" . -}}{{- /* across subcharts: each one sees only its own images */ -}}
{{- include "platform.validate.namespaces" . -}}
{{- $pools := include "platform.validate.pools" . | fromYamlArray -}}
{{- include "platform.validate.ingressIP" (dict "pools" $pools "context" .) -}}
{{- include "platform.validate.podNetwork" (dict "pools" $pools "context" .) -}}
{{- include "platform.validate.poolsOutsideServices" (dict "pools" $pools "context" .) -}}
{{- include "platform.validate.reservedAddresses" (dict "pools" $pools "context" .) -}}
{{- end -}}

{{/*
A pool that holds a host's address hands it to a LoadBalancer Service:
MetalLB then answers ARP for an address a machine already has, and both
break. The hand-built lab's pool 10.0.0.10-10.0.0.50 held its second HAProxy.
*/}}
{{- define "platform.validate.reservedAddresses" -}}
{{- $ctx := .context -}}
{{- range $i, $addr := $ctx.Values.reservedAddresses | default list -}}
{{- $key := printf "reservedAddresses[%d]" $i -}}
{{- $r := include "platform.range" (dict "value" $addr "key" $key "context" $ctx) | fromJson -}}
{{- range $.pools -}}
{{- if include "common.ipv4.overlaps" (list .range $r) -}}
{{- include "common.fail" (dict "key" .key "message" (printf "%q of pool %q holds %q, a host address (%s): MetalLB would hand it to a Service and answer ARP for it. Split the range around it." .value .pool $addr $key) "context" $ctx) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
A range as common.ipv4.range parses it, failing with the key when it is not
an address, range or CIDR. Usage: include "platform.range" (dict "value" V "key" K "context" $) | fromJson
*/}}
{{- define "platform.range" -}}
{{- $r := include "common.ipv4.range" .value | fromJson -}}
{{- with $r.error -}}
{{- include "common.fail" (dict "key" $.key "message" (printf "%q %s" (toString $.value) .) "context" $.context) -}}
{{- end -}}
{{- toJson $r -}}
{{- end -}}

{{/*
MetalLB's pools as a list of {key, pool, range}: one entry per address
range, each range checked, and no two pools sharing an address (MetalLB would
refuse the second pool at admission, after the rest of the platform is in).
*/}}
{{- define "platform.validate.pools" -}}
{{- $out := list -}}
{{- range include "platform.metallbRanges" . | fromYamlArray -}}
{{- $r := include "platform.range" (dict "value" .value "key" .key "context" $) | fromJson -}}
{{- $entry := dict "key" .key "pool" .pool "value" .value "range" $r -}}
{{- range $out -}}
{{- if and (ne .pool $entry.pool) (include "common.ipv4.overlaps" (list .range $r)) -}}
{{- include "common.fail" (dict "key" $entry.key "message" (printf "%q overlaps %s %q of pool %q: MetalLB pools must not share addresses" $entry.value .key .value .pool) "context" $) -}}
{{- end -}}
{{- end -}}
{{- $out = append $out $entry -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/*
The ingress controller's fixed IP, from the Service field value and/or the
metallb.io/loadBalancerIPs annotation, must be an address MetalLB hands out:
otherwise the Service stays <pending> forever. With metallb.io/address-pool
set, that pool must exist and hold the IP. The pool holding the IP must be
announced by an advertisement, or nobody answers for the address. The
Service's loadBalancerClass must be the one MetalLB serves.
*/}}
{{- define "platform.validate.ingressIP" -}}
{{- $ctx := .context -}}
{{- $pools := .pools -}}
{{- $ingress := index $ctx.Subcharts "ingress-nginx" -}}
{{- if and $ingress (hasKey $ctx.Subcharts "metallb") -}}
{{- $svc := $ingress.Values.controller.service -}}
{{- if and $svc.enabled (eq $svc.type "LoadBalancer") -}}
{{- $wanted := list -}}
{{- with $svc.loadBalancerIP -}}
{{- $wanted = append $wanted (dict "key" "ingress-nginx.controller.service.loadBalancerIP" "ip" .) -}}
{{- end -}}
{{- $annotations := $svc.annotations | default dict -}}
{{- with index $annotations "metallb.io/loadBalancerIPs" -}}
{{- range splitList "," . -}}
{{- $wanted = append $wanted (dict "key" "ingress-nginx.controller.service.annotations.metallb.io/loadBalancerIPs" "ip" (trim .)) -}}
{{- end -}}
{{- end -}}
{{- $metallb := (index $ctx.Subcharts "metallb").Values -}}
{{- $mlbClass := $metallb.loadBalancerClass | default "" -}}
{{- $svcClass := $svc.loadBalancerClass | default "" -}}
{{- if ne $mlbClass $svcClass -}}
{{- $serves := "only Services without a class (metallb.loadBalancerClass is empty)" -}}
{{- if $mlbClass }}{{ $serves = printf "only Services of class %q (metallb.loadBalancerClass)" $mlbClass }}{{ end -}}
{{- include "common.fail" (dict "key" "ingress-nginx.controller.service.loadBalancerClass" "message" (printf "%q does not match MetalLB, which serves %s: the Service would stay <pending>. Set both to the same class." $svcClass $serves) "context" $ctx) -}}
{{- end -}}
{{- $poolNames := list -}}
{{- range $metallb.addressPools | default list }}{{ $poolNames = append $poolNames .name }}{{ end -}}
{{- $onlyPool := index $annotations "metallb.io/address-pool" | default "" -}}
{{- if and $onlyPool (not (has $onlyPool $poolNames)) -}}
{{- include "common.fail" (dict "key" "ingress-nginx.controller.service.annotations.metallb.io/address-pool" "message" (printf "%q is not a MetalLB pool (metallb.addressPools: %s): the Service would stay <pending>. Name one of those pools." $onlyPool (join ", " $poolNames | default "none")) "context" $ctx) -}}
{{- end -}}
{{- $announced := include "platform.announcedPools" $ctx | fromJson -}}
{{- range $wanted -}}
{{- $ip := .ip -}}
{{- $r := include "platform.range" (dict "value" $ip "key" .key "context" $ctx) | fromJson -}}
{{- if eq (toString $r.family) "4" -}}
{{- $found := false -}}
{{- $in := "" -}}
{{- range $pools -}}
{{- if and (or (not $onlyPool) (eq .pool $onlyPool)) (include "common.ipv4.overlaps" (list .range $r)) -}}
{{- $found = true -}}
{{- $in = .pool -}}
{{- end -}}
{{- end -}}
{{- if and $found (not $announced.all) (not (has $in $announced.pools)) -}}
{{- include "common.fail" (dict "key" .key "message" (printf "%q lies in MetalLB pool %q, which no metallb.l2Advertisements or metallb.bgpAdvertisements entry announces: the Service would get the address but no node would answer for it. Add %q to an advertisement's ipAddressPools." $ip $in $in) "context" $ctx) -}}
{{- end -}}
{{- if not $found -}}
{{- $where := "any MetalLB pool" -}}
{{- if $onlyPool }}{{ $where = printf "MetalLB pool %q (metallb.io/address-pool)" $onlyPool }}{{ end -}}
{{- $have := list -}}
{{- range $pools }}{{ $have = append $have (printf "%s: %s" .pool .value) }}{{ end -}}
{{- include "common.fail" (dict "key" .key "message" (printf "%q is not inside %s (%s): the Service would stay <pending>. Pick an address from a pool or widen the pool." $ip $where (join ", " $have | default "no pools")) "context" $ctx) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Pools MetalLB announces, as JSON {all, pools}: an advertisement without
ipAddressPools announces every pool; one with ipAddressPoolSelectors is taken
to announce every pool, since the pools' labels may be set elsewhere.
*/}}
{{- define "platform.announcedPools" -}}
{{- $all := false -}}
{{- $names := list -}}
{{- with index .Subcharts "metallb" -}}
{{- range concat (.Values.l2Advertisements | default list) (.Values.bgpAdvertisements | default list) -}}
{{- if or (not .ipAddressPools) .ipAddressPoolSelectors -}}
{{- $all = true -}}
{{- else -}}
{{- $names = concat $names .ipAddressPools -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toJson (dict "all" $all "pools" $names) -}}
{{- end -}}

{{/*
The pod network (Calico's pools and global.network.podCIDR) must not overlap
the service network, the node network or a MetalLB pool: routes would point
pod traffic at the wrong place. Calico's pools must also lie inside
global.network.podCIDR when that is set (kubeadm's podSubnet).
*/}}
{{- define "platform.validate.podNetwork" -}}
{{- $ctx := .context -}}
{{- $net := $ctx.Values.global.network | default dict -}}
{{- $others := list -}}
{{- with $net.serviceCIDR -}}
{{- $others = append $others (dict "key" "global.network.serviceCIDR" "value" . "what" "the service network" "range" (include "platform.range" (dict "value" . "key" "global.network.serviceCIDR" "context" $ctx) | fromJson)) -}}
{{- end -}}
{{- with $net.nodeCIDR -}}
{{- $others = append $others (dict "key" "global.network.nodeCIDR" "value" . "what" "the node network" "range" (include "platform.range" (dict "value" . "key" "global.network.nodeCIDR" "context" $ctx) | fromJson)) -}}
{{- end -}}
{{- range .pools -}}
{{- $others = append $others (dict "key" .key "value" .value "what" (printf "MetalLB pool %q" .pool) "range" .range) -}}
{{- end -}}
{{- $podCIDR := dict -}}
{{- $pods := list -}}
{{- with $net.podCIDR -}}
{{- $podCIDR = include "platform.range" (dict "value" . "key" "global.network.podCIDR" "context" $ctx) | fromJson -}}
{{- $pods = append $pods (dict "key" "global.network.podCIDR" "value" . "range" $podCIDR) -}}
{{- end -}}
{{- range include "platform.calicoCIDRs" $ctx | fromYamlArray -}}
{{- $r := include "platform.range" (dict "value" .value "key" .key "context" $ctx) | fromJson -}}
{{- $pods = append $pods (dict "key" .key "value" .value "range" $r "calico" true) -}}
{{- end -}}
{{- range $pod := $pods -}}
{{- range $other := $others -}}
{{- if include "common.ipv4.overlaps" (list $pod.range $other.range) -}}
{{- include "common.fail" (dict "key" $pod.key "message" (printf "%q overlaps %s (%s %q): pod addresses must not collide with it" $pod.value $other.what $other.key $other.value) "context" $ctx) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- range $pods -}}
{{- $r := .range -}}
{{- if and .calico $net.podCIDR (eq (toString $r.family) "4") (or (lt (int64 $r.start) (int64 $podCIDR.start)) (gt (int64 $r.end) (int64 $podCIDR.end))) -}}
{{- include "common.fail" (dict "key" .key "message" (printf "%q is not inside global.network.podCIDR %q: Calico's pools must lie in the cluster's pod network (kubeadm podSubnet)" .value $net.podCIDR) "context" $ctx) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
A LoadBalancer address inside the service network would shadow a ClusterIP
that kube-proxy already routes.
*/}}
{{- define "platform.validate.poolsOutsideServices" -}}
{{- $ctx := .context -}}
{{- with ($ctx.Values.global.network | default dict).serviceCIDR -}}
{{- $svc := include "platform.range" (dict "value" . "key" "global.network.serviceCIDR" "context" $ctx) | fromJson -}}
{{- $serviceCIDR := . -}}
{{- range $.pools -}}
{{- if include "common.ipv4.overlaps" (list .range $svc) -}}
{{- include "common.fail" (dict "key" .key "message" (printf "%q overlaps the service network (global.network.serviceCIDR %q): LoadBalancer addresses must not be cluster IPs" .value $serviceCIDR) "context" $ctx) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Site values: with no values file, stop before anything is applied and list
every value the site has to supply, instead of installing half a platform
(no LoadBalancer IPs, no storage) or reporting one key per attempt.
*/}}
{{- define "platform.validate.siteValues" -}}
{{- $missing := list -}}
{{- with index .Subcharts "metallb" -}}
{{- if not .Values.addressPools -}}
{{- $missing = append $missing "metallb.addressPools: the addresses MetalLB hands to LoadBalancer Services, free addresses of the node network, e.g. [{name: lab, addresses: [10.0.0.10-10.0.0.50]}]" -}}
{{- end -}}
{{- if not (or .Values.l2Advertisements .Values.bgpAdvertisements) -}}
{{- $missing = append $missing "metallb.l2Advertisements: how the pool addresses are announced, e.g. [{name: lab, ipAddressPools: [lab], interfaces: [eth0]}] (or metallb.bgpAdvertisements with bgpPeers); without one, Services get addresses nobody answers for" -}}
{{- end -}}
{{- end -}}
{{- with index .Subcharts "nfs-subdir-provisioner" -}}
{{- if not (trim (.Values.nfs.server | default "")) -}}
{{- $missing = append $missing "nfs-subdir-provisioner.nfs.server: the NFS server's hostname or IP, e.g. nfs.feng.org" -}}
{{- end -}}
{{- if not (trim (.Values.nfs.path | default "")) -}}
{{- $missing = append $missing "nfs-subdir-provisioner.nfs.path: the exported directory, e.g. /data/sc-nfs" -}}
{{- end -}}
{{- end -}}
{{- if $missing -}}
{{- fail (printf "\n%s: site-specific values are missing; nothing was applied. Set them in a values file (values/lab.yaml is a complete one; charts/platform/README.md gives the install order), or switch the component off with <name>.enabled=false:\n  - %s" .Chart.Name (join "\n  - " $missing)) -}}
{{- end -}}
{{- end -}}

{{/*
The umbrella renders the namespaces; a subchart rendering its own too would
clash. A level below what a component needs would let the release install
while Pod Security admission refuses that component's pods.
*/}}
{{- define "platform.validate.namespaces" -}}
{{- if .Values.namespaces.create -}}
{{- $rank := dict "restricted" 0 "baseline" 1 "privileged" 2 -}}
{{- range include "platform.components" . | fromYamlArray -}}
{{- $level := index $.Values.namespaces.podSecurity .name | default "restricted" -}}
{{- if and (hasKey $.Subcharts .name) (lt (int (index $rank $level)) (int (index $rank .needs))) -}}
{{- include "common.fail" (dict "key" (printf "namespaces.podSecurity.%s" .name) "message" (printf "%q is below %q, the level %s needs (%s): Pod Security admission would refuse its pods" $level .needs .name .why) "context" $) -}}
{{- end -}}
{{- end -}}
{{- range $name, $sub := .Subcharts -}}
{{- if and (kindIs "map" $sub.Values.namespace) $sub.Values.namespace.create -}}
{{- include "common.fail" (dict "key" (printf "%s.namespace.create" $name) "message" "must stay false in the platform: the umbrella already renders this component's Namespace with its Pod Security labels (namespaces.create). Set namespaces.create=false instead to let the subcharts do it." "context" $) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
