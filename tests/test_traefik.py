"""traefik: the front door's flags, Services, certificate, Gateway, RBAC and policies as the cluster
would see them, and the bad inputs it refuses. What Traefik does with them is tests/test_edge.py's."""

from __future__ import annotations

import base64
import datetime
import ipaddress

import pytest
import yaml
from cryptography import x509

from tests.helpers import ROOT, containers, of_kind, one, pod_spec, render, render_error

CHART = "traefik"
CI = "charts/traefik/ci/"
DEFAULTS = [CI + "defaults-values.yaml"]
LAB = [CI + "lab-values.yaml"]
GATEWAY = [CI + "gateway-values.yaml"]
HPA = [CI + "hpa-values.yaml"]
NODEPORT = [CI + "nodeport-values.yaml"]
CUTOVER = [CI + "cutover-values.yaml"]
NAME = "test-traefik"


def args_of(objs: list[dict]) -> dict[str, str]:
    """Traefik's flags as {flag: value} (a flag given twice would be lost: see the test below)."""
    out = {}
    for arg in containers(one(objs, "Deployment"))[0]["args"]:
        flag, _, value = arg.partition("=")
        out[flag] = value
    return out


def dynamic_config(objs: list[dict]) -> dict:
    cm = [o for o in of_kind(objs, "ConfigMap") if o["metadata"]["name"] == f"{NAME}-dynamic"]
    return yaml.safe_load(one(cm, "ConfigMap")["data"]["chart.yaml"])


# --- flags ------------------------------------------------------------------------------------

def test_no_flag_is_given_twice() -> None:
    for files in (DEFAULTS, LAB, GATEWAY, HPA, NODEPORT):
        flags = [a.partition("=")[0] for a in containers(one(render(CHART, values_files=files), "Deployment"))[0]["args"]]
        assert len(flags) == len(set(flags)), files


def test_defaults_serve_the_three_providers_and_never_call_home() -> None:
    args = args_of(render(CHART, values_files=DEFAULTS))
    assert args["--providers.kubernetesIngress"] == args["--providers.kubernetesIngressNGINX"] == "true"
    assert args["--providers.kubernetesGateway"] == "true"
    assert args["--global.checkNewVersion"] == args["--global.sendAnonymousUsage"] == "false"
    assert args["--providers.kubernetesIngressNGINX.ingressClass"] == "nginx"
    assert args["--providers.kubernetesIngressNGINX.controllerClass"] == "k8s.io/ingress-nginx"
    assert args["--providers.kubernetesIngress.ingressClass"] == "traefik"


@pytest.mark.parametrize("provider, flag", [
    ("kubernetesIngress", "--providers.kubernetesIngress"),
    ("kubernetesIngressNginx", "--providers.kubernetesIngressNGINX"),
    ("kubernetesGateway", "--providers.kubernetesGateway"),
])
def test_each_provider_switches_off_with_its_flags_and_rbac(provider: str, flag: str) -> None:
    objs = render(CHART, values={"providers": {provider: {"enabled": False}}})
    assert not [a for a in args_of(objs) if a == flag or a.startswith(flag + ".")]
    rules = one(objs, "ClusterRole")["rules"]
    groups = {g for r in rules for g in r["apiGroups"]}
    if provider == "kubernetesGateway":
        assert "gateway.networking.k8s.io" not in groups
        assert not of_kind(objs, "Gateway") and not of_kind(objs, "GatewayClass")
    else:
        assert "networking.k8s.io" in groups  # the other Ingress provider still needs them


def test_no_provider_no_cluster_role() -> None:
    objs = render(CHART, values={"providers": {p: {"enabled": False} for p in
                                               ("kubernetesIngress", "kubernetesIngressNginx", "kubernetesGateway")}})
    assert not of_kind(objs, "ClusterRole") and not of_kind(objs, "ClusterRoleBinding")


def test_class_from_values_reaches_the_provider_and_its_ingressclass() -> None:
    objs = render(CHART, values={"providers": {"kubernetesIngressNginx": {
        "ingressClass": "legacy", "ingressClassResource": {"create": True, "default": True}}}})
    assert args_of(objs)["--providers.kubernetesIngressNGINX.ingressClass"] == "legacy"
    ic = [i for i in of_kind(objs, "IngressClass") if i["metadata"]["name"] == "legacy"]
    assert one(ic, "IngressClass")["spec"]["controller"] == "k8s.io/ingress-nginx"
    assert ic[0]["metadata"]["annotations"] == {"ingressclass.kubernetes.io/is-default-class": "true"}


