"""Real requests through the front door, on the built-in control plane (plane "edge").

Traefik, built from its Go module at the traefik chart's appVersion, runs as the platform's Traefik
pod (the chart's argv, env, volumes and token; `chartops.testbed.harness`); the real MetalLB
controller hands out the Services' addresses; echo servers stand in for the backend pods at their
pod IPs and ports (`chartops.testbed.standins`) and report what reached them. The platform is
installed as the README says, then moved to Traefik with the README's own commands: both side by
side (values/lab-traefik-cutover.yaml), then ingress-nginx removed (values/lab-traefik.yaml).

The module's tests run in file order on one Traefik run: the Ingress tests, the app charts' Gateway
API routes, then the last migration step. ingress-nginx's own controller is never run (it needs
nginx with Lua): its Service and IngressClass are what MetalLB and Traefik see of it.
"""

from __future__ import annotations

import base64
import json
import re
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from chartops import ingresscheck as ic
from chartops.testbed import controllers, harness, standins
from chartops.testbed import plane as plane_mod
from chartops.testbed.controllers import traefik
from chartops.testbed.harness import Running
from chartops.testbed.standins import StandIn
from tests import promql
from tests.cluster_helpers import (
    Kube,
    go_module_dir,
    helm_command,
    helm_past_metallb_webhook,
    kubeadm_coredns_objects,
    lb_ingress,
    readme_commands,
)
from tests.helpers import ROOT, of_kind, render

pytestmark = pytest.mark.cluster

TRAEFIK_NS, TRAEFIK = "traefik", "platform-traefik"
WEB, WEBSECURE, METRICS = 8000, 8443, 9100
MIGRATION = "## Moving the front door to Traefik"
# ingress-nginx's own controller cannot run here (nginx with Lua), so its admission webhook would have
# no server and refuse every Ingress: the one thing the tests change in the README's commands.
NO_NGINX_WEBHOOK = ("--set", "ingress-nginx.controller.admissionWebhook.enabled=false")


@dataclass
class Edge:
    kube: Kube
    traefik: Running
    ca: bytes  # the chart's generated CA (Secret platform-traefik-default-cert)
    backends: dict[str, list[StandIn]] = field(default_factory=dict)
    runs: list[Running] = field(default_factory=list)

    @property
    def ip(self) -> str:
        return self.traefik.ip

    def get(self, host: str, path: str = "/", *, tls: bool = False, ca: bool = True, **kwargs: Any) -> traefik.Response:
        return traefik.request(self.ip, WEBSECURE if tls else WEB, host, path, tls=tls, ca=self.ca if tls and ca else None,
                               **kwargs)

    def backend_names(self, workload: str) -> set[str]:
        return {s.name for s in self.backends[workload]}


def _cert(tmp: Path, names: list[str]) -> tuple[Path, Path, bytes]:
    """A CA and a serving certificate for names (as ECK makes Kibana's): cert, key, CA (PEM)."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=kibana-ca", "-days", "30"],
                   cwd=tmp, check=True, capture_output=True)
    (tmp / "ext").write_text("subjectAltName=" + ",".join(f"DNS:{n}" for n in names) + "\n")
    subprocess.run(["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", "tls.key", "-out", "tls.csr", "-subj", f"/CN={names[0]}"], cwd=tmp, check=True,
                   capture_output=True)
    subprocess.run(["openssl", "x509", "-req", "-in", "tls.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                    "-days", "30", "-extfile", "ext", "-out", "tls.crt"], cwd=tmp, check=True, capture_output=True)
    return tmp / "tls.crt", tmp / "tls.key", (tmp / "ca.crt").read_bytes()


def _app(name: str, namespace: str, port: int, labels: dict[str, str] | None = None,
         port_name: str = "http") -> list[dict[str, Any]]:
    """A Deployment and its Service, as `kubectl create deployment` and `kubectl expose` make them."""
    labels = labels or {"app": name}
    return [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": namespace},
         "spec": {"replicas": 1, "selector": {"matchLabels": labels}, "template": {
             "metadata": {"labels": labels},
             "spec": {"containers": [{"name": name, "image": "registry.feng.org/echo:1",
                                      "ports": [{"containerPort": port}]}]}}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": namespace},
         "spec": {"selector": labels, "ports": [{"name": port_name, "port": port, "targetPort": port}]}},
    ]


def _proof_ingress(proof: ic.Proof) -> dict[str, Any]:
    backend = "proof-echo-tls" if proof.backend_tls else "proof-echo"
    spec: dict[str, Any] = {"ingressClassName": "nginx", "rules": [{"host": proof.host, "http": {"paths": [
        {"path": proof.path, "pathType": proof.path_type,
         "backend": {"service": {"name": backend, "port": {"number": 8443 if proof.backend_tls else 8080}}}}]}}]}
    if proof.tls:
        spec["tls"] = [{"hosts": [proof.host]}]
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": proof.name, "namespace": "proofs", "annotations": dict(proof.annotations)},
            "spec": spec}


def _wait_status(edge: Edge, host: str, status: int, path: str = "/", timeout: float = 60, **kwargs: Any) -> None:
    """Traefik applies a change a moment after the API server has it: ask until it answers so."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        assert edge.traefik.alive(), edge.traefik.logs()[-3000:]
        try:
            last = edge.get(host, path, **kwargs).status
            if last == status:
                return
        except OSError as err:
            last = err
        time.sleep(0.5)
    raise AssertionError(f"{host}{path}: {last}, not {status}, after {timeout:.0f} s\n{edge.traefik.logs()[-3000:]}")


