{{/*
The IP pools with every default filled in, as JSON {"pools": [...]}: the first
pool's empty cidr becomes global.network.podCIDR, else 192.168.0.0/16. The
Installation, the chart-managed IPPools and the checks all read this one list.
*/}}
{{- define "calico.pools" -}}
{{- $network := (.Values.global | default dict).network | default dict -}}
{{- /* Linear: sprig's append copies the list each time (seconds for thousands of pools), so
       each pool becomes one JSON line keyed by its index, and the lines are sorted and joined. */ -}}
{{- $lines := dict -}}
{{- range $i, $p := .Values.ipPools -}}
{{- $cidr := $p.cidr -}}
{{- if and (eq $i 0) (not $cidr) }}{{ $cidr = $network.podCIDR | default "192.168.0.0/16" }}{{ end -}}
{{- $pool := dict "name" ($p.name | default (printf "ipv4-ippool-%d" $i)) "cidr" $cidr "blockSize" (int (default 26 $p.blockSize)) "encapsulation" ($p.encapsulation | default "IPIP") "natOutgoing" (ternary $p.natOutgoing true (hasKey $p "natOutgoing")) "nodeSelector" ($p.nodeSelector | default "all()") "disableBGPExport" ($p.disableBGPExport | default false) -}}
{{- if hasKey $p "disabled" }}{{ $_ := set $pool "disabled" $p.disabled }}{{ end -}}
{{- $_ := set $lines (printf "%07d" $i) (printf "%07d|%s" $i (toJson $pool)) -}}
{{- end -}}
{{- /* toJson never writes a raw newline, so each line starts with its index */ -}}
{{- $joined := regexReplaceAll "(?m)^[0-9]{7}\\|" (values $lines | sortAlpha | join "\n") "" | replace "\n" "," -}}
{{- printf "{\"pools\": [%s]}" $joined -}}
{{- end -}}

{{/*
Where the operator pulls Calico's images: <spec.registry><spec.imagePath>/<name>,
imagePath defaulting to "calico". installation.registry/imagePath win; else
global.imageRegistry is the registry, and with global.imageFlatten a mirror with
a path (registry.cn-hangzhou.aliyuncs.com/google_containers) is split into its
host and its path, so the images land flat under the mirror like every other.
Returns JSON {"registry": "host/" or "", "imagePath": "..." or ""}.
*/}}
{{- define "calico.imageSource" -}}
{{- $global := .Values.global | default dict -}}
{{- $registry := .Values.installation.registry -}}
{{- $path := .Values.installation.imagePath -}}
{{- if and (not $registry) $global.imageRegistry -}}
{{- $registry = trimSuffix "/" $global.imageRegistry -}}
{{- if and $global.imageFlatten (contains "/" $registry) (not $path) -}}
{{- $parts := splitList "/" $registry -}}
{{- $registry = first $parts -}}
{{- $path = rest $parts | join "/" -}}
{{- end -}}
{{- end -}}
{{- dict "registry" (ternary (printf "%s/" (trimSuffix "/" $registry)) "" (ne $registry "")) "imagePath" $path | toJson -}}
{{- end -}}

{{/*
The custom resources are post-install/post-upgrade hooks (common.hooks.annotations)
so helm sends them after the CRDs and the operator exist; see the README,
"Ordering". They are never deleted by helm: deleting the Installation would
tear Calico down. On helm 3, which cannot update a hook, one that exists becomes a
kept release resource instead (common.hooks.annotations with "object").
*/}}

{{/* The Calico encapsulation name as the two v1 IPPool modes. */}}
{{- define "calico.ipipMode" -}}
{{- get (dict "IPIP" "Always" "IPIPCrossSubnet" "CrossSubnet") . | default "Never" -}}
{{- end -}}
{{- define "calico.vxlanMode" -}}
{{- get (dict "VXLAN" "Always" "VXLANCrossSubnet" "CrossSubnet") . | default "Never" -}}
{{- end -}}