def test_the_nginx_class_is_left_to_ingress_nginx_by_default() -> None:
    names = [i["metadata"]["name"] for i in of_kind(render(CHART, values_files=DEFAULTS), "IngressClass")]
    assert names == ["traefik"]


def test_cutover_leaves_the_ingress_status_to_ingress_nginx() -> None:
    args = args_of(render(CHART, values_files=CUTOVER))
    assert "--providers.kubernetesIngressNGINX.publishService" not in args
    assert args["--providers.kubernetesIngressNGINX.strictValidatePathType"] == "false"
    assert args_of(render(CHART, values_files=DEFAULTS))["--providers.kubernetesIngressNGINX.publishService"] == \
        f"$(POD_NAMESPACE)/{NAME}"


def test_entry_points_match_the_container_ports_and_the_service() -> None:
    objs = render(CHART, values_files=LAB)
    args = args_of(objs)
    ports = {p["name"]: p["containerPort"] for p in containers(one(objs, "Deployment"))[0]["ports"]}
    for name in ("web", "websecure", "traefik", "metrics"):
        assert args[f"--entryPoints.{name}.address"] == f":{ports[name]}/tcp"
    svc = [s for s in of_kind(objs, "Service") if s["metadata"]["name"] == NAME][0]
    assert {p["name"]: (p["port"], p["targetPort"]) for p in svc["spec"]["ports"]} == {
        "web": (80, "web"), "websecure": (443, "websecure")}
    # the probes and the metrics never go out through the LoadBalancer
    metrics = [s for s in of_kind(objs, "Service") if s["metadata"]["name"] == f"{NAME}-metrics"][0]
    assert metrics["spec"]["type"] == "ClusterIP" and metrics["spec"]["ports"][0]["targetPort"] == "metrics"


def test_probes_ask_ping_on_the_internal_entry_point() -> None:
    c = containers(one(render(CHART, values_files=DEFAULTS), "Deployment"))[0]
    for probe in (c["readinessProbe"], c["livenessProbe"]):
        assert probe["httpGet"] == {"path": "/ping", "port": "traefik"}
    assert args_of(render(CHART, values_files=DEFAULTS))["--ping.entryPoint"] == "traefik"


def test_redirect_to_https_everywhere_only_when_asked() -> None:
    assert not [a for a in args_of(render(CHART, values_files=DEFAULTS)) if "redirections" in a]
    args = args_of(render(CHART, values_files=GATEWAY))
    assert args["--entryPoints.web.http.redirections.entryPoint.to"] == "websecure"
    assert args["--entryPoints.web.http.redirections.entryPoint.scheme"] == "https"


def test_access_log_filters_and_headers() -> None:
    args = args_of(render(CHART, values_files=HPA))
    assert args["--accessLog"] == "true" and args["--accessLog.filters.statusCodes"] == "400-599"
    assert args["--accessLog.filters.minDuration"] == "100ms"
    assert args["--accessLog.fields.headers.defaultMode"] == "drop"
    assert args["--accessLog.fields.headers.names.User-Agent"] == "keep"
    assert "--accessLog" not in args_of(render(CHART, values={"logs": {"access": {"enabled": False}}}))


def test_forwarded_headers_trusted_only_from_listed_peers() -> None:
    args = args_of(render(CHART, values={"ports": {"web": {"forwardedHeaders": {"trustedIPs": ["10.0.0.2", "10.1.0.0/16"]}}}}))
    assert args["--entryPoints.web.forwardedHeaders.trustedIPs"] == "10.0.0.2,10.1.0.0/16"
    assert "--entryPoints.websecure.forwardedHeaders.trustedIPs" not in args


# --- TLS ----------------------------------------------------------------------------------------

