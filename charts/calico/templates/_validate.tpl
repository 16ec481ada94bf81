{{/* Cross-value checks; the schema covers types, enums and formats. */}}
{{- define "calico.validate" -}}
{{- $net := .Values.installation.calicoNetwork -}}
{{- $bgpOn := eq $net.bgp "Enabled" -}}

{{- if and .Values.operator.manageCRDs .Values.crds.enabled -}}
{{- include "common.fail" (dict "key" "operator.manageCRDs" "message" "is true while crds.enabled is true: the operator would replace this chart's CRDs on every start and helm would put them back on every upgrade; set crds.enabled=false to let the operator own them" "context" .) -}}
{{- end -}}

{{- $ns := include "common.names.namespace" . -}}
{{- if has $ns (list "calico-system" "calico-apiserver") -}}
{{- include "common.fail" (dict "key" "namespaceOverride" "message" (printf "(or the release namespace) is %q, a namespace the operator manages itself and refuses to run in; install into tigera-operator" $ns) "context" .) -}}
{{- end -}}

{{- /* API server endpoint: both or neither, and needed by BPF unless the operator bootstraps it. */ -}}
{{- $ep := .Values.kubernetesServiceEndpoint -}}
{{- if and $ep.host (not $ep.port) -}}
{{- include "common.fail" (dict "key" "kubernetesServiceEndpoint.port" "message" "is empty while kubernetesServiceEndpoint.host is set: set the API server port, e.g. 6443" "context" .) -}}
{{- end -}}
{{- if and $ep.port (not $ep.host) -}}
{{- include "common.fail" (dict "key" "kubernetesServiceEndpoint.host" "message" "is empty while kubernetesServiceEndpoint.port is set: set the API server address (a control-plane IP or the kubeadm controlPlaneEndpoint)" "context" .) -}}
{{- end -}}
{{- $bootstrap := eq $net.bpfNetworkBootstrap "Enabled" -}}
{{- if eq $net.linuxDataplane "BPF" -}}
{{- if and (not $ep.host) (not $bootstrap) -}}
{{- include "common.fail" (dict "key" "kubernetesServiceEndpoint.host" "message" "is required with installation.calicoNetwork.linuxDataplane=BPF: eBPF replaces kube-proxy, so Calico must reach the API server directly; set kubernetesServiceEndpoint.host/port (or installation.calicoNetwork.bpfNetworkBootstrap=Enabled)" "context" .) -}}
{{- end -}}
{{- if and $ep.host $bootstrap -}}
{{- include "common.fail" (dict "key" "installation.calicoNetwork.bpfNetworkBootstrap" "message" "is Enabled while kubernetesServiceEndpoint.host is set: the operator accepts only one of the two; unset one" "context" .) -}}
{{- end -}}
{{- else if $bootstrap -}}
{{- include "common.fail" (dict "key" "installation.calicoNetwork.bpfNetworkBootstrap" "message" (printf "is Enabled with linuxDataplane %s: it only applies to BPF; set it to Disabled" $net.linuxDataplane) "context" .) -}}
{{- end -}}

{{- /* Exactly one way to find the node address. */ -}}
{{- $ad := $net.nodeAddressAutodetectionV4 -}}
{{- $methods := list -}}
{{- range $k := list "firstFound" "interface" "skipInterface" "canReach" "kubernetes" "cidrs" -}}
{{- if index $ad $k }}{{ $methods = append $methods $k }}{{ end -}}
{{- end -}}
{{- if ne (len $methods) 1 -}}
{{- include "common.fail" (dict "key" "installation.calicoNetwork.nodeAddressAutodetectionV4" "message" (printf "sets %d methods %v: set exactly one of firstFound, interface, skipInterface, canReach, kubernetes, cidrs (set firstFound: false when choosing another)" (len $methods) $methods) "context" .) -}}
{{- end -}}

