"""The monitoring stack the charts' monitors and rules are proven against: the Prometheus Operator
(run as the pod of a small manifest of ours), the Prometheus it makes (its StatefulSet's pod, with the
config reloader beside Prometheus) and a client of Prometheus's HTTP API.

All four binaries are Go tools of `builds.TOOLS` (built by `invoke tools`, cached by version); the
operator's CRDs come from its Go module, installed by the test and never committed.
"""

from __future__ import annotations

import json
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import yaml

from chartops import gotoolchain
from chartops.paths import repo_root
from chartops.testbed import builds
from chartops.testbed.builds import Controller, ControllerError

Obj = dict[str, Any]

OPERATOR_MODULE = "github.com/prometheus-operator/prometheus-operator"
# Not charts' controllers (no chart pins them): the harness is given their binaries.
OPERATOR = Controller("prometheus-operator", "", OPERATOR_MODULE, f"{OPERATOR_MODULE}/cmd/operator",
                      "prometheus-operator")
PROMETHEUS = Controller("prometheus", "", "github.com/prometheus/prometheus",
                        "github.com/prometheus/prometheus/cmd/prometheus", "prometheus")


def operator_binaries(root: Path | None = None) -> dict[str, Path]:
    return {"prometheus-operator": builds.path("prometheus-operator", root)}


def prometheus_binaries(root: Path | None = None) -> dict[str, Path]:
    """The operator's Prometheus pod: the reloader writes the configuration once (init container), then
    Prometheus runs with the reloader beside it."""
    reloader = builds.path("prometheus-config-reloader", root)
    return {"init-config-reloader": reloader, "config-reloader": reloader,
            "prometheus": builds.path("prometheus", root)}


def module_dir(root: Path | None = None) -> Path:
    """The operator's module in the Go module cache (downloaded by the build)."""
    try:
        argv, env = gotoolchain.command(["list", "-m", "-json", OPERATOR_MODULE], root)
    except gotoolchain.GoToolchainError as err:
        raise ControllerError(str(err)) from err
    proc = subprocess.run(argv, cwd=(root or repo_root()) / "tools" / "prometheus-operator", capture_output=True,
                          text=True, check=False, env=dict(env, GOFLAGS="-mod=mod", GOTOOLCHAIN="local"))
    if proc.returncode != 0:
        raise ControllerError(f"the prometheus-operator module is not in the Go module cache (run `invoke tools`):\n"
                              f"{proc.stderr[-2000:]}")
    return Path(json.loads(proc.stdout)["Dir"])


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """YAML 1.2 reading of a bare `=` (an enum value in the CRDs), which YAML 1.1 tags as a `value`;
    libyaml's loader when present (the CRDs are megabytes)."""


_Loader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))


# The CRDs a Prometheus with monitors and rules needs; the operator leaves out the controllers of absent
# ones (Alertmanager, ThanosRuler, PrometheusAgent), and each of those CRDs costs the API server seconds.
CRD_KINDS = ("prometheuses", "servicemonitors", "podmonitors", "prometheusrules", "probes", "scrapeconfigs")


def crds(root: Path | None = None, kinds: tuple[str, ...] = CRD_KINDS) -> list[Obj]:
    """The operator's CRDs, as its module ships them (example/prometheus-operator-crd)."""
    folder = module_dir(root) / "example" / "prometheus-operator-crd"
    found = [yaml.load((folder / f"monitoring.coreos.com_{kind}.yaml").read_text(), Loader=_Loader) for kind in kinds]
    if not found:
        raise ControllerError(f"no CRDs in {folder}")
    return found


