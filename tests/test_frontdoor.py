"""The platform's front door: ingress-nginx, Traefik or both for the cutover, the lab's migration
overlays, and the app charts' Gateway API routes (rendered; tests/test_edge.py sends requests)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.helpers import ROOT, of_kind, render, render_error

LAB = ["values/lab.yaml"]
CUTOVER = [*LAB, "values/lab-traefik-cutover.yaml"]
AFTER = [*LAB, "values/lab-traefik.yaml"]


def named(objs: list[dict], kind: str, name: str) -> dict:
    found = [o for o in of_kind(objs, kind) if o["metadata"]["name"] == name]
    assert len(found) == 1, (kind, name, [o["metadata"]["name"] for o in of_kind(objs, kind)])
    return found[0]


def classes(objs: list[dict]) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in of_kind(objs, "IngressClass")}


def test_the_lab_keeps_ingress_nginx() -> None:
    objs = render("platform", values_files=LAB)
    assert not [o for o in objs if o["metadata"].get("labels", {}).get("app.kubernetes.io/name") == "traefik"]
    assert classes(objs)["nginx"]["spec"]["controller"] == "k8s.io/ingress-nginx"


def test_cutover_runs_both_each_at_its_own_address() -> None:
    objs = render("platform", values_files=CUTOVER, release="platform")
    nginx = named(objs, "Service", "platform-ingress-nginx-controller")
    traefik = named(objs, "Service", "platform-traefik")
    lab = yaml.safe_load((ROOT / "values/lab.yaml").read_text())["ingress-nginx"]["controller"]["service"]
    assert nginx["metadata"]["annotations"]["metallb.io/loadBalancerIPs"] == lab["loadBalancerIP"]
    assert traefik["metadata"]["annotations"]["metallb.io/loadBalancerIPs"] == "10.0.0.14"
    assert traefik["metadata"]["namespace"] == "traefik"
    ns = named(objs, "Namespace", "traefik")
    assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    # one owner for the nginx class, which Traefik serves without touching the Ingress status
    nginx_class = classes(objs)["nginx"]
    assert nginx_class["metadata"]["labels"]["app.kubernetes.io/name"] == "ingress-nginx"
    args = named(objs, "Deployment", "platform-traefik")["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "--providers.kubernetesIngressNGINX.ingressClass=nginx" in args
    assert not [a for a in args if a.startswith("--providers.kubernetesIngressNGINX.publishService")]


def test_after_the_move_traefik_owns_the_nginx_class_alone() -> None:
    objs = render("platform", values_files=AFTER, release="platform")
    assert not [o for o in objs if o["metadata"].get("labels", {}).get("app.kubernetes.io/name") == "ingress-nginx"]
    nginx_class = classes(objs)["nginx"]
    assert nginx_class["metadata"]["labels"]["app.kubernetes.io/name"] == "traefik"
    assert nginx_class["spec"]["controller"] == "k8s.io/ingress-nginx"  # the Ingresses stay unchanged
    assert nginx_class["metadata"]["annotations"]["ingressclass.kubernetes.io/is-default-class"] == "true"
    args = named(objs, "Deployment", "platform-traefik")["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "--providers.kubernetesIngressNGINX.publishService=$(POD_NAMESPACE)/platform-traefik" in args


def _traefik(path: str) -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / path).read_text())["traefik"])


def test_the_two_overlays_differ_only_where_the_cutover_must() -> None:
    during, after = _traefik("values/lab-traefik-cutover.yaml"), _traefik("values/lab-traefik.yaml")
    nd, na = during["providers"]["kubernetesIngressNginx"], after["providers"]["kubernetesIngressNginx"]
    assert (nd["publishService"], na["publishService"]) == (False, True)
    assert "ingressClassResource" not in nd and na["ingressClassResource"] == {"create": True, "default": True}
    for block in (during, after):
        block["providers"]["kubernetesIngressNginx"] = {k: v for k, v in block["providers"]["kubernetesIngressNginx"].items()
                                                         if k not in ("publishService", "ingressClassResource")}
    assert during == after


FRONT_DOOR_BAD = [
    ({"traefik": {"enabled": True}}, "frontDoor.controller is ingress-nginx but traefik.enabled is true"),
    ({"frontDoor": {"controller": "traefik"}, "traefik": {"enabled": True}},
     "frontDoor.controller is traefik but ingress-nginx.enabled is true"),
    ({"frontDoor": {"controller": "both"}, "traefik": {"enabled": True}},
     "traefik.providers.kubernetesIngressNginx.publishService is true while ingress-nginx serves the same IngressClass"),
    ({"frontDoor": {"controller": "both"}, "traefik": {"enabled": True, "providers": {"kubernetesIngressNginx": {
        "publishService": False, "ingressClassResource": {"create": True}}}}},
     'traefik.providers.kubernetesIngressNginx.ingressClassResource.create renders IngressClass "nginx"'),
    ({"frontDoor": {"controller": "both"}, "traefik": {"enabled": True, "ingressClass": {"name": "nginx"},
                                                       "providers": {"kubernetesIngressNginx": {"ingressClass": "other"}}}},
     'traefik.ingressClass.name renders IngressClass "nginx"'),
    ({"frontDoor": {"controller": "both"}, "traefik": {"enabled": True, "providers": {"kubernetesIngressNginx": {
        "publishService": False, "controllerClass": "example.com/other"}}}},
     "traefik.providers.kubernetesIngressNginx.controllerClass (example.com/other) differs"),
    ({"frontDoor": {"controller": "both"}, "traefik": {"enabled": True, "ingressClass": {"isDefaultClass": True},
                                                       "providers": {"kubernetesIngressNginx": {"publishService": False}}}},
     "traefik.ingressClass.isDefaultClass makes a second default IngressClass"),
    ({"frontDoor": {"controller": "both"}, "ingress-nginx": {"controller": {"service": {"loadBalancerIP": "10.0.0.20"}}},
      "traefik": {"enabled": True, "service": {"loadBalancerIP": "10.0.0.20"},
                  "providers": {"kubernetesIngressNginx": {"publishService": False}}}},
     "traefik.service.loadBalancerIP (10.0.0.20) is ingress-nginx's address too"),
    ({"frontDoor": {"controller": "both"}, "traefik": {"enabled": True, "service": {"loadBalancerIP": "10.0.0.99"},
                                                       "providers": {"kubernetesIngressNginx": {"publishService": False}}}},
     'traefik.service.loadBalancerIP "10.0.0.99" is not inside any MetalLB pool'),
    ({"frontDoor": {"controller": "both"}, "traefik": {"enabled": True, "service": {"loadBalancerClass": "x.io/lb"},
                                                       "providers": {"kubernetesIngressNginx": {"publishService": False}}}},
     "traefik.service.loadBalancerClass"),
    ({"frontDoor": {"controller": "nginx"}}, "/frontDoor/controller"),
]


@pytest.mark.parametrize(("values", "fragment"), FRONT_DOOR_BAD, ids=[f for _, f in FRONT_DOOR_BAD])
def test_front_door_bad_input_is_refused_naming_the_key(values: dict, fragment: str) -> None:
    message = render_error("platform", values=values, values_files=LAB)
    assert fragment in message, message


def test_traefik_pinned_in_a_pool_nobody_announces_is_refused() -> None:
    values = {"frontDoor": {"controller": "traefik"}, "ingress-nginx": {"enabled": False},
              "traefik": {"enabled": True, "service": {"loadBalancerIP": "10.0.0.60"}},
              "metallb": {"addressPools": [{"name": "lab-pool", "addresses": ["10.0.0.10-10.0.0.12", "10.0.0.14-10.0.0.50"]},
                                           {"name": "quiet", "addresses": ["10.0.0.60-10.0.0.61"]}]}}
    assert 'lies in MetalLB pool "quiet", which no advertisement announces' in render_error(
        "platform", values=values, values_files=LAB)


# --- the apps' Gateway API routes ---------------------------------------------------------------------

def test_wordpress_route_defaults_to_the_ingress_host_and_the_service_port() -> None:
    objs = render("wordpress", values_files=["values/apps/wordpress-lab.yaml"], values={"httpRoute": {"enabled": True}},
                  release="wordpress")
    route = of_kind(objs, "HTTPRoute")[0]
    assert route["spec"]["hostnames"] == ["wordpress.feng.org"]
    assert route["spec"]["parentRefs"] == [{"group": "gateway.networking.k8s.io", "kind": "Gateway",
                                            "name": "platform-traefik", "namespace": "traefik",
                                            "sectionName": "websecure"}]
    (backend,) = route["spec"]["rules"][0]["backendRefs"]
    svc = named(objs, "Service", backend["name"])
    assert backend["port"] == svc["spec"]["ports"][0]["port"]
    assert of_kind(render("wordpress", values_files=["values/apps/wordpress-lab.yaml"]), "HTTPRoute") == []


def test_kibana_route_verifies_ecks_certificate() -> None:
    objs = render("elasticsearch", values_files=["values/apps/elasticsearch-lab.yaml"],
                  values={"httpRoute": {"kibana": {"enabled": True}}})
    route, policy = of_kind(objs, "HTTPRoute")[0], of_kind(objs, "BackendTLSPolicy")[0]
    assert route["spec"]["hostnames"] == ["kibana.feng.org"]
    svc = route["spec"]["rules"][0]["backendRefs"][0]["name"]
    assert svc == "my-es-cluster-kb-http" and route["spec"]["rules"][0]["backendRefs"][0]["port"] == 5601
    assert policy["spec"]["targetRefs"] == [{"group": "", "kind": "Service", "name": svc}]
    assert policy["spec"]["validation"] == {"caCertificateRefs": [{"group": "", "kind": "Secret", "name": f"{svc}-certs-public"}],
                                            "hostname": f"{svc}.demo.svc"}
    plain = render("elasticsearch", values_files=["values/apps/elasticsearch-lab.yaml"],
                   values={"httpRoute": {"kibana": {"enabled": True}}, "kibana": {"http": {"tls": {"mode": "disabled"}}}})
    assert of_kind(plain, "BackendTLSPolicy") == []


APP_BAD = [
    ("wordpress", {"httpRoute": {"enabled": True}}, "httpRoute.parentRefs is required"),
    ("wordpress", {"httpRoute": {"enabled": True, "parentRefs": [{"name": "gw"}]}, "ingress": {"host": ""}},
     "httpRoute.hostnames is empty and so is ingress.host"),
    ("wordpress", {"httpRoute": {"hostnames": ["not a host"]}}, "/httpRoute/hostnames/0"),
    ("wordpress", {"httpRoute": {"hostnames": ["a.feng.org", "a.feng.org"]}}, "/httpRoute/hostnames"),
    ("wordpress", {"httpRoute": {"parentRefs": [{"name": "gw", "port": 80}]}}, "/httpRoute/parentRefs/0"),
    ("wordpress", {"httpRoute": {"path": "relative"}}, "/httpRoute/path"),
    ("elasticsearch", {"httpRoute": {"kibana": {"enabled": True, "parentRefs": [{"name": "gw"}]}}},
     "httpRoute.kibana.enabled is true but kibana.enabled is false"),
    ("elasticsearch", {"kibana": {"enabled": True}, "httpRoute": {"kibana": {"enabled": True}}},
     "httpRoute.kibana.parentRefs is required"),
    ("elasticsearch", {"kibana": {"enabled": True}, "httpRoute": {"kibana": {"enabled": True, "parentRefs": [{"name": "gw"}]}}},
     "httpRoute.kibana.hostnames is empty and so is ingress.kibana.host"),
    ("elasticsearch", {"httpRoute": {"kibana": {"hostnames": ["Kibana.feng.org"]}}}, "/httpRoute/kibana/hostnames/0"),
]


@pytest.mark.parametrize(("chart", "values", "fragment"), APP_BAD, ids=[f for _, _, f in APP_BAD])
def test_app_route_bad_input_is_refused_naming_the_key(chart: str, values: dict, fragment: str) -> None:
    files = {"wordpress": ["charts/wordpress/ci/defaults-values.yaml"],
             "elasticsearch": ["charts/elasticsearch/ci/defaults-values.yaml"]}[chart]
    message = render_error(chart, values=values, values_files=files)
    assert fragment in message, message