@pytest.fixture(scope="module")
def edge(kube: Kube) -> Iterator[Edge]:
    if not kube.builtin:
        pytest.skip("Traefik and the echo servers need the built-in control plane's pod network (KUBECONFIG unset)")
    for name in ("metallb", "traefik"):
        controllers.get(name).build()  # no-ops once `invoke tools` built them
    plane_mod.up(fresh=True, plane=kube.plane)
    runs: list[Running] = []
    try:
        yield _setup(kube, runs)
    finally:
        try:
            harness.stop_all()
        finally:
            standins.stop_all()  # also when a controller's stop failed: no server outlives the module
        for run in runs:
            print(f"--- {run.controller.name} log ({run.log_path})\n{run.logs()[-4000:]}")


def _setup(kube: Kube, runs: list[Running]) -> Edge:
    kube.create(kubeadm_coredns_objects(), manager="kubeadm")
    # the platform as the README installs it on a cluster with its network, through MetalLB's webhook
    text = " ".join((ROOT / "charts/platform/README.md").read_text().split())
    one_step = re.search(r"`(helm upgrade --install platform ./charts/platform -f values/lab.yaml [^`]*--wait)`", text)
    assert one_step, "charts/platform/README.md documents no one-step install"
    started = harness.launch("metallb", "metallb-system", "Deployment", "platform-metallb-controller")
    runs.append(helm_past_metallb_webhook(kube, f"{one_step.group(1)} {' '.join(NO_NGINX_WEBHOOK)}", started))
    # the lab's own app and its regex rewrite Ingress, made as the lab made them
    kube.kubectl("create", "deployment", "myapp1", "--image=registry.feng.org/myapp:1", "--port=80")
    kube.kubectl("expose", "deployment", "myapp1", "--port=80")
    kube.kubectl("create", "ingress", "demo-ingress2", "--rule=myapp.feng.org/v1(/|$)(.*)=myapp1:80", "--class=nginx",
                 "--annotation", "nginx.ingress.kubernetes.io/rewrite-target=/$2")
    literal = kube.get("ingress", "demo-ingress2")
    assert literal["spec"]["rules"][0]["http"]["paths"][0]["pathType"] == "Exact"  # what the lab has
    # the same Ingress for a host no regexRoutes entry names: what Traefik does with it alone
    literal["metadata"] = {"name": "demo-literal", "namespace": "default",
                           "annotations": literal["metadata"]["annotations"]}
    literal["spec"]["rules"][0]["host"] = "myapp-literal.feng.org"
    literal.pop("status", None)
    kube.apply(literal)
    # WordPress from its lab overlay, as the README installs it
    kube.helm("install", "wordpress", "./charts/wordpress", "-n", "wordpress", "--create-namespace",
              "-f", "values/apps/wordpress-lab.yaml", "--wait", "--timeout", "10m", timeout=900)
    # Kibana's Ingress from the elasticsearch lab overlay; its Service, pods and certificate are what
    # ECK would make (the operator itself is tests/test_controllers.py's)
    kube.kubectl("create", "namespace", "demo")
    kibana_ing = of_kind(render("elasticsearch", values_files=["values/apps/elasticsearch-lab.yaml"],
                                release="elasticsearch"), "Ingress")
    assert [i["spec"]["rules"][0]["host"] for i in kibana_ing] == ["kibana.feng.org"]
    kube.apply(kibana_ing)
    tmp = Path(tempfile.mkdtemp(prefix="edge-", dir=plane_mod.state_dir(plane=kube.plane)))
    kb_names = ["my-es-cluster-kb-http.demo.svc", "my-es-cluster-kb-http.demo.svc.cluster.local",
                "my-es-cluster-kb-http.demo", "my-es-cluster-kb-http"]
    kb_cert, kb_key, kb_ca = _cert(tmp, kb_names)
    kube.apply(_app("my-es-cluster-kb", "demo", 5601, {"kibana.k8s.elastic.co/name": "my-es-cluster"},
                    port_name="https")[:1])
    kube.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "my-es-cluster-kb-http", "namespace": "demo"},
                "spec": {"selector": {"kibana.k8s.elastic.co/name": "my-es-cluster"},
                         "ports": [{"name": "https", "port": 5601, "targetPort": 5601}]}})
    kube.apply({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "my-es-cluster-kb-http-certs-public",
                                                                   "namespace": "demo"},
                "stringData": {"ca.crt": kb_ca.decode(), "tls.crt": kb_cert.read_text()}})
    # one Ingress per annotation proof, to two echo backends (plain and HTTPS)
    kube.kubectl("create", "namespace", "proofs")
    kube.apply([*_app("proof-echo", "proofs", 8080), *_app("proof-echo-tls", "proofs", 8443, port_name="https")])
    kube.apply([_proof_ingress(p) for p in ic.PROOFS])
    # step 1 of the migration, as the README says: Traefik beside ingress-nginx
    step1 = readme_commands("README.md", MIGRATION)[0]
    assert "values/lab-traefik-cutover.yaml" in step1
    helm_command(kube, step1, *NO_NGINX_WEBHOOK)
    echo = traefik.echo_backends
    backends = {
        "myapp1": echo("default", "Deployment", "myapp1"),
        "wordpress": echo("wordpress", "Deployment", "wordpress", container="wordpress"),
        "kibana": echo("demo", "Deployment", "my-es-cluster-kb", tls=(kb_cert, kb_key)),
        "proof-echo": echo("proofs", "Deployment", "proof-echo"),
        "proof-echo-tls": echo("proofs", "Deployment", "proof-echo-tls", tls=(kb_cert, kb_key)),
    }
    run = harness.start("traefik", TRAEFIK_NS, "Deployment", TRAEFIK)
    runs.append(run)
    run.wait_ready()
    secret = kube.get("secret", "platform-traefik-default-cert", "-n", TRAEFIK_NS)
    edge = Edge(kube, run, base64.b64decode(secret["data"]["ca.crt"]), backends, runs)
    _wait_status(edge, "wordpress.feng.org", 200)
    return edge


