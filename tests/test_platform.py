"""The platform umbrella: what `helm install platform ./charts/platform -f values/lab.yaml` puts in a cluster.

Renders are shared: LAB (and the overlays layered on it) are rendered once per
session; each bad-input row is one more render.
"""

from __future__ import annotations

import copy
import ipaddress
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import ROOT, containers, of_kind, one, pod_spec, render, render_error

CHART = "platform"
RELEASE = "test"  # as the suite's scenario renders, so they share the render cache
LAB = ["values/lab.yaml"]
PRODUCTION = ["values/lab.yaml", "values/production.yaml"]
CN_MIRROR = ["values/lab.yaml", "values/cn-mirror.yaml"]
MIRROR = "registry.cn-hangzhou.aliyuncs.com/google_containers"

# The subcharts the umbrella carries, with the namespace each lands in and the
# Pod Security level the umbrella labels it with (None: kube-system, not ours).
COMPONENTS = {
    "calico": ("tigera-operator", "privileged"),
    "coredns": ("kube-system", None),
    "metallb": ("metallb-system", "privileged"),
    "ingress-nginx": ("ingress-nginx", "restricted"),
    "nfs-subdir-provisioner": ("nfs-provisioner", "baseline"),
    "metrics-server": ("kube-system", None),
}
# Subcharts off unless asked for (tests/test_frontdoor.py: Traefik in the cutover and after it).
OPTIONAL = {"traefik": ("traefik", "restricted")}


def lab() -> list[dict[str, Any]]:
    return render(CHART, values_files=LAB, release=RELEASE)


def subchart_of(obj: dict[str, Any]) -> str | None:
    """Which subchart rendered an object, by its standard name label (None for the umbrella's own)."""
    name = (obj.get("metadata", {}).get("labels") or {}).get("app.kubernetes.io/name")
    return name if name in COMPONENTS else None


def production() -> list[dict[str, Any]]:
    return render(CHART, values_files=PRODUCTION, release=RELEASE)


def cn_mirror() -> list[dict[str, Any]]:
    return render(CHART, values_files=CN_MIRROR, release=RELEASE)


def lab_with(values: dict[str, Any]) -> list[dict[str, Any]]:
    return render(CHART, values=values, values_files=LAB, release=RELEASE)


def lab_error(values: dict[str, Any]) -> str:
    return render_error(CHART, values=values, values_files=LAB, release=RELEASE)


# --- what the lab gets -------------------------------------------------------


def test_lab_gets_one_l2_pool_announced_on_eth0() -> None:
    objs = lab()
    pool = one(objs, "IPAddressPool")
    adv = one(objs, "L2Advertisement")
    assert pool["metadata"]["namespace"] == adv["metadata"]["namespace"] == "metallb-system"
    # The lab's range 10.0.0.10-10.0.0.50 without its second HAProxy, 10.0.0.13.
    assert pool["spec"]["addresses"] == ["10.0.0.10-10.0.0.12", "10.0.0.14-10.0.0.50"]
    assert adv["spec"]["ipAddressPools"] == [pool["metadata"]["name"]]
    assert adv["spec"]["interfaces"] == ["eth0"]


# --- migration from the hand-built lab ---------------------------------------------------------

# Fixed host addresses of the hand-built lab (its notes): haproxy2 sits inside its old pool.
LAB_HOSTS = ["10.0.0.2", "10.0.0.13", "10.0.0.100", "10.0.0.101"]


def addresses_of(entry: str) -> set[ipaddress.IPv4Address]:
    """Every address of a MetalLB pool entry: an address, a start-end range or a CIDR."""
    if "-" in entry:
        start, end = (int(ipaddress.IPv4Address(a.strip())) for a in entry.split("-"))
        return {ipaddress.IPv4Address(n) for n in range(start, end + 1)}
    return set(ipaddress.IPv4Network(entry, strict=False))


def test_no_lab_pool_holds_a_lab_host_address() -> None:
    held = {a for p in of_kind(lab(), "IPAddressPool") for entry in p["spec"]["addresses"] for a in addresses_of(entry)}
    hosts = {ipaddress.IPv4Address(h) for h in LAB_HOSTS}
    reserved = yaml.safe_load((ROOT / "values" / "lab.yaml").read_text())["reservedAddresses"]
    assert hosts <= {a for r in reserved for a in addresses_of(r)}, "the overlay lists the lab's hosts"
    assert held and not held & hosts
    # Still the lab's range otherwise: the ingress IP and the rest of 10.0.0.10-10.0.0.50.
    assert held == addresses_of("10.0.0.10-10.0.0.50") - hosts


