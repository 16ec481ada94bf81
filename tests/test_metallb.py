"""metallb: what MetalLB's controller, speaker, API server and helm see of the chart."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import containers, of_kind, one, render, render_error
from tests.helpers import pod_spec as _pod_spec

CHART = "metallb"
DEFAULTS = ["charts/metallb/ci/defaults-values.yaml"]
LAB = ["charts/metallb/ci/lab-values.yaml"]
BGP = ["charts/metallb/ci/bgp-values.yaml"]
NO_CRDS = ["charts/metallb/ci/crds-disabled-values.yaml"]
PLAIN = ["charts/metallb/ci/plain-resources-values.yaml"]

CONFIG_KINDS = {"IPAddressPool", "L2Advertisement", "BGPPeer", "BGPAdvertisement", "Community", "BFDProfile"}
CRD_NAMES = {
    f"{plural}.metallb.io"
    for plural in (
        "ipaddresspools", "l2advertisements", "bgpadvertisements", "bgppeers", "communities",
        "bfdprofiles", "configurationstates", "servicel2statuses", "servicebgpstatuses",
    )
}
FULL = {"create", "get", "list", "watch", "update", "patch", "delete"}
READ = {"get", "list", "watch"}
CONFIG = ("ipaddresspools", "bgppeers", "bgpadvertisements", "l2advertisements", "communities", "bfdprofiles")


def pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    spec = _pod_spec(obj)
    assert spec is not None, obj["kind"]
    return spec


def env_of(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


def by_kind_name(objs: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(o["kind"], o["metadata"]["name"]): o for o in objs}


# --- configuration from values ------------------------------------------------------------------


def test_lab_pool_and_l2_advertisement_are_rendered_from_values() -> None:
    objs = render(CHART, values_files=LAB)
    pool = one(objs, "IPAddressPool", "lab-pool")
    assert pool["apiVersion"] == "metallb.io/v1beta1"
    assert pool["spec"] == {"addresses": ["10.0.0.10-10.0.0.50"], "autoAssign": True, "avoidBuggyIPs": False}
    l2 = one(objs, "L2Advertisement", "lab-l2")
    assert l2["spec"] == {"ipAddressPools": ["lab-pool"], "interfaces": ["eth0"]}


def test_configuration_lands_in_the_namespace_metallb_reads() -> None:
    objs = render(CHART, values_files=LAB)
    for obj in objs:
        if obj["kind"] in CONFIG_KINDS:
            assert obj["metadata"]["namespace"] == "metallb-system", obj["metadata"]["name"]
    env = env_of(containers(one(objs, "Deployment"))[0])
    assert env["METALLB_NAMESPACE"] == {"fieldRef": {"fieldPath": "metadata.namespace"}}


def test_defaults_render_no_configuration() -> None:
    objs = render(CHART, values_files=DEFAULTS)
    assert [o for o in objs if o["kind"] in CONFIG_KINDS] == []


def test_bgp_peers_advertisements_communities_and_bfd_are_rendered() -> None:
    objs = render(CHART, values_files=BGP)
    peer = one(objs, "BGPPeer", "tor-a")
    assert peer["apiVersion"] == "metallb.io/v1beta2"
    assert peer["spec"]["bfdProfile"] == "fast"
    assert peer["spec"]["passwordSecret"] == {"name": "tor-bgp-password", "namespace": "metallb-system"}
    assert one(objs, "BFDProfile", "fast")["spec"]["detectMultiplier"] == 3
    community = one(objs, "Community")
    assert community["spec"]["communities"] == [{"name": "no-advertise", "value": "65535:65282"}]
    adv = one(objs, "BGPAdvertisement", "bgp-adv")
    assert adv["spec"]["communities"] == ["no-advertise", "64512:100"]
    assert adv["spec"]["peers"] == ["tor-a", "tor-b"]
    assert one(objs, "IPAddressPool", "bgp-pool")["spec"]["addresses"] == ["192.0.2.0/27", "2001:db8:100::/120"]


def test_item_labels_and_annotations_reach_the_object() -> None:
    values = {"addressPools": [{"name": "p", "addresses": ["10.1.0.0/28"], "labels": {"tier": "edge"},
                                "annotations": {"team": "net"}}]}
    pool = one(render(CHART, values=values), "IPAddressPool", "p")
    assert pool["metadata"]["labels"]["tier"] == "edge"
    assert pool["metadata"]["annotations"]["team"] == "net"
    assert "labels" not in pool["spec"] and "annotations" not in pool["spec"]


# --- install order ---------------------------------------------------------------------------------


def hook_weights(objs: list[dict[str, Any]]) -> dict[str, int]:
    weights: dict[str, int] = {}
    for obj in objs:
        if obj["kind"] in CONFIG_KINDS:
            ann = obj["metadata"]["annotations"]
            assert ann["helm.sh/hook"] == "post-install,post-upgrade,post-rollback", obj["kind"]
            # helm 4 (pinned here) patches hooks in place: nothing may delete a pool before an upgrade
            assert ann["helm.sh/hook-delete-policy"] == "hook-failed", obj["kind"]
            weights[obj["kind"]] = int(ann["helm.sh/hook-weight"])
    return weights


def test_configuration_is_sent_after_the_release_as_reapplied_hooks() -> None:
    weights = hook_weights(render(CHART, values_files=BGP))
    assert set(weights) == CONFIG_KINDS


def test_hooks_send_referenced_objects_before_the_objects_that_name_them() -> None:
    w = hook_weights(render(CHART, values_files=BGP))
    assert w["BFDProfile"] < w["BGPPeer"] < w["BGPAdvertisement"]
    assert w["IPAddressPool"] < w["L2Advertisement"]
    assert w["IPAddressPool"] < w["BGPAdvertisement"]
    assert w["Community"] < w["BGPAdvertisement"]


def test_release_objects_that_the_hooks_need_are_not_hooks() -> None:
    objs = render(CHART, values_files=LAB)
    for obj in objs:
        if obj["kind"] not in CONFIG_KINDS:
            assert "helm.sh/hook" not in (obj["metadata"].get("annotations") or {}), obj["kind"]


def test_without_hooks_configuration_is_a_plain_release_object_in_sync_waves() -> None:
    objs = render(CHART, values_files=PLAIN)
    pool = one(objs, "IPAddressPool", "lab-pool")
    l2 = one(objs, "L2Advertisement", "lab-l2")
    assert "helm.sh/hook" not in pool["metadata"]["annotations"]
    waves = [int(o["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]) for o in (pool, l2)]
    assert waves[0] < waves[1]


def bfd_operations(objs: list[dict[str, Any]]) -> list[str]:
    vwc = one(objs, "ValidatingWebhookConfiguration")
    hook = next(w for w in vwc["webhooks"] if w["name"] == "bfdprofilevalidationwebhook.metallb.io")
    return list(hook["rules"][0]["operations"])


def test_bfd_delete_is_not_validated_while_hooks_recreate_profiles() -> None:
    assert bfd_operations(render(CHART, values_files=BGP)) == ["CREATE"]
    assert bfd_operations(render(CHART, values_files=PLAIN)) == ["CREATE", "DELETE"]


# --- CRDs --------------------------------------------------------------------------------------------


def test_all_nine_crds_are_rendered_and_kept_on_uninstall() -> None:
    crds = of_kind(render(CHART, values_files=DEFAULTS), "CustomResourceDefinition")
    assert {c["metadata"]["name"] for c in crds} == CRD_NAMES
    for crd in crds:
        assert crd["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
        assert "helm.sh/hook" not in crd["metadata"]["annotations"]


def test_crds_enabled_false_removes_every_crd_but_keeps_the_configuration() -> None:
    objs = render(CHART, values={"crds": {"enabled": False}}, values_files=LAB)
    assert of_kind(objs, "CustomResourceDefinition") == []
    assert one(objs, "IPAddressPool", "lab-pool")
    assert of_kind(render(CHART, values_files=NO_CRDS), "CustomResourceDefinition") == []


def test_bgppeer_stores_v1beta2_and_converts_v1beta1_through_the_webhook_service() -> None:
    objs = render(CHART, values_files=LAB)
    crd = one(objs, "CustomResourceDefinition", "bgppeers.metallb.io")
    versions = {v["name"]: (v["served"], v["storage"]) for v in crd["spec"]["versions"]}
    assert versions == {"v1beta1": (True, False), "v1beta2": (True, True)}
    conversion = crd["spec"]["conversion"]
    assert conversion["strategy"] == "Webhook"
    service = conversion["webhook"]["clientConfig"]["service"]
    assert (service["name"], service["namespace"], service["path"]) == (
        one(objs, "Service")["metadata"]["name"], "metallb-system", "/convert",
    )
    assert "caBundle" not in conversion["webhook"]["clientConfig"]


# --- webhook -----------------------------------------------------------------------------------------


def test_webhook_service_selects_the_controller_pods_on_the_webhook_port() -> None:
    objs = render(CHART, values_files=LAB)
    svc = one(objs, "Service")
    controller = one(objs, "Deployment")
    labels = controller["spec"]["template"]["metadata"]["labels"]
    assert svc["spec"]["selector"].items() <= labels.items()
    assert labels["app.kubernetes.io/component"] == "controller"
    port = svc["spec"]["ports"][0]
    ports = {p["name"]: p["containerPort"] for p in containers(controller)[0]["ports"]}
    assert port["port"] == 443 and ports[port["targetPort"]] == 9443


def test_webhook_configuration_points_every_kind_at_the_controller_service() -> None:
    objs = render(CHART, values_files=LAB)
    vwc = one(objs, "ValidatingWebhookConfiguration", "metallb-webhook-configuration")
    svc = one(objs, "Service")
    paths = {}
    for hook in vwc["webhooks"]:
        ref = hook["clientConfig"]["service"]
        assert (ref["name"], ref["namespace"], ref["port"]) == (svc["metadata"]["name"], "metallb-system", 443)
        assert "caBundle" not in hook["clientConfig"], "the controller injects it; helm must not reset it"
        assert hook["failurePolicy"] == "Fail" and hook["sideEffects"] == "None"
        paths[hook["rules"][0]["resources"][0]] = ref["path"]
    assert paths == {
        "ipaddresspools": "/validate-metallb-io-v1beta1-ipaddresspool",
        "l2advertisements": "/validate-metallb-io-v1beta1-l2advertisement",
        "bgpadvertisements": "/validate-metallb-io-v1beta1-bgpadvertisement",
        "bgppeers": "/validate-metallb-io-v1beta2-bgppeer",
        "communities": "/validate-metallb-io-v1beta1-community",
        "bfdprofiles": "/validate-metallb-io-v1beta1-bfdprofile",
    }


def test_controller_issues_its_certificate_for_the_rendered_service_and_secret() -> None:
    objs = render(CHART, values_files=LAB)
    controller = one(objs, "Deployment")
    args = containers(controller)[0]["args"]
    svc = one(objs, "Service")["metadata"]["name"]
    secret = one(objs, "Secret")
    assert f"--cert-service-name={svc}" in args
    assert f"--webhook-secret={secret['metadata']['name']}" in args
    assert "--webhook-mode=enabled" in args
    assert "data" not in secret, "the controller writes the certificate; the chart must not own data"
    volume = next(v for v in pod_spec(controller)["volumes"] if v["name"] == "webhook-cert")
    assert volume["secret"]["secretName"] == secret["metadata"]["name"]


# --- workloads ---------------------------------------------------------------------------------------


def test_both_components_run_the_same_pinned_version_in_native_mode() -> None:
    objs = render(CHART, values_files=LAB)
    controller = containers(one(objs, "Deployment"))[0]
    speaker = containers(one(objs, "DaemonSet"))[0]
    assert controller["image"] == "quay.io/metallb/controller:v0.16.1"
    assert speaker["image"] == "quay.io/metallb/speaker:v0.16.1"
    assert env_of(controller)["METALLB_BGP_TYPE"] == env_of(speaker)["METALLB_BGP_TYPE"] == "native"
    assert not [o for o in objs if "frrk8s" in str(o.get("apiVersion", "")) + o["metadata"]["name"]]


def test_memberlist_secret_is_created_by_the_controller_and_mounted_by_the_speakers() -> None:
    objs = render(CHART, values_files=LAB)
    controller = one(objs, "Deployment")
    env = env_of(containers(controller)[0])
    assert env["METALLB_DEPLOYMENT"] == controller["metadata"]["name"]
    speaker = one(objs, "DaemonSet")
    volume = next(v for v in pod_spec(speaker)["volumes"] if v["name"] == "memberlist")
    assert volume["secret"]["secretName"] == env["METALLB_ML_SECRET_NAME"]
    assert not [s for s in of_kind(objs, "Secret") if s["metadata"]["name"] == env["METALLB_ML_SECRET_NAME"]]
    role = one(objs, "Role", controller["metadata"]["name"])
    assert "create" in next(r["verbs"] for r in role["rules"] if r["resources"] == ["secrets"])


def test_memberlist_labels_select_exactly_the_speaker_pods() -> None:
    speaker = one(render(CHART, values_files=LAB), "DaemonSet")
    wanted = dict(p.split("=") for p in env_of(containers(speaker)[0])["METALLB_ML_LABELS"].split(","))
    assert wanted == speaker["spec"]["selector"]["matchLabels"]
    assert wanted.items() <= speaker["spec"]["template"]["metadata"]["labels"].items()


def test_speaker_uses_the_host_network_with_net_raw_only() -> None:
    speaker = one(render(CHART, values_files=LAB), "DaemonSet")
    spec = pod_spec(speaker)
    assert spec["hostNetwork"] is True
    ctx = containers(speaker)[0]["securityContext"]
    assert ctx["capabilities"] == {"drop": ["ALL"], "add": ["NET_RAW"]}
    assert ctx["allowPrivilegeEscalation"] is False and ctx["readOnlyRootFilesystem"] is True
    ports = {(p["containerPort"], p["protocol"]) for p in containers(speaker)[0]["ports"]}
    assert {(7946, "TCP"), (7946, "UDP"), (9120, "TCP")} <= ports


def test_speaker_runs_on_control_plane_nodes() -> None:
    tolerations = pod_spec(one(render(CHART, values_files=LAB), "DaemonSet"))["tolerations"]
    keys = {t["key"] for t in tolerations if t.get("effect") == "NoSchedule" and t.get("operator") == "Exists"}
    assert {"node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master"} <= keys


def test_controller_meets_restricted_pod_security() -> None:
    controller = one(render(CHART, values_files=LAB), "Deployment")
    pod = pod_spec(controller)["securityContext"]
    ctx = containers(controller)[0]["securityContext"]
    assert pod["runAsNonRoot"] is True and pod["runAsUser"] == 65534
    assert pod["seccompProfile"] == {"type": "RuntimeDefault"}
    assert ctx["capabilities"] == {"drop": ["ALL"]}
    assert ctx["allowPrivilegeEscalation"] is False and ctx["readOnlyRootFilesystem"] is True
    assert not pod_spec(controller).get("hostNetwork")


def test_excluded_interfaces_change_rolls_the_speakers() -> None:
    base = one(render(CHART, values_files=LAB), "DaemonSet")
    changed = one(render(CHART, values={"speaker": {"excludeInterfaces": ["^lo$"]}}, values_files=LAB), "DaemonSet")
    key = "checksum/excludel2"
    assert base["spec"]["template"]["metadata"]["annotations"][key] != \
        changed["spec"]["template"]["metadata"]["annotations"][key]


def test_load_balancer_class_reaches_both_components() -> None:
    objs = render(CHART, values={"loadBalancerClass": "metallb.io/lab"}, values_files=LAB)
    for kind in ("Deployment", "DaemonSet"):
        assert "--lb-class=metallb.io/lab" in containers(one(objs, kind))[0]["args"]


def test_speakers_skip_excluded_nodes_unless_told_to_ignore_the_label() -> None:
    speaker = containers(one(render(CHART, values_files=LAB), "DaemonSet"))[0]
    assert "--ignore-exclude-lb" not in speaker["args"]
    objs = render(CHART, values={"speaker": {"ignoreExcludeLB": True}}, values_files=LAB)
    assert "--ignore-exclude-lb" in containers(one(objs, "DaemonSet"))[0]["args"]


# --- RBAC ----------------------------------------------------------------------------------------------


def grants(role: dict[str, Any]) -> dict[tuple[str, str, tuple[str, ...]], set[str]]:
    """(apiGroup, resource, resourceNames) -> verbs, one entry per group/resource pair."""
    out: dict[tuple[str, str, tuple[str, ...]], set[str]] = {}
    for rule in role["rules"]:
        names = tuple(sorted(rule.get("resourceNames", [])))
        for group in rule["apiGroups"]:
            for res in rule["resources"]:
                out.setdefault((group, res, names), set()).update(rule["verbs"])
    return out


CONTROLLER_CRDS = tuple(sorted(f"{p}.metallb.io" for p in (
    "bfdprofiles", "bgpadvertisements", "bgppeers", "ipaddresspools", "l2advertisements", "communities",
    "configurationstates",
)))
Grants = dict[tuple[str, str, tuple[str, ...]], set[str]]
EXPECTED_RBAC: dict[tuple[str, str], Grants] = {
    ("ClusterRole", "controller"): {
        ("", "services", ()): READ, ("", "namespaces", ()): READ,
        ("", "nodes", ()): {"list"},
        ("", "services/status", ()): {"update"},
        ("", "events", ()): {"create", "patch"},
        ("admissionregistration.k8s.io", "validatingwebhookconfigurations", ("metallb-webhook-configuration",)): FULL,
        ("admissionregistration.k8s.io", "validatingwebhookconfigurations", ()): {"list", "watch"},
        ("apiextensions.k8s.io", "customresourcedefinitions", CONTROLLER_CRDS): FULL,
        ("apiextensions.k8s.io", "customresourcedefinitions", ()): {"list", "watch"},
        ("metallb.io", "configurationstates", ()): FULL,
        ("metallb.io", "configurationstates/status", ()): {"get", "patch", "update"},
        ("authentication.k8s.io", "tokenreviews", ()): {"create"},
        ("authorization.k8s.io", "subjectaccessreviews", ()): {"create"},
    },
    ("Role", "controller"): {
        ("", "secrets", ()): FULL,
        ("apps", "deployments", ("test-metallb-controller",)): {"get"},
        ("", "pods", ()): {"get", "list"},
        ("", "configmaps", ()): READ,
        **{("metallb.io", r, ()): READ for r in CONFIG},
        ("metallb.io", "ipaddresspools/status", ()): {"update"},
        ("metallb.io", "servicebgpstatuses", ()): FULL,
        ("metallb.io", "servicebgpstatuses/status", ()): FULL,
    },
    ("ClusterRole", "speaker"): {
        **{("", r, ()): READ for r in ("services", "endpoints", "nodes", "namespaces")},
        ("discovery.k8s.io", "endpointslices", ()): READ,
        ("", "events", ()): {"create", "patch"},
        **{("metallb.io", r, ()): FULL for r in (
            "servicel2statuses", "servicel2statuses/status", "configurationstates", "configurationstates/status",
        )},
        ("authentication.k8s.io", "tokenreviews", ()): {"create"},
        ("authorization.k8s.io", "subjectaccessreviews", ()): {"create"},
    },
    ("Role", "speaker"): {
        ("", "pods", ()): {"get", "list"},
        ("", "secrets", ()): READ, ("", "configmaps", ()): READ,
        **{("metallb.io", r, ()): READ for r in CONFIG},
        ("metallb.io", "servicebgpstatuses", ()): FULL,
        ("metallb.io", "servicebgpstatuses/status", ()): FULL,
    },
}


@pytest.mark.parametrize("kind,component", list(EXPECTED_RBAC), ids=lambda x: str(x))
def test_rbac_grants_exactly_what_the_component_uses(kind: str, component: str) -> None:
    role = one(render(CHART, values_files=LAB), kind, f"test-metallb-{component}")
    assert grants(role) == EXPECTED_RBAC[(kind, component)]


@pytest.mark.parametrize("component", ["controller", "speaker"])
def test_each_role_is_bound_to_its_own_service_account(component: str) -> None:
    objs = render(CHART, values_files=LAB)
    name = f"test-metallb-{component}"
    workload = one(objs, "Deployment" if component == "controller" else "DaemonSet", name)
    sa = pod_spec(workload)["serviceAccountName"]
    assert one(objs, "ServiceAccount", sa)
    for kind, role_kind in (("ClusterRoleBinding", "ClusterRole"), ("RoleBinding", "Role")):
        binding = one(objs, kind, name)
        assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": name}
        assert binding["subjects"] == [{"kind": "ServiceAccount", "name": sa, "namespace": "metallb-system"}]


# --- namespace -----------------------------------------------------------------------------------------


def test_namespace_create_labels_it_privileged_and_keeps_it() -> None:
    ns = one(render(CHART, values_files=LAB), "Namespace", "metallb-system")
    for mode in ("enforce", "audit", "warn"):
        assert ns["metadata"]["labels"][f"pod-security.kubernetes.io/{mode}"] == "privileged"
    assert ns["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"


def test_no_namespace_is_rendered_by_default() -> None:
    assert of_kind(render(CHART, values_files=DEFAULTS), "Namespace") == []


def test_every_namespaced_object_follows_namespace_override() -> None:
    cluster_scoped = {"Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding",
                      "ValidatingWebhookConfiguration"}
    for obj in render(CHART, values_files=LAB):
        if obj["kind"] not in cluster_scoped:
            assert obj["metadata"]["namespace"] == "metallb-system", by_kind_name([obj])


# --- bad input -----------------------------------------------------------------------------------------


def pools(*addresses: str, **extra: Any) -> dict[str, Any]:
    return {"addressPools": [{"name": "lab-pool", "addresses": ["10.0.0.200/30", *addresses]}], **extra}


BAD_INPUT = [
    pytest.param(pools("10.0.0.50-10.0.0.10"),
                 "metallb: addressPools[0].addresses[1] 10.0.0.50-10.0.0.10: start is after end", id="reversed-range"),
    pytest.param(pools("10.0.0.10-2001:db8::1"),
                 "addressPools[0].addresses[1] 10.0.0.10-2001:db8::1: start and end are of different IP families",
                 id="mixed-families"),
    pytest.param(pools("10.0.0.300-10.0.0.310"),
                 "addressPools[0].addresses[1] 10.0.0.300-10.0.0.310: 10.0.0.300 is not a valid IP address",
                 id="invalid-ip-in-range"),
    pytest.param(pools("10.0.0.0/33"), "addressPools[0].addresses[1] 10.0.0.0/33: an IPv4 prefix length is 0 to 32",
                 id="prefix-too-long"),
    pytest.param(pools("10.0.0.1/24/2"), "at '/addressPools/0/addresses/1'", id="two-slashes"),
    pytest.param(pools("10.0.0.201-10.0.0.210"),
                 "addressPools[0].addresses[1] 10.0.0.201-10.0.0.210 overlaps addressPools[0].addresses[0]",
                 id="overlap-in-pool"),
    pytest.param({"addressPools": [{"name": "a", "addresses": ["10.0.0.0/24"]},
                                   {"name": "b", "addresses": ["10.0.0.128-10.0.1.5"]}]},
                 "addressPools[1].addresses[0] 10.0.0.128-10.0.1.5 overlaps addressPools[0].addresses[0]",
                 id="overlap-between-pools"),
    pytest.param(pools("10.0.0.x"), "at '/addressPools/0/addresses/1'", id="not-an-address"),
    pytest.param(pools("2001:db8::20-2001:db8::10"),
                 "addressPools[0].addresses[1] 2001:db8::20-2001:db8::10: start is after end", id="reversed-ipv6-range"),
    pytest.param({"addressPools": [{"name": "a", "addresses": ["2001:db8::/63"]},
                                   {"name": "b", "addresses": ["2001:DB8:0:1::ff-2001:db8:0:2::"]}]},
                 "addressPools[1].addresses[0] 2001:DB8:0:1::ff-2001:db8:0:2:: overlaps addressPools[0].addresses[0]",
                 id="overlapping-ipv6-pools"),
    pytest.param({"addressPools": [{"name": "a", "addresses": ["10.0.0.0/28"], "autoAsign": False}]},
                 "autoAsign", id="unknown-pool-key"),
    pytest.param({"addressPools": [{"name": "a", "addresses": []}]}, "/addressPools/0/addresses", id="no-addresses"),
    pytest.param({"addressPools": [{"name": "a", "addresses": ["10.0.0.0/28"]},
                                   {"name": "a", "addresses": ["10.0.1.0/28"]}]},
                 'addressPools[1].name "a" is used twice', id="duplicate-pool"),
    pytest.param(pools(l2Advertisements=[{"name": "l2", "ipAddressPools": ["lab-poool"]}]),
                 'l2Advertisements[0].ipAddressPools[0] "lab-poool" is not in addressPools', id="unknown-pool-ref"),
    pytest.param({"bgpPeers": [{"name": "p", "myASN": 64512, "peerAddress": "10.0.0.1"}]},
                 "bgpPeers[0].peerASN needs exactly one of peerASN", id="peer-without-asn"),
    pytest.param({"bgpPeers": [{"name": "p", "myASN": 64512, "peerASN": 1, "peerAddress": "10.0.0.1",
                                "bfdProfile": "fast"}]},
                 'bgpPeers[0].bfdProfile "fast" is not in bfdProfiles', id="unknown-bfd-profile"),
    pytest.param({"bgpPeers": [{"name": "p", "myASN": 64512, "peerASN": 1, "peerAddress": "10.0.0.1"}],
                  "bgpAdvertisements": [{"name": "a", "peers": ["q"], "communities": ["no-such-alias"]}]},
                 'bgpAdvertisements[0].communities[0] "no-such-alias"', id="unknown-community"),
    pytest.param({"bgpPeers": [{"name": "p", "myASN": 0, "peerASN": 1, "peerAddress": "10.0.0.1"}]},
                 "at '/bgpPeers/0/myASN'", id="zero-local-asn"),
    pytest.param({"bgpPeers": [{"name": "p", "myASN": 64512, "peerASN": 64512, "peerAddress": "10.0.0.1",
                                "ebgpMultiHop": True}]},
                 "bgpPeers[0].ebgpMultiHop is set but peerASN equals myASN", id="ebgp-multihop-on-ibgp"),
    pytest.param({"communities": [{"name": "x", "value": "65535-1"}]}, "/communities/0/value", id="bad-community"),
    pytest.param({"communities": [{"name": "x", "value": "65536:1"}]},
                 'communities[0].value "65536:1": each half of a community is 0 to 65535', id="community-over-16-bit"),
    pytest.param({"bgpAdvertisements": [{"name": "a", "communities": ["large:4294967296:1:1"]}]},
                 'bgpAdvertisements[0].communities[0] "large:4294967296:1:1": each part of a large community',
                 id="large-community-over-32-bit"),
    pytest.param({"speaker": {"memberlistPrt": 1}}, "memberlistPrt", id="unknown-speaker-key"),
]


@pytest.mark.parametrize("values,message", BAD_INPUT)
def test_bad_input_fails_naming_the_key(values: dict[str, Any], message: str) -> None:
    assert message in render_error(CHART, values=values)


def test_ipv6_cidrs_and_ranges_pass_through() -> None:
    values = {"addressPools": [{"name": "v6", "addresses": ["2001:db8::/64", "2001:db8:1::10-2001:db8:1::20"]}]}
    pool = one(render(CHART, values=values), "IPAddressPool", "v6")
    assert pool["spec"]["addresses"] == ["2001:db8::/64", "2001:db8:1::10-2001:db8:1::20"]