def _echo(resp: traefik.Response) -> dict[str, Any]:
    assert resp.status == 200, (resp.status, resp.body[:300])
    assert resp.header("Content-Type") == "application/json", resp.headers
    return dict(resp.json())


# --- addresses ------------------------------------------------------------------------------------

def test_metallb_gives_traefik_its_pinned_address_beside_ingress_nginx(edge: Edge) -> None:
    kube = edge.kube
    want = yaml.safe_load((ROOT / "values/lab-traefik-cutover.yaml").read_text())["traefik"]["service"]["loadBalancerIP"]
    nginx = yaml.safe_load((ROOT / "values/lab.yaml").read_text())["ingress-nginx"]["controller"]["service"]
    kube.wait_for(f"{want} on Traefik's Service", lambda: lb_ingress(kube, TRAEFIK, TRAEFIK_NS) == [want])
    kube.wait_for("ingress-nginx's address", lambda: lb_ingress(
        kube, "platform-ingress-nginx-controller", "ingress-nginx") == [nginx["loadBalancerIP"]])
    assert want != nginx["loadBalancerIP"]


# --- the lab's Ingresses, unchanged -------------------------------------------------------------------

@pytest.mark.parametrize("path, backend_path, query", [
    ("/v1", "/", ""), ("/v1/", "/", ""), ("/v1/foo", "/foo", ""), ("/V1/foo/bar?x=1&y=2", "/foo/bar", "x=1&y=2"),
])
def test_the_labs_regex_rewrite_reaches_the_backend_rewritten(edge: Edge, path: str, backend_path: str,
                                                                query: str) -> None:
    for tls in (False, True):
        got = _echo(edge.get("myapp.feng.org", path, tls=tls))
        assert (got["path"], got["query"]) == (backend_path, query)
        assert got["host"] == "myapp.feng.org" and got["server"] in edge.backend_names("myapp1")