def test_a_pool_holding_a_reserved_host_address_is_refused() -> None:
    message = lab_error({"metallb": {"addressPools": [{"name": "lab-pool", "addresses": ["10.0.0.10-10.0.0.50"]}]}})
    assert 'metallb.addressPools[0].addresses[0] "10.0.0.10-10.0.0.50" of pool "lab-pool" holds "10.0.0.13"' in message


def test_lab_storage_class_and_provisioner_are_the_old_labs() -> None:
    objs = lab()
    sc = one(objs, "StorageClass", "sc-nfs")
    deploy = one(objs, "Deployment", f"{RELEASE}-nfs-subdir-provisioner")
    env = {e["name"]: e.get("value") for e in containers(deploy)[0]["env"]}
    # The name the old provisioner wrote into its PVs, so this one deletes (archives) them.
    assert sc["provisioner"] == env["PROVISIONER_NAME"] == "k8s-sigs.io/nfs-subdir-external-provisioner"
    # Not the default class: claims without a class keep behaving as in the lab.
    assert sc["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "false"
    assert not [c for c in of_kind(objs, "StorageClass")
                if c["metadata"]["annotations"].get("storageclass.kubernetes.io/is-default-class") == "true"]


def kubectl_create_ingress(name: str, rule: str, ingress_class: str, annotations: dict[str, str]) -> dict[str, Any]:
    """The Ingress `kubectl create ingress NAME --rule=host/path=svc:port --class --annotation` sends:
    pathType Exact, or Prefix when the path ends in '*'."""
    target, _, backend = rule.rpartition("=")
    host, _, path = target.partition("/")
    service, _, port = backend.partition(":")
    path_type = "Prefix" if path.endswith("*") else "Exact"
    return {
        "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
        "metadata": {"name": name, "annotations": annotations},
        "spec": {"ingressClassName": ingress_class, "rules": [{"host": host, "http": {"paths": [{
            "path": "/" + path.rstrip("*"), "pathType": path_type,
            "backend": {"service": {"name": service, "port": {"number": int(port)}}}}]}}]},
    }


# Annotation risk levels (controller v1.15) of what the lab's Ingresses use.
ANNOTATION_RISK = {"rewrite-target": "Medium", "use-regex": "Low"}
RISK_ORDER = ["Low", "Medium", "High", "Critical"]
# The controller's strict path check (strict-validate-path-type): Exact and Prefix paths may only
# hold these characters; anything else is taken for a regex.
PLAIN_PATH = r"^/[A-Za-z0-9_\-/]*$"


def admission_errors(ingress: dict[str, Any], config: dict[str, str], ingress_class: dict[str, Any]) -> list[str]:
    """What ingress-nginx's validating webhook would object to, from its ConfigMap and IngressClass."""
    errors = []
    if ingress["spec"]["ingressClassName"] != ingress_class["metadata"]["name"]:
        errors.append("not our class")
    allowed = RISK_ORDER.index(config["annotations-risk-level"])
    for key in ingress["metadata"]["annotations"]:
        name = key.removeprefix("nginx.ingress.kubernetes.io/")
        if RISK_ORDER.index(ANNOTATION_RISK[name]) > allowed:
            errors.append(f"annotation {name} too risky")
    if config["strict-validate-path-type"] == "true":
        for rule in ingress["spec"]["rules"]:
            for p in rule["http"]["paths"]:
                if p["pathType"] in ("Exact", "Prefix") and not re.match(PLAIN_PATH, p["path"]):
                    errors.append(f"path {p['path']} of type {p['pathType']} has regex characters")
    return errors


LAB_REGEX_INGRESS = kubectl_create_ingress(
    "demo-ingress2", "myapp.feng.org/v1(/|$)(.*)=myapp1:80", "nginx",
    {"nginx.ingress.kubernetes.io/rewrite-target": "/$2"})


def test_lab_regex_rewrite_ingress_is_admitted_by_the_lab_controller() -> None:
    objs = lab()
    config = one(objs, "ConfigMap", f"{RELEASE}-ingress-nginx-controller")["data"]
    assert LAB_REGEX_INGRESS["spec"]["rules"][0]["http"]["paths"][0]["pathType"] == "Exact"
    assert admission_errors(LAB_REGEX_INGRESS, config, one(objs, "IngressClass", "nginx")) == []


def test_the_same_ingress_is_refused_by_the_platforms_default_controller() -> None:
    """Why the lab overlay turns strict path validation off: the chart default rejects it."""
    objs = render(CHART, values_files=["charts/platform/ci/minimal-values.yaml"], release=RELEASE)
    config = one(objs, "ConfigMap", f"{RELEASE}-ingress-nginx-controller")["data"]
    errors = admission_errors(LAB_REGEX_INGRESS, config, one(objs, "IngressClass", "nginx"))
    assert errors == ["path /v1(/|$)(.*) of type Exact has regex characters"]


def test_the_documented_per_ingress_way_passes_strict_validation() -> None:
    """The README's way for new Ingresses: the same regex path as ImplementationSpecific."""
    objs = render(CHART, values_files=["charts/platform/ci/minimal-values.yaml"], release=RELEASE)
    config = one(objs, "ConfigMap", f"{RELEASE}-ingress-nginx-controller")["data"]
    assert config["strict-validate-path-type"] == "true"
    converted = copy.deepcopy(LAB_REGEX_INGRESS)
    converted["spec"]["rules"][0]["http"]["paths"][0]["pathType"] = "ImplementationSpecific"
    assert admission_errors(converted, config, one(objs, "IngressClass", "nginx")) == []
    readme = (ROOT / "charts" / CHART / "README.md").read_text()
    assert '"value":"ImplementationSpecific"' in readme


def test_lab_runs_metrics_server_in_kube_system_with_the_labs_flags() -> None:
    objs = lab()
    deploy = one(objs, "Deployment", f"{RELEASE}-metrics-server")
    assert deploy["metadata"]["namespace"] == "kube-system"
    args = containers(deploy)[0]["args"]
    assert "--kubelet-insecure-tls" in args
    assert "--kubelet-preferred-address-types=InternalIP,Hostname" in args
    api = one(objs, "APIService", "v1beta1.metrics.k8s.io")
    assert api["spec"]["service"] == {"name": deploy["metadata"]["name"], "namespace": "kube-system", "port": 443}


def test_production_keeps_metrics_server_up_through_a_drain() -> None:
    objs = production()
    deploy = one(objs, "Deployment", f"{RELEASE}-metrics-server")
    pdb = one(objs, "PodDisruptionBudget", f"{RELEASE}-metrics-server")
    assert deploy["spec"]["replicas"] == 2
    assert 0 < pdb["spec"]["minAvailable"] < deploy["spec"]["replicas"]
    anti = pod_spec(deploy)["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert anti[0]["topologyKey"] == "kubernetes.io/hostname"


def test_lab_runs_metallb_controller_and_speaker() -> None:
    objs = lab()
    controller = one(objs, "Deployment", f"{RELEASE}-metallb-controller")
    speaker = one(objs, "DaemonSet", f"{RELEASE}-metallb-speaker")
    assert controller["metadata"]["namespace"] == speaker["metadata"]["namespace"] == "metallb-system"


def test_lab_ingress_has_two_replicas_metrics_and_the_fixed_ip() -> None:
    objs = lab()
    deploy = one(objs, "Deployment", f"{RELEASE}-ingress-nginx-controller")
    assert deploy["spec"]["replicas"] == 2
    args = containers(deploy)[0]["args"]
    assert any(a.startswith("--enable-metrics=true") for a in args), args
    svc = one(objs, "Service", f"{RELEASE}-ingress-nginx-controller")
    assert svc["spec"]["type"] == "LoadBalancer"
    assert svc["metadata"]["annotations"]["metallb.io/loadBalancerIPs"] == "10.0.0.12"
    assert one(objs, "IngressClass", "nginx")["spec"]["controller"] == "k8s.io/ingress-nginx"


def test_lab_corefile_has_the_lab_names() -> None:
    corefile = one(lab(), "ConfigMap", "coredns")["data"]["Corefile"]
    lines = [" ".join(line.split()) for line in corefile.splitlines()]
    assert "10.0.0.100 harbor.cluster.local harbor.feng.org" in lines
    assert "10.0.0.101 nfs.feng.org" in lines
    assert any("myapp.feng.org myapp.default.svc.cluster.local" in line for line in lines if line.startswith("rewrite"))
    assert "forward . /etc/resolv.conf {" in lines
    assert "except corp.feng.org" in lines


def test_lab_coredns_overrides_kubeadms_configmap_in_kube_system() -> None:
    objs = lab()
    assert one(objs, "ConfigMap", "coredns")["metadata"]["namespace"] == "kube-system"
    assert not [o for o in objs if subchart_of(o) == "coredns" and o["kind"] == "Deployment"]


def test_lab_calico_pool_is_the_labs() -> None:
    objs = lab()
    inst = one(objs, "Installation", "default")
    assert inst["spec"]["calicoNetwork"]["ipPools"] == [
        {
            "name": "default-ipv4-ippool",
            "cidr": "192.168.0.0/16",
            "blockSize": 24,
            "encapsulation": "IPIPCrossSubnet",
            "natOutgoing": "Enabled",
            "nodeSelector": "all()",
            "disableBGPExport": False,
        }
    ]
    assert inst["spec"]["calicoNetwork"]["bgp"] == "Enabled"
    assert one(objs, "BGPConfiguration", "default")["spec"]["nodeToNodeMeshEnabled"] is True
    assert one(objs, "Deployment", "tigera-operator")["metadata"]["namespace"] == "tigera-operator"


def test_lab_provisions_nfs_volumes_through_storageclass_sc_nfs() -> None:
    objs = lab()
    sc = one(objs, "StorageClass", "sc-nfs")
    deploy = one(objs, "Deployment", f"{RELEASE}-nfs-subdir-provisioner")
    env = {e["name"]: e.get("value") for e in containers(deploy)[0]["env"]}
    assert sc["provisioner"] == env["PROVISIONER_NAME"]
    assert sc["parameters"]["archiveOnDelete"] == "true"
    assert (env["NFS_SERVER"], env["NFS_PATH"]) == ("nfs.feng.org", "/data/sc-nfs")
    assert pod_spec(deploy)["volumes"][0]["nfs"] == {"server": "nfs.feng.org", "path": "/data/sc-nfs"}


@pytest.mark.parametrize("component", sorted(COMPONENTS))
def test_each_component_lands_in_its_own_namespace(component: str) -> None:
    namespace, _ = COMPONENTS[component]
    mine = [o for o in lab() if subchart_of(o) == component and "namespace" in o["metadata"]]
    assert mine, f"{component} rendered no namespaced object"
    assert {o["metadata"]["namespace"] for o in mine} == {namespace}


def test_namespaces_carry_the_pod_security_level_each_component_needs() -> None:
    found = {
        ns["metadata"]["name"]: {
            k.rsplit("/", 1)[1]: v
            for k, v in ns["metadata"]["labels"].items()
            if k.startswith("pod-security.kubernetes.io/")
        }
        for ns in of_kind(lab(), "Namespace")
    }
    expected = {
        ns: {"enforce": level, "audit": level, "warn": level} for ns, level in COMPONENTS.values() if level is not None
    }
    assert found == expected


def test_namespaces_are_kept_on_uninstall() -> None:
    for ns in of_kind(lab(), "Namespace"):
        assert ns["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"


@pytest.mark.parametrize("component", sorted(COMPONENTS))
def test_disabled_component_renders_nothing_and_gets_no_namespace(component: str) -> None:
    objs = lab_with({component: {"enabled": False}})
    assert not [o for o in objs if subchart_of(o) == component]
    assert {subchart_of(o) for o in objs} == {None} | set(COMPONENTS) - {component}
    namespace, _ = COMPONENTS[component]
    assert namespace not in {ns["metadata"]["name"] for ns in of_kind(objs, "Namespace")}


def test_components_are_on_by_default_and_say_so_where_their_schema_allows() -> None:
    """`<name>.enabled: true` is written out for every subchart whose schema accepts the key."""
    values = yaml.safe_load((ROOT / "charts" / CHART / "values.yaml").read_text())
    for name in COMPONENTS:
        schema = json.loads((ROOT / "charts" / name / "values.schema.json").read_text())
        accepts = "enabled" in schema["properties"]
        assert values[name].get("enabled", True) is True
        assert ("enabled" in values[name]) == accepts, f"{name}: enabled key vs its schema"


# metrics-server too: without a pod network its pod stays Pending and `--wait` would never return.
NETWORK_FIRST = {c: {"enabled": False} for c in ("metallb", "ingress-nginx", "nfs-subdir-provisioner", "metrics-server")}


def test_network_first_step_installs_calico_and_the_corefile_only() -> None:
    """Step 1 of the install order (README): no site values needed beyond the network."""
    objs = render(CHART, values=NETWORK_FIRST, release=RELEASE)
    assert {subchart_of(o) for o in objs} == {None, "calico", "coredns"}
    assert one(objs, "Installation", "default")
    assert {ns["metadata"]["name"] for ns in of_kind(objs, "Namespace")} == {"tigera-operator"}


def test_components_sharing_a_namespace_get_the_level_both_need() -> None:
    objs = lab_with({"nfs-subdir-provisioner": {"namespaceOverride": "ingress-nginx"}})
    namespaces = {ns["metadata"]["name"]: ns for ns in of_kind(objs, "Namespace")}
    assert "nfs-provisioner" not in namespaces
    labels = namespaces["ingress-nginx"]["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "baseline"  # nfs needs baseline, ingress restricted


def test_namespaces_can_be_left_to_someone_else() -> None:
    assert not of_kind(lab_with({"namespaces": {"create": False}}), "Namespace")


def test_global_image_registry_reaches_every_container_and_calico() -> None:
    objs = lab_with({"global": {"imageRegistry": "harbor.feng.org/proxy"}})
    images = {subchart_of(o): c["image"] for o in objs for c in containers(o)}
    assert set(images) == set(COMPONENTS) - {"coredns"}  # kubeadm runs CoreDNS in overrides mode
    assert all(i.startswith("harbor.feng.org/proxy/") for i in images.values()), images
    assert one(objs, "Installation", "default")["spec"]["registry"] == "harbor.feng.org/proxy/"


def test_global_pull_secrets_reach_every_pod() -> None:
    objs = lab_with({"global": {"imagePullSecrets": ["harbor"]}})
    specs = [pod_spec(o) for o in objs if pod_spec(o) is not None]
    assert specs
    assert all({"name": "harbor"} in (s.get("imagePullSecrets") or []) for s in specs)


def test_global_cluster_domain_reaches_coredns() -> None:
    corefile = one(lab_with({"global": {"clusterDomain": "lab.local"}}), "ConfigMap", "coredns")["data"]["Corefile"]
    assert any(line.split()[:2] == ["kubernetes", "lab.local"] for line in corefile.splitlines() if line.strip())


def test_global_pod_cidr_becomes_calicos_default_pool_and_is_checked() -> None:
    values = {
        "calico": {"ipPools": [{"name": "default-ipv4-ippool", "cidr": ""}]},
        "global": {"network": {"podCIDR": "172.20.0.0/16"}},
    }
    pool = one(lab_with(values), "Installation", "default")["spec"]["calicoNetwork"]["ipPools"][0]
    assert pool["cidr"] == "172.20.0.0/16"
    # without podCIDR the pool is Calico's 192.168.0.0/16, and that is what gets checked
    clash = {**values, "global": {"network": {"podCIDR": "", "nodeCIDR": "192.168.1.0/24"}}}
    assert 'calico.ipPools[0].cidr "192.168.0.0/16" overlaps the node network' in lab_error(clash)


def test_chart_lists_every_subcharts_images_for_artifact_hub() -> None:
    def images(chart: str) -> set[str]:
        meta = yaml.safe_load((ROOT / "charts" / chart / "Chart.yaml").read_text())
        return {i["image"] for i in yaml.safe_load(meta["annotations"]["artifacthub.io/images"])}

    assert images(CHART) == set().union(*(images(c) for c in [*COMPONENTS, *OPTIONAL]))


def test_every_component_is_a_dependency_with_its_switch() -> None:
    meta = yaml.safe_load((ROOT / "charts" / CHART / "Chart.yaml").read_text())
    deps = {d["name"]: d for d in meta["dependencies"]}
    for name in [*COMPONENTS, *OPTIONAL]:
        sub = yaml.safe_load((ROOT / "charts" / name / "Chart.yaml").read_text())
        assert deps[name]["condition"] == f"{name}.enabled"
        assert deps[name]["version"] == sub["version"]
        assert deps[name]["repository"] == f"file://../{name}"
        assert (ROOT / "charts" / CHART / "charts" / name).resolve() == (ROOT / "charts" / name).resolve()


# --- with no values file at all ----------------------------------------------


def test_no_values_stops_with_one_message_listing_every_site_value() -> None:
    msg = render_error(CHART, release=RELEASE)
    assert "platform: site-specific values are missing" in msg
    keys = (
        "metallb.addressPools",
        "metallb.l2Advertisements",
        "nfs-subdir-provisioner.nfs.server",
        "nfs-subdir-provisioner.nfs.path",
    )
    for key in keys:
        assert key in msg
    # the umbrella's message, not the first subchart check that happened to run
    assert "is required: set it to" not in msg


def test_no_values_message_lists_only_enabled_components() -> None:
    msg = render_error(CHART, values={"nfs-subdir-provisioner": {"enabled": False}}, release=RELEASE)
    assert "metallb.addressPools" in msg
    assert "nfs-subdir-provisioner.nfs" not in msg


def test_pools_nobody_announces_are_reported() -> None:
    msg = lab_error({"metallb": {"l2Advertisements": []}})
    assert "metallb.l2Advertisements" in msg and "site-specific values are missing" in msg


def test_minimal_site_values_are_enough() -> None:
    """The keys the no-values message lists are all a site must set."""
    assert render(CHART, values_files=["charts/platform/ci/minimal-values.yaml"], release=RELEASE)


def test_umbrella_checks_run_before_any_subchart_template() -> None:
    """helm renders deeper template paths first; the umbrella's validate must be the deepest."""
    chart = ROOT / "charts" / CHART
    checks = chart / "templates/checks/run/before/the/subcharts/validate.yaml"
    depth = len(checks.relative_to(chart).parts)
    for sub in (p for p in (chart / "charts").iterdir() if p.is_dir()):
        for tpl in (sub / "templates").rglob("*"):
            if tpl.is_file() and not tpl.name.startswith("_"):
                sub_depth = len(Path("charts", sub.name, tpl.relative_to(sub)).parts)
                assert sub_depth < depth, f"{tpl} renders before the umbrella's checks"


# --- bad input ---------------------------------------------------------------


def pools(*ranges: str) -> dict[str, Any]:
    return {"metallb": {"addressPools": [{"name": f"p{i}", "addresses": [r]} for i, r in enumerate(ranges)]}}


# The lab's pool plus a second one that the lab's L2 advertisement (lab-pool only) does not announce.
TWO_POOLS: dict[str, Any] = {
    "metallb": {
        "addressPools": [
            {"name": "lab-pool", "addresses": ["10.0.0.10-10.0.0.12", "10.0.0.14-10.0.0.50"]},
            {"name": "edge", "addresses": ["10.0.0.60-10.0.0.70"]},
        ]
    }
}

BAD = [
    pytest.param({"bogus": 1}, "additional properties 'bogus' not allowed", id="unknown-top-level-key"),
    pytest.param(
        {"metallb": {"controller": {"replicaCount": 2}}},
        "additional properties 'replicaCount' not allowed",
        id="unknown-key-in-metallb",
    ),
    pytest.param(
        pools("10.0.0.50-10.0.0.10"),
        'metallb.addressPools[0].addresses[0] "10.0.0.50-10.0.0.10" has its start after its end',
        id="pool-range-backwards",
    ),
    pytest.param(
        pools("10.0.0.10-10.0.0.50", "10.0.0.48/29"),
        'metallb.addressPools[1].addresses[0] "10.0.0.48/29" overlaps metallb.addressPools[0].addresses[0]',
        id="pools-overlap",
    ),
    pytest.param(
        {**pools("10.96.0.10-10.96.0.20"), "ingress-nginx": {"controller": {"service": {"loadBalancerIP": ""}}}},
        'metallb.addressPools[0].addresses[0] "10.96.0.10-10.96.0.20" overlaps the service network',
        id="pool-inside-service-cidr",
    ),
    pytest.param(
        {"ingress-nginx": {"controller": {"service": {"loadBalancerIP": "10.0.0.60"}}}},
        'ingress-nginx.controller.service.loadBalancerIP "10.0.0.60" is not inside any MetalLB pool',
        id="lb-ip-outside-pools",
    ),
    pytest.param(
        {
            "ingress-nginx": {
                "controller": {
                    "service": {
                        "loadBalancerIP": "",
                        "annotations": {"metallb.io/loadBalancerIPs": "10.0.0.11,10.0.1.5"},
                    }
                }
            }
        },
        'metallb.io/loadBalancerIPs "10.0.1.5" is not inside any MetalLB pool',
        id="lb-ip-annotation-outside-pools",
    ),
    pytest.param(
        {**TWO_POOLS, "ingress-nginx": {"controller": {"service": {"annotations": {"metallb.io/address-pool": "edge"}}}}},
        'loadBalancerIP "10.0.0.12" is not inside MetalLB pool "edge"',
        id="lb-ip-outside-the-named-pool",
    ),
    pytest.param(
        {"ingress-nginx": {"controller": {"service": {"annotations": {"metallb.io/address-pool": "other"}}}}},
        'ingress-nginx.controller.service.annotations.metallb.io/address-pool "other" is not a MetalLB pool',
        id="named-pool-does-not-exist",
    ),
    pytest.param(
        {**TWO_POOLS, "ingress-nginx": {"controller": {"service": {"loadBalancerIP": "10.0.0.65"}}}},
        'loadBalancerIP "10.0.0.65" lies in MetalLB pool "edge", which no metallb.l2Advertisements',
        id="lb-ip-in-a-pool-nobody-announces",
    ),
    pytest.param(
        {"calico": {"ipPools": [{"name": "p", "cidr": "10.96.0.0/16"}]}, "global": {"network": {"podCIDR": ""}}},
        'calico.ipPools[0].cidr "10.96.0.0/16" overlaps the service network (global.network.serviceCIDR',
        id="calico-pool-overlaps-service-cidr",
    ),
    pytest.param(
        {"calico": {"ipPools": [{"name": "p", "cidr": "10.0.0.0/16"}]}, "global": {"network": {"podCIDR": ""}}},
        'calico.ipPools[0].cidr "10.0.0.0/16" overlaps the node network (global.network.nodeCIDR',
        id="calico-pool-overlaps-node-cidr",
    ),
    pytest.param(
        {
            "calico": {"ipPools": [{"name": "p", "cidr": "10.0.0.0/27"}]},
            "global": {"network": {"podCIDR": "", "nodeCIDR": ""}},
        },
        'calico.ipPools[0].cidr "10.0.0.0/27" overlaps MetalLB pool "lab-pool"',
        id="calico-pool-overlaps-metallb-pool",
    ),
    pytest.param(
        {"calico": {"ipPools": [{"name": "p", "cidr": "172.16.0.0/16"}]}},
        'calico.ipPools[0].cidr "172.16.0.0/16" is not inside global.network.podCIDR',
        id="calico-pool-outside-pod-cidr",
    ),
    pytest.param(
        {"metallb": {"namespace": {"create": True}}},
        "metallb.namespace.create must stay false in the platform",
        id="subchart-namespace-rendered-twice",
    ),
    pytest.param(
        {"metallb": {"loadBalancerClass": "metallb.io/lab"}},
        'ingress-nginx.controller.service.loadBalancerClass "" does not match MetalLB, which serves only Services of class',
        id="metallb-class-the-ingress-service-lacks",
    ),
    pytest.param(
        {"ingress-nginx": {"controller": {"service": {"loadBalancerClass": "example.com/other"}}}},
        'loadBalancerClass "example.com/other" does not match MetalLB, which serves only Services without a class',
        id="ingress-class-metallb-ignores",
    ),
    pytest.param(
        {"namespaces": {"podSecurity": {"metallb": "baseline"}}},
        'namespaces.podSecurity.metallb "baseline" is below "privileged"',
        id="metallb-namespace-below-privileged",
    ),
    pytest.param(
        {"namespaces": {"podSecurity": {"nfs-subdir-provisioner": "restricted"}}},
        'namespaces.podSecurity.nfs-subdir-provisioner "restricted" is below "baseline"',
        id="nfs-namespace-below-baseline",
    ),
    pytest.param(
        {"nfs-subdir-provisioner": {"nfs": {"bogus": 1}}},
        "additional properties 'bogus' not allowed",
        id="unknown-key-in-subchart",
    ),
    pytest.param(
        {"global": {"network": {"podCIDR": "10.96.0.0/16"}}},
        'global.network.podCIDR "10.96.0.0/16" overlaps the service network (global.network.serviceCIDR',
        id="pod-cidr-overlaps-service-cidr",
    ),
    pytest.param({"reservedAddresses": ["10.0.0.300"]}, "/reservedAddresses/0", id="reserved-address-not-an-ip"),
    pytest.param({"reservedAddresses": ["10.0.0.14-10.0.0.13"]}, "reservedAddresses[0]", id="reserved-range-backwards"),
    pytest.param({"reservedAddresses": ["10.0.0.1\n- 10.0.0.2"]}, "/reservedAddresses/0", id="reserved-address-injection"),
    pytest.param({"reservedAddresses": ["10.0.0.48/30"]}, 'holds "10.0.0.48/30"', id="pool-holds-reserved-cidr"),
    pytest.param({"metrics-server": {"pdb": {"enabled": True, "maxUnavailable": 0}}}, "pdb.maxUnavailable", id="metrics-server-pdb-zero"),
    pytest.param({"metrics-server": {"resources": None}}, "resources", id="metrics-server-null-resources"),
    pytest.param(
        {"global": {"network": {"podCIDR": "10.0.0.0/16"}}},
        'global.network.podCIDR "10.0.0.0/16" overlaps the node network (global.network.nodeCIDR',
        id="pod-cidr-overlaps-node-cidr",
    ),
    pytest.param(
        {
            "global": {"network": {"podCIDR": "10.0.0.32/27", "nodeCIDR": ""}},
            "calico": {"ipPools": [{"name": "p", "cidr": "10.0.0.32/28"}]},
        },
        'global.network.podCIDR "10.0.0.32/27" overlaps MetalLB pool "lab-pool"',
        id="pod-cidr-overlaps-metallb-pool",
    ),
]


@pytest.mark.parametrize(("values", "fragment"), BAD)
def test_bad_input_fails_naming_the_key(values: dict[str, Any], fragment: str) -> None:
    assert fragment in lab_error(values)


def test_an_advertisement_naming_no_pools_announces_the_ingress_ip_of_any_pool() -> None:
    values = {
        "metallb": {**TWO_POOLS["metallb"], "l2Advertisements": [{"name": "all", "interfaces": ["eth0"]}]},
        "ingress-nginx": {"controller": {"service": {"loadBalancerIP": "10.0.0.65"}}},
    }
    svc = one(lab_with(values), "Service", f"{RELEASE}-ingress-nginx-controller")
    assert svc["metadata"]["annotations"]["metallb.io/loadBalancerIPs"] == "10.0.0.65"


def test_unknown_nested_key_is_reported_under_the_subchart() -> None:
    msg = lab_error({"nfs-subdir-provisioner": {"nfs": {"bogus": 1}}})
    assert "nfs-subdir-provisioner" in msg and "/nfs" in msg


# --- overlays ----------------------------------------------------------------


def test_production_spreads_ingress_one_per_node_and_keeps_two_up() -> None:
    objs = production()
    deploy = one(objs, "Deployment", f"{RELEASE}-ingress-nginx-controller")
    assert deploy["spec"]["replicas"] == 3
    anti = pod_spec(deploy)["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert anti[0]["topologyKey"] == "kubernetes.io/hostname"
    pdb = one(objs, "PodDisruptionBudget", f"{RELEASE}-ingress-nginx-controller")
    assert pdb["spec"]["minAvailable"] == 2
    assert pdb["spec"]["selector"]["matchLabels"].items() <= deploy["spec"]["template"]["metadata"]["labels"].items()


def test_production_ingress_rollout_needs_no_spare_node() -> None:
    deploy = one(production(), "Deployment", f"{RELEASE}-ingress-nginx-controller")
    assert deploy["spec"]["strategy"]["rollingUpdate"]["maxSurge"] == 0


def test_production_runs_a_standby_nfs_provisioner_on_another_node() -> None:
    deploy = one(production(), "Deployment", f"{RELEASE}-nfs-subdir-provisioner")
    assert deploy["spec"]["replicas"] == 2
    env = {e["name"]: e.get("value") for e in containers(deploy)[0]["env"]}
    assert env["ENABLE_LEADER_ELECTION"] == "true"
    anti = pod_spec(deploy)["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert anti[0]["labelSelector"]["matchLabels"].items() <= deploy["spec"]["template"]["metadata"]["labels"].items()


def test_production_calico_control_plane_has_three_replicas() -> None:
    inst = one(production(), "Installation", "default")
    assert inst["spec"]["controlPlaneReplicas"] == 3


def test_production_gives_every_container_bigger_resources_than_the_lab() -> None:
    def requests(objs: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
        return {(o["metadata"]["name"], c["name"]): c["resources"]["requests"] for o in objs for c in containers(o)}

    lab_req, prod_req = requests(lab()), requests(production())
    assert lab_req.keys() == prod_req.keys()
    assert all(prod_req[k] != lab_req[k] for k in lab_req), "every container is sized for production"


def test_cn_mirror_pulls_every_image_through_the_mirror() -> None:
    objs = cn_mirror()
    images = [c["image"] for o in objs for c in containers(o)]
    assert images
    assert all(i.startswith(MIRROR + "/") for i in images), images
    spec = one(objs, "Installation", "default")["spec"]
    # the operator pulls <registry><imagePath>/<name>: flat under the mirror
    assert spec["registry"] + spec["imagePath"] == MIRROR


def test_cn_mirror_flattened_images_stay_distinct() -> None:
    """Flattening drops the repository path; two different images must not end up as one reference."""
    lab_images = sorted({c["image"] for o in lab() for c in containers(o)})
    mirror_images = sorted({c["image"] for o in cn_mirror() for c in containers(o)})
    assert len(mirror_images) == len(lab_images)


def overlay_files() -> list[Path]:
    return sorted(p for p in (ROOT / "values").glob("*.yaml") if p.name != "lab.yaml")


def test_overlays_say_they_are_layered_on_a_site_file() -> None:
    for path in overlay_files():
        head = path.read_text().split("\n\n", 1)[0]
        assert "-f values/lab.yaml -f values/" + path.name in head, path


def test_every_values_file_is_valid_yaml_map() -> None:
    for path in (ROOT / "values").glob("*.yaml"):
        assert isinstance(yaml.safe_load(path.read_text()), dict), path
