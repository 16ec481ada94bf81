"""The traefik chart's Gateway API CRDs against the real thing (plane "gwapi").

The same objects (what the charts render, and a corpus of good and bad routes) go to the API server
twice: with the chart's CRDs installed, then with the upstream standard-channel CRDs of the
`sigs.k8s.io/gateway-api` v1.6.3 module (read from the Go module cache, never committed). Each
object must get the same verdict from both, and an admitted one the same stored spec (the same
defaults). Then the chart's downgrade guard, against CRDs that claim a newer bundle.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from chartops.testbed import plane as plane_mod
from chartops.testbed.api import Api
from chartops.testbed.builds import ControllerError
from tests.cluster_helpers import Kube, go_module_dir
from tests.helpers import of_kind, render

pytestmark = pytest.mark.cluster

GROUP = "gateway.networking.k8s.io"
BUNDLE = "v1.6.3"
GW = {"apiVersion": f"{GROUP}/v1", "kind": "Gateway"}
ROUTE = {"apiVersion": f"{GROUP}/v1", "kind": "HTTPRoute"}


def _meta(name: str, namespace: str | None = "default") -> dict[str, Any]:
    return {"name": name, **({"namespace": namespace} if namespace else {})}


def _route(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {**ROUTE, "metadata": _meta(name), "spec": spec}


PARENT = [{"name": "edge", "namespace": "traefik", "sectionName": "websecure"}]
BACKEND = [{"name": "app", "port": 8080}]

# (name, object, admitted)
CORPUS: list[tuple[str, dict[str, Any], bool]] = [
    ("route-minimal", _route("r1", {"parentRefs": [{"name": "edge"}]}), True),
    ("route-full", _route("r2", {
        "parentRefs": PARENT, "hostnames": ["app.feng.org", "*.apps.feng.org"],
        "rules": [{"name": "api", "matches": [
            {"path": {"type": "RegularExpression", "value": "/v1(/|$)(.*)"}, "method": "GET",
             "headers": [{"name": "X-Env", "value": "lab"}], "queryParams": [{"name": "q", "value": "1"}]},
            {"path": {"type": "Exact", "value": "/healthz"}}],
            "filters": [{"type": "RequestHeaderModifier", "requestHeaderModifier": {"set": [{"name": "X-A", "value": "b"}]}},
                        {"type": "URLRewrite", "urlRewrite": {"hostname": "app.internal", "path": {"type": "ReplaceFullPath", "replaceFullPath": "/"}}}],
            "backendRefs": [{"name": "app", "port": 8080, "weight": 3}, {"name": "app2", "port": 8080}],
            "timeouts": {"request": "10s", "backendRequest": "5s"}}]}), True),
    ("route-redirect", _route("r3", {"parentRefs": [{"name": "edge", "sectionName": "web"}], "rules": [
        {"filters": [{"type": "RequestRedirect", "requestRedirect": {"scheme": "https", "statusCode": 301}}]}]}), True),
    ("route-port-0", _route("b1", {"parentRefs": PARENT, "rules": [{"backendRefs": [{"name": "app", "port": 0}]}]}), False),
    ("route-port-65536", _route("b2", {"parentRefs": [{"name": "edge", "port": 65536}]}), False),
    ("route-hostname-not-dns", _route("b3", {"parentRefs": PARENT, "hostnames": ["App.feng.org"]}), False),
    ("route-hostname-space", _route("b4", {"parentRefs": PARENT, "hostnames": ["a b"]}), False),
    ("route-path-relative", _route("b5", {"parentRefs": PARENT, "rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "api"}}]}]}), False),
    ("route-path-type", _route("b6", {"parentRefs": PARENT, "rules": [{"matches": [{"path": {"type": "Regex", "value": "/"}}]}]}), False),
    ("route-filter-type", _route("b7", {"parentRefs": PARENT, "rules": [{"filters": [{"type": "Rewrite"}]}]}), False),
    ("route-backend-no-name", _route("b8", {"parentRefs": PARENT, "rules": [{"backendRefs": [{"port": 80}]}]}), False),
    ("route-weight", _route("b9", {"parentRefs": PARENT, "rules": [{"backendRefs": [{"name": "a", "port": 80, "weight": -1}]}]}), False),
    ("route-17-hostnames", _route("b10", {"parentRefs": PARENT, "hostnames": [f"h{i}.feng.org" for i in range(17)]}), False),
    ("route-method", _route("b11", {"parentRefs": PARENT, "rules": [{"matches": [{"method": "FETCH"}]}]}), False),
    ("route-timeout", _route("b12", {"parentRefs": PARENT, "rules": [{"timeouts": {"request": "ten seconds"}}]}), False),
    ("route-unknown-field", _route("b13", {"parentRefs": PARENT, "backend": "app"}), False),
    ("gateway-two-listeners", {**GW, "metadata": _meta("g1"), "spec": {"gatewayClassName": "traefik", "listeners": [
        {"name": "web", "port": 8000, "protocol": "HTTP", "allowedRoutes": {"namespaces": {"from": "All"}}},
        {"name": "websecure", "port": 8443, "protocol": "HTTPS", "hostname": "*.feng.org",
         "tls": {"certificateRefs": [{"name": "cert"}]}}]}}, True),
    ("gateway-port-0", {**GW, "metadata": _meta("g2"), "spec": {"gatewayClassName": "traefik", "listeners": [
        {"name": "web", "port": 0, "protocol": "HTTP"}]}}, False),
    ("gateway-port-70000", {**GW, "metadata": _meta("g3"), "spec": {"gatewayClassName": "traefik", "listeners": [
        {"name": "web", "port": 70000, "protocol": "HTTP"}]}}, False),
    ("gateway-hostname", {**GW, "metadata": _meta("g4"), "spec": {"gatewayClassName": "traefik", "listeners": [
        {"name": "web", "port": 80, "protocol": "HTTP", "hostname": "not a name"}]}}, False),
    ("gateway-no-listener", {**GW, "metadata": _meta("g5"), "spec": {"gatewayClassName": "traefik", "listeners": []}}, False),
    ("gateway-listener-twice", {**GW, "metadata": _meta("g6"), "spec": {"gatewayClassName": "traefik", "listeners": [
        {"name": "web", "port": 80, "protocol": "HTTP"}, {"name": "web", "port": 81, "protocol": "HTTP"}]}}, False),
    ("gateway-tls-mode", {**GW, "metadata": _meta("g7"), "spec": {"gatewayClassName": "traefik", "listeners": [
        {"name": "s", "port": 443, "protocol": "HTTPS", "tls": {"mode": "Reencrypt"}}]}}, False),
    ("gatewayclass", {"apiVersion": f"{GROUP}/v1", "kind": "GatewayClass", "metadata": _meta("c1", None),
                      "spec": {"controllerName": "traefik.io/gateway-controller"}}, True),
    ("gatewayclass-controller", {"apiVersion": f"{GROUP}/v1", "kind": "GatewayClass", "metadata": _meta("c2", None),
                                 "spec": {"controllerName": "traefik"}}, False),
    ("grpcroute", {"apiVersion": f"{GROUP}/v1", "kind": "GRPCRoute", "metadata": _meta("gr1"), "spec": {
        "parentRefs": PARENT, "hostnames": ["grpc.feng.org"],
        "rules": [{"matches": [{"method": {"service": "helloworld.Greeter", "method": "SayHello"}}], "backendRefs": BACKEND}]}}, True),
    ("tlsroute", {"apiVersion": f"{GROUP}/v1", "kind": "TLSRoute", "metadata": _meta("t1"), "spec": {
        "parentRefs": PARENT, "hostnames": ["db.feng.org"], "rules": [{"backendRefs": [{"name": "db", "port": 5432}]}]}}, True),
    ("tlsroute-no-hostname", {"apiVersion": f"{GROUP}/v1", "kind": "TLSRoute", "metadata": _meta("t2"), "spec": {
        "parentRefs": PARENT, "rules": [{"backendRefs": [{"name": "db", "port": 5432}]}]}}, False),
    ("referencegrant", {"apiVersion": f"{GROUP}/v1beta1", "kind": "ReferenceGrant", "metadata": _meta("rg1"), "spec": {
        "from": [{"group": GROUP, "kind": "HTTPRoute", "namespace": "apps"}], "to": [{"group": "", "kind": "Service"}]}}, True),
    ("referencegrant-v1", {"apiVersion": f"{GROUP}/v1", "kind": "ReferenceGrant", "metadata": _meta("rg2"), "spec": {
        "from": [{"group": GROUP, "kind": "HTTPRoute", "namespace": "apps"}], "to": [{"group": "", "kind": "Secret", "name": "s"}]}}, True),
    ("referencegrant-empty", {"apiVersion": f"{GROUP}/v1beta1", "kind": "ReferenceGrant", "metadata": _meta("rg3"), "spec": {
        "from": [], "to": [{"group": "", "kind": "Service"}]}}, False),
    ("route-v1beta1", {"apiVersion": f"{GROUP}/v1beta1", "kind": "HTTPRoute", "metadata": _meta("rb"), "spec": {
        "parentRefs": PARENT, "rules": [{"backendRefs": BACKEND}]}}, True),
]


def _rendered() -> list[tuple[str, dict[str, Any], bool]]:
    """What the charts render for Gateway API: every one must be admitted."""
    found = []
    sources = [("traefik", "charts/traefik/ci/gateway-values.yaml", {}), ("traefik", "charts/traefik/ci/lab-values.yaml", {}),
               ("wordpress", "charts/wordpress/ci/gateway-values.yaml", {}),
               ("elasticsearch", "charts/elasticsearch/ci/kibana-gateway-values.yaml", {}),
               ("elasticsearch", "values/apps/elasticsearch-lab.yaml", {"httpRoute": {"kibana": {"enabled": True}}})]
    for chart, values_file, values in sources:
        for obj in render(chart, values_files=[values_file], values=values):
            if obj["apiVersion"].startswith(GROUP + "/"):
                found.append((f"{chart}:{Path(values_file).stem}:{obj['kind']}", obj, True))
    return found


def _crds_ours() -> list[dict[str, Any]]:
    return of_kind(render("traefik", values_files=["charts/traefik/ci/defaults-values.yaml"]), "CustomResourceDefinition")


def _crds_upstream() -> list[dict[str, Any]]:
    base = go_module_dir("sigs.k8s.io/gateway-api", BUNDLE) / "config/crd/standard"
    docs = []
    for f in sorted(base.glob("gateway.networking.k8s.io_*.yaml")):
        docs += [d for d in yaml.safe_load_all(f.read_text()) if d and d.get("kind") == "CustomResourceDefinition"]
    return docs


def _install(kube: Kube, crds: list[dict[str, Any]]) -> None:
    names = [c["metadata"]["name"] for c in crds]
    existing = [n for n in names if kube.exists("crd", n)]
    if existing:
        kube.kubectl("delete", "crd", *existing, "--wait=true")
    kube.apply(crds, "gwapi-test")
    kube.kubectl("wait", "--for=condition=Established", "--timeout=60s", *[f"crd/{n}" for n in names])
    time.sleep(1)  # discovery catches up with new CRDs a moment after they are Established


PLURALS = {"GatewayClass": "gatewayclasses", "Gateway": "gateways", "HTTPRoute": "httproutes", "GRPCRoute": "grpcroutes",
           "TLSRoute": "tlsroutes", "ReferenceGrant": "referencegrants", "BackendTLSPolicy": "backendtlspolicies"}


def _verdicts(kube: Kube, corpus: list[tuple[str, dict[str, Any], bool]]) -> dict[str, tuple[bool, Any, str]]:
    """name -> (admitted, stored spec, error) of a server-side dry-run create of each object with strict
    field validation, sent straight to the API server (kubectl would stop a batch at its own checks)."""
    api = Api(kube.kubeconfig)
    for ns in sorted({o["metadata"]["namespace"] for _, o, _ in corpus if o["metadata"].get("namespace")}):
        kube.kubectl("create", "namespace", ns, check=False)
    found = {}
    for name, obj, _ in corpus:
        ns = obj["metadata"].get("namespace")
        path = f"/apis/{obj['apiVersion']}/" + (f"namespaces/{ns}/" if ns else "") + PLURALS[obj["kind"]]
        try:
            made = api.call("POST", path, obj, query=[("dryRun", "All"), ("fieldValidation", "Strict")])
            found[name] = (True, made.get("spec"), "")
        except ControllerError as err:
            found[name] = (False, None, str(err)[:600])
    return found


@pytest.fixture(scope="module")
def verdicts(kube: Kube) -> Iterator[dict[str, dict[str, tuple[bool, Any, str]]]]:
    if kube.builtin:
        plane_mod.up(fresh=True, plane=kube.plane)
    corpus = CORPUS + _rendered()
    found: dict[str, dict[str, tuple[bool, Any, str]]] = {}
    for which, crds in (("ours", _crds_ours()), ("upstream", _crds_upstream())):
        _install(kube, crds)
        found[which] = _verdicts(kube, corpus)
    yield found


CASES = [name for name, _, _ in CORPUS]


@pytest.mark.parametrize("name", CASES)
def test_ours_and_upstream_give_the_same_verdict_and_defaults(verdicts: dict, name: str) -> None:
    ours, upstream = verdicts["ours"][name], verdicts["upstream"][name]
    expected = dict((n, a) for n, _, a in CORPUS)[name]
    assert upstream[0] is expected, f"upstream: {upstream[2]}"  # the corpus itself is right
    assert ours[0] is expected, f"ours: {ours[2]}"
    assert ours[1] == upstream[1], "the stored spec (defaults) differs"


def test_what_the_charts_render_is_admitted_by_both(verdicts: dict) -> None:
    rendered = [name for name, _, _ in _rendered()]
    assert len(rendered) >= 6
    for name in rendered:
        for which in ("ours", "upstream"):
            admitted, _, error = verdicts[which][name]
            assert admitted, f"{which} refused {name}: {error}"
        assert verdicts["ours"][name][1] == verdicts["upstream"][name][1], name


def _guard(kube: Kube, *extra: str) -> Any:
    """The chart installed over CRDs another installer applied (adopting them, as the README says)."""
    return kube.helm("install", "guard", "./charts/traefik", "-n", "traefik", "--create-namespace", "--dry-run=server",
                     "--take-ownership", *extra, check=False)


def test_a_newer_bundle_in_the_cluster_is_never_downgraded(verdicts: dict, kube: Kube) -> None:
    # upstream v1.6.3 is what the last fixture step installed: the chart may take it over
    ok = _guard(kube)
    assert ok.returncode == 0, ok.stderr
    kube.kubectl("annotate", "--overwrite", "crd", f"httproutes.{GROUP}", f"{GROUP}/bundle-version=v1.7.0")
    refused = _guard(kube)
    assert refused.returncode != 0
    assert "gatewayAPI.crds.enabled is true but the cluster has httproutes.gateway.networking.k8s.io of Gateway " \
           "API v1.7.0, newer than this chart's v1.6.3" in refused.stderr
    assert _guard(kube, "--set", "gatewayAPI.crds.enabled=false").returncode == 0
    kube.kubectl("annotate", "--overwrite", "crd", f"httproutes.{GROUP}", f"{GROUP}/bundle-version={BUNDLE}",
                 f"{GROUP}/channel=experimental")
    assert "experimental-channel httproutes" in _guard(kube).stderr
