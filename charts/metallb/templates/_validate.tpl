{{/*
Cross-value checks; the schema covers types, enums and the allowed keys.
These catch what MetalLB's webhook would otherwise reject at install time,
after part of the release is already applied. Every check is linear in the
number of pools (lookups in dicts, one sort for the overlaps), so a values
file with 10,000 pools renders in seconds.
*/}}
{{- define "metallb.validate" -}}
{{- include "metallb.validate.monitoring" . -}}
{{- include "metallb.validate.pools" . -}}
{{- include "metallb.validate.bgp" . -}}
{{- include "metallb.validate.backend" . -}}
{{- include "metallb.validate.advertisements" . -}}
{{- include "metallb.validate.components" . -}}
{{- end -}}

{{/* Pool names unique, addresses valid and ordered, no two pool addresses overlapping. */}}
{{- define "metallb.validate.pools" -}}
{{- $names := dict -}}
{{- $ranges := dict -}}
{{- $where := dict -}}
{{- range $i, $pool := .Values.addressPools -}}
  {{- $_ := include "common.required" (dict "value" $pool.name "key" (printf "addressPools[%d].name" $i) "hint" "the pool name Services select, e.g. lab-pool" "context" $) -}}
  {{- if hasKey $names $pool.name -}}
    {{- include "common.fail" (dict "key" (printf "addressPools[%d].name" $i) "message" (printf "%q is used twice (also addressPools[%d]): pool names must be unique" $pool.name (get $names $pool.name)) "context" $) -}}
  {{- end -}}
  {{- $_ = set $names $pool.name $i -}}
  {{- $_ = include "common.required" (dict "value" $pool.addresses "key" (printf "addressPools[%d].addresses" $i) "hint" "a list of CIDRs or ranges, e.g. [10.0.0.10-10.0.0.50]" "context" $) -}}
  {{- range $j, $a := $pool.addresses -}}
    {{- $key := printf "addressPools[%d].addresses[%d]" $i $j -}}
    {{- $id := printf "%07d.%05d" $i $j -}}
    {{- $_ = set $ranges $id (include "metallb.parseAddress" (dict "address" $a "key" $key "context" $) | fromJson) -}}
    {{- $_ = set $where $id (list $key $a) -}}
  {{- end -}}
{{- end -}}
{{- with include "common.ranges.firstOverlap" $ranges -}}
  {{- $pair := fromJsonArray . -}}
  {{- $earlier := get $where (index $pair 0) -}}
  {{- $later := get $where (index $pair 1) -}}
  {{- include "common.fail" (dict "key" (index $later 0) "message" (printf "%s overlaps %s %s: MetalLB refuses overlapping pools" (index $later 1) (index $earlier 0) (index $earlier 1)) "context" $) -}}
{{- end -}}
{{- end -}}