def test_generated_certificate_names_the_hosts_and_chains_to_its_ca() -> None:
    objs = render(CHART, values_files=LAB)
    secret = [s for s in of_kind(objs, "Secret") if s["metadata"]["name"] == f"{NAME}-default-cert"][0]
    cert = x509.load_pem_x509_certificate(base64.b64decode(secret["data"]["tls.crt"]))
    ca = x509.load_pem_x509_certificate(base64.b64decode(secret["data"]["ca.crt"]))
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    assert sorted(sans) == ["*.feng.org", "feng.org"]
    assert cert.issuer == ca.subject
    cert.verify_directly_issued_by(ca)
    assert cert.not_valid_after_utc - datetime.datetime.now(datetime.UTC) > datetime.timedelta(days=800)


def test_default_certificate_and_tls_options_reach_traefik() -> None:
    objs = render(CHART, values_files=LAB)
    tls = dynamic_config(objs)["tls"]
    assert tls["stores"]["default"]["defaultCertificate"] == {"certFile": "/etc/traefik/certs/tls.crt",
                                                              "keyFile": "/etc/traefik/certs/tls.key"}
    assert tls["options"]["default"]["minVersion"] == "VersionTLS12"
    spec = pod_spec(one(objs, "Deployment"))
    mounts = {m["name"]: m["mountPath"] for m in containers(one(objs, "Deployment"))[0]["volumeMounts"]}
    assert mounts["default-cert"] == "/etc/traefik/certs" and mounts["dynamic"] == "/etc/traefik/dynamic"
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert volumes["default-cert"]["secret"]["secretName"] == f"{NAME}-default-cert"
    assert args_of(objs)["--providers.file.directory"] == "/etc/traefik/dynamic"


def test_traefik_certificate_source_renders_no_store_and_no_secret() -> None:
    objs = render(CHART, values_files=DEFAULTS)
    assert "stores" not in dynamic_config(objs)["tls"]
    assert not of_kind(objs, "Secret")
    assert "default-cert" not in {v["name"] for v in pod_spec(one(objs, "Deployment"))["volumes"]}


def test_user_secret_is_the_default_certificate() -> None:
    objs = render(CHART, values_files=NODEPORT)
    assert not of_kind(objs, "Secret")
    volumes = {v["name"]: v for v in pod_spec(one(objs, "Deployment"))["volumes"]}
    assert volumes["default-cert"]["secret"]["secretName"] == "wildcard-feng-org"


def test_certificate_change_rolls_the_pods_and_nothing_else_does() -> None:
    def checksum(values: dict) -> str:
        return one(render(CHART, values_files=LAB, values=values), "Deployment")["spec"]["template"]["metadata"][
            "annotations"]["checksum/tls"]
    base = checksum({})
    assert checksum({"tls": {"defaultCertificate": {"dnsNames": ["*.lab.feng.org"]}}}) != base
    assert checksum({"providers": {"kubernetesIngressNginx": {"regexRoutes": []}}}) == base


# --- regex routes -------------------------------------------------------------------------------

def test_regex_route_matches_like_ingress_nginx_and_uses_the_providers_service() -> None:
    http = dynamic_config(render(CHART, values_files=LAB))["http"]
    plain, secure = http["routers"]["regex-default-demo-ingress2-0"], http["routers"]["regex-default-demo-ingress2-0-tls"]
    assert plain["rule"] == secure["rule"] == "Host(`myapp.feng.org`) && PathRegexp(`(?i)^/v1(/|$)(.*)`)"
    assert plain["entryPoints"] == ["web"] and secure["entryPoints"] == ["websecure"] and secure["tls"] == {}
    assert plain["service"] == "default-demo-ingress2-myapp1-80@kubernetesingressnginx"
    (mw,) = plain["middlewares"]
    assert http["middlewares"][mw] == {"replacePathRegex": {"regex": "(?i)^/v1(/|$)(.*)", "replacement": "/$2"}}


@pytest.mark.parametrize("name, normalized", [
    ("default/demo.app", "default-demo-app-myapp1-80"),
    ("a-b/c--d", "a-b-c-d-myapp1-80"),
])
def test_regex_route_service_name_is_normalized_as_traefik_does(name: str, normalized: str) -> None:
    route = {"ingress": name, "host": "x.feng.org", "path": "/a(.*)", "service": "myapp1", "port": 80}
    http = dynamic_config(render(CHART, values={"providers": {"kubernetesIngressNginx": {"regexRoutes": [route]}}}))["http"]
    assert {r["service"] for r in http["routers"].values()} == {f"{normalized}@kubernetesingressnginx"}


