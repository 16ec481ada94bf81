"""Documented defaults a user relies on without setting them, asserted where they land.

Each one is upstream's behaviour (the projects' own charts and docs) or a value a
chart README documents: shutdown grace periods sized to what the process waits
for, pod management, leader election, StorageClass fields and address-pool
fields a site leaves out.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers import containers, of_kind, one, pod_spec, render

Obj = dict[str, Any]

NFS = {"nfs": {"server": "nfs.example.org", "path": "/exports"}}


def _workload(chart: str, kind: str, values: dict[str, Any] | None = None, files: tuple[str, ...] = ()) -> Obj:
    objs = render(chart, values, values_files=files)
    found = of_kind(objs, kind)
    assert len(found) == 1, f"{chart}: expected one {kind}"
    return found[0]


@pytest.mark.parametrize("chart, kind, files, seconds", [
    # the operator waits up to 60 s for an Installation's teardown
    ("calico", "Deployment", (), 60),
    # upstream ECK operator StatefulSet
    ("eck-operator", "StatefulSet", (), 10),
    # ingress-nginx drains connections (wait-shutdown) for up to 300 s
    ("ingress-nginx", "Deployment", (), 300),
    # mysqld needs time to flush and shut down cleanly (chart README)
    ("mysql", "StatefulSet", (), 120),
    # CoreDNS: the kubeadm addon's and upstream chart's 30 s
    ("coredns", "Deployment", ("charts/coredns/ci/full-mode-values.yaml",), 30),
])
def test_termination_grace_period(chart: str, kind: str, files: tuple[str, ...], seconds: int) -> None:
    spec = pod_spec(_workload(chart, kind, files=files))
    assert spec is not None and spec["terminationGracePeriodSeconds"] == seconds


def test_metallb_grace_periods_are_upstreams() -> None:
    objs = render("metallb", values_files=["charts/metallb/ci/lab-values.yaml"])
    controller = pod_spec(one(objs, "Deployment"))
    speaker = pod_spec(one(objs, "DaemonSet"))
    assert controller and controller["terminationGracePeriodSeconds"] == 0
    assert speaker and speaker["terminationGracePeriodSeconds"] == 2


def test_mysql_pods_start_in_order() -> None:
    """Replicas clone from the primary, so pod 0 must be ready before pod 1 starts."""
    sts = _workload("mysql", "StatefulSet")
    assert sts["spec"]["podManagementPolicy"] == "OrderedReady"


def test_eck_operator_elects_a_leader() -> None:
    objs = render("eck-operator")
    config = one(objs, "ConfigMap")
    text = "\n".join(config["data"].values())
    assert re_search(r"enable-leader-election:\s*true", text)


def re_search(pattern: str, text: str) -> bool:
    import re

    return re.search(pattern, text) is not None


def test_nfs_subdir_provisioner_elects_a_leader_by_default() -> None:
    dep = _workload("nfs-subdir-provisioner", "Deployment", NFS)
    env = {e["name"]: e.get("value") for c in containers(dep) for e in c.get("env") or []}
    assert env["ENABLE_LEADER_ELECTION"] == "true"
    assert of_kind(render("nfs-subdir-provisioner", NFS), "Role"), "the election lock needs its Role"


def test_nfs_subdir_provisioner_storageclass_defaults_are_upstreams() -> None:
    """A class given only a name gets upstream's fields."""
    values = {**NFS, "storageClasses": [{"name": "plain"}]}
    sc = one(render("nfs-subdir-provisioner", values), "StorageClass")
    assert sc["reclaimPolicy"] == "Delete"
    assert sc["volumeBindingMode"] == "Immediate"
    assert sc["allowVolumeExpansion"] is True
    assert sc["parameters"].get("archiveOnDelete") == "true"
    assert "storageclass.kubernetes.io/is-default-class" not in (sc["metadata"].get("annotations") or {}) or \
        sc["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "false"


def test_metallb_pool_given_only_addresses_assigns_automatically() -> None:
    values = {"addressPools": [{"name": "p", "addresses": ["10.0.0.10-10.0.0.20"]}],
              "l2Advertisements": [{"name": "l2", "ipAddressPools": ["p"]}]}
    pool = one(render("metallb", values), "IPAddressPool")
    assert pool["spec"].get("autoAssign", True) is True
    assert pool["spec"].get("avoidBuggyIPs", False) is False


def test_ingress_nginx_controller_flags_default_to_upstreams() -> None:
    dep = _workload("ingress-nginx", "Deployment")
    args = [a for c in containers(dep, init=False) for a in (c.get("args") or [])]
    assert "--election-id=test-ingress-nginx-leader" in args
    assert "--controller-class=k8s.io/ingress-nginx" in args
    assert "--ingress-class=nginx" in args
    assert json.dumps(args).count("--disable-leader-election") == 0


def _probes(chart: str, kind: str, container: str, files: tuple[str, ...] = ()) -> dict[str, Obj]:
    objs = render(chart, values_files=files)
    [c] = [c for o in of_kind(objs, kind) for c in containers(o, init=False) if c["name"] == container]
    return {k: c[k] for k in ("livenessProbe", "readinessProbe") if k in c}


def _timing(probe: Obj) -> tuple[Any, ...]:
    get = probe["httpGet"]
    return (get["path"], get["port"], probe.get("initialDelaySeconds", 0), probe.get("periodSeconds", 10),
            probe.get("timeoutSeconds", 1), probe.get("failureThreshold", 3))


@pytest.mark.parametrize("kind, container", [("Deployment", "controller"), ("DaemonSet", "speaker")])
def test_metallb_probes_are_upstreams(kind: str, container: str) -> None:
    """/healthz and /readyz on 17472: initial delay 10, period 10, timeout 1, 3 failures."""
    probes = _probes("metallb", kind, container, ("charts/metallb/ci/lab-values.yaml",))
    assert _timing(probes["livenessProbe"]) == ("/healthz", 17472, 10, 10, 1, 3)
    assert _timing(probes["readinessProbe"]) == ("/readyz", 17472, 10, 10, 1, 3)


def test_ingress_nginx_probes_are_upstreams() -> None:
    """GET /healthz on 10254: initial delay 10, period 10, timeout 1; 5 failures (liveness), 3 (readiness)."""
    probes = _probes("ingress-nginx", "Deployment", "controller")
    assert _timing(probes["livenessProbe"]) == ("/healthz", 10254, 10, 10, 1, 5)
    assert _timing(probes["readinessProbe"]) == ("/healthz", 10254, 10, 10, 1, 3)


def test_coredns_probes_are_upstreams() -> None:
    """Liveness /health on 8080 (initial delay 60, timeout 5, 5 failures), readiness /ready on 8181."""
    probes = _probes("coredns", "Deployment", "coredns", ("charts/coredns/ci/full-mode-values.yaml",))
    live, ready = probes["livenessProbe"], probes["readinessProbe"]
    assert (live["httpGet"]["path"], live["initialDelaySeconds"], live["timeoutSeconds"], live["failureThreshold"]) \
        == ("/health", 60, 5, 5)
    assert ready["httpGet"]["path"] == "/ready"
