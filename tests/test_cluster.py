"""The cluster tier's ground: a real API server that holds every chart's objects.

These run on the built-in control plane (kube-apiserver v1.33 with etcd, controller-manager,
scheduler and kwok's six fake nodes, inside a loopback-only network namespace) or on the
cluster KUBECONFIG names.
"""

from __future__ import annotations

import json
import socket
import subprocess

import pytest

from chartops.charts import Scenario, scenarios
from chartops.testbed import netns, plane
from tests.cluster_helpers import Kube
from tests.helpers import ROOT, render

# one xdist worker runs them one after another: they share (and restart) the control plane
pytestmark = [pytest.mark.cluster, pytest.mark.xdist_group("cluster")]


def test_api_server_is_v1_33(kube: Kube) -> None:
    version = json.loads(kube.kubectl("version", "-o", "json").stdout)["serverVersion"]
    assert (version["major"], version["minor"]) == ("1", "33"), version


def test_the_tests_talk_to_it_from_a_loopback_only_network_namespace(kube: Kube) -> None:
    """The safety rule: webhook calls to ClusterIPs and pod IPs can't leave the machine from here."""
    if not kube.builtin:
        pytest.skip("another cluster (KUBECONFIG): its network is its own")
    assert [name for _, name in socket.if_nameindex()] == ["lo"]
    with socket.socket() as sock:  # a ClusterIP outside the pod range has no route at all
        sock.settimeout(2)
        with pytest.raises(OSError, match="unreachable"):
            sock.connect(("10.96.0.10", 53))


def test_the_control_plane_refuses_a_namespace_with_another_interface(kube: Kube) -> None:
    """ensure_netns checks what the namespace holds before anything starts in it. The probe
    namespace gets a tun device that no process holds open: it carries no traffic anywhere."""
    if not kube.builtin:
        pytest.skip("the built-in control plane's check")
    probe = "chartops-probe"
    subprocess.run(["ip", "netns", "add", probe], check=False, capture_output=True)
    try:
        subprocess.run(["ip", "netns", "exec", probe, "ip", "tuntap", "add", "mode", "tun", "tun0"], check=True)
        with pytest.raises(plane.PlaneError, match="must have only lo"):
            plane.ensure_netns(probe)
    finally:
        subprocess.run(["ip", "netns", "delete", probe], check=False)


def test_a_stale_namespace_name_is_made_again(kube: Kube) -> None:
    """A namespace added from a mount namespace that is gone (what `ip netns exec` did to a plane a test
    started) leaves a name that is no namespace: ensure() makes it again instead of failing."""
    if not kube.builtin:
        pytest.skip("the built-in control plane's check")
    name = "chartops-stale-probe"
    subprocess.run(["unshare", "--mount", "--propagation", "private", "--", "ip", "netns", "add", name], check=True)
    try:
        assert netns.exists(name)
        assert subprocess.run(netns.command(["true"], name), capture_output=True).returncode != 0
        netns.ensure(name)
        assert netns.links(name) == ["lo"]
    finally:
        subprocess.run(["ip", "netns", "delete", name], check=False, capture_output=True)


def test_each_plane_has_a_namespace_of_its_own() -> None:
    assert plane.netns_of("main") == plane.NETNS
    assert plane.netns_of("ct") == f"{plane.NETNS}-ct"
    for bad in ("", "Main", "a-b", "x" * 17, "../etc"):
        with pytest.raises(plane.PlaneError, match="control plane name"):
            plane.netns_of(bad)


def test_six_nodes_shaped_like_the_lab(kube: Kube) -> None:
    nodes = {n["metadata"]["name"]: n for n in kube.get("nodes")["items"]}
    assert sorted(nodes) == ["cp1", "cp2", "cp3", "w1", "w2", "w3"]
    for name, node in nodes.items():
        control_plane = name.startswith("cp")
        assert ("node-role.kubernetes.io/control-plane" in node["metadata"]["labels"]) == control_plane
        taints = {(t["key"], t["effect"]) for t in node["spec"].get("taints", [])}
        assert (("node-role.kubernetes.io/control-plane", "NoSchedule") in taints) == control_plane
        ready = {c["type"]: c["status"] for c in node["status"]["conditions"]}["Ready"]
        assert ready == "True", name
        assert {"cpu", "memory", "pods"} <= set(node["status"]["allocatable"])