{{/* Peers name their ASN and address one way each; references point at objects of this release; timers as MetalLB accepts them. */}}
{{- define "metallb.validate.bgp" -}}
{{- $bfd := dict -}}
{{- range $i, $p := .Values.bfdProfiles -}}
  {{- if hasKey $bfd $p.name -}}
    {{- include "common.fail" (dict "key" (printf "bfdProfiles[%d].name" $i) "message" (printf "%q is used twice: BFD profile names must be unique" $p.name) "context" $) -}}
  {{- end -}}
  {{- $_ := set $bfd $p.name $i -}}
{{- end -}}
{{- $aliases := dict -}}
{{- range $i, $c := .Values.communities -}}
  {{- if hasKey $aliases $c.name -}}
    {{- include "common.fail" (dict "key" (printf "communities[%d].name" $i) "message" (printf "%q is used twice: community aliases must be unique" $c.name) "context" $) -}}
  {{- end -}}
  {{- $_ := set $aliases $c.name $i -}}
  {{- with include "metallb.communityProblem" $c.value -}}
    {{- include "common.fail" (dict "key" (printf "communities[%d].value" $i) "message" (printf "%q: %s" $c.value .) "context" $) -}}
  {{- end -}}
{{- end -}}
{{- $peers := dict -}}
{{- range $i, $p := .Values.bgpPeers -}}
  {{- $key := printf "bgpPeers[%d]" $i -}}
  {{- if hasKey $peers $p.name -}}
    {{- include "common.fail" (dict "key" (printf "%s.name" $key) "message" (printf "%q is used twice: peer names must be unique" $p.name) "context" $) -}}
  {{- end -}}
  {{- $_ := set $peers $p.name $i -}}
  {{- if eq (hasKey $p "peerASN") (hasKey $p "dynamicASN") -}}
    {{- include "common.fail" (dict "key" (printf "%s.peerASN" $key) "message" "needs exactly one of peerASN (a number) and dynamicASN (internal|external)" "context" $) -}}
  {{- end -}}
  {{- if eq (hasKey $p "peerAddress") (hasKey $p "interface") -}}
    {{- include "common.fail" (dict "key" (printf "%s.peerAddress" $key) "message" "needs exactly one of peerAddress (an IP) and interface (unnumbered BGP)" "context" $) -}}
  {{- end -}}
  {{- range $field := list "peerAddress" "sourceAddress" -}}
    {{- with get $p $field -}}
      {{- if not (include "common.ip.family" .) -}}
        {{- include "common.fail" (dict "key" (printf "%s.%s" $key $field) "message" (printf "%s is not a valid IP address" .) "context" $) -}}
      {{- end -}}
    {{- end -}}
  {{- end -}}
  {{- if and $p.bfdProfile (not (hasKey $bfd $p.bfdProfile)) -}}
    {{- include "common.fail" (dict "key" (printf "%s.bfdProfile" $key) "message" (printf "%q is not in bfdProfiles: add it there, or the webhook rejects the peer" $p.bfdProfile) "context" $) -}}
  {{- end -}}
  {{- if and $p.ebgpMultiHop (hasKey $p "peerASN") (eq (int64 $p.peerASN) (int64 $p.myASN)) -}}
    {{- include "common.fail" (dict "key" (printf "%s.ebgpMultiHop" $key) "message" "is set but peerASN equals myASN (an iBGP session): MetalLB refuses ebgp-multihop for iBGP peers" "context" $) -}}
  {{- end -}}
  {{- if and $p.password $p.passwordSecret -}}
    {{- include "common.fail" (dict "key" (printf "%s.password" $key) "message" "and passwordSecret are mutually exclusive: keep passwordSecret" "context" $) -}}
  {{- end -}}
  {{- include "metallb.validate.timers" (dict "peer" $p "key" $key "context" $) -}}
{{- end -}}
{{- range $i, $adv := .Values.bgpAdvertisements -}}
  {{- range $j, $c := $adv.communities -}}
    {{- if not (or (regexMatch "^[0-9]{1,5}:[0-9]{1,5}$" $c) (regexMatch "^large:[0-9]+:[0-9]+:[0-9]+$" $c) (hasKey $aliases $c)) -}}
      {{- include "common.fail" (dict "key" (printf "bgpAdvertisements[%d].communities[%d]" $i $j) "message" (printf "%q is neither a community (65535:65282, large:1:2:3) nor an alias from communities[].name" $c) "context" $) -}}
    {{- else if not (hasKey $aliases $c) -}}
      {{- with include "metallb.communityProblem" $c -}}
        {{- include "common.fail" (dict "key" (printf "bgpAdvertisements[%d].communities[%d]" $i $j) "message" (printf "%q: %s" $c .) "context" $) -}}
      {{- end -}}
    {{- end -}}
  {{- end -}}
  {{- range $j, $peer := $adv.peers -}}
    {{- if not (hasKey $peers $peer) -}}
      {{- include "common.fail" (dict "key" (printf "bgpAdvertisements[%d].peers[%d]" $i $j) "message" (printf "%q is not in bgpPeers[].name" $peer) "context" $) -}}
    {{- end -}}
  {{- end -}}
  {{- if and $adv.serviceSelectors (or (and (hasKey $adv "aggregationLength") (ne (int $adv.aggregationLength) 32)) (and (hasKey $adv "aggregationLengthV6") (ne (int $adv.aggregationLengthV6) 128))) -}}
    {{- include "common.fail" (dict "key" (printf "bgpAdvertisements[%d].serviceSelectors" $i) "message" "cannot be combined with an aggregationLength other than 32 (or aggregationLengthV6 other than 128)" "context" $) -}}
  {{- end -}}
{{- end -}}
{{- end -}}