def operator_manifest(namespace: str) -> list[Obj]:
    """The operator as upstream's example deploys it (its RBAC, one replica), without kubelet endpoints."""
    labels = {"app.kubernetes.io/name": "prometheus-operator"}
    meta = {"name": "prometheus-operator", "namespace": namespace, "labels": labels}
    rules = [
        {"apiGroups": ["monitoring.coreos.com"], "verbs": ["*"], "resources": [
            "alertmanagers", "alertmanagers/finalizers", "alertmanagers/status", "alertmanagerconfigs",
            "prometheuses", "prometheuses/finalizers", "prometheuses/status", "prometheusagents",
            "prometheusagents/finalizers", "prometheusagents/status", "thanosrulers", "thanosrulers/finalizers",
            "thanosrulers/status", "scrapeconfigs", "servicemonitors", "servicemonitors/status", "podmonitors",
            "probes", "prometheusrules"]},
        {"apiGroups": ["apps"], "resources": ["statefulsets"], "verbs": ["*"]},
        {"apiGroups": [""], "resources": ["configmaps", "secrets"], "verbs": ["*"]},
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["list", "delete"]},
        {"apiGroups": [""], "resources": ["services", "services/finalizers", "endpoints"],
         "verbs": ["get", "create", "update", "delete"]},
        {"apiGroups": [""], "resources": ["nodes"], "verbs": ["list", "watch"]},
        {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get", "list", "watch"]},
        {"apiGroups": [""], "resources": ["events"], "verbs": ["patch", "create"]},
        {"apiGroups": ["networking.k8s.io"], "resources": ["ingresses"], "verbs": ["get", "list", "watch"]},
        {"apiGroups": ["storage.k8s.io"], "resources": ["storageclasses"], "verbs": ["get"]},
    ]
    container = {
        "name": "prometheus-operator",
        "image": f"quay.io/prometheus-operator/prometheus-operator:{builds.PROMETHEUS_OPERATOR_VERSION}",
        "args": ["--prometheus-config-reloader=quay.io/prometheus-operator/prometheus-config-reloader:"
                 f"{builds.PROMETHEUS_OPERATOR_VERSION}", "--web.listen-address=:8080", "--log-level=info"],
        "ports": [{"name": "http", "containerPort": 8080}],
        "resources": {"requests": {"cpu": "100m", "memory": "100Mi"}, "limits": {"memory": "200Mi"}},
    }
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
         "metadata": {"name": "prometheus-operator", "labels": labels}, "rules": rules},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
         "metadata": {"name": "prometheus-operator", "labels": labels},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "prometheus-operator"},
         "subjects": [{"kind": "ServiceAccount", "name": "prometheus-operator", "namespace": namespace}]},
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta, "spec": {
            "replicas": 1, "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {
                "serviceAccountName": "prometheus-operator", "containers": [container]}}}},
    ]


def prometheus_manifest(namespace: str, name: str, selector: dict[str, str], interval: str = "5s",
                        metrics_rbac: bool = True) -> list[Obj]:
    """A Prometheus selecting, in every namespace, the monitors and rules that carry `selector`, with the
    RBAC of upstream's example. metrics_rbac=False leaves out `get` on /metrics, which a chart's own
    scraper RBAC must then grant (MetalLB's prometheus.rbacPrometheus)."""
    rules: list[Obj] = [
        {"apiGroups": [""], "resources": ["nodes", "nodes/metrics", "services", "endpoints", "pods"],
         "verbs": ["get", "list", "watch"]},
        {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]},
        {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["get", "list", "watch"]},
    ]
    if metrics_rbac:
        rules.append({"nonResourceURLs": ["/metrics"], "verbs": ["get"]})
    match = {"matchLabels": selector}
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": namespace}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": f"{name}-scraper"},
         "rules": rules},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
         "metadata": {"name": f"{name}-scraper"},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": f"{name}-scraper"},
         "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": namespace}]},
        {"apiVersion": "monitoring.coreos.com/v1", "kind": "Prometheus",
         "metadata": {"name": name, "namespace": namespace}, "spec": {
             "version": f"v{builds.PROMETHEUS_RELEASE}", "replicas": 1, "serviceAccountName": name,
             "scrapeInterval": interval, "evaluationInterval": interval,
             "serviceMonitorSelector": match, "serviceMonitorNamespaceSelector": {},
             "podMonitorSelector": match, "podMonitorNamespaceSelector": {},
             "ruleSelector": match, "ruleNamespaceSelector": {},
             "serviceDiscoveryRole": "EndpointSlice",
             "resources": {"requests": {"cpu": "100m", "memory": "200Mi"}, "limits": {"memory": "1Gi"}}}},
    ]


class PrometheusApi:
    """Prometheus's HTTP API at the pod's address (reached through the plane's pod network)."""

    def __init__(self, ip: str, port: int = 9090) -> None:
        self.base = f"http://{ip}:{port}"

    def get(self, path: str, **params: str) -> Any:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        with urllib.request.urlopen(f"{self.base}{path}{query}", timeout=10) as resp:
            body = json.loads(resp.read())
        if body.get("status") != "success":
            raise ControllerError(f"Prometheus {path}: {body}")
        return body["data"]

    def targets(self) -> list[Obj]:
        return list(self.get("/api/v1/targets", state="active")["activeTargets"])

    def query(self, expr: str) -> list[Obj]:
        return list(self.get("/api/v1/query", query=expr)["result"])

    def names(self) -> set[str]:
        return set(self.get("/api/v1/label/__name__/values"))

    def rule_groups(self) -> list[Obj]:
        return list(self.get("/api/v1/rules")["groups"])
