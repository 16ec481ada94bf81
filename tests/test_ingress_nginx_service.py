"""The controller Service speaks what the pods serve: 80 → http and 443 → https, with the
appProtocol that L7-aware load balancers and meshes read (upstream sets it too)."""

from __future__ import annotations

from tests.helpers import of_kind, render


def test_ingress_nginx_service_ports_and_app_protocols() -> None:
    svc = next(s for s in of_kind(render("ingress-nginx"), "Service") if s["metadata"]["name"].endswith("-controller"))
    ports = {p["name"]: (p["port"], p["targetPort"], p.get("protocol", "TCP"), p.get("appProtocol"))
             for p in svc["spec"]["ports"]}
    assert ports["http"] == (80, "http", "TCP", "http")
    assert ports["https"] == (443, "https", "TCP", "https")