{{/*
BGP timers as MetalLB's parseTimers reads them: a missing hold time is three
keepalives, a missing keepalive a third of the hold time; the hold time,
rounded down to whole seconds, is 0 or at least 3 s (RFC 4271), and the
keepalive is not longer than the hold time.
*/}}
{{- define "metallb.validate.timers" -}}
{{- $p := .peer -}}
{{- $hold := include "common.durationMs" ($p.holdTime | default "") -}}
{{- $ka := include "common.durationMs" ($p.keepaliveTime | default "") -}}
{{- if or (ne $hold "") (ne $ka "") -}}
  {{- $holdMs := ternary (int64 $hold) (mul (int64 $ka) 3) (ne $hold "") -}}
  {{- $kaMs := ternary (int64 $ka) (div $holdMs 3) (ne $ka "") -}}
  {{- $seconds := div $holdMs 1000 -}}
  {{- if and (ne $seconds 0) (lt $seconds 3) -}}
    {{- if ne $hold "" -}}
      {{- include "common.fail" (dict "key" (printf "%s.holdTime" .key) "message" (printf "%q is under 3s: MetalLB accepts 0 (no keepalives) or at least 3s, rounded down to whole seconds (RFC 4271)" $p.holdTime) "context" .context) -}}
    {{- else -}}
      {{- include "common.fail" (dict "key" (printf "%s.keepaliveTime" .key) "message" (printf "%q without a holdTime makes the hold time three keepalives, %dms, under MetalLB's minimum of 3s: set holdTime too, or a keepalive of at least 1s" $p.keepaliveTime $holdMs) "context" .context) -}}
    {{- end -}}
  {{- end -}}
  {{- if gt $kaMs $holdMs -}}
    {{- include "common.fail" (dict "key" (printf "%s.keepaliveTime" .key) "message" (printf "%q is longer than holdTime %q: MetalLB refuses it (the session would expire between keepalives); use at most the hold time, usually a third of it" $p.keepaliveTime $p.holdTime) "context" .context) -}}
  {{- end -}}
{{- end -}}
{{- end -}}