{{/*
The spec fields of FelixConfiguration in Calico v3.32.1. Felix ignores fields
it doesn't know, so a misspelt setting would be stored and silently do nothing.
*/}}
{{- define "calico.felixFields" -}}
allowIPIPPacketsFromWorkloads allowVXLANPacketsFromWorkloads awsSrcDstCheck bpfAttachType bpfCTLBLogFilter
bpfConnectTimeLoadBalancing bpfConnectTimeLoadBalancingEnabled bpfConntrackLogLevel bpfConntrackMode
bpfConntrackTimeouts bpfDSROptoutCIDRs bpfDataIfacePattern bpfDisableGROForIfaces bpfDisableUnprivileged
bpfEnabled bpfEnforceRPF bpfExcludeCIDRsFromNAT bpfExportBufferSizeMB bpfExtToServiceConnmark
bpfExternalServiceMode bpfForceTrackPacketsFromIfaces bpfHostConntrackBypass bpfHostNetworkedNATWithoutCTLB
bpfJITHardening bpfKubeProxyHealthzPort bpfKubeProxyIptablesCleanupEnabled bpfKubeProxyMinSyncPeriod
bpfL3IfacePattern bpfLogFilters bpfLogLevel bpfMaglevMaxEndpointsPerService bpfMaglevMaxServices
bpfMapSizeConntrack bpfMapSizeConntrackCleanupQueue bpfMapSizeConntrackScaling bpfMapSizeIPSets
bpfMapSizeIfState bpfMapSizeNATAffinity bpfMapSizeNATBackend bpfMapSizeNATFrontend bpfMapSizePerCpuConntrack
bpfMapSizeRoute bpfPSNATPorts bpfPolicyDebugEnabled bpfProfiling bpfRedirectToPeer cgroupV2Path
chainInsertMode dataplaneDriver dataplaneWatchdogTimeout debugDisableLogDropping debugHost
debugMemoryProfilePath debugPort debugSimulateCalcGraphHangAfter debugSimulateDataplaneApplyDelay
debugSimulateDataplaneHangAfter defaultEndpointToHostAction deviceRouteProtocol deviceRouteSourceAddress
deviceRouteSourceAddressIPv6 disableConntrackInvalidCheck endpointReportingDelay endpointReportingEnabled
endpointStatusPathPrefix externalNodesList failsafeInboundHostPorts failsafeOutboundHostPorts
featureDetectOverride featureGates floatingIPs flowLogsCollectorDebugTrace flowLogsFlushInterval
flowLogsGoldmaneServer flowLogsLocalReporter flowLogsPolicyEvaluationMode genericXDPEnabled goGCThreshold
goMaxProcs goMemoryLimitMB healthEnabled healthHost healthPort healthTimeoutOverrides interfaceExclude
interfacePrefix interfaceRefreshInterval ipForwarding ipipEnabled ipipMTU ipsetsRefreshInterval
iptablesBackend iptablesFilterAllowAction iptablesFilterDenyAction iptablesLockProbeInterval
iptablesMangleAllowAction iptablesMarkMask iptablesNATOutgoingInterfaceFilter iptablesPostWriteCheckInterval
iptablesRefreshInterval ipv4ElevatedRoutePriority ipv4NormalRoutePriority ipv6ElevatedRoutePriority
ipv6NormalRoutePriority ipv6Support istioAmbientMode istioDSCPMark kubeNodePortRanges
liveMigrationRouteConvergenceTime logActionRateLimit logActionRateLimitBurst logDebugFilenameRegex logFilePath
logPrefix logSeverityFile logSeverityScreen logSeveritySys maxIpsetSize metadataAddr metadataPort
mtuIfacePattern natOutgoingAddress natOutgoingExclusions natPortRange netlinkTimeout nftablesFilterAllowAction
nftablesFilterDenyAction nftablesMangleAllowAction nftablesMarkMask nftablesMode nftablesRefreshInterval
nodeSelector openstackRegion policySyncPathPrefix programClusterRoutes prometheusGoMetricsEnabled
prometheusMetricsCAFile prometheusMetricsCertFile prometheusMetricsClientAuth prometheusMetricsEnabled
prometheusMetricsHost prometheusMetricsKeyFile prometheusMetricsPort prometheusProcessMetricsEnabled
prometheusWireGuardMetricsEnabled removeExternalRoutes reportingInterval reportingTTL requireMTUFile
routeRefreshInterval routeSource routeSyncDisabled routeTableRange routeTableRanges serviceLoopPrevention
sidecarAccelerationEnabled usageReportingEnabled usageReportingInitialDelay usageReportingInterval
useInternalDataplaneDriver vxlanEnabled vxlanMTU vxlanMTUV6 vxlanPort vxlanVNI windowsManageFirewallRules
wireguardEnabled wireguardEnabledV6 wireguardHostEncryptionEnabled wireguardInterfaceName
wireguardInterfaceNameV6 wireguardKeepAlive wireguardListeningPort wireguardListeningPortV6 wireguardMTU
wireguardMTUV6 wireguardRoutingRulePriority wireguardThreadingEnabled workloadSourceSpoofing xdpEnabled
xdpRefreshInterval
{{- end -}}