{{- /* IP pools. */ -}}
{{- $podCIDR := ((.Values.global | default dict).network | default dict).podCIDR | default "" -}}
{{- $pod := dict -}}
{{- if $podCIDR }}{{ $pod = include "common.ipv4.range" $podCIDR | fromJson }}{{ end -}}
{{- $pools := (include "calico.pools" . | fromJson).pools -}}
{{- $seen := dict -}}
{{- $ranges := dict -}}
{{- range $i, $p := $pools -}}
{{- $key := printf "ipPools[%d]" $i -}}
{{- if hasKey $seen $p.name -}}
{{- include "common.fail" (dict "key" (printf "%s.name" $key) "message" (printf "%q is used twice (also ipPools[%d]): pool names must be unique" $p.name (get $seen $p.name)) "context" $) -}}
{{- end -}}
{{- $_ := set $seen $p.name $i -}}
{{- if not $p.cidr -}}
{{- include "common.fail" (dict "key" (printf "%s.cidr" $key) "message" "is empty: only the first pool takes its CIDR from global.network.podCIDR; set this pool's range, e.g. 10.245.0.0/16" "context" $) -}}
{{- end -}}
{{- $c := include "common.ipv4.range" $p.cidr | fromJson -}}
{{- if ne (int64 $c.address) (int64 $c.start) -}}
{{- include "common.fail" (dict "key" (printf "%s.cidr" $key) "message" (printf "%q has host bits set: write the network address of the range (e.g. 192.168.0.0/16)" $p.cidr) "context" $) -}}
{{- end -}}
{{- if lt (int $p.blockSize) (int $c.prefix) -}}
{{- include "common.fail" (dict "key" (printf "%s.blockSize" $key) "message" (printf "is /%d, larger than the pool %s itself: a block must fit in the pool; use a block size of %d or more" (int $p.blockSize) $p.cidr (int $c.prefix)) "context" $) -}}
{{- end -}}
{{- if and (not $bgpOn) (has $p.encapsulation (list "IPIP" "IPIPCrossSubnet")) -}}
{{- include "common.fail" (dict "key" (printf "%s.encapsulation" $key) "message" (printf "is %s while installation.calicoNetwork.bgp is Disabled: IP-in-IP routes are distributed by BGP; use VXLAN/VXLANCrossSubnet, or enable BGP" $p.encapsulation) "context" $) -}}
{{- end -}}
{{- if $podCIDR -}}
{{- if or (lt (int64 $c.start) (int64 $pod.start)) (gt (int64 $c.end) (int64 $pod.end)) -}}
{{- include "common.fail" (dict "key" (printf "%s.cidr" $key) "message" (printf "%s is outside global.network.podCIDR %s: pool addresses must lie in the cluster's pod network (kubeadm podSubnet)" $p.cidr $podCIDR) "context" $) -}}
{{- end -}}
{{- end -}}
{{- $_ = set $ranges (printf "%07d" $i) $c -}}
{{- if and (hasKey $p "disabled") (eq $.Values.ipPoolManagement "Operator") -}}
{{- include "common.fail" (dict "key" (printf "%s.disabled" $key) "message" "is only available with ipPoolManagement=Chart: the Installation's pools have no such field (use nodeSelector: '!all()' to stop allocation instead)" "context" $) -}}
{{- end -}}
{{- end -}}
{{- /* overlaps: one sort, then neighbours (common.ranges.firstOverlap) */ -}}
{{- with include "common.ranges.firstOverlap" $ranges -}}
{{- $pair := fromJsonArray . -}}
{{- $a := atoi (index $pair 0) -}}
{{- $b := atoi (index $pair 1) -}}
{{- include "common.fail" (dict "key" (printf "ipPools[%d].cidr" $b) "message" (printf "%s overlaps ipPools[%d] (%s): pools must not overlap" (index $pools $b).cidr $a (index $pools $a).cidr) "context" $) -}}
{{- end -}}

{{- /* IP reservations. */ -}}
{{- $resNames := list -}}
{{- range $i, $r := .Values.ipReservations -}}
{{- if has $r.name $resNames -}}
{{- include "common.fail" (dict "key" (printf "ipReservations[%d].name" $i) "message" (printf "%q is used twice: names must be unique" $r.name) "context" $) -}}
{{- end -}}
{{- $resNames = append $resNames $r.name -}}
{{- end -}}