{{/*
What the BGP backend accepts. Native BGP refuses, in the webhook and in the
controller (upstream DiscardFRROnly), every BFD profile, the FRR-only peer
fields, IPv6 pools announced over BGP and large communities; FRR refuses peers
on one node that disagree on router ID or ASN (upstream DiscardNativeOnly).
*/}}
{{- define "metallb.validate.backend" -}}
{{- $type := include "metallb.bgpType" . -}}
{{- if and .Values.speaker.frr.enabled .Values.frrk8s.external -}}
  {{- include "common.fail" (dict "key" "frrk8s.external" "message" "and speaker.frr.enabled are two BGP backends (an frr-k8s outside this chart, or FRR beside each speaker): choose one" "context" .) -}}
{{- end -}}
{{- if .Values.frrk8s.external -}}
  {{- $_ := include "common.required" (dict "value" .Values.frrk8s.namespace "key" "frrk8s.namespace" "hint" "the namespace frr-k8s runs in, e.g. frr-k8s-system" "context" .) -}}
{{- end -}}
{{- if and .Values.speaker.bgpDebounceTimeout (ne $type "frr") -}}
  {{- include "common.fail" (dict "key" "speaker.bgpDebounceTimeout" "message" (printf "only applies to the FRR backend (speaker.frr.enabled), not to %s: remove it" $type) "context" .) -}}
{{- end -}}
{{- if eq $type "native" -}}
  {{- $bgpPools := include "metallb.bgpPools" . | fromJson -}}
  {{- $how := "MetalLB's native BGP (speaker.frr.enabled=false) refuses it in its webhook; enable speaker.frr.enabled, or remove it" -}}
  {{- with .Values.bfdProfiles -}}
    {{- include "common.fail" (dict "key" "bfdProfiles" "message" (printf "is set, but BFD needs the FRR backend: %s" $how) "context" $) -}}
  {{- end -}}
  {{- range $i, $p := .Values.bgpPeers -}}
    {{- $frrOnly := list -}}
    {{- range $field := list "dynamicASN" "interface" "bfdProfile" "vrf" "connectTime" -}}
      {{- if hasKey $p $field }}{{ $frrOnly = append $frrOnly $field }}{{ end -}}
    {{- end -}}
    {{- range $field := list "enableGracefulRestart" "disableMP" "dualStackAddressFamily" -}}
      {{- if get $p $field }}{{ $frrOnly = append $frrOnly $field }}{{ end -}}
    {{- end -}}
    {{- if and $p.localASN (ne (int64 $p.localASN) 0) }}{{ $frrOnly = append $frrOnly "localASN" }}{{ end -}}
    {{- if and $p.keepaliveTime (ne (include "common.durationMs" $p.keepaliveTime) "0") }}{{ $frrOnly = append $frrOnly "keepaliveTime" }}{{ end -}}
    {{- with $frrOnly -}}
      {{- include "common.fail" (dict "key" (printf "bgpPeers[%d].%s" $i (first .)) "message" (printf "needs the FRR backend: %s" $how) "context" $) -}}
    {{- end -}}
  {{- end -}}
  {{- range $i, $pool := .Values.addressPools -}}
    {{- if hasKey $bgpPools.pools $pool.name -}}
      {{- range $j, $a := $pool.addresses -}}
        {{- if contains ":" (toString $a) -}}
          {{- include "common.fail" (dict "key" (printf "addressPools[%d].addresses[%d]" $i $j) "message" (printf "%s is IPv6 and %s announces the pool over BGP: native BGP carries IPv4 only; %s" $a (get $bgpPools.pools $pool.name) $how) "context" $) -}}
        {{- end -}}
      {{- end -}}
    {{- end -}}
  {{- end -}}
  {{- range $i, $c := .Values.communities -}}
    {{- if hasPrefix "large:" (toString $c.value) -}}
      {{- include "common.fail" (dict "key" (printf "communities[%d].value" $i) "message" (printf "%q is a large community, which needs the FRR backend: %s" $c.value $how) "context" $) -}}
    {{- end -}}
  {{- end -}}
  {{- range $i, $adv := .Values.bgpAdvertisements -}}
    {{- range $j, $c := $adv.communities -}}
      {{- if hasPrefix "large:" (toString $c) -}}
        {{- include "common.fail" (dict "key" (printf "bgpAdvertisements[%d].communities[%d]" $i $j) "message" (printf "%q is a large community, which needs the FRR backend: %s" $c $how) "context" $) -}}
      {{- end -}}
    {{- end -}}
  {{- end -}}
{{- else -}}
  {{- /* Two peers FRR configures on the same node; only pairs that surely share one are
         judged (one of them selects every node, or both the same nodes): the chart cannot
         see the nodes' labels, the webhook can. */ -}}
  {{- range $i, $p := .Values.bgpPeers -}}
    {{- range $j, $q := $.Values.bgpPeers -}}
      {{- if and (lt $j $i) (or (not $p.nodeSelectors) (not $q.nodeSelectors) (eq (toJson $p.nodeSelectors) (toJson $q.nodeSelectors))) -}}
        {{- $key := printf "bgpPeers[%d]" $i -}}
        {{- if ne ($p.routerID | default "") ($q.routerID | default "") -}}
          {{- include "common.fail" (dict "key" (printf "%s.routerID" $key) "message" (printf "%q differs from bgpPeers[%d].routerID %q: with FRR, peers on the same node share one router ID; set the same on both (or give them nodeSelectors of different nodes)" ($p.routerID | default "") $j ($q.routerID | default "")) "context" $) -}}
        {{- end -}}
        {{- $pid := printf "%s|%s" ($p.peerAddress | default $p.interface) ($p.vrf | default "") -}}
        {{- $qid := printf "%s|%s" ($q.peerAddress | default $q.interface) ($q.vrf | default "") -}}
        {{- if eq $pid $qid -}}
          {{- include "common.fail" (dict "key" $key "message" (printf "peers the same router as bgpPeers[%d] (%s) on the same nodes: FRR allows one session per address and VRF; merge them" $j ($p.peerAddress | default $p.interface)) "context" $) -}}
        {{- end -}}
        {{- if and (eq ($p.vrf | default "") ($q.vrf | default "")) (ne (int64 $p.myASN) (int64 $q.myASN)) -}}
          {{- include "common.fail" (dict "key" (printf "%s.myASN" $key) "message" (printf "%d differs from bgpPeers[%d].myASN %d in the same VRF: FRR runs one BGP instance per VRF on a node, with one ASN" (int64 $p.myASN) $j (int64 $q.myASN)) "context" $) -}}
        {{- end -}}
      {{- end -}}
    {{- end -}}
  {{- end -}}
  {{- /* BFD echo mode works over IPv4 only: MetalLB refuses an IPv6 pool advertised to such a peer. */ -}}
  {{- $echo := dict -}}
  {{- range .Values.bfdProfiles }}{{ if .echoMode }}{{ $_ := set $echo .name true }}{{ end }}{{ end -}}
  {{- if $echo -}}
    {{- range $i, $adv := .Values.bgpAdvertisements -}}
      {{- $v6 := "" -}}
      {{- range $pool := $.Values.addressPools -}}
        {{- if and (not $v6) (include "metallb.advertises" (dict "adv" $adv "pool" $pool)) -}}
          {{- range $pool.addresses }}{{ if contains ":" (toString .) }}{{ $v6 = $pool.name }}{{ end }}{{ end -}}
        {{- end -}}
      {{- end -}}
      {{- if $v6 -}}
        {{- range $j, $p := $.Values.bgpPeers -}}
          {{- if and (or (not $adv.peers) (has $p.name $adv.peers)) $p.bfdProfile (hasKey $echo $p.bfdProfile) -}}
            {{- include "common.fail" (dict "key" (printf "bgpAdvertisements[%d]" $i) "message" (printf "announces IPv6 pool %q to bgpPeers[%d] (%s), whose BFD profile %q has echoMode: BFD echo is IPv4-only and MetalLB refuses the pair; turn echoMode off or keep the IPv6 pool from that peer (peers)" $v6 $j $p.name $p.bfdProfile) "context" $) -}}
          {{- end -}}
        {{- end -}}
      {{- end -}}
    {{- end -}}
  {{- end -}}
{{- end -}}
{{- end -}}