# --- Gateway API ---------------------------------------------------------------------------------

def test_gateway_listeners_and_their_certificates() -> None:
    objs = render(CHART, values_files=GATEWAY)
    gw = one(objs, "Gateway")
    assert gw["spec"]["gatewayClassName"] == one(objs, "GatewayClass")["metadata"]["name"] == "traefik"
    assert one(objs, "GatewayClass")["spec"]["controllerName"] == "traefik.io/gateway-controller"
    listeners = {li["name"]: li for li in gw["spec"]["listeners"]}
    assert listeners["websecure"]["tls"]["certificateRefs"] == [{"kind": "Secret", "group": "", "name": f"{NAME}-default-cert"}]
    assert listeners["shop"]["tls"]["certificateRefs"][0]["name"] == "shop-feng-org-tls"
    assert listeners["websecure"]["allowedRoutes"]["namespaces"] == {
        "from": "Selector", "selector": {"matchLabels": {"gateway-access": "true"}}}
    assert listeners["web"]["port"] == 8000 and listeners["web"]["protocol"] == "HTTP"


def test_gateway_api_crds_are_kept_versioned_and_served_like_the_bundle() -> None:
    crds = {c["metadata"]["name"]: c for c in of_kind(render(CHART, values_files=DEFAULTS), "CustomResourceDefinition")}
    assert set(crds) == {f"{p}.gateway.networking.k8s.io" for p in (
        "gatewayclasses", "gateways", "httproutes", "grpcroutes", "referencegrants", "backendtlspolicies",
        "tlsroutes", "tcproutes", "udproutes", "listenersets")}
    for crd in crds.values():
        annotations = crd["metadata"]["annotations"]
        assert annotations["helm.sh/resource-policy"] == "keep"
        assert annotations["gateway.networking.k8s.io/bundle-version"] == "v1.6.3"
        assert annotations["gateway.networking.k8s.io/channel"] == "standard"
        assert [v["name"] for v in crd["spec"]["versions"] if v["storage"]] != []
    storage = {n: [v["name"] for v in c["spec"]["versions"] if v["storage"]][0] for n, c in crds.items()}
    assert storage["referencegrants.gateway.networking.k8s.io"] == "v1beta1"
    assert storage["httproutes.gateway.networking.k8s.io"] == "v1"
    assert not of_kind(render(CHART, values_files=NODEPORT), "CustomResourceDefinition")


# --- policies the issue asks to render and validate -----------------------------------------------

def test_network_policy_opens_the_entry_points_and_limits_the_rest() -> None:
    np = one(render(CHART, values_files=DEFAULTS), "NetworkPolicy")
    assert np["spec"]["policyTypes"] == ["Ingress", "Egress"]
    edge, metrics = np["spec"]["ingress"]
    assert "from" not in edge and {p["port"] for p in edge["ports"]} == {"web", "websecure"}
    assert metrics["from"] == [{"namespaceSelector": {}}] and metrics["ports"] == [{"port": "metrics", "protocol": "TCP"}]
    backends, api = np["spec"]["egress"]
    assert backends == {"to": [{"namespaceSelector": {}}]}
    assert {p["port"] for p in api["ports"]} == {443, 6443} and "to" not in api
    cidrs = render(CHART, values={"networkPolicy": {"apiServerCIDRs": ["10.0.0.201/32", "10.0.0.202/32"]}})
    assert one(cidrs, "NetworkPolicy")["spec"]["egress"][1]["to"] == [
        {"ipBlock": {"cidr": "10.0.0.201/32"}}, {"ipBlock": {"cidr": "10.0.0.202/32"}}]
    assert not of_kind(render(CHART, values_files=NODEPORT), "NetworkPolicy")


SERVICE_MONITOR = {"metrics": {"serviceMonitor": {"enabled": True, "additionalLabels": {"release": "prometheus"}}}}