def test_rbac_is_enforced(kube: Kube) -> None:
    """Authorization is real (Node,RBAC), so the can-i tables of the charts mean something."""
    ns = kube.namespace("rbac")
    sa = f"system:serviceaccount:{ns}:default"
    answer = kube.kubectl("auth", "can-i", "list", "secrets", "-A", "--as", sa, check=False)
    assert answer.stdout.strip() == "no"


# --- server-side validation of every scenario ---


@pytest.fixture(scope="module")
def with_all_crds(fresh: Kube) -> Kube:
    """Every CRD the charts ship, established, so their custom resources can be validated."""
    crds: dict[str, dict[str, object]] = {}
    for scn in scenarios():
        for obj in render(scn.chart, values_files=scn.values_files):
            if obj["kind"] == "CustomResourceDefinition":
                crds[obj["metadata"]["name"]] = obj
    # and cert-manager's API, which ingress-nginx's cert-manager scenario uses
    fresh.kubectl("apply", "--server-side", "-f", str(ROOT / "tests/fixtures/cert-manager-api.yaml"))
    fresh.apply(crds.values(), "chartops-test", "--force-conflicts")
    names = [*sorted(crds), "certificates.cert-manager.io", "issuers.cert-manager.io"]
    fresh.kubectl("wait", "--for=condition=Established", "--timeout=60s", *(f"crd/{n}" for n in names))
    return fresh


@pytest.mark.parametrize("scn", scenarios(), ids=lambda s: s.id)
def test_api_server_accepts_the_scenario_with_strict_field_validation(with_all_crds: Kube, scn: Scenario) -> None:
    """`kubectl apply --server-side --dry-run=server --validate=strict`: unknown fields, bad names and
    values the API server refuses fail here (helm's own --dry-run=server sends nothing)."""
    kube = with_all_crds
    objs = render(scn.chart, values_files=scn.values_files)
    namespaces = sorted({o["metadata"].get("namespace") or "default" for o in objs} - {"default"})
    for ns in namespaces:
        if not kube.exists("namespace", ns):
            kube.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    proc = _server_dry_run(kube, objs)
    assert proc.returncode == 0, proc.stderr
    assert "Warning" not in proc.stderr, proc.stderr


def _server_dry_run(kube: Kube, objs: list[dict[str, object]]) -> subprocess.CompletedProcess[str]:
    body = json.dumps({"apiVersion": "v1", "kind": "List", "items": objs})
    return kube.kubectl("apply", "--server-side", "--dry-run=server", "--validate=strict", "--force-conflicts",
                        "--field-manager", "helm", "-f", "-", input=body, check=False)


@pytest.mark.parametrize("bad, message", [
    ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "default"}, "dta": {}},
     'unknown field "dta"'),
    ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "Not_A_Name", "namespace": "default"}},
     "a lowercase RFC 1123 subdomain"),
    ({"apiVersion": "metallb.io/v1beta1", "kind": "IPAddressPool", "metadata": {"name": "p", "namespace": "default"},
      "spec": {"addresses": ["10.0.0.10-10.0.0.50"], "autoAssign": "yes"}}, "autoAssign"),
], ids=["unknown-field", "bad-name", "crd-type"])
def test_the_dry_run_refuses_what_the_api_server_would(with_all_crds: Kube, bad: dict[str, object],
                                                       message: str) -> None:
    """The check above can fail: what the API server refuses makes it fail."""
    proc = _server_dry_run(with_all_crds, [bad])
    assert proc.returncode != 0
    assert message in proc.stderr, proc.stderr
