{{/*
Cross-value checks; the schema covers types, enums and the allowed keys.
These catch what MetalLB's webhook would otherwise reject at install time,
after part of the release is already applied.
*/}}
{{- define "metallb.validate" -}}
{{- include "metallb.validate.monitoring" . -}}
{{- include "metallb.validate.pools" . -}}
{{- include "metallb.validate.bgp" . -}}
{{- include "metallb.validate.advertisements" . -}}
{{- range $i, $re := .Values.speaker.excludeInterfaces -}}
{{- include "common.regex.validate" (dict "value" $re "key" (printf "speaker.excludeInterfaces[%d]" $i) "context" $) -}}
{{- end -}}
{{- /* the speaker shares the node's network: its ports must not meet each other or the node's own daemons */ -}}
{{- $node := dict "179" "BGP (FRR, calico-node)" "2379" "etcd" "2380" "etcd peers" "6443" "kube-apiserver" "9099" "calico-node health" "10249" "kube-proxy metrics" "10250" "the kubelet" "10256" "kube-proxy health" "10257" "kube-controller-manager" "10259" "kube-scheduler" -}}
{{- if eq (int .Values.speaker.metricsPort) (int .Values.speaker.memberlistPort) -}}
{{- include "common.fail" (dict "key" "speaker.memberlistPort" "message" (printf "%d equals speaker.metricsPort: both are bound on the node's network, the second one fails" (int .Values.speaker.memberlistPort)) "context" .) -}}
{{- end -}}
{{- range $key, $port := dict "speaker.metricsPort" .Values.speaker.metricsPort "speaker.memberlistPort" .Values.speaker.memberlistPort -}}
{{- with get $node (toString (int $port)) -}}
{{- include "common.fail" (dict "key" $key "message" (printf "%d is already taken on every node by %s: the speaker uses the host network and could not bind it" (int $port) .) "context" $) -}}
{{- end -}}
{{- end -}}
{{- include "common.resources.validate" (dict "resources" .Values.controller.resources "key" "controller.resources" "context" .) -}}
{{- include "common.resources.validate" (dict "resources" .Values.speaker.resources "key" "speaker.resources" "context" .) -}}
{{- end -}}

{{/* Pool names unique, addresses valid and ordered, no two pool addresses overlapping. */}}
{{- define "metallb.validate.pools" -}}
{{- $names := list -}}
{{- $seen := list -}}
{{- range $i, $pool := .Values.addressPools -}}
  {{- $_ := include "common.required" (dict "value" $pool.name "key" (printf "addressPools[%d].name" $i) "hint" "the pool name Services select, e.g. lab-pool" "context" $) -}}
  {{- if has $pool.name $names -}}
    {{- include "common.fail" (dict "key" (printf "addressPools[%d].name" $i) "message" (printf "%q is used twice: pool names must be unique" $pool.name) "context" $) -}}
  {{- end -}}
  {{- $names = append $names $pool.name -}}
  {{- $_ = include "common.required" (dict "value" $pool.addresses "key" (printf "addressPools[%d].addresses" $i) "hint" "a list of CIDRs or ranges, e.g. [10.0.0.10-10.0.0.50]" "context" $) -}}
  {{- range $j, $a := $pool.addresses -}}
    {{- $key := printf "addressPools[%d].addresses[%d]" $i $j -}}
    {{- $r := include "metallb.parseAddress" (dict "address" $a "key" $key "context" $) | fromJson -}}
    {{- range $seen -}}
      {{- if and (eq .family $r.family) (le $r.start .end) (le .start $r.end) -}}
        {{- include "common.fail" (dict "key" $key "message" (printf "%s overlaps %s %s: MetalLB refuses overlapping pools" $a .key .address) "context" $) -}}
      {{- end -}}
    {{- end -}}
    {{- $seen = append $seen (dict "key" $key "address" $a "family" $r.family "start" $r.start "end" $r.end) -}}
  {{- end -}}
{{- end -}}
{{- end -}}