{{- /* BGP. */ -}}
{{- $rr := .Values.bgp.routeReflectors -}}
{{- if not $bgpOn -}}
{{- if $rr.enabled -}}
{{- include "common.fail" (dict "key" "bgp.routeReflectors.enabled" "message" "is true while installation.calicoNetwork.bgp is Disabled: route reflectors are BGP; enable BGP or turn them off" "context" .) -}}
{{- end -}}
{{- if .Values.bgp.peers -}}
{{- include "common.fail" (dict "key" "bgp.peers" "message" "is set while installation.calicoNetwork.bgp is Disabled: peers need BGP; enable BGP or remove the peers" "context" .) -}}
{{- end -}}
{{- end -}}
{{- $peerNames := list -}}
{{- if $rr.enabled }}{{ $peerNames = append $peerNames "peer-with-route-reflectors" }}{{ end -}}
{{- range $i, $p := .Values.bgp.peers -}}
{{- $key := printf "bgp.peers[%d]" $i -}}
{{- if has $p.name $peerNames -}}
{{- include "common.fail" (dict "key" (printf "%s.name" $key) "message" (printf "%q is used twice (peer-with-route-reflectors is the chart's own route-reflector peer): names must be unique" $p.name) "context" $) -}}
{{- end -}}
{{- $peerNames = append $peerNames $p.name -}}
{{- if eq (empty $p.peerIP) (empty $p.peerSelector) -}}
{{- include "common.fail" (dict "key" $key "message" "must set exactly one of peerIP (a router outside the cluster) and peerSelector (Calico nodes)" "context" $) -}}
{{- end -}}
{{- if and $p.peerIP (not $p.asNumber) -}}
{{- include "common.fail" (dict "key" (printf "%s.asNumber" $key) "message" (printf "is required with peerIP %s: set the peer's AS number" $p.peerIP) "context" $) -}}
{{- end -}}
{{- if and $p.peerSelector $p.asNumber -}}
{{- include "common.fail" (dict "key" (printf "%s.asNumber" $key) "message" "must be empty with peerSelector: selected Calico nodes use their own AS numbers" "context" $) -}}
{{- end -}}
{{- if and $p.node $p.nodeSelector -}}
{{- include "common.fail" (dict "key" (printf "%s.nodeSelector" $key) "message" "is set together with node: choose one node by name or a selector" "context" $) -}}
{{- end -}}
{{- end -}}

{{- if and .Values.whisker.enabled (not .Values.goldmane.enabled) -}}
{{- include "common.fail" (dict "key" "whisker.enabled" "message" "is true while goldmane.enabled is false: Whisker shows the flows Goldmane aggregates; enable goldmane too" "context" .) -}}
{{- end -}}

{{- $felixFields := splitList " " (include "calico.felixFields" . | replace "\n" " ") -}}
{{- range $field := keys .Values.felixConfiguration.spec | sortAlpha -}}
{{- if not (has $field $felixFields) -}}
{{- include "common.fail" (dict "key" (printf "felixConfiguration.spec.%s" $field) "message" (printf "is not a FelixConfiguration field of Calico %s (Felix would store it and ignore it): check the spelling against the FelixConfiguration reference" $.Chart.AppVersion) "context" $) -}}
{{- end -}}
{{- end -}}
{{- /* Types of the Felix fields the chart's CRD types (the rest Felix validates itself). */ -}}
{{- $felixSpec := (include "calico.crds.felixconfigurationSchema" . | fromYaml).spec -}}
{{- include "calico.checkFields" (dict "schema" $felixSpec "value" .Values.felixConfiguration.spec "key" "felixConfiguration.spec" "context" .) -}}

{{- /* BGPConfiguration pass-through: every field checked against the CRD, none the typed values already write. */ -}}
{{- $bgpExtra := .Values.bgp.configuration.extraSpec | default dict -}}
{{- range $field := list "nodeToNodeMeshEnabled" "asNumber" "logSeverityScreen" "nodeMeshMaxRestartTime" "serviceClusterIPs" "serviceExternalIPs" "serviceLoadBalancerIPs" -}}
{{- if hasKey $bgpExtra $field -}}
{{- include "common.fail" (dict "key" (printf "bgp.configuration.extraSpec.%s" $field) "message" (printf "is a typed value: set bgp.configuration.%s instead (it would be written twice)" $field) "context" $) -}}
{{- end -}}
{{- end -}}
{{- $bgpSpec := (include "calico.crds.bgpconfigurationSchema" . | fromYaml).spec -}}
{{- include "calico.checkFields" (dict "schema" $bgpSpec "value" $bgpExtra "key" "bgp.configuration.extraSpec" "context" .) -}}
{{- include "calico.validate.installation" . -}}
{{- include "calico.validate.operator" . -}}
{{- if hasKey .Values.felixConfiguration.spec "bpfEnabled" -}}
{{- include "common.fail" (dict "key" "felixConfiguration.spec.bpfEnabled" "message" "is set: the operator decides it from installation.calicoNetwork.linuxDataplane and would fight this value; set linuxDataplane instead" "context" .) -}}
{{- end -}}
{{- end -}}