{{/*
Pools announced over BGP, as JSON {"pools": {name: "bgpAdvertisements[i]"}}: an
advertisement without ipAddressPools and selectors announces every pool; selectors
are matched against the pools' labels in values.
*/}}
{{- define "metallb.bgpPools" -}}
{{- $out := dict -}}
{{- range $i, $adv := .Values.bgpAdvertisements -}}
  {{- $where := printf "bgpAdvertisements[%d]" $i -}}
  {{- range $adv.ipAddressPools -}}
    {{- if not (hasKey $out .) }}{{ $_ := set $out . $where }}{{ end -}}
  {{- end -}}
  {{- $all := and (not $adv.ipAddressPools) (not $adv.ipAddressPoolSelectors) -}}
  {{- if or $all $adv.ipAddressPoolSelectors -}}
    {{- range $pool := $.Values.addressPools -}}
      {{- if and (not (hasKey $out $pool.name)) (or $all (include "metallb.advertises" (dict "adv" (omit $adv "ipAddressPools") "pool" $pool))) -}}
        {{- $_ := set $out $pool.name $where -}}
      {{- end -}}
    {{- end -}}
  {{- end -}}
{{- end -}}
{{- toJson (dict "pools" $out) -}}
{{- end -}}

{{/* "true" when an advertisement announces a pool: by name, by a selector on the pool's labels, or because it names none. */}}
{{- define "metallb.advertises" -}}
{{- $adv := .adv -}}
{{- $pool := .pool -}}
{{- if and (not $adv.ipAddressPools) (not $adv.ipAddressPoolSelectors) -}}true
{{- else if has $pool.name ($adv.ipAddressPools | default list) -}}true
{{- else -}}
{{- range $adv.ipAddressPoolSelectors -}}
{{- if include "metallb.selects" (dict "selector" . "labels" $pool.labels) }}true{{ break }}{{ end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Advertisement names unique per kind; pools they name exist in addressPools. */}}
{{- define "metallb.validate.advertisements" -}}
{{- $pools := dict -}}
{{- range .Values.addressPools -}}{{- $_ := set $pools .name true -}}{{- end -}}
{{- range $kind := list "l2Advertisements" "bgpAdvertisements" -}}
  {{- $names := dict -}}
  {{- range $i, $adv := index $.Values $kind -}}
    {{- if hasKey $names $adv.name -}}
      {{- include "common.fail" (dict "key" (printf "%s[%d].name" $kind $i) "message" (printf "%q is used twice: names must be unique" $adv.name) "context" $) -}}
    {{- end -}}
    {{- $_ := set $names $adv.name true -}}
    {{- range $j, $pool := $adv.ipAddressPools -}}
      {{- if not (hasKey $pools $pool) -}}
        {{- include "common.fail" (dict "key" (printf "%s[%d].ipAddressPools[%d]" $kind $i $j) "message" (printf "%q is not in addressPools[].name: add the pool or fix the name (use ipAddressPoolSelectors for pools managed outside this chart)" $pool) "context" $) -}}
      {{- end -}}
    {{- end -}}
  {{- end -}}
{{- end -}}
{{- end -}}

