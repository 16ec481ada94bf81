"""Every ECK resource the elasticsearch chart renders goes through ECK's real validating webhook:
the operator (built from its Go module at the chart's appVersion) runs as the eck-operator
chart's pod on the built-in control plane, with `failurePolicy: Fail` so a webhook that does not
answer fails the test instead of letting everything through. Each render is sent as a server-side
dry run; a resource the webhook refuses, although the chart accepted its values, fails the test
naming the case."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from chartops.testbed import controllers, harness, netns
from chartops.testbed import plane as plane_mod
from chartops.testbed.harness import Running
from tests.cluster_helpers import Kube
from tests.helpers import CHARTS, ROOT, render

cluster = pytest.mark.cluster

ECK_KINDS = {"Elasticsearch", "Kibana"}
NAMESPACE = "demo"


def _cases() -> list[tuple[str, tuple[str, ...], dict[str, Any]]]:
    """(case id, values files, values): every ci scenario, the lab overlay, and values the
    chart's offline tests set that no scenario does (a Kibana named apart from its cluster...)."""
    found: list[tuple[str, tuple[str, ...], dict[str, Any]]] = [
        (f"ci/{f.name}", (str(f.relative_to(ROOT)),), {}) for f in sorted((CHARTS / "elasticsearch" / "ci").glob("*-values.yaml"))
    ]
    found.append(("values/apps/elasticsearch-lab.yaml", ("values/apps/elasticsearch-lab.yaml",), {"kibana": {"enabled": True}}))
    node_set = {"name": "hot", "count": 3, "roles": ["master", "data_hot", "ingest"],
                "resources": {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"memory": "2Gi"}}}
    found += [
        ("kibana-named-apart", (), {"kibana": {"enabled": True, "name": "logs-ui", "http": {"tls": {"mode": "disabled"}}}}),
        ("cr-parity-fields", (), {
            "nodeSets": [node_set, {"name": "warm", "count": 2, "roles": ["data_warm"], "storage": {"size": "50Gi"}}],
            "http": {"service": {"type": "LoadBalancer", "annotations": {"metallb.io/loadBalancerIPs": "192.168.10.40"}}},
            "transport": {"tls": {"subjectAltNames": ["es.feng.org", "192.168.10.41"], "otherNameSuffix": "feng.org"}},
            "auth": {"fileRealm": [{"secretName": "es-admin"}], "roles": [{"secretName": "es-roles"}]},
            "remoteClusters": [{"name": "dr", "elasticsearchRef": {"name": "dr-es", "namespace": "dr"}}],
            "monitoring": {"metrics": [{"name": "monitor", "namespace": "observability"}]},
            "podDisruptionBudget": {"minAvailable": 2}, "revisionHistoryLimit": 2, "serviceAccountName": "es-sa",
            "updateStrategy": {"changeBudget": {"maxSurge": 1, "maxUnavailable": 1}},
        }),
        ("pdb-off-and-mmap-sysctl", (), {"podDisruptionBudget": {"enabled": False}, "sysctlInitContainer": {"enabled": True}}),
        ("coordinating-and-masters", (), {"nodeSets": [
            {"name": "masters", "count": 3, "roles": ["master"]},
            {"name": "coord", "count": 2, "config": {"node.roles": []}},
            {"name": "data", "count": 2, "roles": ["data", "ingest"], "heap": "1g",
             "resources": {"requests": {"cpu": "1", "memory": "4Gi"}, "limits": {"memory": "4Gi"}}}]}),
    ]
    return found


def _eck_objects(values_files: tuple[str, ...], values: dict[str, Any]) -> list[dict[str, Any]]:
    return [o for o in render("elasticsearch", values, values_files, release="es", namespace=NAMESPACE) if o.get("kind") in ECK_KINDS]


def test_the_cases_render_eck_resources() -> None:
    """Offline: every case renders and has something for the webhook (Kibana included somewhere)."""
    kinds = set()
    for case, files, values in _cases():
        objs = _eck_objects(files, values)
        assert objs, case
        kinds |= {o["kind"] for o in objs}
    assert kinds == ECK_KINDS


@pytest.fixture
def operator(kube: Kube) -> Iterator[Kube]:
    """A fresh plane with the ECK operator running as the chart's pod, its webhook failing closed."""
    if not kube.builtin:
        pytest.skip("the real operator needs the built-in control plane (KUBECONFIG unset)")
    controllers.build_all()
    plane_mod.up(fresh=True, plane=kube.plane)
    runs: list[Running] = []
    try:
        started = harness.launch("eck", "elastic-system", "StatefulSet", "elastic-operator")
        kube.helm("install", "eck", "./charts/eck-operator", "-n", "elastic-system", "--create-namespace",
                  "-f", "values/apps/eck-operator-lab.yaml", "--set", "webhook.failurePolicy=Fail", "--wait", timeout=900)
        runs.append(run := started.wait())
        run.wait_ready(timeout=120)
        kube.wait_for("the CA in ECK's webhook configuration", lambda: all(
            w["clientConfig"].get("caBundle") for w in
            kube.get("validatingwebhookconfiguration", "elastic-operator.elastic-system.k8s.elastic.co")["webhooks"]), timeout=120)
        time.sleep(netns.PodNetwork.SETTLE)
        kube.kubectl("create", "namespace", NAMESPACE)
        yield kube
    finally:
        harness.stop_all()
        for run in runs:
            print(f"--- {run.controller.name} log ({run.log_path})\n{run.logs()[-4000:]}")


def _dry_run(kube: Kube, obj: dict[str, Any]) -> str:
    """The webhook's refusal of a server-side dry-run apply, or "" when admitted."""
    proc = kube.kubectl("apply", "--server-side", "--dry-run=server", "--field-manager=chartops-test", "-f", "-",
                        input=json.dumps(obj), check=False)
    return "" if proc.returncode == 0 else proc.stderr.strip()


@cluster
def test_every_rendered_eck_resource_passes_the_real_webhook(operator: Kube) -> None:
    kube = operator
    # The webhook answers, and refuses what the chart refuses too: no master-eligible node, or a data
    # claim renamed without being mounted.
    [es] = [o for o in _eck_objects((), {}) if o["kind"] == "Elasticsearch"]
    no_master = json.loads(json.dumps(es))
    no_master["spec"]["nodeSets"][0]["config"]["node.roles"] = ["data"]
    refusal = _dry_run(kube, no_master)
    assert "needs to have at least one master node" in refusal, refusal or "the webhook admitted a cluster without masters"
    renamed = json.loads(json.dumps(es))
    renamed["spec"]["nodeSets"][0]["volumeClaimTemplates"][0]["metadata"]["name"] = "data"
    refusal = _dry_run(kube, renamed)
    assert "volume claim declared but volume not mounted" in refusal, refusal or "the webhook admitted an unmounted claim"

    refused = []
    for case, files, values in _cases():
        for obj in _eck_objects(files, values):
            why = _dry_run(kube, obj)
            if why:
                refused.append(f"{case}: {obj['kind']}/{obj['metadata']['name']}: {why}")
    assert not refused, "the chart rendered resources ECK's webhook refuses:\n" + "\n".join(refused)