{{/*
The Installation's typed fields and its pass-through: installation.extraSpec is checked
against the chart's Installation CRD (names, types, enums) and may not carry a field the
chart types (it would be written twice, and the last one would win silently).
*/}}
{{- define "calico.validate.installation" -}}
{{- $inst := .Values.installation -}}
{{- $extra := $inst.extraSpec | default dict -}}
{{- $typed := dict "variant" "" "kubernetesProvider" "installation.kubernetesProvider" "registry" "installation.registry" "imagePath" "installation.imagePath" "imagePullSecrets" "installation.imagePullSecrets" "cni" "" "controlPlaneReplicas" "installation.controlPlaneReplicas" "controlPlaneNodeSelector" "installation.controlPlaneNodeSelector" "controlPlaneTolerations" "installation.controlPlaneTolerations" "typhaDeployment" "installation.typhaDeployment" "kubeletVolumePluginPath" "installation.kubeletVolumePluginPath" "nodeUpdateStrategy" "installation.nodeUpdateStrategy" "nodeMetricsPort" "installation.nodeMetricsPort" "typhaMetricsPort" "installation.typhaMetricsPort" "calicoNodeDaemonSet" "installation.calicoNodeDaemonSet" "calicoKubeControllersDeployment" "installation.calicoKubeControllersDeployment" "csiNodeDriverDaemonSet" "installation.csiNodeDriverDaemonSet" "nonPrivileged" "installation.nonPrivileged" "fipsMode" "installation.fipsMode" "logging" "installation.logging" "serviceCIDRs" "installation.serviceCIDRs" -}}
{{- range $field := keys $extra | sortAlpha -}}
{{- if hasKey $typed $field -}}
{{- include "common.fail" (dict "key" (printf "installation.extraSpec.%s" $field) "message" (printf "is a field the chart writes itself%s: it would be written twice" (ternary (printf " (set %s instead)" (get $typed $field)) " (fixed by the chart: Calico's own CNI and IPAM, variant Calico)" (ne (get $typed $field) ""))) "context" $) -}}
{{- end -}}
{{- end -}}
{{- $netTyped := dict "bgp" "installation.calicoNetwork.bgp" "mtu" "installation.calicoNetwork.mtu" "linuxDataplane" "installation.calicoNetwork.linuxDataplane" "bpfNetworkBootstrap" "installation.calicoNetwork.bpfNetworkBootstrap" "kubeProxyManagement" "installation.calicoNetwork.kubeProxyManagement" "hostPorts" "installation.calicoNetwork.hostPorts" "nodeAddressAutodetectionV4" "installation.calicoNetwork.nodeAddressAutodetectionV4" "ipPools" "ipPools (and ipPoolManagement)" "containerIPForwarding" "installation.calicoNetwork.containerIPForwarding" "sysctl" "installation.calicoNetwork.sysctl" -}}
{{- with $extra.calicoNetwork -}}
{{- if not (kindIs "map" .) -}}
{{- include "common.fail" (dict "key" "installation.extraSpec.calicoNetwork" "message" "must be an object of calicoNetwork fields" "context" $) -}}
{{- end -}}
{{- range $field := keys . | sortAlpha -}}
{{- if hasKey $netTyped $field -}}
{{- include "common.fail" (dict "key" (printf "installation.extraSpec.calicoNetwork.%s" $field) "message" (printf "is a field the chart writes itself (set %s instead): it would be written twice" (get $netTyped $field)) "context" $) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $spec := (include "calico.crds.installationSchema" . | fromYaml).spec -}}
{{- include "calico.checkFields" (dict "schema" $spec "value" $extra "key" "installation.extraSpec" "context" .) -}}
{{- $apiSpec := (include "calico.crds.apiserverSchema" . | fromYaml).spec -}}
{{- include "calico.checkFields" (dict "schema" $apiSpec "value" (.Values.apiServer.spec | default dict) "key" "apiServer.spec" "context" .) -}}
{{- /* Felix and Typha metrics listen on every node's network (both use the host network). */ -}}
{{- $metrics := list (dict "port" $inst.nodeMetricsPort "key" "installation.nodeMetricsPort") (dict "port" $inst.typhaMetricsPort "key" "installation.typhaMetricsPort") -}}
{{- include "common.ports.check" (dict "ports" $metrics "node" true "what" "host-network metrics port" "context" .) -}}
{{- if and (eq $inst.nonPrivileged "Enabled") (eq $inst.calicoNetwork.linuxDataplane "BPF") -}}
{{- include "common.fail" (dict "key" "installation.nonPrivileged" "message" "is Enabled with the BPF dataplane, which needs privileged calico-node: the operator refuses the pair" "context" .) -}}
{{- end -}}
{{- /* Typha and calico-node certificates: all or nothing (the operator needs both and the CA). */ -}}
{{- $c := .Values.certs -}}
{{- if or $c.node.cert $c.node.key $c.node.commonName $c.typha.cert $c.typha.key $c.typha.commonName $c.typha.caBundle -}}
{{- range $part := list "node" "typha" -}}
{{- range $field := list "cert" "key" "commonName" -}}
{{- $_ := include "common.required" (dict "value" (get (get $c $part) $field) "key" (printf "certs.%s.%s" $part $field) "hint" "it too: the operator uses custom certificates only when calico-node's and Typha's are both complete" "context" $) -}}
{{- end -}}
{{- end -}}
{{- $_ := include "common.required" (dict "value" $c.typha.caBundle "key" "certs.typha.caBundle" "hint" "the CA (PEM) that signed both certificates" "context" .) -}}
{{- end -}}
{{- end -}}