{{/* The pods: ports the speakers open on every node, memberlist, escape hatches, resources. */}}
{{- define "metallb.validate.components" -}}
{{- $sp := .Values.speaker -}}
{{- if $sp.enabled -}}
  {{- /* the speaker shares the node's network: its ports must not meet each other or the node's own daemons */ -}}
  {{- $ports := list (dict "key" "speaker.metricsPort" "port" $sp.metricsPort) (dict "key" "speaker.healthProbePort" "port" $sp.healthProbePort) -}}
  {{- if $sp.memberlist.enabled }}{{ $ports = append $ports (dict "key" "speaker.memberlistPort" "port" $sp.memberlistPort) }}{{ end -}}
  {{- if $sp.frr.enabled }}{{ $ports = append $ports (dict "key" "speaker.frr.metricsPort" "port" $sp.frr.metricsPort) }}{{ end -}}
  {{- include "common.ports.check" (dict "ports" $ports "node" true "allow" (list 7946) "what" "host port (the speaker uses the host network)" "context" $) -}}
  {{- if not $sp.memberlist.enabled -}}
    {{- if or (omit ($sp.nodeSelector | default dict) "kubernetes.io/os") $sp.affinity -}}
      {{- include "common.fail" (dict "key" "speaker.nodeSelector" "message" "(or speaker.affinity) limits the speakers to some nodes while speaker.memberlist.enabled is false: without memberlist MetalLB takes every ready node to run a speaker and would assign announcements to nodes without one; keep memberlist or run the speakers everywhere" "context" .) -}}
    {{- end -}}
    {{- with $sp.memberlist.mlBindAddrOverride -}}
      {{- include "common.fail" (dict "key" "speaker.memberlist.mlBindAddrOverride" "message" "is set while speaker.memberlist.enabled is false: there is no memberlist to bind" "context" $) -}}
    {{- end -}}
  {{- end -}}
  {{- with $sp.memberlist.mlBindAddrOverride -}}
    {{- if not (include "common.ip.family" .) -}}
      {{- include "common.fail" (dict "key" "speaker.memberlist.mlBindAddrOverride" "message" (printf "%q is not an IP address" .) "context" $) -}}
    {{- end -}}
  {{- end -}}
  {{- range $i, $re := $sp.excludeInterfaces -}}
    {{- include "common.regex.validate" (dict "value" $re "key" (printf "speaker.excludeInterfaces[%d]" $i) "context" $) -}}
  {{- end -}}
  {{- $reserved := list "speaker" -}}
  {{- if $sp.frr.enabled }}{{ $reserved = concat $reserved (list "frr" "reloader" "frr-metrics" "cp-frr-files" "cp-reloader" "cp-metrics") }}{{ end -}}
  {{- include "common.extras.namesGuard" (dict "items" $sp.extraContainers "key" "speaker.extraContainers" "reserved" $reserved "what" "container" "context" $) -}}
  {{- include "common.resources.validate" (dict "resources" $sp.resources "key" "speaker.resources" "context" .) -}}
  {{- if $sp.frr.enabled -}}
    {{- range $key, $res := dict "speaker.frr.resources" $sp.frr.resources "speaker.reloader.resources" $sp.reloader.resources "speaker.frrMetrics.resources" $sp.frrMetrics.resources "speaker.initContainers.cpFrrFiles.resources" $sp.initContainers.cpFrrFiles.resources "speaker.initContainers.cpReloader.resources" $sp.initContainers.cpReloader.resources "speaker.initContainers.cpMetrics.resources" $sp.initContainers.cpMetrics.resources -}}
      {{- include "common.resources.validate" (dict "resources" $res "key" $key "context" $) -}}
    {{- end -}}
  {{- end -}}
{{- end -}}
{{- if .Values.controller.enabled -}}
  {{- include "common.extras.namesGuard" (dict "items" .Values.controller.extraContainers "key" "controller.extraContainers" "reserved" (list "controller") "what" "container" "context" $) -}}
  {{- include "common.resources.validate" (dict "resources" .Values.controller.resources "key" "controller.resources" "context" .) -}}
  {{- if eq (int .Values.controller.metricsPort) (int .Values.webhook.port) -}}
    {{- include "common.fail" (dict "key" "webhook.port" "message" (printf "%d equals controller.metricsPort: the controller binds both" (int .Values.webhook.port)) "context" .) -}}
  {{- end -}}
  {{- if has (int .Values.webhook.port) (list 17472) -}}
    {{- include "common.fail" (dict "key" "webhook.port" "message" "17472 is the controller's health probe port" "context" .) -}}
  {{- end -}}
{{- end -}}
{{- if and .Values.networkpolicies.defaultDeny (not .Values.networkpolicies.enabled) -}}
  {{- include "common.fail" (dict "key" "networkpolicies.defaultDeny" "message" "is true while networkpolicies.enabled is false: the default-deny policy would cut the controller off from the API server and its webhook from the API server's calls; enable networkpolicies.enabled too" "context" .) -}}
{{- end -}}
{{- if and .Values.networkpolicies.enabled (not .Values.controller.enabled) -}}
  {{- include "common.fail" (dict "key" "networkpolicies.enabled" "message" "is true while controller.enabled is false: the policies cover the controller's pod only (the speakers use the host network)" "context" .) -}}
{{- end -}}
{{- end -}}

