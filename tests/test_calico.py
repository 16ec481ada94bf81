"""Behaviour of the calico chart: what the Tigera operator and Calico are handed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers import ROOT, containers, of_kind, one, pod_spec, render, render_error

CHART = "calico"
CI = "charts/calico/ci"
DEFAULTS = [f"{CI}/defaults-values.yaml"]
LAB = [f"{CI}/lab-values.yaml"]
VXLAN = [f"{CI}/vxlan-values.yaml"]
RR = [f"{CI}/route-reflector-values.yaml"]
EBPF = [f"{CI}/ebpf-values.yaml"]
CRDS_OFF = [f"{CI}/crds-disabled-values.yaml"]
CHART_POOLS = [f"{CI}/chart-pools-values.yaml"]
LAB_BGP = [f"{CI}/lab-bgp-values.yaml"]

CALICO_GROUP = "crd.projectcalico.org/v1"
CR_KINDS = {"Installation", "APIServer", "Goldmane", "Whisker", "IPPool", "IPReservation", "BGPConfiguration", "BGPPeer",
            "FelixConfiguration"}


def pool(**overrides: Any) -> dict[str, Any]:
    base = {"name": "p", "cidr": "10.244.0.0/16", "blockSize": 26, "encapsulation": "VXLAN", "natOutgoing": True}
    return {**base, **overrides}


def installation(objs: list[dict[str, Any]]) -> dict[str, Any]:
    return one(objs, "Installation", "default")["spec"]


def operator_container(objs: list[dict[str, Any]]) -> dict[str, Any]:
    return containers(one(objs, "Deployment", "tigera-operator"))[0]


def env(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


# --- Installation from values -------------------------------------------------------------------

def test_lab_installation_carries_the_lab_pool_and_bgp() -> None:
    spec = installation(render(CHART, values_files=LAB))
    assert spec["calicoNetwork"]["bgp"] == "Enabled"
    assert spec["calicoNetwork"]["ipPools"] == [{
        "name": "default-ipv4-ippool", "cidr": "192.168.0.0/16", "blockSize": 24,
        "encapsulation": "IPIPCrossSubnet", "natOutgoing": "Enabled", "nodeSelector": "all()",
        "disableBGPExport": False,
    }]
    assert spec["cni"] == {"type": "Calico", "ipam": {"type": "Calico"}}


def test_first_pool_cidr_defaults_to_the_global_pod_cidr() -> None:
    objs = render(CHART, values={"global": {"network": {"podCIDR": "10.244.0.0/16"}},
                                 "ipPools": [{"name": "default-ipv4-ippool"}]})
    assert installation(objs)["calicoNetwork"]["ipPools"][0]["cidr"] == "10.244.0.0/16"


def test_first_pool_cidr_falls_back_to_calicos_sample_range() -> None:
    assert installation(render(CHART, values_files=DEFAULTS))["calicoNetwork"]["ipPools"][0]["cidr"] == "192.168.0.0/16"


def test_calico_images_come_from_the_global_mirror_with_the_slash_the_operator_needs() -> None:
    objs = render(CHART, values={"global": {"imageRegistry": "harbor.feng.org/quay", "imagePullSecrets": ["harbor"]},
                                 "installation": {"imagePullSecrets": [{"name": "extra"}, "harbor"]}})
    spec = installation(objs)
    assert spec["registry"] == "harbor.feng.org/quay/"
    assert spec["imagePullSecrets"] == [{"name": "harbor"}, {"name": "extra"}]
    assert operator_container(objs)["image"] == "harbor.feng.org/quay/tigera/operator:v1.42.3"


def test_installation_registry_wins_over_the_global_one() -> None:
    objs = render(CHART, values={"global": {"imageRegistry": "harbor.feng.org/quay"},
                                 "installation": {"registry": "mirror.feng.org/calico/"}})
    assert installation(objs)["registry"] == "mirror.feng.org/calico/"


def test_no_registry_means_upstream_defaults() -> None:
    assert "registry" not in installation(render(CHART, values_files=DEFAULTS))


def test_node_address_autodetection_renders_only_the_chosen_method() -> None:
    spec = installation(render(CHART, values_files=VXLAN))
    assert spec["calicoNetwork"]["nodeAddressAutodetectionV4"] == {"interface": "ens.*|eth.*"}


def test_kubernetes_internal_ip_autodetection() -> None:
    spec = installation(render(CHART, values_files=RR))
    assert spec["calicoNetwork"]["nodeAddressAutodetectionV4"] == {"kubernetes": "NodeInternalIP"}


def test_mtu_is_autodetected_unless_set() -> None:
    assert "mtu" not in installation(render(CHART, values_files=DEFAULTS))["calicoNetwork"]
    objs = render(CHART, values={"installation": {"calicoNetwork": {"mtu": 1440}}})
    assert installation(objs)["calicoNetwork"]["mtu"] == 1440


def test_typha_and_control_plane_settings_reach_the_installation() -> None:
    typha = {"spec": {"template": {"spec": {"nodeSelector": {"node-role.kubernetes.io/control-plane": ""}}}}}
    objs = render(CHART, values={"installation": {"controlPlaneReplicas": 3, "typhaDeployment": typha,
                                                  "kubeletVolumePluginPath": "None"}})
    spec = installation(objs)
    assert spec["controlPlaneReplicas"] == 3
    assert spec["typhaDeployment"] == typha
    assert spec["kubeletVolumePluginPath"] == "None"


def test_iptables_is_the_default_dataplane_and_bpf_is_opt_in() -> None:
    assert installation(render(CHART, values_files=DEFAULTS))["calicoNetwork"]["linuxDataplane"] == "Iptables"
    net = installation(render(CHART, values_files=EBPF))["calicoNetwork"]
    assert net["linuxDataplane"] == "BPF"
    assert net["bpfNetworkBootstrap"] == "Disabled"


def test_ebpf_gets_the_api_server_endpoint_configmap_the_operator_reads() -> None:
    objs = render(CHART, values_files=EBPF)
    cm = one(objs, "ConfigMap", "kubernetes-services-endpoint")
    assert cm["data"] == {"KUBERNETES_SERVICE_HOST": "10.0.0.10", "KUBERNETES_SERVICE_PORT": "6443"}
    assert cm["metadata"]["namespace"] == one(objs, "Deployment")["metadata"]["namespace"]
    refs = [e["configMapRef"]["name"] for e in operator_container(objs)["envFrom"]]
    assert refs == ["kubernetes-services-endpoint"]


def test_no_endpoint_configmap_without_a_host() -> None:
    assert not of_kind(render(CHART, values_files=DEFAULTS), "ConfigMap")


def test_flow_log_components_are_opt_in() -> None:
    assert not of_kind(render(CHART, values_files=DEFAULTS), "Goldmane")
    objs = render(CHART, values_files=CHART_POOLS)
    assert one(objs, "Goldmane", "default")["spec"] == {} and one(objs, "Whisker", "default")["spec"] == {}


def test_apiserver_default_is_optional() -> None:
    assert one(render(CHART, values_files=DEFAULTS), "APIServer", "default")
    assert not of_kind(render(CHART, values={"apiServer": {"enabled": False}}), "APIServer")


# --- pools and encapsulation --------------------------------------------------------------------

@pytest.mark.parametrize(("encapsulation", "ipip", "vxlan"), [
    ("IPIP", "Always", "Never"),
    ("IPIPCrossSubnet", "CrossSubnet", "Never"),
    ("VXLAN", "Never", "Always"),
    ("VXLANCrossSubnet", "Never", "CrossSubnet"),
    ("None", "Never", "Never"),
])
def test_chart_managed_pool_encapsulation_maps_to_calico_modes(encapsulation: str, ipip: str, vxlan: str) -> None:
    objs = render(CHART, values={"ipPoolManagement": "Chart", "ipPools": [pool(encapsulation=encapsulation)]})
    spec = one(objs, "IPPool", "p")["spec"]
    assert (spec["ipipMode"], spec["vxlanMode"]) == (ipip, vxlan)


def test_chart_managed_pools_are_calico_resources_and_the_installation_lists_none() -> None:
    objs = render(CHART, values_files=CHART_POOLS)
    assert installation(objs)["calicoNetwork"]["ipPools"] == []
    pools = {p["metadata"]["name"]: p for p in of_kind(objs, "IPPool")}
    assert set(pools) == {"pods-a", "pods-b"}
    assert all(p["apiVersion"] == CALICO_GROUP for p in pools.values())
    assert pools["pods-b"]["spec"]["disabled"] is True
    assert pools["pods-b"]["spec"]["natOutgoing"] is False
    assert pools["pods-b"]["spec"]["nodeSelector"] == "zone == 'b'"


def test_operator_managed_pools_are_not_rendered_as_ippools() -> None:
    assert not of_kind(render(CHART, values_files=LAB), "IPPool")


def test_ip_reservations_from_values() -> None:
    res = one(render(CHART, values_files=CHART_POOLS), "IPReservation", "reserved-vips")
    assert res["apiVersion"] == CALICO_GROUP
    assert res["spec"]["reservedCIDRs"] == ["10.244.0.0/28", "10.244.127.255"]


def test_values_encapsulations_are_exactly_what_the_installation_crd_accepts() -> None:
    schema = json.loads((ROOT / "charts/calico/values.schema.json").read_text())
    values_enum = schema["properties"]["ipPools"]["items"]["properties"]["encapsulation"]["enum"]
    crd = one(render(CHART, values_files=DEFAULTS), "CustomResourceDefinition", "installations.operator.tigera.io")
    pools = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"][
        "calicoNetwork"]["properties"]["ipPools"]
    assert sorted(values_enum) == sorted(pools["items"]["properties"]["encapsulation"]["enum"])
    assert pools["x-kubernetes-list-map-keys"] == ["cidr"]


# --- BGP ----------------------------------------------------------------------------------------

def test_route_reflector_topology_turns_the_mesh_off() -> None:
    cfg = one(render(CHART, values_files=RR), "BGPConfiguration", "default")
    assert cfg["apiVersion"] == CALICO_GROUP
    assert cfg["spec"]["nodeToNodeMeshEnabled"] is False
    assert cfg["spec"]["asNumber"] == 64512
    assert cfg["spec"]["serviceLoadBalancerIPs"] == [{"cidr": "10.0.0.240/28"}]
    assert cfg["spec"]["serviceClusterIPs"] == [{"cidr": "10.96.0.0/12"}]


def test_every_node_peers_with_the_labelled_route_reflectors() -> None:
    peer = one(render(CHART, values_files=RR), "BGPPeer", "peer-with-route-reflectors")["spec"]
    assert peer == {"nodeSelector": "all()", "peerSelector": "route-reflector == 'true'"}


def test_reflectors_peer_with_the_tor_switch_by_ip_and_as() -> None:
    peer = one(render(CHART, values_files=RR), "BGPPeer", "rack1-tor")["spec"]
    assert peer == {"nodeSelector": "route-reflector == 'true'", "peerIP": "10.0.0.1", "asNumber": 64513}


def test_full_mesh_is_the_default() -> None:
    objs = render(CHART, values_files=DEFAULTS)
    assert one(objs, "BGPConfiguration", "default")["spec"]["nodeToNodeMeshEnabled"] is True
    assert not of_kind(objs, "BGPPeer")


def test_no_bgp_objects_when_bgp_is_disabled() -> None:
    objs = render(CHART, values_files=VXLAN)
    assert installation(objs)["calicoNetwork"]["bgp"] == "Disabled"
    assert not of_kind(objs, "BGPConfiguration") and not of_kind(objs, "BGPPeer")


# Fields the chart types under bgp.configuration; everything else of the CRD goes through extraSpec.
BGP_TYPED = {"nodeToNodeMeshEnabled", "asNumber", "logSeverityScreen", "nodeMeshMaxRestartTime",
             "serviceClusterIPs", "serviceExternalIPs", "serviceLoadBalancerIPs"}


def _sample(schema: dict[str, Any]) -> Any:
    """A value the API server would accept for a field of this schema."""
    if schema.get("enum"):
        return schema["enum"][-1]
    return {"string": "x", "boolean": True, "integer": schema.get("minimum", 1) or 1, "array": [], "object": {}}[schema["type"]]


def test_the_labs_bgp_settings_are_expressible() -> None:
    spec = one(render(CHART, values_files=LAB_BGP), "BGPConfiguration", "default")["spec"]
    assert spec["nodeToNodeMeshEnabled"] is False
    assert spec["nodeMeshMaxRestartTime"] == "300s"
    assert spec["bindMode"] == "NodeIP" and spec["ignoredInterfaces"] == ["docker0"]


def test_every_bgpconfiguration_field_of_the_crd_is_reachable_through_the_values() -> None:
    crd = one(render(CHART, values_files=DEFAULTS), "CustomResourceDefinition", "bgpconfigurations.crd.projectcalico.org")
    fields = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]
    extra = {name: _sample(schema) for name, schema in fields.items() if name not in BGP_TYPED}
    assert BGP_TYPED <= set(fields)
    spec = one(render(CHART, values={"bgp": {"configuration": {"nodeMeshMaxRestartTime": "90s", "extraSpec": extra}}}),
               "BGPConfiguration", "default")["spec"]
    assert set(fields) - {"serviceClusterIPs", "serviceExternalIPs", "serviceLoadBalancerIPs"} <= set(spec)
    assert {k: spec[k] for k in extra} == extra


def test_felix_override_is_rendered_as_default() -> None:
    felix = one(render(CHART, values_files=CHART_POOLS), "FelixConfiguration", "default")
    assert felix["spec"] == {"logSeverityScreen": "Warning", "prometheusMetricsEnabled": True}
    assert not of_kind(render(CHART, values_files=DEFAULTS), "FelixConfiguration")


# --- ordering -----------------------------------------------------------------------------------

def _hooks(objs: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, str]]:
    return {(o["kind"], o["metadata"]["name"]): o["metadata"].get("annotations", {}) for o in objs if o["kind"] in CR_KINDS}


@pytest.mark.parametrize("files", [RR, CHART_POOLS, EBPF], ids=["route-reflector", "chart-pools", "ebpf"])
def test_custom_resources_are_post_install_upgrade_hooks_never_deleted_before_upgrade(files: list[str]) -> None:
    hooks = _hooks(render(CHART, values_files=files))
    assert hooks
    for key, ann in hooks.items():
        assert ann["helm.sh/hook"] == "post-install,post-upgrade,post-rollback", key
        assert ann["helm.sh/hook-delete-policy"] == "hook-failed", key


def test_every_hook_object_names_its_release_so_helm_3_can_adopt_it_on_upgrade() -> None:
    """helm 3 (Flux's helm-controller) can't update a hook: on upgrade an existing object becomes a release
    resource, which helm 3 takes over only when it carries the release's ownership annotations."""
    objs = render(CHART, values_files=RR, release="edge", namespace="tigera-operator") + \
        render(CHART, values_files=CHART_POOLS, release="edge", namespace="tigera-operator")
    hooks = _hooks(objs)
    assert {k[0] for k in hooks} >= {"Installation", "BGPPeer", "BGPConfiguration", "IPPool"}
    for key, ann in hooks.items():
        assert (ann.get("meta.helm.sh/release-name"), ann.get("meta.helm.sh/release-namespace")) == \
            ("edge", "tigera-operator"), key
    labels = {(o["kind"], o["metadata"]["name"]): o["metadata"]["labels"] for o in objs if o["kind"] in CR_KINDS}
    assert all(lab["app.kubernetes.io/managed-by"] == "Helm" for lab in labels.values())


def test_hook_weights_send_reservations_then_pools_and_peers_then_mesh_settings_then_the_installation() -> None:
    w = {k: int(a["helm.sh/hook-weight"]) for k, a in _hooks(render(CHART, values_files=CHART_POOLS) +
                                                          render(CHART, values_files=RR)).items()}
    assert w[("IPReservation", "reserved-vips")] < w[("IPPool", "pods-a")]
    assert w[("BGPPeer", "peer-with-route-reflectors")] < w[("BGPConfiguration", "default")]
    assert max(v for k, v in w.items() if k[0] not in ("Installation", "APIServer", "Goldmane", "Whisker")) < w[("Installation", "default")]
    for kind in ("APIServer", "Goldmane", "Whisker"):
        assert w[(kind, "default")] == w[("Installation", "default")]


def test_crds_are_release_objects_kept_on_uninstall() -> None:
    crds = of_kind(render(CHART, values_files=DEFAULTS), "CustomResourceDefinition")
    assert len(crds) == 32
    for crd in crds:
        ann = crd["metadata"]["annotations"]
        assert "helm.sh/hook" not in ann
        assert ann["helm.sh/resource-policy"] == "keep"


def test_kubectl_get_tigerastatus_shows_each_components_health() -> None:
    """The README and NOTES send users to `kubectl get tigerastatus`; it must show the conditions."""
    crd = one(render(CHART, values_files=DEFAULTS), "CustomResourceDefinition", "tigerastatuses.operator.tigera.io")
    columns = {c["name"]: c["jsonPath"] for c in crd["spec"]["versions"][0]["additionalPrinterColumns"]}
    for condition in ("Available", "Progressing", "Degraded"):
        assert columns[condition] == f".status.conditions[?(@.type=='{condition}')].status"


def test_every_kind_the_chart_writes_has_a_crd_in_the_chart() -> None:
    objs = render(CHART, values_files=CHART_POOLS) + render(CHART, values_files=RR)
    served = {(c["spec"]["group"], c["spec"]["names"]["kind"]) for c in of_kind(objs, "CustomResourceDefinition")}
    written = {(o["apiVersion"].split("/")[0], o["kind"]) for o in objs if o["kind"] in CR_KINDS}
    assert written <= served


def test_crds_disabled_renders_none_and_lets_the_operator_manage_them() -> None:
    objs = render(CHART, values_files=CRDS_OFF)
    assert not of_kind(objs, "CustomResourceDefinition")
    assert "-manage-crds=true" in operator_container(objs)["args"]
    rules = one(objs, "ClusterRole", "tigera-operator")["rules"]
    crd_rules = [r for r in rules if "customresourcedefinitions" in r["resources"]]
    assert any("create" in r["verbs"] for r in crd_rules)
    assert all("installations.operator.tigera.io" in r["resourceNames"] for r in crd_rules if "update" in r["verbs"])


def test_chart_owned_crds_mean_the_operator_cannot_write_crds() -> None:
    objs = render(CHART, values_files=DEFAULTS)
    assert "-manage-crds=false" in operator_container(objs)["args"]
    crd_rules = [r for r in one(objs, "ClusterRole", "tigera-operator")["rules"]
                 if "customresourcedefinitions" in r["resources"]]
    assert [sorted(r["verbs"]) for r in crd_rules] == [["get", "list", "watch"]]


# --- operator workload and RBAC -----------------------------------------------------------------

def test_operator_runs_on_the_host_network_before_any_cni() -> None:
    spec = pod_spec(one(render(CHART, values_files=DEFAULTS), "Deployment", "tigera-operator"))
    assert spec is not None
    assert spec["hostNetwork"] is True
    assert spec["dnsPolicy"] == "ClusterFirstWithHostNet"
    assert {"operator": "Exists"} in spec["tolerations"]
    assert spec["nodeSelector"] == {"kubernetes.io/os": "linux"}


def test_operator_knows_its_name_namespace_account_and_api_group() -> None:
    objs = render(CHART, values_files=LAB, namespace="tigera-operator")
    e = env(operator_container(objs))
    deployment = one(objs, "Deployment")
    assert e["OPERATOR_NAME"] == deployment["metadata"]["name"] == "tigera-operator"
    assert e["OPERATOR_SERVICEACCOUNT"] == pod_spec(deployment)["serviceAccountName"]  # type: ignore[index]
    assert e["CALICO_API_GROUP"] == "crd.projectcalico.org/v1"
    assert e["TIGERA_OPERATOR_INIT_IMAGE_VERSION"] == "v1.42.3"
    finalizers = [r for r in one(objs, "ClusterRole", "tigera-operator")["rules"]
                  if r["resources"] == ["deployments/finalizers"]]
    assert finalizers == [{"apiGroups": ["apps"], "resources": ["deployments/finalizers"], "verbs": ["update"],
                           "resourceNames": ["tigera-operator"]}]


@pytest.mark.parametrize("files", [DEFAULTS, CRDS_OFF], ids=["defaults", "crds-disabled"])
def test_rbac_has_no_wildcards(files: list[str]) -> None:
    for role in of_kind(render(CHART, values_files=files), "ClusterRole"):
        for rule in role["rules"]:
            for field in ("apiGroups", "resources", "verbs"):
                assert "*" not in rule.get(field, []), (role["metadata"]["name"], rule)


def test_secret_writes_come_only_from_the_fixed_name_role() -> None:
    objs = render(CHART, values_files=DEFAULTS)
    main = one(objs, "ClusterRole", "tigera-operator")["rules"]
    assert all(set(r["verbs"]) <= {"get", "list", "watch"} for r in main if "secrets" in r["resources"])
    secrets = one(objs, "ClusterRole", "tigera-operator-secrets")["rules"]
    assert secrets == [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["create", "update", "delete"]}]
    binding = one(objs, "RoleBinding", "tigera-operator-secrets")
    assert binding["roleRef"]["name"] == "tigera-operator-secrets"