def test_the_labs_regex_ingress_without_its_route_is_matched_literally(edge: Edge) -> None:
    """Why the overlay carries regexRoutes, and why ingress-check says `needs a route`."""
    assert edge.get("myapp-literal.feng.org", "/v1/foo").status == 404
    assert edge.get("myapp-literal.feng.org", "/v1").status == 404
    (_, path) = ic.check([edge.kube.get("ingress", "demo-literal")])
    assert path.verdict == ic.NEEDS_ROUTE


def test_wordpress_ingress_reaches_wordpress(edge: Edge) -> None:
    got = _echo(edge.get("wordpress.feng.org", "/wp-login.php?redirect_to=%2F"))
    assert got["server"] in edge.backend_names("wordpress")
    assert (got["host"], got["path"], got["query"], got["method"]) == (
        "wordpress.feng.org", "/wp-login.php", "redirect_to=%2F", "GET")
    assert got["peer"] == edge.ip  # the request came through Traefik's pod


def test_kibana_ingress_reaches_kibana_over_its_https_backend(edge: Edge) -> None:
    got = _echo(edge.get("kibana.feng.org", "/app/home", tls=True))
    assert got["server"] in edge.backend_names("kibana") and got["tls"] is True and got["path"] == "/app/home"


def test_tls_terminates_with_the_charts_certificate(edge: Edge) -> None:
    resp = edge.get("wordpress.feng.org", tls=True)  # the handshake verifies the chain and the name
    sans = {v for k, v in resp.peer_cert["subjectAltName"] if k == "DNS"}
    assert sans == {"*.feng.org", "feng.org"}
    with pytest.raises(ssl.SSLCertVerificationError, match="Hostname mismatch|doesn't match"):
        edge.get("wordpress.example.org", tls=True)
    with pytest.raises(ssl.SSLCertVerificationError):
        traefik.request(edge.ip, WEBSECURE, "wordpress.feng.org", tls=True, ca=_other_ca())


def _other_ca() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        return _cert(Path(tmp), ["wordpress.feng.org"])[2]


def test_backend_sees_https_and_the_client_address(edge: Edge) -> None:
    headers = _echo(edge.get("wordpress.feng.org", "/", tls=True))["headers"]
    assert headers["X-Forwarded-Proto"] == "https"
    assert headers["X-Forwarded-For"] == headers["X-Real-Ip"] == traefik.CLIENT_IP
    assert headers["X-Forwarded-Host"] == "wordpress.feng.org"
    # a client's own forwarding headers are not believed (it is no trusted proxy)
    spoofed = _echo(edge.get("wordpress.feng.org", "/", tls=True, headers={"X-Forwarded-For": "1.2.3.4",
                                                                           "X-Forwarded-Proto": "http"}))
    assert spoofed["headers"]["X-Forwarded-For"] == traefik.CLIENT_IP
    assert spoofed["headers"]["X-Forwarded-Proto"] == "https"


def test_an_unknown_host_gets_traefiks_404(edge: Edge) -> None:
    for tls in (False, True):
        resp = edge.get("nobody.example.org", "/", tls=tls, ca=False)
        assert resp.status == 404 and resp.body == b"404 page not found\n"


