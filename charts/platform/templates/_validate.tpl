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
{{- include "platform.validate.serviceVsNode" . -}}
{{- $pools := include "platform.validate.pools" . | fromJson -}}
{{- include "platform.validate.ingressIP" (dict "pools" $pools "context" .) -}}
{{- include "platform.validate.frontDoor" (dict "pools" $pools "context" .) -}}
{{- include "platform.validate.podNetwork" (dict "pools" $pools "context" .) -}}
{{- include "platform.validate.poolsOutsideServices" (dict "pools" $pools "context" .) -}}
{{- include "platform.validate.reservedAddresses" (dict "pools" $pools "context" .) -}}
{{- include "platform.validate.addressPlan" (dict "pools" $pools "context" .) -}}
{{- end -}}

{{/*
The rest of the address plan:
- the service network must not overlap the node network (kube-proxy would capture node traffic);
- pools announced over L2 must lie in the node network (ARP answers nothing outside the segment);
- a pool must not hold an address named elsewhere in the values: the NFS server, a CoreDNS
  hosts entry, a BGP peer;
- the ingress Service: no legacy metallb.universe.tf/* annotation (MetalLB 0.16 ignores them), at
  most one requested address per IP family, an IPv6 address only with an IPv6 pool, and its pool
  must not be reserved for other namespaces.
*/}}
{{- define "platform.validate.addressPlan" -}}
{{- $ctx := .context -}}
{{- $pools := .pools -}}
{{- $net := $ctx.Values.global.network | default dict -}}
{{- with index $ctx.Subcharts "metallb" -}}
{{- $metallb := .Values -}}
{{- /* L2 pools inside the node network */ -}}
{{- if $net.nodeCIDR -}}
{{- $node := include "platform.range" (dict "value" $net.nodeCIDR "key" "global.network.nodeCIDR" "context" $ctx) | fromJson -}}
{{- $l2all := false -}}
{{- $l2 := list -}}
{{- range $metallb.l2Advertisements | default list -}}
{{- if or (not .ipAddressPools) .ipAddressPoolSelectors }}{{ $l2all = true }}{{ else }}{{ $l2 = concat $l2 .ipAddressPools }}{{ end -}}
{{- end -}}
{{- range $pools -}}
{{- if and (or $l2all (has .pool $l2)) (eq (toString .range.family) "4") (or (lt (int64 .range.start) (int64 $node.start)) (gt (int64 .range.end) (int64 $node.end))) -}}
{{- include "common.fail" (dict "key" .key "message" (printf "%q of pool %q is announced over L2 but lies outside the node network (global.network.nodeCIDR %q): ARP is answered only on the nodes' own segment, so nothing would reach it. Use free addresses of the node network, or announce the pool over BGP." .value .pool $net.nodeCIDR) "context" $ctx) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- /* hosts named elsewhere */ -}}
{{- $hosts := list -}}
{{- with index $ctx.Subcharts "nfs-subdir-provisioner" -}}
{{- $hosts = append $hosts (dict "key" "nfs-subdir-provisioner.nfs.server" "ip" (toString .Values.nfs.server) "what" "the NFS server") -}}
{{- end -}}
{{- with index $ctx.Subcharts "coredns" -}}
{{- range $i, $e := .Values.hosts.entries | default list -}}
{{- $hosts = append $hosts (dict "key" (printf "coredns.hosts.entries[%d].ip" $i) "ip" (toString $e.ip) "what" (printf "host %s" (join "," ($e.names | default list)))) -}}
{{- end -}}
{{- range $i, $up := .Values.forward.to | default list -}}
{{- $hosts = append $hosts (dict "key" (printf "coredns.forward.to[%d]" $i) "ip" (regexReplaceAll ":[0-9]+$" (trimPrefix "tls://" (toString $up)) "") "what" "an upstream DNS server") -}}
{{- end -}}
{{- range $i, $stub := .Values.stubDomains | default list -}}
{{- range $j, $server := $stub.servers | default list -}}
{{- $hosts = append $hosts (dict "key" (printf "coredns.stubDomains[%d].servers[%d]" $i $j) "ip" (regexReplaceAll ":[0-9]+$" (toString $server) "") "what" (printf "the DNS server of %s" $stub.zone)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- with index $ctx.Subcharts "calico" -}}
{{- range $i, $peer := (.Values.bgp | default dict).peers | default list -}}
{{- with $peer.peerIP -}}
{{- $hosts = append $hosts (dict "key" (printf "calico.bgp.peers[%d].peerIP" $i) "ip" (regexReplaceAll ":[0-9]+$" (toString .) "") "what" "a Calico BGP peer") -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- range $i, $peer := $metallb.bgpPeers | default list -}}
{{- $hosts = append $hosts (dict "key" (printf "metallb.bgpPeers[%d].peerAddress" $i) "ip" (toString $peer.peerAddress) "what" "a BGP peer") -}}
{{- end -}}
{{- range $h := $hosts -}}
{{- if include "common.ipv4.valid" $h.ip -}}
{{- $r := include "common.ipv4.range" $h.ip | fromJson -}}
{{- range $pools -}}
{{- if include "common.ipv4.overlaps" (list .range $r) -}}
{{- include "common.fail" (dict "key" .key "message" (printf "%q of pool %q holds %s, %s (%s): MetalLB would hand that address to a Service and answer ARP for it. Split the range around it." .value .pool $h.ip $h.what $h.key) "context" $ctx) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- /* the ingress Service's requests */ -}}
{{- with index $ctx.Subcharts "ingress-nginx" -}}
{{- $svc := .Values.controller.service -}}
{{- $ingressNS := include "platform.namespaceOf" (dict "name" "ingress-nginx" "context" $ctx) -}}
{{- if and $svc.enabled (eq $svc.type "LoadBalancer") -}}
{{- $annotations := $svc.annotations | default dict -}}
{{- range $k, $_ := $annotations -}}
{{- if hasPrefix "metallb.universe.tf/" $k -}}
{{- include "common.fail" (dict "key" (printf "ingress-nginx.controller.service.annotations.%s" $k) "message" (printf "uses the legacy prefix metallb.universe.tf/, which MetalLB %s no longer reads: the request would be silently ignored. Use metallb.io/%s." $.context.Subcharts.metallb.Chart.AppVersion (trimPrefix "metallb.universe.tf/" $k)) "context" $ctx) -}}
{{- end -}}
{{- end -}}
{{- $ips := list -}}
{{- with $svc.loadBalancerIP }}{{ $ips = append $ips (dict "key" "ingress-nginx.controller.service.loadBalancerIP" "ip" (toString .)) }}{{ end -}}
{{- with index $annotations "metallb.io/loadBalancerIPs" -}}
{{- range splitList "," . -}}
{{- $ips = append $ips (dict "key" "ingress-nginx.controller.service.annotations.metallb.io/loadBalancerIPs" "ip" (trim .)) -}}
{{- end -}}
{{- end -}}
{{- $families := dict -}}
{{- range $ips -}}
{{- $fam := ternary "6" "4" (contains ":" .ip) -}}
{{- if and (hasKey $families $fam) (ne (get $families $fam) .ip) -}}
{{- include "common.fail" (dict "key" .key "message" (printf "asks for %s and %s, two IPv%s addresses: a Service gets at most one address per IP family; keep one" (get $families $fam) .ip $fam) "context" $ctx) -}}
{{- end -}}
{{- $_ := set $families $fam .ip -}}
{{- if eq $fam "6" -}}
{{- $v6 := false -}}
{{- range $pools }}{{ if eq (toString .range.family) "6" }}{{ $v6 = true }}{{ end }}{{ end -}}
{{- if not $v6 -}}
{{- include "common.fail" (dict "key" .key "message" (printf "%q is an IPv6 address but every MetalLB pool is IPv4: the Service would stay <pending>. Add an IPv6 pool or ask for an IPv4 address." .ip) "context" $ctx) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- /* pools the ingress Service may draw from: the one holding its IP, else all */ -}}
{{- $onlyPool := index $annotations "metallb.io/address-pool" | default "" -}}
{{- range $metallb.addressPools | default list -}}
{{- $pool := . -}}
{{- $alloc := $pool.serviceAllocation | default dict -}}
{{- $namespaces := $alloc.namespaces | default list -}}
{{- if and $namespaces (not $alloc.namespaceSelectors) (not (has $ingressNS $namespaces)) (or (eq $onlyPool $pool.name) (include "platform.poolHoldsAny" (dict "pool" $pool.name "pools" $pools "ips" $ips))) -}}
{{- include "common.fail" (dict "key" (printf "metallb.addressPools[%s].serviceAllocation.namespaces" $pool.name) "message" (printf "%v reserves pool %q for other namespaces, but the ingress Service (namespace %q) asks for it: MetalLB would never assign it. Add %q or pick another pool." $namespaces $pool.name $ingressNS $ingressNS) "context" $ctx) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The service network must not overlap the node network: kube-proxy would capture traffic to the nodes. */}}
{{- define "platform.validate.serviceVsNode" -}}
{{- $ctx := . -}}
{{- $net := .Values.global.network | default dict -}}
{{- if and $net.serviceCIDR $net.nodeCIDR -}}
{{- $svc := include "platform.range" (dict "value" $net.serviceCIDR "key" "global.network.serviceCIDR" "context" $ctx) | fromJson -}}
{{- $node := include "platform.range" (dict "value" $net.nodeCIDR "key" "global.network.nodeCIDR" "context" $ctx) | fromJson -}}
{{- if include "common.ipv4.overlaps" (list $svc $node) -}}
{{- include "common.fail" (dict "key" "global.network.serviceCIDR" "message" (printf "%q overlaps the node network (global.network.nodeCIDR %q): kube-proxy would capture traffic to the nodes themselves" $net.serviceCIDR $net.nodeCIDR) "context" $ctx) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* "true" when one of the IPv4 addresses lies in the named pool. Usage: (dict "pool" N "pools" $pools "ips" $ips) */}}
{{- define "platform.poolHoldsAny" -}}
{{- $name := .pool -}}
{{- range $p := .pools -}}
{{- if eq $p.pool $name -}}
{{- range $.ips -}}
{{- if include "common.ipv4.valid" .ip -}}
{{- if include "common.ipv4.overlaps" (list $p.range (include "common.ipv4.range" .ip | fromJson)) }}true{{ end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
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
MetalLB's pools as JSON {index: {key, pool, value, range}} (ranging over it goes in index
order): one entry per address range, each range checked, and no two pools sharing an
address (MetalLB would refuse the second pool at admission, after the rest of the
platform is in). Linear: dicts instead of appends, one sort for the overlaps
(common.ranges.firstOverlap), so thousands of pools render in seconds.
*/}}
{{- define "platform.validate.pools" -}}
{{- $out := dict -}}
{{- $ranges := dict -}}
{{- with index .Subcharts "metallb" -}}
{{- range $i, $pool := .Values.addressPools | default list -}}
{{- range $j, $a := $pool.addresses | default list -}}
{{- $key := printf "metallb.addressPools[%d].addresses[%d]" $i $j -}}
{{- $r := include "platform.range" (dict "value" $a "key" $key "context" $) | fromJson -}}
{{- $id := printf "%07d.%05d" $i $j -}}
{{- $_ := set $out $id (dict "key" $key "pool" $pool.name "value" $a "range" $r) -}}
{{- $_ = set $ranges $id $r -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- with include "common.ranges.firstOverlap" $ranges -}}
{{- $pair := fromJsonArray . -}}
{{- $earlier := get $out (index $pair 0) -}}
{{- $later := get $out (index $pair 1) -}}
{{- include "common.fail" (dict "key" $later.key "message" (printf "%q overlaps %s %q of pool %q: MetalLB pools must not share addresses" $later.value $earlier.key $earlier.value $earlier.pool) "context" $) -}}
{{- end -}}
{{- toJson $out -}}
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
{{- $needs := .needs -}}
{{- $why := .why -}}
{{- if and (eq .name "ingress-nginx") (hasKey $.Subcharts .name) -}}
{{- /* the host network, host ports or unsafe sysctls make the controller privileged */ -}}
{{- $needs = include "ingress-nginx.podSecurity" (index $.Subcharts .name) -}}
{{- $why = "ingress-nginx.controller.hostNetwork, hostPort or an unsafe sysctl" -}}
{{- end -}}
{{- if and (hasKey $.Subcharts .name) (lt (int (index $rank $level)) (int (index $rank $needs))) -}}
{{- include "common.fail" (dict "key" (printf "namespaces.podSecurity.%s" .name) "message" (printf "%q is below %q, the level %s needs (%s): Pod Security admission would refuse its pods" $level $needs .name $why) "context" $) -}}
{{- end -}}
{{- end -}}
{{- range $name, $sub := .Subcharts -}}
{{- if and (kindIs "map" $sub.Values.namespace) $sub.Values.namespace.create -}}
{{- include "common.fail" (dict "key" (printf "%s.namespace.create" $name) "message" "must stay false in the platform: the umbrella already renders this component's Namespace with its Pod Security labels (namespaces.create). Set namespaces.create=false instead to let the subcharts do it." "context" $) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