{{/*
What MetalLB's webhook would find wrong with a community literal the schema's
pattern already let through, or nothing: a standard community is two 16-bit
numbers, a large one three 32-bit numbers.
*/}}
{{- define "metallb.communityProblem" -}}
{{- $parts := splitList ":" (toString .) -}}
{{- if eq (first $parts) "large" -}}
  {{- range rest $parts -}}
    {{- if gt (len .) 10 }}each part of a large community is 0 to 4294967295{{ break }}{{ end -}}
    {{- if gt (. | int64) 4294967295 }}each part of a large community is 0 to 4294967295{{ break }}{{ end -}}
  {{- end -}}
{{- else -}}
  {{- range $parts -}}
    {{- if gt (. | int64) 65535 }}each half of a community is 0 to 65535 (use large:a:b:c for 32-bit values){{ break }}{{ end -}}
  {{- end -}}
{{- end -}}
{{- end -}}

{{- define "metallb.validate.monitoring" -}}
{{- $p := .Values.prometheus -}}
{{- if and $p.serviceMonitor.enabled $p.podMonitor.enabled -}}
{{- include "common.fail" (dict "key" "prometheus.podMonitor.enabled" "message" "and prometheus.serviceMonitor.enabled are both true: pick one, or Prometheus scrapes every MetalLB pod twice" "context" .) -}}
{{- end -}}
{{- if include "metallb.prometheusRbac" . -}}
{{- $_ := include "common.required" (dict "value" $p.serviceAccount "key" "prometheus.serviceAccount" "hint" "the ServiceAccount of the Prometheus that scrapes MetalLB (prometheus.rbacPrometheus grants it /metrics)" "context" .) -}}
{{- $_ = include "common.required" (dict "value" $p.namespace "key" "prometheus.namespace" "hint" "the namespace of that Prometheus" "context" .) -}}
{{- end -}}
{{- with $p.prometheusRule.excludePools -}}
{{- include "common.regex.validate" (dict "value" . "key" "prometheus.prometheusRule.excludePools" "context" $) -}}
{{- end -}}
{{- end -}}
