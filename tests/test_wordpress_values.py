"""WordPress values that must reach the objects: the startup probe's budget (first start
copies WordPress into the volume) and the user's Ingress annotations."""

from __future__ import annotations

from tests.helpers import containers, one, render


def test_wordpress_startup_probe_takes_the_values_budget() -> None:
    [c] = [c for c in containers(one(render("wordpress"), "Deployment"), init=False) if c["name"] == "wordpress"]
    probe = c["startupProbe"]
    assert (probe["periodSeconds"], probe["timeoutSeconds"], probe["failureThreshold"]) == (5, 3, 60)
    assert (probe.get("httpGet") or probe.get("tcpSocket") or {}).get("port") == "http"


def test_wordpress_ingress_keeps_user_annotations() -> None:
    annotations = {"cert-manager.io/cluster-issuer": "lab-ca", "example.org/team": "web"}
    ing = one(render("wordpress", {"ingress": {"enabled": True, "annotations": annotations}}), "Ingress")
    got = ing["metadata"]["annotations"]
    assert {k: got.get(k) for k in annotations} == annotations
    assert "nginx.ingress.kubernetes.io/proxy-body-size" in got, "the chart's own annotation stays"
