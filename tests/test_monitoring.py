"""The charts' monitors and rules against a real monitoring stack, on the control plane `monitoring`.

The Prometheus Operator (its CRDs from its Go module, installed here) runs through the harness as the
pod of a small manifest; it reconciles a Prometheus object into a StatefulSet and a config Secret, and
the harness runs that StatefulSet's pod: the real prometheus-config-reloader (init container and
sidecar) and the real prometheus, sharing the pod's namespace and volumes. The charts' own
controllers (MetalLB's, CoreDNS, the ECK operator) run as their pods too, and Prometheus scrapes them
at their pod addresses through the ServiceMonitors the charts render.

One Prometheus, one plane, one module-scoped install: the tests below ask questions of it.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest

from chartops.testbed import harness
from chartops.testbed import plane as plane_mod
from chartops.testbed.controllers import coredns, metrics_server, monitoring
from chartops.testbed.harness import Running
from tests import promql
from tests.cluster_helpers import Kube, manifest_objects
from tests.helpers import of_kind

cluster = pytest.mark.cluster

SELECTOR = {"chartops.io/monitoring": "platform"}  # global.monitoring.labels: what the Prometheus selects
SHARED = [f"--set-string=global.monitoring.labels.chartops\\.io/monitoring={SELECTOR['chartops.io/monitoring']}",
          "--set=global.monitoring.interval=5s"]
NS = "monitoring"
PROMETHEUS = "platform"

# What each chart's monitor scrapes here: the namespace of its ServiceMonitor's targets, and a metric
# the running binary must expose.
COMPONENTS = {
    "metallb": ("metallb-system", "metallb_allocator_addresses_in_use_total"),
    "coredns": ("kube-system", "coredns_dns_requests_total"),
    "eck-operator": ("elastic-system", "controller_runtime_reconcile_total"),
    "metrics-server": ("kube-system", "metrics_server_kubelet_request_total"),
}

# (chart, release namespace, extra helm args): each with its ServiceMonitor and PrometheusRule on.
INSTALLS: list[tuple[str, str, list[str]]] = [
    ("metallb", "default", [
        "-f", "charts/metallb/ci/lab-values.yaml", "--set", "webhook.failurePolicy=Ignore",
        "--set", "prometheus.serviceMonitor.enabled=true,prometheus.prometheusRule.enabled=true",
        # the speaker (hostNetwork, raw sockets) does not run here
        "--set", "prometheus.serviceMonitor.speaker.enabled=false",
        # the chart grants the scraper /metrics: the test's Prometheus has no such right of its own
        "--set", f"prometheus.rbacPrometheus=true,prometheus.serviceAccount={PROMETHEUS},prometheus.namespace={NS}"]),
    ("coredns", "kube-system", [
        "-f", "charts/coredns/ci/full-mode-values.yaml", "--set", "replicaCount=1",
        "--set", "prometheus.monitor.enabled=true,prometheus.prometheusRule.enabled=true"]),
    ("eck-operator", "elastic-system", [
        "-f", "values/apps/eck-operator-lab.yaml", "--create-namespace",
        "--set", "config.metrics.port=9090,serviceMonitor.enabled=true,prometheusRule.enabled=true"]),
    ("metrics-server", "kube-system", [
        "-f", "charts/metrics-server/ci/lab-values.yaml",
        "--set", "metrics.enabled=true,serviceMonitor.enabled=true,prometheusRule.enabled=true"]),
]

# Metrics the charts' rules and dashboards use that no running binary here exposes, and why.
UNSEEN_HERE = {
    "metallb_bgp_session_up": "the speaker's, which does not run here (and only in BGP mode)",
    "metallb_bgp_updates_total": "the speaker's",
    "metallb_bgp_announced_prefixes_total": "the speaker's",
    "metallb_layer2_requests_received": "the speaker's",
    "metallb_layer2_responses_sent": "the speaker's",
    "metallb_layer2_gratuitous_sent": "the speaker's",
    "coredns_proxy_healthcheck_failures_total": "only once an upstream fails its health check",
    "aggregator_unavailable_apiservice": "the API server's own metric: this Prometheus does not scrape the API server",
}


@dataclass
class Stack:
    kube: Kube
    api: monitoring.PrometheusApi
    prometheus: Running
    runs: list[Running] = field(default_factory=list)


def _crds(kube: Kube) -> None:
    items = monitoring.crds()
    kube.kubectl("apply", "--server-side", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List",
                                                                      "items": items}))
    for crd in items:
        kube.kubectl("wait", "--for=condition=Established", "--timeout=60s", f"crd/{crd['metadata']['name']}")


def _dns_traffic(run: Running) -> None:
    """Queries CoreDNS answers itself and forwards (to a stand-in upstream), so its counters exist."""
    deadline = time.monotonic() + 60
    while True:
        try:
            for _ in range(2):  # the second answers come from the cache
                coredns.query(run.ip, "kube-dns.kube-system.svc.cluster.local", timeout=2)
                coredns.query(run.ip, "example.org", timeout=2)
            return
        except OSError:
            assert run.alive() and time.monotonic() < deadline, run.logs()[-3000:]
            time.sleep(0.5)


@pytest.fixture(scope="module")
def stack(kube: Kube) -> Iterator[Stack]:
    if not kube.builtin:
        pytest.skip("the monitoring stack runs on the built-in control plane (KUBECONFIG unset)")
    plane_mod.up(fresh=True, plane=kube.plane)
    _crds(kube)
    kube.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}})
    kube.apply(monitoring.operator_manifest(NS))
    runs = [harness.start(monitoring.OPERATOR, NS, "Deployment", "prometheus-operator",
                          binaries=monitoring.operator_binaries())]
    try:
        started = {"metallb": harness.launch("metallb", "metallb-system", "Deployment", "metallb-controller"),
                   "eck-operator": harness.launch("eck", "elastic-system", "StatefulSet", "elastic-operator")}
        with ThreadPoolExecutor(len(INSTALLS)) as pool:  # independent releases: side by side
            for done in [pool.submit(kube.helm, "install", chart, f"charts/{chart}", "-n", namespace, *args, *SHARED,
                                     "--wait", timeout=600) for chart, namespace, args in INSTALLS]:
                done.result()
        runs += [started["metallb"].wait(), started["eck-operator"].wait()]
        kube.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default"},
                    "spec": {"type": "LoadBalancer", "ports": [{"port": 80}], "selector": {"app": "web"}}})
        kube.wait_for("an address from MetalLB's lab pool", lambda: kube.get("service", "web", "-n", "default").get(
            "status", {}).get("loadBalancer", {}).get("ingress"), timeout=120)
        ms = metrics_server.start("kube-system", "metrics-server")
        runs.append(ms)
        ms.wait_ready(timeout=120)  # its first scrape of the (kwok) kubelets is in
        dns = harness.start("coredns", "kube-system", "Deployment", "coredns", addresses=["192.0.2.53"])
        runs.append(dns)
        coredns.serve_upstream(dns, "192.0.2.53", "192.0.2.1")
        dns.wait_ready()
        _dns_traffic(dns)

        kube.apply(monitoring.prometheus_manifest(NS, PROMETHEUS, SELECTOR, metrics_rbac=False))
        sts = f"prometheus-{PROMETHEUS}"
        kube.wait_for("the operator's StatefulSet and config Secret", lambda: kube.exists(
            "statefulset", sts, "-n", NS) and kube.exists("secret", sts, "-n", NS), timeout=120)
        prom = harness.start(monitoring.PROMETHEUS, NS, "StatefulSet", sts, binaries=monitoring.prometheus_binaries())
        runs.append(prom)
        prom.wait_ready(timeout=120)
        yield Stack(kube, monitoring.PrometheusApi(prom.ip), prom, runs)
    finally:
        harness.stop_all()
        for run in runs:
            print(f"--- {run.controller.name} log ({run.log_path})\n{run.logs()[-3000:]}")
            for name in run.sidecars:
                print(f"--- {run.controller.name}/{name}\n{run.logs(name)[-2000:]}")


def monitor_pools(kube: Kube) -> set[str]:
    """The scrape pool of every endpoint of every monitor the Prometheus selects (the operator names
    them `serviceMonitor/<namespace>/<name>/<endpoint index>`)."""
    selector = ",".join(f"{k}={v}" for k, v in SELECTOR.items())
    pools = set()
    for kind, field_name, prefix in (("servicemonitors", "endpoints", "serviceMonitor"),
                                     ("podmonitors", "podMetricsEndpoints", "podMonitor")):
        for m in kube.get(kind, "-A", "-l", selector)["items"]:
            for i, _ in enumerate(m["spec"][field_name]):
                pools.add(f"{prefix}/{m['metadata']['namespace']}/{m['metadata']['name']}/{i}")
    return pools


def targets_up(api: monitoring.PrometheusApi, pools: set[str], timeout: float = 90) -> list[dict[str, Any]]:
    """The active targets of those scrape pools once each was scraped; fails naming every pool without a
    target (a monitor that selects nothing) and every target that is not up (its URL and error)."""
    deadline = time.monotonic() + timeout
    while True:
        found = [t for t in api.targets() if t["scrapePool"] in pools]
        empty = pools - {t["scrapePool"] for t in found}
        pending = [t for t in found if t["health"] == "unknown"]
        if (not empty and not pending) or time.monotonic() > deadline:
            break
        time.sleep(1)
    problems = [f"{pool}: no target (the monitor selects nothing)" for pool in sorted(empty)]
    problems += [f"{t['scrapePool']} {t['scrapeUrl']}: {t['health']} {t.get('lastError', '')}"
                 for t in found if t["health"] != "up"]
    assert not problems, "monitors not scraping:\n" + "\n".join(problems)
    return found


@cluster
def test_the_operator_reconciles_the_prometheus_into_its_statefulset_and_config(stack: Stack) -> None:
    sts = stack.kube.get("statefulset", f"prometheus-{PROMETHEUS}", "-n", NS)
    names = {c["name"] for c in sts["spec"]["template"]["spec"]["containers"]}
    assert {"prometheus", "config-reloader"} <= names
    assert stack.prometheus.alive() and stack.prometheus.alive("config-reloader")
    config = stack.api.get("/api/v1/status/config")["yaml"]
    for chart, (namespace, _) in COMPONENTS.items():
        assert f"serviceMonitor/{namespace}/" in config, f"{chart}'s ServiceMonitor is not in the generated config"


@cluster
def test_every_charts_monitor_scrapes_its_running_component(stack: Stack) -> None:
    pools = monitor_pools(stack.kube)
    targets_up(stack.api, pools)
    for chart, (namespace, metric) in COMPONENTS.items():
        assert any(p.startswith(f"serviceMonitor/{namespace}/") for p in pools), chart
        assert stack.api.query(metric), f"{chart}: no {metric} scraped"


@cluster
def test_a_monitor_at_a_wrong_port_fails_the_check(stack: Stack) -> None:
    """Two ways to get the port wrong: a port of the pod that serves no metrics (the target is down), and
    a port the pod does not have (the monitor selects no target). One object, so Prometheus reloads once:
    the config reloader watches its file's inode, which each (atomic) update replaces, so later changes
    wait for its 3-minute rescan, as on a kubelet's volumes."""
    wrong = {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
             "metadata": {"name": "wrong-port", "namespace": "kube-system", "labels": SELECTOR},
             "spec": {"selector": {"matchLabels": {"k8s-app": "kube-dns"}},
                      "namespaceSelector": {"matchNames": ["kube-system"]},
                      "endpoints": [{"port": "dns-tcp", "interval": "5s"}, {"targetPort": 9154, "interval": "5s"}]}}
    stack.kube.apply(wrong)
    try:
        pools = monitor_pools(stack.kube)
        assert {"serviceMonitor/kube-system/wrong-port/0", "serviceMonitor/kube-system/wrong-port/1"} <= pools
        stack.kube.wait_for("Prometheus to load the wrong-port job", lambda: "/wrong-port/" in stack.api.get(
            "/api/v1/status/config")["yaml"], timeout=240)
        with pytest.raises(AssertionError) as failed:
            targets_up(stack.api, pools, timeout=15)
        message = str(failed.value)
        assert re.search(r"wrong-port/0 http://[0-9.]+:53/metrics: down", message), message
        assert "wrong-port/1: no target" in message, message
        assert "coredns/0" not in message and "metallb" not in message, "only the wrong monitor fails"
    finally:
        stack.kube.kubectl("delete", "servicemonitor", "wrong-port", "-n", "kube-system")