@pytest.mark.parametrize("proof", ic.PROOFS, ids=[p.name for p in ic.PROOFS])
def test_annotation_proof(edge: Edge, proof: ic.Proof) -> None:
    """What `invoke ingress-check` calls honoured: each proof's request, through Traefik."""
    body = b"x" * proof.request_body if proof.request_body else None
    headers = {"X-Echo-Delay": str(proof.backend_delay)} if proof.backend_delay else {}
    resp = edge.get(proof.host, proof.request_path, tls=proof.request_tls, ca=False, method="POST" if body else "GET",
                    body=body, headers=headers)
    assert resp.status == proof.status, (resp.status, resp.headers, resp.body[:300])
    if proof.location is not None:
        assert resp.header("Location") == proof.location
    if proof.status == 200:
        got = resp.json()
        if proof.backend_path is not None:
            assert got["path"] == proof.backend_path
        if proof.backend_tls_seen is not None:
            assert got["tls"] is proof.backend_tls_seen
        if body:
            assert got["body_bytes"] == len(body)


# --- the same routes through Gateway API, rendered by the app charts ------------------------------------

def _route_accepted(kube: Kube, namespace: str, name: str) -> bool:
    route = kube.get("httproute", name, "-n", namespace)
    parents = route.get("status", {}).get("parents", [])
    return any(p.get("controllerName") == "traefik.io/gateway-controller" and any(
        c["type"] == "Accepted" and c["status"] == "True" for c in p.get("conditions", [])) for p in parents)


def test_the_app_charts_routes_through_the_gateway(edge: Edge) -> None:
    kube = edge.kube
    # the apps move from their Ingresses to HTTPRoutes on Traefik's Gateway
    kube.helm("upgrade", "wordpress", "./charts/wordpress", "-n", "wordpress", "-f", "values/apps/wordpress-lab.yaml",
              "--set", "httpRoute.enabled=true,ingress.enabled=false", "--wait", timeout=900)
    kube.kubectl("delete", "ingress", "-n", "demo", "--all")
    objs = render("elasticsearch", values_files=["values/apps/elasticsearch-lab.yaml"], release="elasticsearch",
                  values={"httpRoute": {"kibana": {"enabled": True}}, "ingress": {"kibana": {"enabled": False}}})
    kube.apply(of_kind(objs, "HTTPRoute") + of_kind(objs, "BackendTLSPolicy"))
    kube.wait_for("Traefik to accept WordPress's HTTPRoute", lambda: _route_accepted(kube, "wordpress", "wordpress"))
    kibana_route = of_kind(objs, "HTTPRoute")[0]["metadata"]["name"]
    kube.wait_for("Traefik to accept Kibana's HTTPRoute", lambda: _route_accepted(kube, "demo", kibana_route))
    assert not kube.get("ingress", "-n", "wordpress")["items"]
    _wait_status(edge, "kibana.feng.org", 200, tls=True)
    wp = _echo(edge.get("wordpress.feng.org", "/", tls=True))
    assert wp["server"] in edge.backend_names("wordpress") and wp["headers"]["X-Forwarded-Proto"] == "https"
    kb = _echo(edge.get("kibana.feng.org", "/", tls=True))
    assert kb["server"] in edge.backend_names("kibana") and kb["tls"] is True  # ECK's certificate, verified
    gw = kube.get("gateway", TRAEFIK, "-n", TRAEFIK_NS)
    assert [a["value"] for a in gw["status"]["addresses"]] == [lb_ingress(kube, TRAEFIK, TRAEFIK_NS)[0]]
    # without the Gateway's verification the route is refused: the policy's CA is what makes it work
    kube.apply({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "my-es-cluster-kb-http-certs-public",
                                                                   "namespace": "demo"},
                "stringData": {"ca.crt": _other_ca().decode()}}, "chartops-test", "--force-conflicts")
    _wait_status(edge, "kibana.feng.org", 500, tls=True)


# --- policies -------------------------------------------------------------------------------------------

def test_network_policy_and_pdb_are_admitted_as_rendered(edge: Edge) -> None:
    kube = edge.kube
    np = kube.get("networkpolicy", TRAEFIK, "-n", TRAEFIK_NS)
    assert {p["port"] for p in np["spec"]["ingress"][0]["ports"]} == {"web", "websecure"}
    pdb = kube.get("poddisruptionbudget", TRAEFIK, "-n", TRAEFIK_NS)
    kube.wait_for("the PDB's status", lambda: kube.get("poddisruptionbudget", TRAEFIK, "-n", TRAEFIK_NS)
                  .get("status", {}).get("expectedPods") == 2)
    assert pdb["spec"]["minAvailable"] == 1