{{/* The operator pod's escape hatches, DNS and RBAC. */}}
{{- define "calico.validate.operator" -}}
{{- $op := .Values.operator -}}
{{- include "common.extras.argsGuard" (dict "args" $op.extraArgs "key" "operator.extraArgs" "flags" (dict "manage-crds" "operator.manageCRDs") "context" .) -}}
{{- include "common.extras.envGuard" (dict "env" $op.extraEnv "key" "operator.extraEnv" "names" (dict "WATCH_NAMESPACE" "the chart (all namespaces)" "POD_NAME" "the chart (the pod's name)" "OPERATOR_NAME" "fullnameOverride" "OPERATOR_NAMESPACE" "namespaceOverride" "OPERATOR_SERVICEACCOUNT" "serviceAccount.name" "CALICO_API_GROUP" "the chart (crd.projectcalico.org/v1, the CRDs it renders)" "TIGERA_OPERATOR_INIT_IMAGE_VERSION" "operator.image.tag" "KUBERNETES_SERVICE_HOST" "kubernetesServiceEndpoint.host" "KUBERNETES_SERVICE_PORT" "kubernetesServiceEndpoint.port") "context" .) -}}
{{- if and (eq $op.dnsPolicy "None") (not (($op.dnsConfig | default dict).nameservers)) -}}
{{- include "common.fail" (dict "key" "operator.dnsConfig.nameservers" "message" "is required with operator.dnsPolicy None: the operator would get an empty resolv.conf" "context" .) -}}
{{- end -}}
{{- if and (eq $op.dnsPolicy "ClusterFirst") -}}
{{- include "common.fail" (dict "key" "operator.dnsPolicy" "message" "is ClusterFirst, which a host-network pod ignores (it falls back to Default): use ClusterFirstWithHostNet or Default" "context" .) -}}
{{- end -}}
{{- if not .Values.rbac.allowDangerousRules -}}
{{- range $i, $rule := .Values.rbac.extraRules -}}
{{- $bad := "" -}}
{{- range $field := list "verbs" "resources" "apiGroups" "nonResourceURLs" -}}
{{- if and (not $bad) (has "*" (get $rule $field | default list)) }}{{ $bad = printf "%s contains \"*\"" $field }}{{ end -}}
{{- end -}}
{{- range $verb := list "escalate" "bind" "impersonate" -}}
{{- if and (not $bad) (has $verb ($rule.verbs | default list)) }}{{ $bad = printf "grants %s" $verb }}{{ end -}}
{{- end -}}
{{- if $bad -}}
{{- include "common.fail" (dict "key" (printf "rbac.extraRules[%d]" $i) "message" (printf "%s: that makes the operator cluster-admin in all but name. Name the groups, resources and verbs it needs, or set rbac.allowDangerousRules: true" $bad) "context" $) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