{{/*
Check a value against a (CRD) OpenAPI schema the way the API server would, and
fail naming the key instead of letting the apply (a post-install hook) fail
later: types, enums, ranges and patterns, and field names unless the schema
keeps unknown fields. Recurses into objects and array items.
Usage: include "calico.checkFields" (dict "schema" S "value" V "key" "bgp.configuration.extraSpec" "context" $)
*/}}
{{- define "calico.checkFields" -}}
{{- $s := .schema | default dict -}}
{{- $v := .value -}}
{{- $key := .key -}}
{{- $ctx := .context -}}
{{- $t := $s.type | default "" -}}
{{- $ok := true -}}
{{- if eq $t "string" }}{{ $ok = kindIs "string" $v }}
{{- else if eq $t "boolean" }}{{ $ok = kindIs "bool" $v }}
{{- else if eq $t "integer" }}{{ $ok = or (kindIs "int" $v) (kindIs "int64" $v) (and (kindIs "float64" $v) (eq (toString (float64 (int64 $v))) (toString $v))) }}
{{- else if eq $t "array" }}{{ $ok = kindIs "slice" $v }}
{{- else if eq $t "object" }}{{ $ok = kindIs "map" $v }}
{{- end -}}
{{- if not $ok -}}
{{- include "common.fail" (dict "key" $key "message" (printf "must be of type %s (the CRD's type), not %s %v" $t (kindOf $v) $v) "context" $ctx) -}}
{{- end -}}
{{- if and $s.enum (not (has $v $s.enum)) -}}
{{- include "common.fail" (dict "key" $key "message" (printf "%v is not one of %s" $v (join ", " $s.enum)) "context" $ctx) -}}
{{- end -}}
{{- if eq $t "integer" -}}
{{- if and (hasKey $s "minimum") (lt (int64 $v) (int64 $s.minimum)) -}}
{{- include "common.fail" (dict "key" $key "message" (printf "%v is below the minimum %v" $v $s.minimum) "context" $ctx) -}}
{{- end -}}
{{- if and (hasKey $s "maximum") (gt (int64 $v) (int64 $s.maximum)) -}}
{{- include "common.fail" (dict "key" $key "message" (printf "%v is above the maximum %v" $v $s.maximum) "context" $ctx) -}}
{{- end -}}
{{- end -}}
{{- if and (eq $t "string") $s.pattern (not (regexMatch $s.pattern $v)) -}}
{{- include "common.fail" (dict "key" $key "message" (printf "%q does not match %s" $v $s.pattern) "context" $ctx) -}}
{{- end -}}
{{- if eq $t "object" -}}
{{- $props := $s.properties | default dict -}}
{{- range $field := $s.required | default list -}}
{{- if not (hasKey $v $field) -}}
{{- include "common.fail" (dict "key" (printf "%s.%s" $key $field) "message" "is required" "context" $ctx) -}}
{{- end -}}
{{- end -}}
{{- range $field := keys $v | sortAlpha -}}
{{- if hasKey $props $field -}}
{{- include "calico.checkFields" (dict "schema" (get $props $field) "value" (get $v $field) "key" (printf "%s.%s" $key $field) "context" $ctx) -}}
{{- else if not (index $s "x-kubernetes-preserve-unknown-fields") -}}
{{- include "common.fail" (dict "key" (printf "%s.%s" $key $field) "message" (printf "is not a field here (known: %s)" (keys $props | sortAlpha | join ", ")) "context" $ctx) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if and (eq $t "array") $s.items -}}
{{- range $i, $item := $v -}}
{{- include "calico.checkFields" (dict "schema" $s.items "value" $item "key" (printf "%s[%d]" $key $i) "context" $ctx) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Felix's and Typha's metrics are served when asked for, or when global.monitoring turns on every chart's monitoring. */}}
{{- define "calico.felixMetricsOn" -}}
{{- include "common.monitoring.on" (dict "enabled" .Values.metrics.felix.enabled "context" .) -}}
{{- end -}}
{{- define "calico.typhaMetricsOn" -}}
{{- include "common.monitoring.on" (dict "enabled" .Values.metrics.typha.enabled "context" .) -}}
{{- end -}}

{{/*
The spec of an operator resource made by a hook (APIServer, GatewayAPI, Goldmane, Whisker). Hooks are
server-side applied in place: when an upgrade drops the last field a release set, the API server stores
`spec: null`, which these CRDs refuse. So when the values give no spec but the live object has one, an
empty sub-object (the operator's defaults) keeps it an object. Otherwise `spec: {}`, as 0.2.0 rendered
it, so a rollback to 0.2.0 removes nothing. dict: kind, spec (the values' map), keep (the field), context (the chart's).
*/}}
{{- define "calico.hookSpec" -}}
{{- $live := dict -}}
{{- /* on a first install the CRD comes with this release: lookup of an unknown kind fails */ -}}
{{- if .context.Capabilities.APIVersions.Has (printf "operator.tigera.io/v1/%s" .kind) -}}
{{- with (lookup "operator.tigera.io/v1" .kind "" "default") }}{{ $live = .spec | default dict }}{{ end -}}
{{- end -}}
{{- if .spec }}
spec:
  {{- toYaml .spec | nindent 2 }}
{{- else if $live }}
spec:
  {{ .keep }}: {}
{{- else }}
spec: {}
{{- end }}
{{- end -}}