def test_namespace_is_created_privileged_when_asked() -> None:
    # The release lives elsewhere (helm needs its own namespace before it creates anything).
    objs = render(CHART, values={"namespace": {"create": True}, "namespaceOverride": "tigera-operator"},
                  namespace="kube-system")
    ns = one(objs, "Namespace", "tigera-operator")
    assert one(objs, "Deployment", "tigera-operator")["metadata"]["namespace"] == "tigera-operator"
    assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"
    assert not of_kind(render(CHART, values_files=DEFAULTS), "Namespace")


# --- bad input ----------------------------------------------------------------------------------

BAD = [
    ({"ipPools": [pool(cidr="10.244.0.0/33")]}, "/ipPools/0/cidr"),
    ({"ipPools": [pool(cidr="10.244.1.0/16")]}, "ipPools[0].cidr"),
    ({"ipPools": [pool(blockSize=19)]}, "/ipPools/0/blockSize"),
    ({"ipPools": [pool(blockSize=33)]}, "/ipPools/0/blockSize"),
    ({"ipPools": [pool(cidr="10.244.0.0/24", blockSize=20)]}, "ipPools[0].blockSize"),
    ({"ipPools": [pool(encapsulation="GRE")]}, "/ipPools/0/encapsulation"),
    ({"installation": {"calicoNetwork": {"bgp": "Disabled"}}, "ipPools": [pool(encapsulation="IPIP")]},
     "ipPools[0].encapsulation is IPIP while installation.calicoNetwork.bgp is Disabled"),
    ({"installation": {"calicoNetwork": {"bgp": "Disabled"}}, "ipPools": [pool(encapsulation="IPIPCrossSubnet")]},
     "ipPools[0].encapsulation"),
    ({"ipPools": [pool(), pool(name="q", cidr="10.244.128.0/17")]}, "ipPools[1].cidr"),
    ({"ipPools": [pool(), pool(cidr="10.245.0.0/16")]}, "ipPools[1].name"),
    ({"global": {"network": {"podCIDR": "10.244.0.0/16"}}, "ipPools": [pool(cidr="192.168.0.0/16")]},
     "outside global.network.podCIDR"),
    ({"ipPools": [pool(disabled=True)]}, "ipPools[0].disabled"),
    ({"ipPools": [pool(), pool(name="q", cidr="")]}, "ipPools[1].cidr is empty"),
    ({"ipPools": []}, "/ipPools"),
    ({"installation": {"calicoNetwork": {"linuxDataplane": "BPF"}}}, "kubernetesServiceEndpoint.host is required"),
    ({"kubernetesServiceEndpoint": {"host": "10.0.0.10"}}, "kubernetesServiceEndpoint.port"),
    # A URL is not a host: KUBERNETES_SERVICE_HOST=https://... breaks every client of the ConfigMap.
    ({"kubernetesServiceEndpoint": {"host": "https://api.feng.org", "port": 6443}}, "/kubernetesServiceEndpoint/host"),
    ({"installation": {"calicoNetwork": {"nodeAddressAutodetectionV4": {"firstFound": False,
                                                                         "canReach": "ping 8.8.8.8"}}}},
     "/installation/calicoNetwork/nodeAddressAutodetectionV4/canReach"),
    ({"kubernetesServiceEndpoint": {"host": "10.0.0.10", "port": 6443},
      "installation": {"calicoNetwork": {"linuxDataplane": "BPF", "bpfNetworkBootstrap": "Enabled"}}},
     "installation.calicoNetwork.bpfNetworkBootstrap"),
    ({"installation": {"calicoNetwork": {"bpfNetworkBootstrap": "Enabled"}}}, "installation.calicoNetwork.bpfNetworkBootstrap"),
    ({"installation": {"calicoNetwork": {"nodeAddressAutodetectionV4": {"interface": "ens.*"}}}},
     "installation.calicoNetwork.nodeAddressAutodetectionV4"),
    ({"bgp": {"peers": [{"name": "tor", "peerIP": "10.0.0.1"}]}}, "bgp.peers[0].asNumber"),
    ({"bgp": {"peers": [{"name": "tor", "peerIP": "10.0.0.1", "asNumber": 65000, "peerSelector": "rr == 'true'"}]}},
     "bgp.peers[0] must set exactly one"),
    ({"bgp": {"peers": [{"name": "rr", "peerSelector": "rr == 'true'", "asNumber": 65000}]}}, "bgp.peers[0].asNumber"),
    ({"bgp": {"peers": [{"name": "tor", "peerIP": "10.0.0.1", "asNumber": 65000, "node": "n1",
                         "nodeSelector": "all()"}]}}, "bgp.peers[0].nodeSelector"),
    ({"bgp": {"peers": [{"name": "tor", "peerIP": "300.0.0.1", "asNumber": 65000}]}}, "/bgp/peers/0/peerIP"),
    ({"installation": {"calicoNetwork": {"bgp": "Disabled"}}, "ipPools": [pool()],
      "bgp": {"routeReflectors": {"enabled": True}}}, "bgp.routeReflectors.enabled"),
    ({"operator": {"manageCRDs": True}}, "operator.manageCRDs"),
    ({"namespaceOverride": "calico-system"}, "namespaceOverride"),
    ({"felixConfiguration": {"enabled": True, "spec": {"bpfEnabled": True}}}, "felixConfiguration.spec.bpfEnabled"),
    # Felix stores and ignores fields it doesn't know: a typo would silently leave WireGuard off.
    ({"felixConfiguration": {"enabled": True, "spec": {"wireGuardEnabled": True}}},
     "felixConfiguration.spec.wireGuardEnabled is not a FelixConfiguration field"),
    # The BGPConfiguration pass-through is checked against the CRD: names, types, enums, ranges, required fields.
    ({"bgp": {"configuration": {"extraSpec": {"bindmode": "NodeIP"}}}}, "bgp.configuration.extraSpec.bindmode is not a field"),
    ({"bgp": {"configuration": {"extraSpec": {"listenPort": "179"}}}}, "bgp.configuration.extraSpec.listenPort must be of type integer"),
    ({"bgp": {"configuration": {"extraSpec": {"listenPort": 0}}}}, "bgp.configuration.extraSpec.listenPort 0 is below"),
    ({"bgp": {"configuration": {"extraSpec": {"bindMode": "All"}}}}, "bgp.configuration.extraSpec.bindMode All is not one of"),
    ({"bgp": {"configuration": {"extraSpec": {"nodeMeshPassword": {"secretKeyRef": {"name": "s"}}}}}},
     "bgp.configuration.extraSpec.nodeMeshPassword.secretKeyRef.key is required"),
    ({"bgp": {"configuration": {"extraSpec": {"communities": [{"name": "c", "value": "65000"}]}}}},
     "bgp.configuration.extraSpec.communities[0].value"),
    ({"bgp": {"configuration": {"extraSpec": {"nodeToNodeMeshEnabled": False}}}},
     "bgp.configuration.extraSpec.nodeToNodeMeshEnabled is a typed value"),
    ({"bgp": {"configuration": {"extraSpec": {"bindMode: x\n  evil": "x"}}}}, "is not a field here"),
    ({"bgp": {"configuration": {"nodeMeshMaxRestartTime": "2 minutes"}}}, "/bgp/configuration/nodeMeshMaxRestartTime"),
    ({"bgp": {"configuration": {"nodeMeshMaxRestartTime": "120s\nbindMode: NodeIP"}}}, "/bgp/configuration/nodeMeshMaxRestartTime"),
    ({"felixConfiguration": {"enabled": True, "spec": {"ipipMTU": "1440"}}}, "felixConfiguration.spec.ipipMTU must be of type integer"),
    ({"felixConfiguration": {"enabled": True, "spec": {"nftablesMode": "On"}}}, "felixConfiguration.spec.nftablesMode On is not one of"),
    ({"whisker": {"enabled": True}}, "whisker.enabled"),
    ({"ipPool": [pool()]}, "ipPool"),
    ({"installation": {"calicoNetowrk": {"bgp": "Enabled"}}}, "calicoNetowrk"),
    ({"installation": {"calicoNetwork": {"linuxDataplane": "VPP"}}}, "/installation/calicoNetwork/linuxDataplane"),
]


@pytest.mark.parametrize(("values", "fragment"), BAD, ids=[f for _, f in BAD])
def test_bad_input_fails_naming_the_key(values: dict[str, Any], fragment: str) -> None:
    assert fragment in render_error(CHART, values=values)


@pytest.mark.parametrize(
    ("global_", "registry", "image_path"),
    [
        ({"imageRegistry": "harbor.feng.org/proxy-quay"}, "harbor.feng.org/proxy-quay/", None),
        ({"imageRegistry": "registry.cn-hangzhou.aliyuncs.com/google_containers", "imageFlatten": True},
         "registry.cn-hangzhou.aliyuncs.com/", "google_containers"),
        ({"imageRegistry": "harbor.feng.org", "imageFlatten": True}, "harbor.feng.org/", None),
    ],
)
def test_global_mirror_reaches_calicos_own_images(global_: dict, registry: str, image_path: str | None) -> None:
    """The operator pulls <registry><imagePath>/<name>: a flat mirror's path becomes the imagePath."""
    spec = one(render(CHART, values={"global": global_}), "Installation")["spec"]
    assert spec["registry"] == registry
    assert spec.get("imagePath") == image_path
