"""`invoke ingress-check`: its verdicts, where they come from, and the task's exit codes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from chartops import ingresscheck as ic
from chartops.testbed.controllers import traefik
from tests.cluster_helpers import go_module_dir
from tests.helpers import ROOT, of_kind, render

LAB_INGRESS = {
    "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
    "metadata": {"name": "demo-ingress2", "namespace": "default",
                 "annotations": {"nginx.ingress.kubernetes.io/rewrite-target": "/$2"}},
    "spec": {"ingressClassName": "nginx", "rules": [{"host": "myapp.feng.org", "http": {"paths": [
        {"path": "/v1(/|$)(.*)", "pathType": "Exact",
         "backend": {"service": {"name": "myapp1", "port": {"number": 80}}}}]}}]},
}


def ingress(annotations: dict[str, str], klass: str = "nginx", name: str = "i") -> dict:
    return {"kind": "Ingress", "metadata": {"name": name, "namespace": "apps", "annotations": annotations},
            "spec": {"ingressClassName": klass, "rules": [{"host": "a.feng.org", "http": {"paths": [
                {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "a", "port": {"number": 80}}}}]}}]}}


def verdicts(findings: list[ic.Finding]) -> dict[str, str]:
    return {f.subject: f.verdict for f in findings}


def test_the_labs_regex_ingress_needs_the_route_the_lab_overlay_has() -> None:
    (annotation, path) = ic.check([LAB_INGRESS])
    assert (annotation.subject, annotation.verdict) == ("rewrite-target", ic.HONOURED)
    assert path.verdict == ic.NEEDS_ROUTE
    entry = json.loads(path.detail.split("regexRoutes: ", 1)[1])
    overlay = yaml.safe_load((ROOT / "values/lab-traefik-cutover.yaml").read_text())
    assert overlay["traefik"]["providers"]["kubernetesIngressNginx"]["regexRoutes"] == [entry]
    routes, klass = ic.traefik_values([ROOT / "values/lab-traefik-cutover.yaml"])
    assert klass == "nginx"
    assert verdicts(ic.check([LAB_INGRESS], regex_routes=routes))["path /v1(/|$)(.*)"] == ic.HONOURED


@pytest.mark.parametrize("path_type, annotations, needs", [
    ("Exact", {"nginx.ingress.kubernetes.io/use-regex": "true"}, True),
    ("Exact", {}, False),  # no regex asked for: a literal path is what the author wrote
    ("ImplementationSpecific", {"nginx.ingress.kubernetes.io/rewrite-target": "/$2"}, False),
    ("Prefix", {"nginx.ingress.kubernetes.io/use-regex": "true"}, False),
])
def test_only_exact_regex_paths_need_a_route(path_type: str, annotations: dict, needs: bool) -> None:
    ing = ingress(annotations)
    ing["spec"]["rules"][0]["http"]["paths"][0].update({"path": "/api(/|$)(.*)", "pathType": path_type})
    assert any(f.verdict == ic.NEEDS_ROUTE for f in ic.check([ing])) is needs


def test_verdict_kinds() -> None:
    found = verdicts(ic.check([ingress({
        "nginx.ingress.kubernetes.io/proxy-body-size": "8m",
        "nginx.ingress.kubernetes.io/configuration-snippet": "more_set_headers x",
        "nginx.ingress.kubernetes.io/enable-cors": "true",
        "nginx.ingress.kubernetes.io/mirror-target": "http://m",
        "cert-manager.io/cluster-issuer": "ca"})]))
    assert found == {"proxy-body-size": ic.HONOURED, "configuration-snippet": ic.BLOCKS,
                     "enable-cors": ic.UNPROVEN, "mirror-target": ic.IGNORED}


def test_other_classes_are_not_judged_and_ingress_nginx_honours_its_own() -> None:
    assert ic.check([ingress({"nginx.ingress.kubernetes.io/mirror-target": "x"}, klass="traefik")]) == []
    (f,) = ic.check([ingress({"nginx.ingress.kubernetes.io/mirror-target": "x"})], controller="ingress-nginx")
    assert f.verdict == ic.HONOURED
    with pytest.raises(ValueError, match="controller"):
        ic.check([], controller="haproxy")


def test_every_annotation_of_the_suites_charts_and_the_lab_is_honoured() -> None:
    """What the lab's Ingresses and this suite's charts write: honoured by a traffic test, or (the
    lab's Exact regex path) routed by the overlay's regexRoutes."""
    renders = [render("wordpress", values_files=["values/apps/wordpress-lab.yaml"]),
               render("wordpress", values_files=["charts/wordpress/ci/tls-ingress-values.yaml"]),
               render("elasticsearch", values_files=["values/apps/elasticsearch-lab.yaml"]),
               render("elasticsearch", values_files=["charts/elasticsearch/ci/kibana-ingress-values.yaml"])]
    ingresses = [LAB_INGRESS] + [i for objs in renders for i in of_kind(objs, "Ingress")]
    used = {k for i in ingresses for k in i["metadata"].get("annotations", {}) if k.startswith(ic.PREFIX)}
    assert {"nginx.ingress.kubernetes.io/proxy-body-size", "nginx.ingress.kubernetes.io/backend-protocol",
            "nginx.ingress.kubernetes.io/rewrite-target"} <= used
    routes, _ = ic.traefik_values([ROOT / "values/lab-traefik-cutover.yaml"])
    findings = ic.check(ingresses, regex_routes=routes)
    assert [f.line() for f in findings if f.verdict != ic.HONOURED] == []


def test_honoured_means_a_traffic_proof_that_can_fail() -> None:
    proved = ic.honoured()
    assert set(proved) == {n for p in ic.PROOFS for n in p.honours}
    for proof in ic.PROOFS:
        assert proof.honours and all(n in ic.TRAEFIK_READS for n in proof.honours), proof.name
        # each proof says what the client or the backend must see
        assert proof.status != 200 or proof.backend_path or proof.backend_tls_seen or proof.request_body, proof.name
    assert len({p.name for p in ic.PROOFS}) == len(ic.PROOFS)


def test_the_traffic_tests_run_every_proof() -> None:
    import tests.test_edge as edge

    marks = [m for m in edge.test_annotation_proof.pytestmark if m.name == "parametrize"]
    assert [p.name for p in marks[0].args[1]] == [p.name for p in ic.PROOFS]


def test_what_traefik_reads_is_its_sources_list() -> None:
    module = go_module_dir(traefik.CONTROLLER.module, traefik.CONTROLLER.pinned())
    source = (module / "pkg/provider/kubernetes/ingress-nginx/annotations.go").read_text()
    tags = set(re.findall(r'annotation:"nginx\.ingress\.kubernetes\.io/([^"]+)"', source))
    assert tags == ic.TRAEFIK_READS


# --- the task -------------------------------------------------------------------------------------

def inv(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False, env={**os.environ, "NO_COLOR": "1"})


def test_task_fails_on_what_needs_doing_and_passes_once_routed(tmp_path: Path) -> None:
    f = tmp_path / "lab.yaml"
    f.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": [LAB_INGRESS]}))
    out = inv("ingress-check", "--file", str(f))
    assert out.returncode == 1 and "needs a route" in out.stdout and '"rewriteTarget": "/$2"' in out.stdout
    ok = inv("ingress-check", "--file", str(f), "--values", "values/lab-traefik-cutover.yaml")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "2 honoured" in ok.stdout


def test_task_dry_run_and_usage_errors(tmp_path: Path) -> None:
    dry = inv("--dry", "ingress-check", "--kubeconfig", "/k")
    assert dry.returncode == 0 and dry.stdout.strip() == "kubectl get ingresses --all-namespaces -o json --kubeconfig /k"
    assert inv("ingress-check", "--controller", "haproxy").returncode == 2
    assert inv("ingress-check", "--file", str(tmp_path / "missing.yaml")).returncode == 2


def test_task_reports_a_cluster_it_cannot_read(tmp_path: Path) -> None:
    broken = tmp_path / "kubeconfig"
    broken.write_text("clusters: [unclosed\n")  # kubectl stops at loading it: nothing is dialed
    out = inv("ingress-check", "--kubeconfig", str(broken))
    assert out.returncode == 1 and "kubectl get ingresses" in out.stderr