@cluster
def test_every_prometheus_rule_loads(stack: Stack) -> None:
    expected: dict[str, set[str]] = {}
    for chart, namespace, _ in INSTALLS:
        manifest = stack.kube.helm("get", "manifest", chart, "-n", namespace).stdout
        for rule in of_kind(manifest_objects(manifest), "PrometheusRule"):
            for group in rule["spec"]["groups"]:
                expected[group["name"]] = {r.get("alert") or r["record"] for r in group["rules"]}
    assert set(expected) >= {"metallb", "coredns", "eck-operator"}

    def loaded() -> dict[str, Any]:
        return {g["name"]: g for g in stack.api.rule_groups()}

    stack.kube.wait_for("the charts' rule groups in /api/v1/rules", lambda: set(expected) <= set(loaded()),
                        timeout=120)
    groups = loaded()
    for name, rules in expected.items():
        assert {r["name"] for r in groups[name]["rules"]} == rules, name
    stack.kube.wait_for("every rule evaluated", lambda: all(
        r.get("health") == "ok" for n in expected for r in loaded()[n]["rules"]), timeout=60)


@cluster
def test_rules_and_dashboards_use_metrics_the_components_expose(stack: Stack) -> None:
    targets_up(stack.api, monitor_pools(stack.kube))
    scraped = stack.api.names()
    used: dict[str, set[str]] = {}
    for chart, _, _ in INSTALLS:
        for expr in promql.chart_expressions(chart):
            for name in promql.metric_names(expr):
                used.setdefault(name, set()).add(chart)
    missing = {n: sorted(c) for n, c in used.items() if n not in scraped and n not in UNSEEN_HERE}
    assert not missing, f"metrics used by rules or dashboards that no component exposes: {missing}"
    stale = sorted(n for n in UNSEEN_HERE if n in scraped)
    assert not stale, f"UNSEEN_HERE lists metrics that are scraped after all: {stale}"


def test_unseen_metrics_are_used_somewhere() -> None:
    used = {n for chart, _, _ in INSTALLS for e in promql.chart_expressions(chart) for n in promql.metric_names(e)}
    assert set(UNSEEN_HERE) <= used, sorted(set(UNSEEN_HERE) - used)

