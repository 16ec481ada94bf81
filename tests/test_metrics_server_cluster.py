"""metrics-server for real: sigs.k8s.io/metrics-server at the chart's appVersion, run as the chart's pod
(chartops.testbed.controllers.metrics_server) against the built-in control plane, scraping the kubelet
resource metrics kwok simulates for the six fake nodes.

What the lab uses metrics-server for is what is checked: the APIService is Available with the API
server verifying metrics-server's certificate against the CA the chart generated (tls.type helm),
`kubectl top` answers, and the real kube-controller-manager's HPA scales a Deployment on CPU.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest

from chartops.testbed import controllers, harness
from chartops.testbed import plane as plane_mod
from chartops.testbed.controllers import metrics_server
from chartops.testbed.harness import Running
from tests.cluster_helpers import Kube
from tests.helpers import ROOT

cluster = pytest.mark.cluster
NAMESPACE = "kube-system"
API = "v1beta1.metrics.k8s.io"


def _install_command() -> list[str]:
    """The install command of the chart's README (its Install section)."""
    text = (ROOT / "charts/metrics-server/README.md").read_text().split("## Install", 1)[1]
    line = next(x for x in text.splitlines() if x.startswith("helm install "))
    return line.split()[1:]


@pytest.fixture
def real(kube: Kube) -> Iterator[tuple[Kube, list[Running]]]:
    if not kube.builtin:
        pytest.skip("the real metrics-server needs the built-in control plane (KUBECONFIG unset): its pod network "
                    "and the fake kubelets are that plane's loopback-only namespace")
    controllers.get("metrics-server").build()  # a no-op once `invoke tools` has built it
    plane_mod.up(fresh=True, plane=kube.plane)
    runs: list[Running] = []
    yield kube, runs
    harness.stop_all()
    for run in runs:
        print(f"--- {run.controller.name} log ({run.log_path})\n{run.logs()[-4000:]}")


def _available(kube: Kube) -> dict[str, str]:
    conditions = kube.get("apiservice", API).get("status", {}).get("conditions", [])
    return next((c for c in conditions if c["type"] == "Available"), {})


def _top(kube: Kube, *args: str) -> dict[str, list[str]]:
    """`kubectl top` rows by name (an error or an empty answer gives {})."""
    proc = kube.kubectl("top", *args, "--no-headers", check=False)
    if proc.returncode != 0:
        return {}
    return {cols[0]: cols[1:] for cols in (line.split() for line in proc.stdout.splitlines()) if cols}


def _busy_deployment(namespace: str) -> list[dict[str, object]]:
    """A Deployment whose pods kwok reports at 300m CPU each against a 100m request, and an HPA at 50%."""
    labels = {"app": "busy"}
    deploy = {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "busy", "namespace": namespace},
        "spec": {"replicas": 1, "selector": {"matchLabels": labels}, "template": {
            "metadata": {"labels": labels, "annotations": {"kwok.x-k8s.io/usage-cpu": "300m",
                                                           "kwok.x-k8s.io/usage-memory": "64Mi"}},
            "spec": {"containers": [{"name": "app", "image": "registry.example.com/busy:1",
                                     "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}]}}}}
    hpa = {
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "busy", "namespace": namespace},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "busy"},
                 "minReplicas": 1, "maxReplicas": 4,
                 "metrics": [{"type": "Resource", "resource": {
                     "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}]}}
    return [deploy, hpa]


@cluster
def test_metrics_api_is_verified_answers_top_and_drives_an_hpa(real: tuple[Kube, list[Running]]) -> None:
    kube, runs = real
    kube.helm(*_install_command(), "--wait", timeout=600)
    runs.append(run := metrics_server.start(NAMESPACE, "metrics-server"))
    run.wait_ready(timeout=120)  # /readyz over HTTPS: up, and the first scrape of the kubelets is in

    # the API server verifies metrics-server against the CA the chart generated, and calls it Available
    api = kube.get("apiservice", API)
    assert "insecureSkipTLSVerify" not in api["spec"]
    secret = kube.get("secret", "metrics-server-tls", "-n", NAMESPACE)
    assert base64.b64decode(api["spec"]["caBundle"]) == base64.b64decode(secret["data"]["ca.crt"])
    kube.wait_for("APIService v1beta1.metrics.k8s.io Available", lambda: _available(kube).get("status") == "True",
                  timeout=120)

    # kubectl top through the aggregated API: every fake node, with its pods' usage
    nodes = {name for name, _, _ in plane_mod.NODES}
    kube.wait_for("kubectl top nodes", lambda: set(_top(kube, "nodes")) == nodes, timeout=120)

    # the lab's HPAs: the real kube-controller-manager scales on the metrics it reads through the API
    demo = kube.namespace("hpa")
    kube.apply(_busy_deployment(demo))
    kube.wait_for("kubectl top pods of the busy Deployment", lambda: bool(_top(kube, "pods", "-n", demo)), timeout=120)
    cpu = next(iter(_top(kube, "pods", "-n", demo).values()))[0]
    assert cpu.endswith("m") and 250 <= int(cpu[:-1]) <= 350, f"kwok reports 300m, metrics-server says {cpu}"

    def scaled() -> bool:
        status = kube.get("hpa", "busy", "-n", demo).get("status", {})
        return int(status.get("desiredReplicas", 0)) == 4 and \
            int(kube.get("deployment", "busy", "-n", demo)["spec"]["replicas"]) == 4

    kube.wait_for("the HPA scaling busy to 4 replicas (300% of its CPU request)", scaled, timeout=180)
    events = kube.get("events", "-n", demo, "--field-selector", "involvedObject.kind=HorizontalPodAutoscaler")
    assert any(e["reason"] == "SuccessfulRescale" for e in events["items"]), json.dumps(events)[:2000]

    # a no-op upgrade looks the generated Secret up and keeps it: the APIService's CA does not change
    before = kube.get("secret", "metrics-server-tls", "-n", NAMESPACE)
    kube.helm("upgrade", *_install_command()[1:], "--wait", timeout=600)
    after = kube.get("secret", "metrics-server-tls", "-n", NAMESPACE)
    assert after["data"] == before["data"]
    assert base64.b64decode(kube.get("apiservice", API)["spec"]["caBundle"]) == base64.b64decode(after["data"]["ca.crt"])
    assert _available(kube).get("status") == "True"

    # the chart's default verifies the kubelets too: kwok serves them with a certificate of the cluster
    # CA (as kubelets with serverTLSBootstrap do), so the new pod's first scrape only passes verified
    run.stop()
    kube.helm("upgrade", *_install_command()[1:], "--set", "kubelet.insecureTLS=false", "--wait", timeout=600)
    runs.append(verified := metrics_server.start(NAMESPACE, "metrics-server"))
    assert verified.pod["metadata"]["name"] != run.pod["metadata"]["name"]
    assert "--kubelet-insecure-tls" not in verified.container["args"]
    verified.wait_ready(timeout=120)
    kube.wait_for("kubectl top nodes from the verifying metrics-server",
                  lambda: set(_top(kube, "nodes")) == nodes and _available(kube).get("status") == "True", timeout=120)
    assert "x509" not in verified.logs()
    assert list(harness.iter_problems(runs)) == []