def test_service_monitor_scrapes_the_metrics_service() -> None:
    objs = render(CHART, values_files=LAB, values=SERVICE_MONITOR)
    sm = one(objs, "ServiceMonitor")
    metrics = [s for s in of_kind(objs, "Service") if s["metadata"]["name"] == f"{NAME}-metrics"][0]
    assert all(metrics["metadata"]["labels"].get(k) == v for k, v in sm["spec"]["selector"]["matchLabels"].items())
    assert sm["spec"]["endpoints"][0]["port"] == "metrics" and sm["metadata"]["labels"]["release"] == "prometheus"
    assert sm["spec"]["namespaceSelector"] == {"matchNames": ["default"]}


def test_pdb_only_with_more_than_one_pod() -> None:
    assert not of_kind(render(CHART, values_files=DEFAULTS), "PodDisruptionBudget")
    pdb = one(render(CHART, values_files=LAB), "PodDisruptionBudget")
    assert pdb["spec"]["minAvailable"] == 1
    assert pdb["spec"]["selector"]["matchLabels"] == one(render(CHART, values_files=LAB), "Deployment")["spec"]["selector"]["matchLabels"]
    hpa = render(CHART, values_files=HPA)
    assert one(hpa, "HorizontalPodAutoscaler")["spec"]["minReplicas"] == 2 and "replicas" not in one(hpa, "Deployment")["spec"]
    assert one(hpa, "PodDisruptionBudget")


def test_metallb_pins_the_address() -> None:
    svc = [s for s in of_kind(render(CHART, values_files=LAB), "Service") if s["metadata"]["name"] == NAME][0]
    assert svc["metadata"]["annotations"] == {"metallb.io/loadBalancerIPs": "10.0.0.14"}
    assert svc["spec"]["type"] == "LoadBalancer" and svc["spec"]["externalTrafficPolicy"] == "Local"
    assert "loadBalancerIP" not in svc["spec"]
    ipaddress.ip_address(svc["metadata"]["annotations"]["metallb.io/loadBalancerIPs"])


