"""Both elasticsearch-chart Ingresses carry the user's annotations next to the backend
protocol, their class, host and TLS secret."""

from __future__ import annotations

import pytest

from tests.helpers import of_kind, render

ANNOTATIONS = {"cert-manager.io/cluster-issuer": "lab-ca", "nginx.ingress.kubernetes.io/proxy-body-size": "50m"}


@pytest.mark.parametrize("which, host", [("elasticsearch", "es.example.org"), ("kibana", "kb.example.org")])
def test_elasticsearch_chart_ingress_keeps_user_annotations(which: str, host: str) -> None:
    values = {"ingress": {which: {"enabled": True, "host": host, "annotations": ANNOTATIONS,
                                  "tls": {"enabled": True, "secretName": f"{which}-tls"}}},
              "kibana": {"enabled": True}}
    [ing] = [i for i in of_kind(render("elasticsearch", values), "Ingress") if i["spec"]["rules"][0]["host"] == host]
    annotations = ing["metadata"]["annotations"]
    assert {k: annotations.get(k) for k in ANNOTATIONS} == ANNOTATIONS
    assert annotations["nginx.ingress.kubernetes.io/backend-protocol"] in ("HTTP", "HTTPS")
    assert ing["spec"]["ingressClassName"] == "nginx"
    assert ing["spec"]["tls"] == [{"hosts": [host], "secretName": f"{which}-tls"}]