{{/* Peers name their ASN and address one way each; references point at objects of this release. */}}
{{- define "metallb.validate.bgp" -}}
{{- $bfd := list -}}
{{- range $i, $p := .Values.bfdProfiles -}}
  {{- if has $p.name $bfd -}}
    {{- include "common.fail" (dict "key" (printf "bfdProfiles[%d].name" $i) "message" (printf "%q is used twice: BFD profile names must be unique" $p.name) "context" $) -}}
  {{- end -}}
  {{- $bfd = append $bfd $p.name -}}
{{- end -}}
{{- $aliases := list -}}
{{- range $i, $c := .Values.communities -}}
  {{- if has $c.name $aliases -}}
    {{- include "common.fail" (dict "key" (printf "communities[%d].name" $i) "message" (printf "%q is used twice: community aliases must be unique" $c.name) "context" $) -}}
  {{- end -}}
  {{- $aliases = append $aliases $c.name -}}
  {{- with include "metallb.communityProblem" $c.value -}}
    {{- include "common.fail" (dict "key" (printf "communities[%d].value" $i) "message" (printf "%q: %s" $c.value .) "context" $) -}}
  {{- end -}}
{{- end -}}
{{- $peers := list -}}
{{- range $i, $p := .Values.bgpPeers -}}
  {{- $key := printf "bgpPeers[%d]" $i -}}
  {{- if has $p.name $peers -}}
    {{- include "common.fail" (dict "key" (printf "%s.name" $key) "message" (printf "%q is used twice: peer names must be unique" $p.name) "context" $) -}}
  {{- end -}}
  {{- $peers = append $peers $p.name -}}
  {{- if eq (hasKey $p "peerASN") (hasKey $p "dynamicASN") -}}
    {{- include "common.fail" (dict "key" (printf "%s.peerASN" $key) "message" "needs exactly one of peerASN (a number) and dynamicASN (internal|external)" "context" $) -}}
  {{- end -}}
  {{- if eq (hasKey $p "peerAddress") (hasKey $p "interface") -}}
    {{- include "common.fail" (dict "key" (printf "%s.peerAddress" $key) "message" "needs exactly one of peerAddress (an IP) and interface (unnumbered BGP)" "context" $) -}}
  {{- end -}}
  {{- with $p.peerAddress -}}
    {{- if not (include "metallb.ipFamily" .) -}}
      {{- include "common.fail" (dict "key" (printf "%s.peerAddress" $key) "message" (printf "%s is not a valid IP address" .) "context" $) -}}
    {{- end -}}
  {{- end -}}
  {{- if and $p.bfdProfile (not (has $p.bfdProfile $bfd)) -}}
    {{- include "common.fail" (dict "key" (printf "%s.bfdProfile" $key) "message" (printf "%q is not in bfdProfiles: add it there, or the webhook rejects the peer" $p.bfdProfile) "context" $) -}}
  {{- end -}}
  {{- if and $p.ebgpMultiHop (hasKey $p "peerASN") (eq (int64 $p.peerASN) (int64 $p.myASN)) -}}
    {{- include "common.fail" (dict "key" (printf "%s.ebgpMultiHop" $key) "message" "is set but peerASN equals myASN (an iBGP session): MetalLB refuses ebgp-multihop for iBGP peers" "context" $) -}}
  {{- end -}}
  {{- if and $p.password $p.passwordSecret -}}
    {{- include "common.fail" (dict "key" (printf "%s.password" $key) "message" "and passwordSecret are mutually exclusive: keep passwordSecret" "context" $) -}}
  {{- end -}}
{{- end -}}
{{- range $i, $adv := .Values.bgpAdvertisements -}}
  {{- range $j, $c := $adv.communities -}}
    {{- if not (or (regexMatch "^[0-9]{1,5}:[0-9]{1,5}$" $c) (regexMatch "^large:[0-9]+:[0-9]+:[0-9]+$" $c) (has $c $aliases)) -}}
      {{- include "common.fail" (dict "key" (printf "bgpAdvertisements[%d].communities[%d]" $i $j) "message" (printf "%q is neither a community (65535:65282, large:1:2:3) nor an alias from communities[].name" $c) "context" $) -}}
    {{- else if not (has $c $aliases) -}}
      {{- with include "metallb.communityProblem" $c -}}
        {{- include "common.fail" (dict "key" (printf "bgpAdvertisements[%d].communities[%d]" $i $j) "message" (printf "%q: %s" $c .) "context" $) -}}
      {{- end -}}
    {{- end -}}
  {{- end -}}
  {{- range $j, $peer := $adv.peers -}}
    {{- if not (has $peer $peers) -}}
      {{- include "common.fail" (dict "key" (printf "bgpAdvertisements[%d].peers[%d]" $i $j) "message" (printf "%q is not in bgpPeers[].name" $peer) "context" $) -}}
    {{- end -}}
  {{- end -}}
  {{- if and $adv.serviceSelectors (or (and (hasKey $adv "aggregationLength") (ne (int $adv.aggregationLength) 32)) (and (hasKey $adv "aggregationLengthV6") (ne (int $adv.aggregationLengthV6) 128))) -}}
    {{- include "common.fail" (dict "key" (printf "bgpAdvertisements[%d].serviceSelectors" $i) "message" "cannot be combined with an aggregationLength other than 32 (or aggregationLengthV6 other than 128)" "context" $) -}}
  {{- end -}}
{{- end -}}
{{- end -}}

{{/* Advertisement names unique per kind; pools they name exist in addressPools. */}}
{{- define "metallb.validate.advertisements" -}}
{{- $pools := list -}}
{{- range .Values.addressPools -}}{{- $pools = append $pools .name -}}{{- end -}}
{{- range $kind := list "l2Advertisements" "bgpAdvertisements" -}}
  {{- $names := list -}}
  {{- range $i, $adv := index $.Values $kind -}}
    {{- if has $adv.name $names -}}
      {{- include "common.fail" (dict "key" (printf "%s[%d].name" $kind $i) "message" (printf "%q is used twice: names must be unique" $adv.name) "context" $) -}}
    {{- end -}}
    {{- $names = append $names $adv.name -}}
    {{- range $j, $pool := $adv.ipAddressPools -}}
      {{- if not (has $pool $pools) -}}
        {{- include "common.fail" (dict "key" (printf "%s[%d].ipAddressPools[%d]" $kind $i $j) "message" (printf "%q is not in addressPools[].name: add the pool or fix the name (use ipAddressPoolSelectors for pools managed outside this chart)" $pool) "context" $) -}}
      {{- end -}}
    {{- end -}}
  {{- end -}}
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