def test_secure_defaults() -> None:
    spec = pod_spec(one(render(CHART, values_files=DEFAULTS), "Deployment"))
    c = spec["containers"][0]
    assert c["securityContext"]["readOnlyRootFilesystem"] is True
    assert c["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert spec["securityContext"]["runAsNonRoot"] is True and spec["securityContext"]["runAsUser"] == 65532
    assert c["resources"]["limits"]["memory"] and c["resources"]["requests"]["cpu"]
    assert all(int(a.rsplit(":", 1)[1].split("/")[0]) > 1023 for a in c["args"] if a.endswith("/tcp"))


# --- RBAC: what the providers do with the API, nothing more ----------------------------------------

def test_cluster_role_is_read_only_but_for_status() -> None:
    rules = one(render(CHART, values_files=DEFAULTS), "ClusterRole")["rules"]
    for rule in rules:
        writes = set(rule["verbs"]) - {"list", "watch"}
        if writes:
            assert writes == {"update"} and all(r.endswith("/status") for r in rule["resources"]), rule
        assert "get" not in rule["verbs"] and "*" not in rule["verbs"] + rule["resources"]


# --- bad inputs -----------------------------------------------------------------------------------

HTTPS = {"port": 8443, "protocol": "HTTPS", "namespacePolicy": {"from": "All"}}
BAD_INPUT = [
    ({"gateway": {"listeners": {"web": {"port": 0, "protocol": "HTTP", "namespacePolicy": {"from": "All"}}}}},
     "/gateway/listeners/web/port"),
    ({"gateway": {"listeners": {"web": {"port": 65536, "protocol": "HTTP", "namespacePolicy": {"from": "All"}}}}},
     "/gateway/listeners/web/port"),
    ({"gateway": {"listeners": {"web": {"port": 9000, "protocol": "HTTP", "namespacePolicy": {"from": "All"}}}}},
     "gateway.listeners.web.port (9000) is no entry point's port"),
    ({"gateway": {"listeners": {"web": {"port": 8000, "protocol": "HTTP", "hostname": "not a name",
                                        "namespacePolicy": {"from": "All"}}}}}, "/gateway/listeners/web/hostname"),
    ({"gateway": {"listeners": {"Web_1": {"port": 8000, "protocol": "HTTP", "namespacePolicy": {"from": "All"}}}}},
     "'Web_1' not allowed"),  # listener names by patternProperties: helm names the listener
    ({"gateway": {"listeners": {"websecure": HTTPS}}}, "gateway.listeners.websecure.certificateRefs are empty"),
    ({"gateway": {"listeners": {"a": {**HTTPS, "hostname": "x.feng.org", "certificateRefs": [{"name": "x"}]},
                                "b": {**HTTPS, "hostname": "x.feng.org", "certificateRefs": [{"name": "y"}]}}}},
     "gateway.listeners.b.hostname (x.feng.org) on port 8443 is also gateway.listeners.a's"),
    ({"gateway": {"listeners": {"web": {"port": 8000, "protocol": "HTTP", "certificateRefs": [{"name": "x"}],
                                        "namespacePolicy": {"from": "All"}}}}}, "gateway.listeners.web.certificateRefs"),
    ({"gateway": {"listeners": {"web": {"port": 8443, "protocol": "HTTP", "namespacePolicy": {"from": "All"}}}}},
     "gateway.listeners.web.protocol is HTTP on the websecure"),
    ({"gateway": {"listeners": {"web": {"port": 8000, "protocol": "HTTP", "namespacePolicy": {"from": "Selector"}}}}},
     "gateway.listeners.web.namespacePolicy.selector is required"),
    ({"tls": {"defaultCertificate": {"source": "secret"}}}, "tls.defaultCertificate.existingSecret is required"),
    ({"tls": {"defaultCertificate": {"source": "generated"}}}, "tls.defaultCertificate.dnsNames is required"),
    ({"tls": {"defaultCertificate": {"existingSecret": "x"}}}, "tls.defaultCertificate.existingSecret is set but"),
    ({"tls": {"defaultCertificate": {"source": "generated", "dnsNames": ["-bad-"]}}}, "/tls/defaultCertificate/dnsNames/0"),
    ({"tls": {"options": {"minVersion": "VersionTLS10"}}}, "/tls/options/minVersion"),
    ({"providers": {"kubernetesIngressNginx": {"ingressClass": "traefik"}}},
     "providers.kubernetesIngressNginx.ingressClass (traefik) is also ingressClass.name"),
    ({"ingressClass": {"isDefaultClass": True},
      "providers": {"kubernetesIngressNginx": {"ingressClassResource": {"create": True, "default": True}}}},
     "providers.kubernetesIngressNginx.ingressClassResource.default and ingressClass.isDefaultClass"),
    ({"providers": {"kubernetesIngressNginx": {"regexRoutes": [
        {"ingress": "default/a", "host": "x.feng.org", "path": "/v1(.*)", "service": "a", "port": 80},
        {"ingress": "default/b", "host": "x.feng.org", "path": "/v1(.*)", "service": "b", "port": 80}]}}},
     "providers.kubernetesIngressNginx.regexRoutes[1] claims host x.feng.org and path /v1(.*)"),
    ({"providers": {"kubernetesIngressNginx": {"regexRoutes": [
        {"ingress": "a", "host": "x.feng.org", "path": "/v1", "service": "a", "port": 80}]}}},
     "/providers/kubernetesIngressNginx/regexRoutes/0/ingress"),
    ({"providers": {"kubernetesIngressNginx": {"regexRoutes": [
        {"ingress": "d/a", "host": "x..feng.org", "path": "/v1", "service": "a", "port": 80}]}}},
     "/providers/kubernetesIngressNginx/regexRoutes/0/host"),
    ({"providers": {"kubernetesIngressNginx": {"regexRoutes": [
        {"ingress": "d/a", "host": "x.feng.org", "path": "v1`) || Path(`/", "service": "a", "port": 80}]}}},
     "/providers/kubernetesIngressNginx/regexRoutes/0/path"),
    ({"providers": {"kubernetesIngressNginx": {"enabled": False, "regexRoutes": [
        {"ingress": "d/a", "host": "x.feng.org", "path": "/v1", "service": "a", "port": 80}]}}},
     "providers.kubernetesIngressNginx.regexRoutes are set but providers.kubernetesIngressNginx.enabled is false"),
    ({"service": {"type": "ClusterIP", "loadBalancerIP": "10.0.0.14"}}, "service.loadBalancerIP is set but service.type is ClusterIP"),
    ({"service": {"loadBalancerIP": "10.0.0.14", "annotations": {"metallb.io/loadBalancerIPs": "10.0.0.13"}}},
     "service.annotations set metallb.io/loadBalancerIPs"),
    ({"service": {"loadBalancerIP": "10.0.0.300"}}, "/service/loadBalancerIP"),
    ({"service": {"type": "ClusterIP"}, "ports": {"web": {"nodePort": 30080}}}, "ports.web.nodePort"),
    ({"ports": {"web": {"port": 80}}}, "/ports/web/port"),
    ({"ports": {"websecure": {"exposedPort": 80}}}, "ports.websecure.exposedPort 80 equals ports.web.exposedPort"),
    ({"service": {"type": "NodePort"}, "ports": {"web": {"nodePort": 30443}, "websecure": {"nodePort": 30443}}},
     "ports.websecure.nodePort 30443 equals ports.web.nodePort"),
    ({"ports": {"metrics": {"port": 8080}}}, "ports.metrics.port (8080) is also ports.traefik.port"),
    ({"ports": {"web": {"redirections": {"to": "elsewhere"}}}}, "/ports/web/redirections/to"),
    ({"metrics": {"enabled": False, "serviceMonitor": {"enabled": True}}}, "metrics.serviceMonitor.enabled needs metrics.enabled"),
    ({"lifecycle": {"requestAcceptGraceSeconds": 30, "graceSeconds": 40}}, "deployment.terminationGracePeriodSeconds (60) must be above"),
    ({"autoscaling": {"enabled": True, "minReplicas": 5, "maxReplicas": 2}}, "autoscaling.minReplicas (5) is above"),
    ({"autoscaling": {"enabled": True, "targetCPUUtilizationPercentage": None}}, "autoscaling.targetCPUUtilizationPercentage is empty"),
    ({"deployment": {"replicas": 2}, "podDisruptionBudget": {"minAvailable": 2}}, "podDisruptionBudget.minAvailable (2) keeps all 2"),
    ({"resources": {"requests": {"memory": "1Gi"}, "limits": {"memory": "256Mi"}}}, "resources.limits.memory"),
    ({"extraArgs": {"providers.kubernetesIngressNGINX.ingressClass": "x"}}, "extraArgs.providers.kubernetesIngressNGINX.ingressClass is a flag the chart sets"),
    ({"extraArgs": {"--entryPoints.web.address": ":80"}}, "'--entryPoints.web.address' not allowed"),
    ({"logs": {"access": {"filters": {"statusCodes": ["6xx"]}}}}, "/logs/access/filters/statusCodes/0"),
    ({"providers": {"kubernetesIngressNginx": {"controllerClass": "nginx"}}}, "/providers/kubernetesIngressNginx/controllerClass"),
    ({"gatewayAPI": {"crds": {"enabled": "yes"}}}, "/gatewayAPI/crds/enabled"),
]


@pytest.mark.parametrize(("values", "fragment"), BAD_INPUT, ids=[f for _, f in BAD_INPUT])
def test_bad_input_is_refused_naming_the_key(values: dict, fragment: str) -> None:
    message = render_error(CHART, values=values)
    assert fragment in message, message
    assert "nil pointer" not in message and "<nil>" not in message


def test_extra_args_outside_the_charts_flags_pass() -> None:
    args = args_of(render(CHART, values={"extraArgs": {"entryPoints.web.transport.respondingTimeouts.readTimeout": "60s"}}))
    assert args["--entryPoints.web.transport.respondingTimeouts.readTimeout"] == "60s"


def test_ci_scenarios_cover_the_shapes() -> None:
    names = sorted(p.name for p in (ROOT / "charts/traefik/ci").glob("*-values.yaml"))
    assert names == ["cutover-values.yaml", "defaults-values.yaml", "gateway-values.yaml", "hpa-values.yaml",
                     "lab-values.yaml", "nodeport-values.yaml"]


def test_topology_spread_without_a_selector_gets_the_pods_selector() -> None:
    """The API server warns that a null labelSelector matches no pod (the oracle's find)."""
    tsc = {"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway"}
    deploy = one(render(CHART, values={"deployment": {"topologySpreadConstraints": [tsc]}}), "Deployment")
    got = deploy["spec"]["template"]["spec"]["topologySpreadConstraints"]
    assert got == [dict(tsc, labelSelector={"matchLabels": deploy["spec"]["selector"]["matchLabels"]})]
