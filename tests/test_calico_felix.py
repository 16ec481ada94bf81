"""Every FelixConfiguration field Calico v3.32.1 defines can be set through
`felixConfiguration.spec`, and reaches the FelixConfiguration `default`.

The chart refuses names Felix doesn't know (a misspelt setting would be stored and
do nothing); it must not refuse a real one. The names are those of upstream's CRD
(libcalico-go/config/crd/crd.projectcalico.org_felixconfigurations.yaml at v3.32.1).
"""

from __future__ import annotations

from typing import Any

from tests.helpers import of_kind, one, render

FELIX_FIELDS = """
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
""".split()


# fields the chart refuses on purpose: the operator sets them from the Installation
OPERATOR_OWNED = {"bpfEnabled"}


def _value(schema: dict[str, Any]) -> Any:
    """A value of the type the chart's CRD gives a field (untyped fields take a string)."""
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    return {"integer": 1, "boolean": True, "array": [], "object": {}}.get(str(kind), "1")


def test_calico_accepts_and_renders_every_upstream_felix_field() -> None:
    crd = next(c for c in of_kind(render("calico"), "CustomResourceDefinition")
               if c["spec"]["names"]["kind"] == "FelixConfiguration")
    typed = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"].get("properties", {})
    spec = {name: _value(typed.get(name, {})) for name in FELIX_FIELDS if name not in OPERATOR_OWNED}
    objs = render("calico", {"felixConfiguration": {"enabled": True, "spec": spec}})
    assert one(objs, "FelixConfiguration")["spec"] == spec


def test_calico_refuses_a_misspelt_felix_field() -> None:
    from tests.helpers import render_error

    message = render_error("calico", {"felixConfiguration": {"enabled": True, "spec": {"logSeverityScren": "Info"}}})
    assert "logSeverityScren" in message