def test_service_monitor_is_admitted_by_the_prometheus_operators_crd(edge: Edge) -> None:
    crd = _prometheus_operator_crd("monitoring.coreos.com_servicemonitors.yaml")
    kube = edge.kube
    kube.kubectl("apply", "--server-side", "-f", str(crd))
    kube.wait_for("the ServiceMonitor CRD", lambda: kube.kubectl("get", "crd", "servicemonitors.monitoring.coreos.com",
                                                                 "-o", "jsonpath={.status.conditions[?(@.type=='Established')].status}")
                  .stdout == "True")
    objs = render("traefik", values_files=["charts/traefik/ci/lab-values.yaml"], release="platform",
                  namespace=TRAEFIK_NS, values={"metrics": {"serviceMonitor": {"enabled": True}}})
    body = json.dumps({"apiVersion": "v1", "kind": "List", "items": of_kind(objs, "ServiceMonitor")})
    out = kube.kubectl("apply", "--server-side", "--dry-run=server", "--validate=strict", "-f", "-", input=body)
    assert "servicemonitor.monitoring.coreos.com/platform-traefik serverside-applied" in out.stdout, out.stdout


def test_traefik_exposes_every_metric_its_alerts_and_dashboard_read(edge: Edge) -> None:
    """Traefik's own /metrics, after requests through it (plain and TLS), names every metric the chart's
    PrometheusRule and dashboard read: a renamed metric would leave an alert that never fires."""
    # over TLS: WordPress answers there through its Ingress and, once the gateway test moved it, its HTTPRoute
    _wait_status(edge, "wordpress.feng.org", 200, "/wp-login.php", tls=True)
    edge.get("kibana.feng.org", "/app/home", tls=True)
    text = traefik.request(edge.ip, METRICS, "metrics", "/metrics").body.decode()
    exposed = {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line and not line.startswith("#")}
    used = {n for e in promql.chart_expressions("traefik") for n in promql.metric_names(e)} - {"up"}  # Prometheus's
    assert {"traefik_service_requests_total", "traefik_tls_certs_not_after"} <= used
    assert not used - exposed, f"read by the chart but not exposed by Traefik: {sorted(used - exposed)}"


def _prometheus_operator_crd(name: str) -> Path:
    """A CRD of the Prometheus Operator's module (example/prometheus-operator-crd), from the Go module cache."""
    return go_module_dir("github.com/prometheus-operator/prometheus-operator", "v0.85.0") / "example/prometheus-operator-crd" / name


# --- the last step: ingress-nginx removed ---------------------------------------------------------------

def test_after_ingress_nginx_is_removed_traefik_serves_the_labs_ingresses_alone(edge: Edge) -> None:
    kube = edge.kube
    step4 = readme_commands("README.md", MIGRATION)[-1]
    assert "values/lab-traefik.yaml" in step4
    helm_command(kube, step4)
    assert not kube.exists("service", "platform-ingress-nginx-controller", "-n", "ingress-nginx")
    nginx_class = kube.get("ingressclass", "nginx")
    assert nginx_class["metadata"]["labels"]["app.kubernetes.io/name"] == "traefik"
    # the pod template changed (Traefik now writes the Ingress status): run the new pod
    edge.traefik.stop()
    harness.RUNNING.remove(edge.traefik)  # stopped: the fixture's stop_all must not stop it twice
    edge.traefik = harness.start("traefik", TRAEFIK_NS, "Deployment", TRAEFIK)
    edge.runs.append(edge.traefik)
    edge.traefik.wait_ready()
    _wait_status(edge, "myapp.feng.org", 200, "/v1/foo")
    assert _echo(edge.get("myapp.feng.org", "/v1/foo"))["path"] == "/foo"
    address = yaml.safe_load((ROOT / "values/lab-traefik.yaml").read_text())["traefik"]["service"]["loadBalancerIP"]
    assert lb_ingress(kube, TRAEFIK, TRAEFIK_NS) == [address]

    def status() -> list[str]:
        ing = kube.get("ingress", "demo-ingress2")
        return [i.get("ip", "") for i in ing.get("status", {}).get("loadBalancer", {}).get("ingress", [])]

    kube.wait_for("Traefik's address in the lab Ingress's status", lambda: status() == [address])


def test_traefiks_log_has_no_rbac_refusal(edge: Edge) -> None:
    found = [line for line in harness.iter_problems(edge.runs)]
    assert not found, "\n".join(found)
    assert edge.traefik.alive()
