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


# --- BGP backends: FRR beside the speakers (the default), native, an external frr-k8s ---------------

FRR_K8S = ["charts/metallb/ci/frr-k8s-values.yaml"]
NATIVE_BGP = ["charts/metallb/ci/bgp-native-values.yaml"]
OPTIONS = ["charts/metallb/ci/options-values.yaml"]
PEER = {"name": "tor", "myASN": 64512, "peerASN": 64501, "peerAddress": "10.0.0.1"}
NATIVE = {"speaker": {"frr": {"enabled": False}}}


def by_name(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {i["name"]: i for i in items}


def mounts(container: dict[str, Any]) -> dict[str, str]:
    return {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}


def test_frr_is_the_default_backend_of_both_components() -> None:
    objs = render(CHART, values_files=DEFAULTS)
    controller = containers(one(objs, "Deployment"))[0]
    speaker = by_name(containers(one(objs, "DaemonSet"), init=False))["speaker"]
    assert env_of(controller)["METALLB_BGP_TYPE"] == env_of(speaker)["METALLB_BGP_TYPE"] == "frr"


def test_frr_mode_runs_frr_its_reloader_and_metrics_beside_the_speaker() -> None:
    ds = one(render(CHART, values_files=BGP), "DaemonSet")
    spec = pod_spec(ds)
    assert [c["name"] for c in spec["containers"]] == ["speaker", "frr", "reloader", "frr-metrics"]
    assert [c["name"] for c in spec["initContainers"]] == ["cp-frr-files", "cp-reloader", "cp-metrics"]
    # the speaker signals the reloader's pid: one process namespace for the pod
    assert spec["shareProcessNamespace"] is True
    assert containers(ds)[1]["image"] == "quay.io/frrouting/frr:10.5.3"


def test_speaker_writes_frr_config_where_the_reloader_reads_it() -> None:
    c = by_name(containers(one(render(CHART, values_files=BGP), "DaemonSet")))
    env = env_of(c["speaker"])
    conf_dir = env["FRR_CONFIG_FILE"].rsplit("/", 1)[0]
    assert env["FRR_RELOADER_PID_FILE"].rsplit("/", 1)[0] == conf_dir
    shared = mounts(c["speaker"])[conf_dir]
    assert mounts(c["reloader"])[conf_dir] == shared
    # the reloader runs the script cp-reloader copied into that volume from the speaker image
    assert c["reloader"]["command"] == [f"{conf_dir}/frr-reloader.sh"]
    assert mounts(c["cp-reloader"])[conf_dir] == shared
    assert c["cp-reloader"]["command"][-1] == f"{conf_dir}/frr-reloader.sh"
    assert c["cp-reloader"]["image"] == c["speaker"]["image"]
    # FRR, the reloader and the exporter share FRR's sockets and configuration
    for name in ("frr", "reloader", "frr-metrics"):
        assert mounts(c[name])["/var/run/frr"] == "frr-sockets"
        assert mounts(c[name])["/etc/frr"] == "frr-conf"


def test_frr_starts_from_the_startup_files_owned_by_the_frr_user() -> None:
    objs = render(CHART, values_files=BGP)
    ds = one(objs, "DaemonSet")
    c = by_name(containers(ds))
    volumes = by_name(pod_spec(ds)["volumes"])
    startup = one(objs, "ConfigMap", volumes[mounts(c["cp-frr-files"])["/tmp/frr"]]["configMap"]["name"])
    assert mounts(c["cp-frr-files"])["/etc/frr"] == mounts(c["frr"])["/etc/frr"]
    assert c["cp-frr-files"]["securityContext"]["runAsUser"] == 100
    daemons = dict(line.split("=", 1) for line in startup["data"]["daemons"].splitlines()
                   if "=" in line and not line.startswith("#"))
    assert daemons["bgpd"] == daemons["bfdd"] == "yes" and daemons["ospfd"] == "no"
    assert "-p 0" in daemons["bgpd_options"], "bgpd must not listen on 179 (calico-node's BGP)"
    assert "service integrated-vtysh-config" in startup["data"]["vtysh.conf"]
    key = "checksum/frr-startup"
    changed = one(render(CHART, values={"speaker": {"frr": {"metricsPort": 9131}}}, values_files=BGP), "DaemonSet")
    assert ds["spec"]["template"]["metadata"]["annotations"][key]
    assert changed["spec"]["template"]["metadata"]["annotations"][key] == \
        ds["spec"]["template"]["metadata"]["annotations"][key], "only a change of the files rolls the speakers"


def test_frr_liveness_asks_the_exporter_on_its_port() -> None:
    values = {"speaker": {"frr": {"metricsPort": 9131}}}
    c = by_name(containers(one(render(CHART, values=values, values_files=BGP), "DaemonSet")))
    assert "--metrics-port=9131" in c["frr-metrics"]["args"]
    assert c["frr-metrics"]["ports"] == [{"name": "frrmetricshttps", "containerPort": 9131, "protocol": "TCP"}]
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        assert c["frr"][probe]["httpGet"] == {"path": "/livez", "port": 9131, "scheme": "HTTPS"}
    assert c["frr"]["startupProbe"]["failureThreshold"] == 30


def test_frr_gets_the_capabilities_it_needs_and_no_privilege() -> None:
    c = by_name(containers(one(render(CHART, values_files=BGP), "DaemonSet")))
    frr = c["frr"]["securityContext"]
    assert set(frr["capabilities"]["add"]) == {"NET_ADMIN", "NET_RAW", "SYS_ADMIN", "NET_BIND_SERVICE"}
    for name in ("frr", "reloader", "frr-metrics", "cp-frr-files", "cp-reloader", "cp-metrics"):
        ctx = c[name]["securityContext"]
        assert ctx["allowPrivilegeEscalation"] is False and ctx["readOnlyRootFilesystem"] is True, name
        assert not ctx.get("privileged"), name
    for name in ("cp-frr-files", "cp-reloader", "cp-metrics"):
        assert c[name]["securityContext"]["runAsNonRoot"] is True, name
        assert c[name]["securityContext"]["capabilities"] == {"drop": ["ALL"]}, name


def test_frr_image_follows_the_mirror() -> None:
    values = {"global": {"imageRegistry": "harbor.feng.org/proxy"}}
    c = by_name(containers(one(render(CHART, values=values, values_files=BGP), "DaemonSet")))
    assert c["frr"]["image"] == "harbor.feng.org/proxy/frrouting/frr:10.5.3"


def test_native_mode_has_no_frr_objects() -> None:
    objs = render(CHART, values_files=NATIVE_BGP)
    ds = one(objs, "DaemonSet")
    assert [c["name"] for c in containers(ds)] == ["speaker"]
    assert "shareProcessNamespace" not in pod_spec(ds)
    assert [o for o in objs if o["kind"] == "ConfigMap" and "frr" in o["metadata"]["name"]] == []
    assert env_of(containers(one(objs, "Deployment"))[0])["METALLB_BGP_TYPE"] == "native"


def test_bgp_debounce_timeout_reaches_the_speaker_in_frr_mode() -> None:
    speaker = containers(one(render(CHART, values_files=OPTIONS), "DaemonSet"))[0]
    assert "--bgp-debounce-timeout=5000" in speaker["args"]
    default = containers(one(render(CHART, values_files=BGP), "DaemonSet"))[0]
    assert not [a for a in default["args"] if a.startswith("--bgp-debounce-timeout")]


def test_external_frr_k8s_mode_writes_frrconfigurations_into_its_namespace() -> None:
    objs = render(CHART, values_files=FRR_K8S)
    speaker = containers(one(objs, "DaemonSet"))[0]
    assert "--frrk8s-namespace=frr-k8s-system" in speaker["args"]
    assert env_of(speaker)["METALLB_BGP_TYPE"] == "frr-k8s"
    assert env_of(containers(one(objs, "Deployment"))[0])["METALLB_BGP_TYPE"] == "frr-k8s"
    assert [c["name"] for c in containers(one(objs, "DaemonSet"))] == ["speaker"]
    rules = grants(one(objs, "ClusterRole", "test-metallb-speaker"))
    assert rules[("frrk8s.metallb.io", "frrconfigurations", ())] == {"get", "list", "watch", "create", "update",
                                                                      "delete"}
    assert ("frrk8s.metallb.io", "frrconfigurations", ()) not in grants(
        one(render(CHART, values_files=BGP), "ClusterRole", "test-metallb-speaker"))


def native(**peer: Any) -> dict[str, Any]:
    return {**NATIVE, "bgpPeers": [{**PEER, **peer}]}


FRR_ONLY = [
    pytest.param({**NATIVE, "bfdProfiles": [{"name": "fast"}]}, "bfdProfiles is set, but BFD needs the FRR backend",
                 id="bfd-profiles"),
    pytest.param({**native(bfdProfile="fast"), "bfdProfiles": [{"name": "fast"}]}, "bfdProfiles is set",
                 id="bfd-profile-and-profiles"),
    pytest.param(native(keepaliveTime="30s"), "bgpPeers[0].keepaliveTime needs the FRR backend", id="keepalive"),
    pytest.param(native(connectTime="5s"), "bgpPeers[0].connectTime needs the FRR backend", id="connect-time"),
    pytest.param(native(vrf="red"), "bgpPeers[0].vrf needs the FRR backend", id="vrf"),
    pytest.param(native(enableGracefulRestart=True), "bgpPeers[0].enableGracefulRestart needs the FRR backend",
                 id="graceful-restart"),
    pytest.param(native(disableMP=True), "bgpPeers[0].disableMP needs the FRR backend", id="disable-mp"),
    pytest.param(native(dualStackAddressFamily=True), "bgpPeers[0].dualStackAddressFamily needs the FRR backend",
                 id="dual-stack"),
    pytest.param({**NATIVE, "bgpPeers": [{"name": "tor", "myASN": 64512, "dynamicASN": "external",
                                          "peerAddress": "10.0.0.1"}]},
                 "bgpPeers[0].dynamicASN needs the FRR backend", id="dynamic-asn"),
    pytest.param({**NATIVE, "bgpPeers": [{"name": "tor", "myASN": 64512, "peerASN": 1, "interface": "eth1"}]},
                 "bgpPeers[0].interface needs the FRR backend", id="unnumbered"),
    pytest.param(native(localASN=64600), "bgpPeers[0].localASN needs the FRR backend", id="local-asn"),
    pytest.param({**native(), "addressPools": [{"name": "v6", "addresses": ["2001:db8::/120"]}],
                  "bgpAdvertisements": [{"name": "a", "ipAddressPools": ["v6"]}]},
                 "addressPools[0].addresses[0] 2001:db8::/120 is IPv6 and bgpAdvertisements[0] announces",
                 id="ipv6-pool-by-name"),
    pytest.param({**native(), "addressPools": [{"name": "v4", "addresses": ["10.9.0.0/28"]},
                                               {"name": "v6", "addresses": ["2001:db8::/120"]}],
                  "bgpAdvertisements": [{"name": "a"}]},
                 "addressPools[1].addresses[0] 2001:db8::/120 is IPv6", id="ipv6-pool-by-every-pool"),
    pytest.param({**native(), "addressPools": [{"name": "v6", "addresses": ["2001:db8::/120"],
                                                "labels": {"bgp": "yes"}}],
                  "bgpAdvertisements": [{"name": "a", "ipAddressPoolSelectors": [{"matchLabels": {"bgp": "yes"}}]}]},
                 "is IPv6 and bgpAdvertisements[0] announces", id="ipv6-pool-by-selector"),
    pytest.param({**NATIVE, "communities": [{"name": "big", "value": "large:64512:1:1"}]},
                 'communities[0].value "large:64512:1:1" is a large community', id="large-community-alias"),
    pytest.param({**NATIVE, "bgpAdvertisements": [{"name": "a", "communities": ["large:64512:1:1"]}]},
                 'bgpAdvertisements[0].communities[0] "large:64512:1:1" is a large community',
                 id="large-community-literal"),
]


@pytest.mark.parametrize("values,message", FRR_ONLY)
def test_native_mode_refuses_every_frr_only_field_naming_it(values: dict[str, Any], message: str) -> None:
    error = render_error(CHART, values=values)
    assert message in error
    assert "speaker.frr.enabled" in error


@pytest.mark.parametrize("values", [
    pytest.param({"keepaliveTime": "0s"}, id="zero-keepalive"),
    pytest.param({"holdTime": "90s"}, id="hold-time"),
    pytest.param({"ebgpMultiHop": True, "peerASN": 64501}, id="multihop"),
])
def test_native_mode_accepts_what_native_bgp_supports(values: dict[str, Any]) -> None:
    assert one(render(CHART, values=native(**values)), "BGPPeer", "tor")


def test_native_mode_accepts_ipv6_pools_announced_over_l2_only() -> None:
    values = {**native(), "addressPools": [{"name": "v4", "addresses": ["10.9.0.0/28"]},
                                           {"name": "v6", "addresses": ["2001:db8::/120"], "labels": {"bgp": "no"}}],
              "bgpAdvertisements": [{"name": "a", "ipAddressPoolSelectors": [{"matchExpressions": [
                  {"key": "bgp", "operator": "NotIn", "values": ["no"]}]}]}],
              "l2Advertisements": [{"name": "l2", "ipAddressPools": ["v6"]}]}
    assert one(render(CHART, values=values), "IPAddressPool", "v6")


def test_frr_mode_accepts_the_fields_native_mode_refuses() -> None:
    values = {"bfdProfiles": [{"name": "fast"}], "communities": [{"name": "big", "value": "large:64512:1:1"}],
              "bgpPeers": [{**PEER, "bfdProfile": "fast", "keepaliveTime": "10s", "holdTime": "30s", "vrf": "red",
                            "enableGracefulRestart": True, "localASN": 64600}],
              "addressPools": [{"name": "v6", "addresses": ["2001:db8::/120"]}],
              "bgpAdvertisements": [{"name": "a", "communities": ["big"]}]}
    peer = one(render(CHART, values=values), "BGPPeer", "tor")
    assert peer["spec"]["vrf"] == "red" and peer["spec"]["enableGracefulRestart"] is True


TWO_PEERS = [{**PEER, "name": "a"}, {**PEER, "name": "b", "peerAddress": "10.0.0.2"}]
FRR_RULES = [
    pytest.param({"bgpPeers": [TWO_PEERS[0], {**TWO_PEERS[1], "routerID": "10.0.0.9"}]},
                 'bgpPeers[1].routerID "10.0.0.9" differs from bgpPeers[0].routerID ""', id="router-id"),
    pytest.param({"bgpPeers": [TWO_PEERS[0], {**TWO_PEERS[1], "peerAddress": "10.0.0.1"}]},
                 "bgpPeers[1] peers the same router as bgpPeers[0] (10.0.0.1)", id="same-address"),
    pytest.param({"bgpPeers": [TWO_PEERS[0], {**TWO_PEERS[1], "myASN": 64513}]},
                 "bgpPeers[1].myASN 64513 differs from bgpPeers[0].myASN 64512 in the same VRF", id="asn-per-vrf"),
    pytest.param({"bgpPeers": [{**TWO_PEERS[0], "nodeSelectors": [{"matchLabels": {"rack": "a"}}]},
                               {**TWO_PEERS[1], "myASN": 64513, "nodeSelectors": [{"matchLabels": {"rack": "a"}}]}]},
                 "bgpPeers[1].myASN 64513 differs", id="asn-same-nodes"),
    pytest.param({"bfdProfiles": [{"name": "echo", "echoMode": True}],
                  "bgpPeers": [{**PEER, "bfdProfile": "echo"}],
                  "addressPools": [{"name": "v6", "addresses": ["2001:db8::/120"]}],
                  "bgpAdvertisements": [{"name": "a", "ipAddressPools": ["v6"]}]},
                 'bgpAdvertisements[0] announces IPv6 pool "v6" to bgpPeers[0] (tor), whose BFD profile "echo" has '
                 "echoMode", id="bfd-echo-ipv6"),
]


@pytest.mark.parametrize("values,message", FRR_RULES)
def test_frr_mode_refuses_peers_frr_cannot_run_together(values: dict[str, Any], message: str) -> None:
    assert message in render_error(CHART, values=values)


@pytest.mark.parametrize("peers", [
    pytest.param([TWO_PEERS[0], {**TWO_PEERS[1], "myASN": 64513, "vrf": "red"}], id="asn-in-another-vrf"),
    pytest.param([{**TWO_PEERS[0], "nodeSelectors": [{"matchLabels": {"rack": "a"}}]},
                  {**TWO_PEERS[1], "myASN": 64513, "routerID": "10.0.0.9",
                   "nodeSelectors": [{"matchLabels": {"rack": "b"}}]}], id="other-nodes"),
    pytest.param([TWO_PEERS[0], {**TWO_PEERS[1], "peerAddress": "10.0.0.1", "vrf": "red"}], id="same-address-vrf"),
])
def test_frr_mode_accepts_peers_on_other_vrfs_or_nodes(peers: list[dict[str, Any]]) -> None:
    assert len(of_kind(render(CHART, values={"bgpPeers": peers}), "BGPPeer")) == 2


TIMERS = [
    pytest.param({"holdTime": "2s"}, 'bgpPeers[0].holdTime "2s" is under 3s', id="hold-2s"),
    pytest.param({"holdTime": "2999ms"}, 'bgpPeers[0].holdTime "2999ms" is under 3s', id="hold-rounds-down"),
    pytest.param({"holdTime": "1s", "keepaliveTime": "1s"}, "bgpPeers[0].holdTime", id="hold-1s-with-keepalive"),
    pytest.param({"keepaliveTime": "500ms"}, 'bgpPeers[0].keepaliveTime "500ms" without a holdTime', id="keepalive-only"),
    pytest.param({"holdTime": "30s", "keepaliveTime": "90s"}, 'bgpPeers[0].keepaliveTime "90s" is longer than holdTime',
                 id="keepalive-over-hold"),
    pytest.param({"holdTime": "1m", "keepaliveTime": "1m0.5s"}, "is longer than holdTime", id="keepalive-just-over"),
]


@pytest.mark.parametrize("timers,message", TIMERS)
def test_bgp_timers_metallb_refuses_fail_naming_the_key(timers: dict[str, str], message: str) -> None:
    assert message in render_error(CHART, values={"bgpPeers": [{**PEER, **timers}]})


@pytest.mark.parametrize("timers", [
    pytest.param({"holdTime": "0s"}, id="hold-0"),
    pytest.param({"holdTime": "3s"}, id="hold-3s"),
    pytest.param({"holdTime": "3.5s", "keepaliveTime": "3.5s"}, id="keepalive-equals-hold"),
    pytest.param({"keepaliveTime": "1s"}, id="keepalive-1s-only"),
    pytest.param({"holdTime": "1m30s", "keepaliveTime": "30s"}, id="minutes"),
])
def test_bgp_timers_metallb_accepts_render(timers: dict[str, str]) -> None:
    assert one(render(CHART, values={"bgpPeers": [{**PEER, **timers}]}), "BGPPeer", "tor")["spec"]


BACKEND_CONFLICTS = [
    pytest.param({"frrk8s": {"external": True, "namespace": "frr-k8s-system"}},
                 "frrk8s.external and speaker.frr.enabled are two BGP backends", id="two-backends"),
    pytest.param({**NATIVE, "frrk8s": {"external": True}}, "frrk8s.namespace is required", id="frrk8s-no-namespace"),
    pytest.param({**NATIVE, "speaker": {"frr": {"enabled": False}, "bgpDebounceTimeout": 1000}},
                 "speaker.bgpDebounceTimeout only applies to the FRR backend", id="debounce-native"),
]


@pytest.mark.parametrize("values,message", BACKEND_CONFLICTS)
def test_backend_settings_that_conflict_fail_naming_the_key(values: dict[str, Any], message: str) -> None:
    assert message in render_error(CHART, values=values)


# --- components on and off, webhook mode, memberlist ---------------------------------------------------


def test_controller_disabled_takes_its_webhook_along() -> None:
    objs = render(CHART, values={"controller": {"enabled": False}}, values_files=LAB)
    kinds = {(o["kind"], o["metadata"]["name"]) for o in objs}
    assert not [k for k in kinds if "controller" in k[1] or "webhook" in k[1]]
    assert of_kind(objs, "Deployment") == [] and of_kind(objs, "ValidatingWebhookConfiguration") == []
    crd = one(objs, "CustomResourceDefinition", "bgppeers.metallb.io")
    assert crd["spec"]["conversion"] == {"strategy": "None"}
    assert one(objs, "DaemonSet")


def test_speaker_disabled_leaves_a_controller_only_release() -> None:
    objs = render(CHART, values={"speaker": {"enabled": False}}, values_files=LAB)
    assert of_kind(objs, "DaemonSet") == []
    assert not [o for o in objs if "speaker" in o["metadata"]["name"] or "excludel2" in o["metadata"]["name"]]
    assert one(objs, "Deployment")


def test_webhook_mode_disabled_renders_no_webhook_and_no_conversion() -> None:
    objs = render(CHART, values={"controller": {"webhookMode": "disabled"}}, values_files=LAB)
    assert "--webhook-mode=disabled" in containers(one(objs, "Deployment"))[0]["args"]
    assert of_kind(objs, "ValidatingWebhookConfiguration") == []
    assert [s for s in of_kind(objs, "Service") if "webhook" in s["metadata"]["name"]] == []
    assert one(objs, "CustomResourceDefinition", "bgppeers.metallb.io")["spec"]["conversion"] == {"strategy": "None"}


def test_webhook_only_controller_keeps_the_webhook() -> None:
    objs = render(CHART, values={"controller": {"webhookMode": "onlywebhook"}}, values_files=LAB)
    assert "--webhook-mode=onlywebhook" in containers(one(objs, "Deployment"))[0]["args"]
    assert one(objs, "ValidatingWebhookConfiguration")


def test_memberlist_disabled_drops_its_secret_port_and_env() -> None:
    objs = render(CHART, values={"speaker": {"memberlist": {"enabled": False}}}, values_files=LAB)
    speaker = containers(one(objs, "DaemonSet"))[0]
    assert not [k for k in env_of(speaker) if k.startswith("METALLB_ML_")]
    assert [p["name"] for p in speaker["ports"]] == ["metricshttps"]
    assert "memberlist" not in {v["name"] for v in pod_spec(one(objs, "DaemonSet"))["volumes"]}
    assert "METALLB_ML_SECRET_NAME" not in env_of(containers(one(objs, "Deployment"))[0])


def test_memberlist_bind_address_and_wan_config() -> None:
    values = {"speaker": {"memberlist": {"enabled": True, "mlBindAddrOverride": "10.0.0.21"}, "wanConfig": True}}
    speaker = containers(one(render(CHART, values=values, values_files=LAB), "DaemonSet"))[0]
    assert env_of(speaker)["METALLB_ML_BIND_ADDR"] == "10.0.0.21"
    assert "--ml-wan-config" in speaker["args"]


# --- ports the speakers open on every node -------------------------------------------------------------

PORT_CLASHES = [
    pytest.param({"healthProbePort": 9120}, "speaker.healthProbePort 9120 equals speaker.metricsPort", id="health-metrics"),
    pytest.param({"healthProbePort": 10250}, "speaker.healthProbePort 10250 is already taken on every node by the "
                 "kubelet", id="health-kubelet"),
    pytest.param({"frr": {"metricsPort": 7946}}, "speaker.frr.metricsPort 7946 equals speaker.memberlistPort",
                 id="frr-memberlist"),
    pytest.param({"frr": {"metricsPort": 22}}, "speaker.frr.metricsPort 22 is already taken on every node by sshd",
                 id="frr-sshd"),
    pytest.param({"memberlistPort": 179}, "speaker.memberlistPort 179 is already taken", id="memberlist-bgp"),
]


@pytest.mark.parametrize("speaker,message", PORT_CLASHES)
def test_speaker_host_ports_that_clash_fail_naming_the_key(speaker: dict[str, Any], message: str) -> None:
    assert message in render_error(CHART, values={"speaker": speaker})


def test_ports_of_a_disabled_part_do_not_clash() -> None:
    values = {"speaker": {"frr": {"enabled": False, "metricsPort": 9120}, "memberlist": {"enabled": False},
                          "memberlistPort": 9120}}
    assert one(render(CHART, values=values), "DaemonSet")


def test_health_probe_port_reaches_the_flag_and_the_probes() -> None:
    speaker = containers(one(render(CHART, values_files=OPTIONS), "DaemonSet"))[0]
    assert "--health-probe-port=17473" in speaker["args"]
    assert speaker["livenessProbe"]["httpGet"]["port"] == speaker["readinessProbe"]["httpGet"]["port"] == 17473
    default = containers(one(render(CHART, values_files=LAB), "DaemonSet"))[0]
    assert not [a for a in default["args"] if a.startswith("--health-probe-port")], "upstream's default, unchanged"


def test_memberlist_on_a_subset_of_nodes_is_refused() -> None:
    values = {"speaker": {"memberlist": {"enabled": False}, "nodeSelector": {"rack": "a"}}}
    assert "speaker.nodeSelector (or speaker.affinity) limits the speakers" in render_error(CHART, values=values)


# --- TLS, probes, logging, command, scheduling ---------------------------------------------------------


def test_metrics_tls_settings_reach_every_https_server() -> None:
    objs = render(CHART, values_files=OPTIONS)
    controller = containers(one(objs, "Deployment"))[0]
    c = by_name(containers(one(objs, "DaemonSet")))
    for container in (controller, c["speaker"], c["frr-metrics"]):
        assert "--tls-min-version=VersionTLS12" in container["args"], container["name"]
        assert "--tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" \
            in container["args"]
        assert mounts(container)["/etc/metrics"] == "metrics-certs"
    assert "--metrics-cert-dir=/etc/metrics" in controller["args"] and "--metrics-cert-dir=/etc/metrics" in \
        c["speaker"]["args"]
    assert "--tls-cert-file=/etc/metrics/tls.crt" in c["frr-metrics"]["args"]
    for workload in (one(objs, "Deployment"), one(objs, "DaemonSet")):
        volume = by_name(pod_spec(workload)["volumes"])["metrics-certs"]
        assert volume["secret"]["secretName"] == "metallb-metrics-tls"


def test_per_component_log_levels_override_the_shared_one() -> None:
    objs = render(CHART, values_files=OPTIONS)
    assert "--log-level=debug" in containers(one(objs, "Deployment"))[0]["args"]
    assert "--log-level=warn" in containers(one(objs, "DaemonSet"))[0]["args"]
    objs = render(CHART, values={"logLevel": "error"}, values_files=LAB)
    assert "--log-level=error" in containers(one(objs, "Deployment"))[0]["args"]


def test_probe_timings_and_strategy_reach_the_controller() -> None:
    deploy = one(render(CHART, values_files=OPTIONS), "Deployment")
    probe = containers(deploy)[0]["readinessProbe"]
    assert probe == {"httpGet": {"path": "/readyz", "port": 17472}, "initialDelaySeconds": 5, "periodSeconds": 5,
                     "timeoutSeconds": 2, "failureThreshold": 6}
    assert deploy["spec"]["strategy"] == {"type": "Recreate"}


def test_command_runtime_class_and_sidecars() -> None:
    values = {"controller": {"command": "/controller-debug", "runtimeClassName": "gvisor"},
              "speaker": {"command": "/speaker", "runtimeClassName": "kata"}}
    objs = render(CHART, values=values, values_files=LAB)
    assert containers(one(objs, "Deployment"))[0]["command"] == ["/controller-debug"]
    assert pod_spec(one(objs, "Deployment"))["runtimeClassName"] == "gvisor"
    assert containers(one(objs, "DaemonSet"))[0]["command"] == ["/speaker"]
    assert pod_spec(one(objs, "DaemonSet"))["runtimeClassName"] == "kata"
    speaker = [c["name"] for c in containers(one(render(CHART, values_files=OPTIONS), "DaemonSet"), init=False)]
    assert speaker[-1] == "debug"


# --- NetworkPolicy and extra objects -------------------------------------------------------------------


def test_controller_network_policy_admits_the_webhook_and_scrapers_and_reaches_dns_and_the_api() -> None:
    objs = render(CHART, values_files=OPTIONS)
    policy = one(objs, "NetworkPolicy", "test-metallb-controller")
    labels = one(objs, "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert policy["spec"]["podSelector"]["matchLabels"].items() <= labels.items()
    assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"]
    ingress = {r["ports"][0]["port"]: r.get("from") for r in policy["spec"]["ingress"]}
    assert ingress[9443] is None, "the API server calls from a node address"
    assert ingress[9120] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]
    egress = policy["spec"]["egress"]
    assert {(p["protocol"], p["port"]) for p in egress[0]["ports"]} == {("UDP", 53), ("TCP", 53)}
    assert {p["port"] for p in egress[1]["ports"]} == {443, 6443}
    assert egress[1]["to"] == [{"ipBlock": {"cidr": "10.0.0.0/24"}}]


def test_default_deny_covers_the_namespace_and_needs_the_controller_policy() -> None:
    values = {"networkpolicies": {"enabled": True, "defaultDeny": True, "apiPort": 6443}}
    deny = one(render(CHART, values=values, values_files=LAB), "NetworkPolicy", "test-metallb-default-deny")
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    values = {"networkpolicies": {"enabled": False, "defaultDeny": True, "apiPort": 6443}}
    assert "networkpolicies.defaultDeny is true while networkpolicies.enabled is false" in render_error(
        CHART, values=values)


def test_no_network_policy_by_default() -> None:
    assert of_kind(render(CHART, values_files=LAB), "NetworkPolicy") == []


def test_extra_objects_are_rendered_with_the_release() -> None:
    objs = render(CHART, values_files=OPTIONS)
    assert one(objs, "Secret", "metallb-metrics-tls")["type"] == "Opaque"
    values = {"extraObjects": ["apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: '{{ .Release.Name }}-x'\n"]}
    assert one(render(CHART, values=values, values_files=LAB), "ConfigMap", "test-x")


OPTION_ERRORS = [
    pytest.param({"extraObjects": [{"kind": "ConfigMap"}]}, "extraObjects[0] needs apiVersion, kind and metadata.name",
                 id="extra-object-incomplete"),
    pytest.param({"controller": {"extraContainers": [{"name": "controller", "image": "x:1"}]}},
                 'controller.extraContainers[0].name "controller" is the name of the chart\'s own container',
                 id="sidecar-name-clash"),
    pytest.param({"speaker": {"extraContainers": [{"name": "frr", "image": "x:1"}]}},
                 'speaker.extraContainers[0].name "frr"', id="sidecar-frr-clash"),
    pytest.param({"controller": {"livenessProbe": {"successThreshold": 2}}}, "successThreshold",
                 id="liveness-success-threshold"),
    pytest.param({"tls": {"minVersion": "VersionTLS10"}}, "/tls/minVersion", id="tls-1.0"),
    pytest.param({"controller": {"webhookMode": "off"}}, "/controller/webhookMode", id="webhook-mode"),
    pytest.param({"networkpolicies": {"enabled": True, "apiPort": 6443}, "controller": {"enabled": False}},
                 "networkpolicies.enabled is true while controller.enabled is false", id="policy-without-controller"),
    pytest.param({"speaker": {"memberlist": {"enabled": True, "mlBindAddrOverride": "node-1"}}},
                 "/speaker/memberlist/mlBindAddrOverride", id="bind-address-not-ip"),
    pytest.param({"webhook": {"port": 9120}}, "webhook.port 9120 equals controller.metricsPort", id="webhook-port"),
    pytest.param({"controller": {"command": "controller --debug"}}, "/controller/command", id="command-with-args"),
]


@pytest.mark.parametrize("values,message", OPTION_ERRORS)
def test_option_errors_fail_naming_the_key(values: dict[str, Any], message: str) -> None:
    assert message in render_error(CHART, values=values)


def test_speakers_roll_on_a_change_of_the_lists_not_of_labels_or_the_chart_version() -> None:
    """The checksum covers the ConfigMap's data only: its metadata carries helm.sh/chart, so a chart
    upgrade (or new commonLabels) that changes no data must not restart every speaker."""
    key = "checksum/excludel2"
    base = one(render(CHART, values_files=LAB), "DaemonSet")["spec"]["template"]["metadata"]["annotations"][key]
    labelled = one(render(CHART, values={"commonLabels": {"team": "net"}}, values_files=LAB), "DaemonSet")
    assert labelled["spec"]["template"]["metadata"]["annotations"][key] == base


def test_every_frr_container_takes_its_own_resources_and_probe_timings() -> None:
    req = {"requests": {"cpu": "7m", "memory": "9Mi"}, "limits": {"memory": "19Mi"}}
    values = {"speaker": {"frr": {"resources": req, "startupProbe": {"failureThreshold": 7, "periodSeconds": 3}},
                          "reloader": {"resources": req}, "frrMetrics": {"resources": req},
                          "initContainers": {k: {"resources": req} for k in ("cpFrrFiles", "cpReloader", "cpMetrics")},
                          "livenessProbe": {"initialDelaySeconds": 3, "periodSeconds": 4, "timeoutSeconds": 2,
                                            "failureThreshold": 5}},
              "controller": {"livenessProbe": {"initialDelaySeconds": 1, "periodSeconds": 2, "timeoutSeconds": 3,
                                               "failureThreshold": 4}}}
    objs = render(CHART, values=values, values_files=BGP)
    c = by_name(containers(one(objs, "DaemonSet")))
    for name in ("frr", "reloader", "frr-metrics", "cp-frr-files", "cp-reloader", "cp-metrics"):
        assert c[name]["resources"] == req, name
    assert c["frr"]["startupProbe"]["failureThreshold"] == 7 and c["frr"]["startupProbe"]["periodSeconds"] == 3
    for name in ("speaker", "frr", "reloader", "frr-metrics"):
        assert c[name]["livenessProbe"]["failureThreshold"] == 5, name
    probe = containers(one(objs, "Deployment"))[0]["livenessProbe"]
    assert (probe["initialDelaySeconds"], probe["periodSeconds"], probe["timeoutSeconds"],
            probe["failureThreshold"]) == (1, 2, 3, 4)


def test_a_numeric_service_account_name_stays_a_string() -> None:
    """A name such as "0" (a DNS subdomain) must reach the API as a string, not YAML's integer (the oracle's find)."""
    objs = render(CHART, values={"speaker": {"serviceAccount": {"name": "0"}}, "controller": {"serviceAccount": {"name": "1"}}})
    assert pod_spec(one(objs, "DaemonSet"))["serviceAccountName"] == "0"
    assert pod_spec(one(objs, "Deployment"))["serviceAccountName"] == "1"
    assert {b["subjects"][0]["name"] for b in objs if b["kind"] in ("RoleBinding", "ClusterRoleBinding")} <= {"0", "1"}
