"""ingress-nginx: what the controller, its Services, webhook and RBAC look like to the cluster."""

from __future__ import annotations

import base64
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml

from chartops import helm as helm_mod
from chartops.render import Request, run
from tests.helpers import ROOT, containers, of_kind, one, pod_spec, render, render_error

CHART = "ingress-nginx"
CI = "charts/ingress-nginx/ci/"
DEFAULTS = [CI + "defaults-values.yaml"]
LAB = [CI + "lab-values.yaml"]
DAEMONSET = [CI + "daemonset-values.yaml"]
HPA = [CI + "hpa-values.yaml"]
TCP_UDP = [CI + "tcp-udp-values.yaml"]
NO_WEBHOOK = [CI + "webhook-disabled-values.yaml"]

CONTROLLER = "test-ingress-nginx-controller"
RISK_ORDER = ["Low", "Medium", "High", "Critical"]


def workload(objs: list[dict]) -> dict:
    found = of_kind(objs, "Deployment") + of_kind(objs, "DaemonSet")
    assert len(found) == 1, [o["metadata"]["name"] for o in found]
    return found[0]


def args_of(objs: list[dict]) -> dict[str, str]:
    """Controller flags as {flag: value}."""
    out = {}
    for arg in containers(workload(objs))[0]["args"][1:]:
        flag, _, value = arg.partition("=")
        out[flag] = value
    return out


def selects(service: dict, pod_labels: dict) -> bool:
    return all(pod_labels.get(k) == v for k, v in service["spec"]["selector"].items())


# --- controller flags -------------------------------------------------------------------------

def test_controller_serves_the_nginx_class_and_its_own_configmap() -> None:
    objs = render(CHART, values_files=DEFAULTS)
    args = args_of(objs)
    ic = one(objs, "IngressClass")
    assert ic["metadata"]["name"] == args["--ingress-class"] == "nginx"
    assert ic["spec"]["controller"] == args["--controller-class"] == "k8s.io/ingress-nginx"
    assert args["--configmap"] == f"$(POD_NAMESPACE)/{one(objs, 'ConfigMap')['metadata']['name']}"
    assert containers(workload(objs))[0]["args"][0] == "/nginx-ingress-controller"


def test_controller_publishes_the_address_of_its_own_service() -> None:
    objs = render(CHART, values_files=DEFAULTS)
    assert args_of(objs)["--publish-service"] == f"$(POD_NAMESPACE)/{CONTROLLER}"
    one(objs, "Service", CONTROLLER)


def test_election_lease_in_flags_is_the_one_rbac_lets_it_update() -> None:
    objs = render(CHART, values_files=DEFAULTS)
    election = args_of(objs)["--election-id"]
    named = [r for r in one(objs, "Role")["rules"] if r.get("resourceNames")]
    assert named == [{"apiGroups": ["coordination.k8s.io"], "resources": ["leases"],
                      "resourceNames": [election], "verbs": ["get", "update"]}]


def test_custom_class_and_election_id_reach_flags_and_objects() -> None:
    objs = render(CHART, values={"controller": {
        "ingressClass": {"name": "internal", "controllerValue": "k8s.io/internal-nginx"},
        "electionID": "internal-leader"}})
    args = args_of(objs)
    assert (args["--ingress-class"], args["--controller-class"], args["--election-id"]) == (
        "internal", "k8s.io/internal-nginx", "internal-leader")
    assert one(objs, "IngressClass", "internal")["spec"]["controller"] == "k8s.io/internal-nginx"


def test_tcp_and_udp_services_are_configmaps_flags_and_service_ports() -> None:
    objs = render(CHART, values_files=TCP_UDP)
    args = args_of(objs)
    tcp = one(objs, "ConfigMap", "test-ingress-nginx-tcp")
    udp = one(objs, "ConfigMap", "test-ingress-nginx-udp")
    assert args["--tcp-services-configmap"] == "$(POD_NAMESPACE)/test-ingress-nginx-tcp"
    assert args["--udp-services-configmap"] == "$(POD_NAMESPACE)/test-ingress-nginx-udp"
    assert tcp["data"] == {"5432": "databases/postgres:5432", "2222": "git/gitea-ssh:22:PROXY"}
    assert udp["data"] == {"53": "kube-system/kube-dns:53"}
    svc_ports = {(p["port"], p["protocol"]): p for p in one(objs, "Service", CONTROLLER)["spec"]["ports"]}
    assert {(5432, "TCP"), (2222, "TCP"), (53, "UDP"), (80, "TCP"), (443, "TCP")} == set(svc_ports)
    assert svc_ports[(5432, "TCP")]["nodePort"] == 30432
    container_ports = {p["name"]: p for p in containers(workload(objs))[0]["ports"]}
    for port in svc_ports.values():
        assert container_ports[port["targetPort"]]["protocol"] == port["protocol"]


def test_no_tcp_udp_configmaps_or_flags_without_entries() -> None:
    objs = render(CHART, values_files=DEFAULTS)
    assert [c["metadata"]["name"] for c in of_kind(objs, "ConfigMap")] == [CONTROLLER]
    assert not {"--tcp-services-configmap", "--udp-services-configmap"} & set(args_of(objs))


@pytest.mark.parametrize(("secret", "flag"), [
    ("wildcard-tls", "$(POD_NAMESPACE)/wildcard-tls"),
    ("certs/wildcard-tls", "certs/wildcard-tls"),
])
def test_default_tls_certificate_flag(secret: str, flag: str) -> None:
    objs = render(CHART, values={"controller": {"defaultTLSSecret": secret}})
    assert args_of(objs)["--default-ssl-certificate"] == flag


def test_no_default_certificate_flag_unless_set() -> None:
    assert "--default-ssl-certificate" not in args_of(render(CHART, values_files=DEFAULTS))


def test_extra_args_are_appended_as_flags() -> None:
    objs = render(CHART, values={"controller": {"extraArgs": {"enable-ssl-passthrough": "true"}}})
    assert args_of(objs)["--enable-ssl-passthrough"] == "true"


# --- replicas, PDB, HPA, DaemonSet -------------------------------------------------------------

def test_single_replica_has_no_pdb() -> None:
    objs = render(CHART, values_files=DEFAULTS)
    assert workload(objs)["spec"]["replicas"] == 1
    assert of_kind(objs, "PodDisruptionBudget") == []


def test_lab_two_replicas_get_a_pdb_over_the_controller_pods() -> None:
    objs = render(CHART, values_files=LAB)
    deploy = workload(objs)
    assert deploy["spec"]["replicas"] == 2
    pdb = one(objs, "PodDisruptionBudget")
    assert pdb["spec"]["minAvailable"] == 1
    assert pdb["spec"]["selector"]["matchLabels"] == deploy["spec"]["selector"]["matchLabels"]


def test_hpa_owns_the_replica_count() -> None:
    objs = render(CHART, values_files=HPA)
    deploy = workload(objs)
    hpa = one(objs, "HorizontalPodAutoscaler")
    assert "replicas" not in deploy["spec"]
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                             "name": deploy["metadata"]["name"]}
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 5)
    assert {m["resource"]["name"] for m in hpa["spec"]["metrics"]} == {"cpu", "memory"}
    one(objs, "PodDisruptionBudget")  # the HPA minimum of 2 warrants one


def test_daemonset_has_no_replicas_pdb_or_hpa() -> None:
    objs = render(CHART, values_files=DAEMONSET)
    ds = one(objs, "DaemonSet", CONTROLLER)
    assert of_kind(objs, "Deployment") == []
    assert of_kind(objs, "PodDisruptionBudget") == of_kind(objs, "HorizontalPodAutoscaler") == []
    assert "replicas" not in ds["spec"]
    ports = {p["name"]: p["nodePort"] for p in one(objs, "Service", CONTROLLER)["spec"]["ports"]}
    assert ports == {"http": 30080, "https": 30443}


# --- Service ------------------------------------------------------------------------------------

def test_lab_service_asks_metallb_for_the_fixed_ip_and_keeps_client_ips() -> None:
    svc = one(render(CHART, values_files=LAB), "Service", CONTROLLER)
    assert svc["metadata"]["namespace"] == "ingress-nginx"
    assert svc["spec"]["type"] == "LoadBalancer"
    assert svc["spec"]["externalTrafficPolicy"] == "Local"
    assert svc["metadata"]["annotations"]["metallb.io/loadBalancerIPs"] == "10.0.0.11"
    assert "loadBalancerIP" not in svc["spec"]


def test_load_balancer_ip_can_also_go_into_the_spec_field() -> None:
    svc = one(render(CHART, values_files=TCP_UDP), "Service", CONTROLLER)
    assert svc["spec"]["loadBalancerIP"] == "10.0.0.12"
    assert svc["metadata"]["annotations"]["metallb.io/loadBalancerIPs"] == "10.0.0.12"


def test_default_service_lets_metallb_pick_the_ip() -> None:
    svc = one(render(CHART, values_files=DEFAULTS), "Service", CONTROLLER)
    assert "loadBalancerIP" not in svc["spec"]
    assert "metallb.io/loadBalancerIPs" not in (svc["metadata"].get("annotations") or {})
    assert svc["spec"]["externalTrafficPolicy"] == "Local"
    assert {p["name"]: p["port"] for p in svc["spec"]["ports"]} == {"http": 80, "https": 443}


def test_every_service_selects_the_controller_pods() -> None:
    objs = render(CHART, values_files=LAB)
    pod_labels = workload(objs)["spec"]["template"]["metadata"]["labels"]
    services = of_kind(objs, "Service")
    assert len(services) == 3  # controller, admission, metrics
    assert all(selects(s, pod_labels) for s in services)


# --- IngressClass --------------------------------------------------------------------------------

def test_ingress_class_is_not_the_default_unless_asked() -> None:
    ic = one(render(CHART, values_files=DEFAULTS), "IngressClass")
    assert "ingressclass.kubernetes.io/is-default-class" not in (ic["metadata"].get("annotations") or {})


def test_lab_ingress_class_is_the_cluster_default() -> None:
    ic = one(render(CHART, values_files=LAB), "IngressClass", "nginx")
    assert ic["metadata"]["annotations"]["ingressclass.kubernetes.io/is-default-class"] == "true"


# --- ConfigMap and the lab's annotation practices -------------------------------------------------

# Risk levels of the annotations the lab's canary / rewrite / TLS examples use (controller v1.15).
LAB_ANNOTATION_RISK = {
    "canary": "Low", "canary-weight": "Low", "canary-by-header": "Medium", "canary-by-header-value": "Medium",
    "canary-by-cookie": "Medium", "rewrite-target": "Medium", "use-regex": "Low",
    "ssl-redirect": "Low", "force-ssl-redirect": "Medium",
}


def test_lab_configmap_allows_the_canary_rewrite_and_tls_annotations() -> None:
    data = one(render(CHART, values_files=LAB), "ConfigMap", CONTROLLER)["data"]
    allowed = RISK_ORDER.index(data["annotations-risk-level"])
    too_risky = [a for a, risk in LAB_ANNOTATION_RISK.items() if RISK_ORDER.index(risk) > allowed]
    assert too_risky == []


def test_strict_path_type_validation_is_on_by_default_and_off_for_the_labs_regex_ingresses() -> None:
    """The lab's `kubectl create ingress` regex paths are pathType Exact: strict validation refuses them."""
    assert one(render(CHART, values_files=DEFAULTS), "ConfigMap", CONTROLLER)["data"]["strict-validate-path-type"] == "true"
    assert one(render(CHART, values_files=LAB), "ConfigMap", CONTROLLER)["data"]["strict-validate-path-type"] == "false"


def test_lab_configmap_keeps_snippets_off_and_client_ip_untouched() -> None:
    data = one(render(CHART, values_files=LAB), "ConfigMap", CONTROLLER)["data"]
    assert data["allow-snippet-annotations"] == "false"
    assert data["annotations-risk-level"] != "Critical"
    # MetalLB + externalTrafficPolicy Local hands nginx the real client address; trusting
    # forwarded headers or expecting PROXY protocol would let clients spoof it or break plain clients.
    assert data["use-forwarded-headers"] == "false"
    assert data["use-proxy-protocol"] == "false"
    assert data["ssl-redirect"] == "true" and data["hsts"] == "true"


def test_real_ip_toggles_and_free_form_config_reach_the_configmap() -> None:
    objs = render(CHART, values={"controller": {
        "realIP": {"useForwardedHeaders": True, "useProxyProtocol": True, "trustedCIDRs": ["10.0.0.0/24", "10.1.0.5"]},
        "config": {"proxy-body-size": "8m", "worker-processes": 4}}})
    data = one(objs, "ConfigMap", CONTROLLER)["data"]
    assert data["use-proxy-protocol"] == "true" and data["use-forwarded-headers"] == "true"
    assert data["proxy-real-ip-cidr"] == "10.0.0.0/24,10.1.0.5"
    assert (data["proxy-body-size"], data["worker-processes"]) == ("8m", "4")


# --- admission webhook ----------------------------------------------------------------------------

def test_webhook_service_reaches_the_controller_webhook_port() -> None:
    objs = render(CHART, values_files=DEFAULTS)
    svc = one(objs, "Service", "test-ingress-nginx-controller-admission")
    assert selects(svc, workload(objs)["spec"]["template"]["metadata"]["labels"])
    ctr = containers(workload(objs))[0]
    target = svc["spec"]["ports"][0]["targetPort"]
    assert {p["name"]: p["containerPort"] for p in ctr["ports"]}[target] == 8443
    assert args_of(objs)["--validating-webhook"] == ":8443"


def test_vwc_calls_the_webhook_service_with_a_ca_bundle_matching_the_secret() -> None:
    objs = render(CHART, values_files=LAB)
    hook = one(objs, "ValidatingWebhookConfiguration")["webhooks"][0]
    svc = one(objs, "Service", "test-ingress-nginx-controller-admission")
    ref = hook["clientConfig"]["service"]
    assert (ref["namespace"], ref["name"], ref["port"]) == ("ingress-nginx", svc["metadata"]["name"], 443)
    assert ref["path"] == "/networking/v1/ingresses"
    assert hook["rules"] == [{"apiGroups": ["networking.k8s.io"], "apiVersions": ["v1"],
                              "operations": ["CREATE", "UPDATE"], "resources": ["ingresses"]}]
    secret = one(objs, "Secret", "test-ingress-nginx-admission")
    assert hook["clientConfig"]["caBundle"] == secret["data"]["ca.crt"]
    assert b"BEGIN CERTIFICATE" in base64.b64decode(hook["clientConfig"]["caBundle"])
    assert secret["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"


def test_api_server_can_verify_the_webhook_certificate_against_the_ca_bundle(tmp_path) -> None:
    """The API server dials <service>.<namespace>.svc and trusts only the VWC's caBundle."""
    if not shutil.which("openssl"):
        pytest.skip("openssl not installed")
    objs = render(CHART, values_files=LAB)
    hook = one(objs, "ValidatingWebhookConfiguration")["webhooks"][0]
    ref = hook["clientConfig"]["service"]
    secret = one(objs, "Secret", "test-ingress-nginx-admission")
    (tmp_path / "ca.pem").write_bytes(base64.b64decode(hook["clientConfig"]["caBundle"]))
    (tmp_path / "cert.pem").write_bytes(base64.b64decode(secret["data"]["tls.crt"]))
    (tmp_path / "key.pem").write_bytes(base64.b64decode(secret["data"]["tls.key"]))
    verify = subprocess.run(
        ["openssl", "verify", "-CAfile", "ca.pem", "-purpose", "sslserver",
         "-verify_hostname", f"{ref['name']}.{ref['namespace']}.svc", "cert.pem"],
        cwd=tmp_path, capture_output=True, text=True, check=False)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    pub = [subprocess.run(["openssl", *cmd], cwd=tmp_path, capture_output=True, check=True).stdout
           for cmd in (["x509", "-in", "cert.pem", "-noout", "-pubkey"], ["pkey", "-in", "key.pem", "-pubout"])]
    assert pub[0] == pub[1], "tls.key does not belong to tls.crt"


def test_controller_mounts_the_webhook_certificate_it_is_told_to_use() -> None:
    objs = render(CHART, values_files=DEFAULTS)
    spec = pod_spec(workload(objs))
    volume = next(v for v in spec["volumes"] if v["name"] == "webhook-cert")
    assert volume["secret"]["secretName"] == one(objs, "Secret")["metadata"]["name"]
    mount = next(m for m in containers(workload(objs))[0]["volumeMounts"] if m["name"] == "webhook-cert")
    args = args_of(objs)
    assert args["--validating-webhook-certificate"] == mount["mountPath"] + "tls.crt"
    assert args["--validating-webhook-key"] == mount["mountPath"] + "tls.key"


def test_webhook_disabled_leaves_no_webhook_pieces() -> None:
    objs = render(CHART, values_files=NO_WEBHOOK)
    assert of_kind(objs, "ValidatingWebhookConfiguration") == of_kind(objs, "Secret") == []
    assert [s["metadata"]["name"] for s in of_kind(objs, "Service")] == [CONTROLLER]
    assert not any(a.startswith("--validating-webhook") for a in args_of(objs))
    assert "volumes" not in pod_spec(workload(objs))


def test_cert_manager_mode_injects_the_ca_instead_of_rendering_one() -> None:
    objs = render(CHART, values={"controller": {"admissionWebhook": {"certificate": {"source": "certManager"}}}})
    vwc = one(objs, "ValidatingWebhookConfiguration")
    assert vwc["metadata"]["annotations"]["cert-manager.io/inject-ca-from"] == "default/test-ingress-nginx-admission"
    assert "caBundle" not in vwc["webhooks"][0]["clientConfig"]
    assert of_kind(objs, "Secret") == []
    cert = one(objs, "Certificate", "test-ingress-nginx-admission")
    assert cert["spec"]["secretName"] == pod_spec(workload(objs))["volumes"][0]["secret"]["secretName"]
    assert "test-ingress-nginx-controller-admission.default.svc" in cert["spec"]["dnsNames"]
    assert cert["spec"]["issuerRef"]["name"] == one(objs, "Issuer", "test-ingress-nginx-admission-ca")["metadata"]["name"]


def test_provided_secret_mode_uses_the_given_secret_and_ca() -> None:
    objs = render(CHART, values={"controller": {"admissionWebhook": {"certificate": {
        "source": "secret", "secretName": "webhook-tls", "caBundle": "Q0EK"}}}})
    assert one(objs, "ValidatingWebhookConfiguration")["webhooks"][0]["clientConfig"]["caBundle"] == "Q0EK"
    assert pod_spec(workload(objs))["volumes"][0]["secret"]["secretName"] == "webhook-tls"
    assert of_kind(objs, "Secret") == []


# --- metrics --------------------------------------------------------------------------------------

def test_lab_metrics_are_scrapable_by_annotation() -> None:
    objs = render(CHART, values_files=LAB)
    template = workload(objs)["spec"]["template"]
    assert template["metadata"]["annotations"]["prometheus.io/scrape"] == "true"
    assert template["metadata"]["annotations"]["prometheus.io/port"] == "10254"
    assert args_of(objs)["--enable-metrics"] == "true"
    metrics = one(objs, "Service", "test-ingress-nginx-controller-metrics")
    assert metrics["spec"]["ports"][0]["port"] == 10254
    assert of_kind(objs, "ServiceMonitor") == []


def test_service_monitor_only_when_enabled_and_selects_the_metrics_service() -> None:
    objs = render(CHART, values={"controller": {"metrics": {"enabled": True, "serviceMonitor": {"enabled": True}}}})
    sm = one(objs, "ServiceMonitor")
    metrics = one(objs, "Service", "test-ingress-nginx-controller-metrics")
    assert all(metrics["metadata"]["labels"].get(k) == v for k, v in sm["spec"]["selector"]["matchLabels"].items())
    controller_svc = one(objs, "Service", CONTROLLER)
    assert not all(controller_svc["metadata"]["labels"].get(k) == v for k, v in sm["spec"]["selector"]["matchLabels"].items())
    assert sm["spec"]["endpoints"][0]["port"] == "metrics"


class _NoDuplicateKeys(yaml.SafeLoader):
    """A YAML loader that refuses a key twice in one map, as Argo CD's and kubectl's strict parsers do."""


def _construct_unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    keys = [loader.construct_object(k, deep=deep) for k, _ in node.value]
    dupes = {k for k in keys if keys.count(k) > 1}
    assert not dupes, f"key(s) {dupes} twice in one map (line {node.start_mark.line + 1})"
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


_NoDuplicateKeys.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)


def test_pod_annotations_may_repeat_the_scrape_annotations_without_duplicating_keys() -> None:
    # The test helpers parse leniently (last key wins), so this one renders raw and parses strictly.
    values = {"controller": {"metrics": {"enabled": True},
                             "podAnnotations": {"prometheus.io/scrape": "true", "prometheus.io/path": "/metrics"}}}
    req = Request(ROOT / "charts" / CHART, values)
    with tempfile.TemporaryDirectory() as tmp:
        proc = run(req, helm_mod.find(ROOT), Path(tmp))
    assert proc.returncode == 0, proc.stderr
    objs = [d for d in yaml.load_all(proc.stdout, Loader=_NoDuplicateKeys) if d]
    annotations = workload(objs)["spec"]["template"]["metadata"]["annotations"]
    assert annotations == {"prometheus.io/scrape": "true", "prometheus.io/port": "10254",
                           "prometheus.io/path": "/metrics"}


def test_default_has_no_metrics_pieces() -> None:
    objs = render(CHART, values_files=DEFAULTS)
    assert args_of(objs)["--enable-metrics"] == "false"
    assert "annotations" not in workload(objs)["spec"]["template"]["metadata"]


# --- security and RBAC -----------------------------------------------------------------------------

def test_controller_runs_as_www_data_with_only_net_bind_service() -> None:
    ctx = containers(workload(render(CHART, values_files=DEFAULTS)))[0]["securityContext"]
    assert (ctx["runAsUser"], ctx["runAsGroup"], ctx["runAsNonRoot"]) == (101, 82, True)
    assert ctx["allowPrivilegeEscalation"] is False
    assert ctx["capabilities"] == {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}
    assert ctx["seccompProfile"] == {"type": "RuntimeDefault"}


def test_image_is_the_pinned_last_release() -> None:
    image = containers(workload(render(CHART, values_files=DEFAULTS)))[0]["image"]
    assert image == ("registry.k8s.io/ingress-nginx/controller:v1.15.1"
                     "@sha256:594ceea76b01c592858f803f9ff4d2cb40542cae2060410b2c95f75907d659e1")


def rules_by_resource(role: dict) -> dict[tuple[str, str], set[str]]:
    out: dict[tuple[str, str], set[str]] = {}
    for rule in role["rules"]:
        if rule.get("resourceNames"):
            continue
        for group in rule["apiGroups"]:
            for res in rule["resources"]:
                out.setdefault((group, res), set()).update(rule["verbs"])
    return out


def test_cluster_rbac_is_what_the_controller_needs() -> None:
    got = rules_by_resource(one(render(CHART, values_files=DEFAULTS), "ClusterRole"))
    lw = {"list", "watch"}
    assert got == {
        ("", "configmaps"): lw, ("", "endpoints"): lw, ("", "pods"): lw, ("", "secrets"): lw,
        ("", "namespaces"): lw, ("", "nodes"): lw | {"get"},
        ("", "services"): lw | {"get"}, ("", "events"): {"create", "patch"},
        ("coordination.k8s.io", "leases"): lw,
        ("networking.k8s.io", "ingresses"): lw | {"get"}, ("networking.k8s.io", "ingressclasses"): lw | {"get"},
        ("networking.k8s.io", "ingresses/status"): {"update"},
        ("discovery.k8s.io", "endpointslices"): lw | {"get"},
    }


def test_namespaced_rbac_is_what_the_controller_needs() -> None:
    objs = render(CHART, values_files=LAB)
    role = one(objs, "Role")
    assert role["metadata"]["namespace"] == "ingress-nginx"
    glw = {"get", "list", "watch"}
    assert rules_by_resource(role) == {
        ("", "namespaces"): {"get"}, ("", "configmaps"): glw, ("", "pods"): glw, ("", "secrets"): glw,
        ("", "endpoints"): glw, ("", "services"): glw, ("", "events"): {"create", "patch"},
        ("coordination.k8s.io", "leases"): {"create"},
    }
    sa = one(objs, "ServiceAccount")["metadata"]["name"]
    assert one(objs, "RoleBinding")["subjects"][0]["name"] == sa == one(objs, "ClusterRoleBinding")["subjects"][0]["name"]
    assert pod_spec(workload(objs))["serviceAccountName"] == sa


def test_lab_creates_its_restricted_namespace() -> None:
    ns = one(render(CHART, values_files=LAB), "Namespace")
    assert ns["metadata"]["name"] == "ingress-nginx"
    assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


# --- bad input ------------------------------------------------------------------------------------

BAD_INPUT = [
    ({"controller": {"replicas": 2}}, "replicas"),
    ({"controller": {"service": {"loadBalancerIP": "10.0.0.300"}}}, "/controller/service/loadBalancerIP"),
    ({"controller": {"service": {"loadBalancerIP": "lb.example.test"}}}, "/controller/service/loadBalancerIP"),
    ({"controller": {"kind": "StatefulSet"}}, "/controller/kind"),
    ({"controller": {"kind": "DaemonSet", "autoscaling": {"enabled": True}}}, "controller.autoscaling.enabled"),
    ({"controller": {"autoscaling": {"enabled": True, "minReplicas": 5, "maxReplicas": 3}}},
     "controller.autoscaling.minReplicas"),
    ({"controller": {"autoscaling": {"enabled": True, "targetCPUUtilizationPercentage": None}}},
     "controller.autoscaling.targetCPUUtilizationPercentage"),
    ({"controller": {"service": {"type": "ClusterIP", "loadBalancerIP": "10.0.0.11"}}},
     "controller.service.loadBalancerIP"),
    ({"controller": {"service": {"type": "ClusterIP", "nodePorts": {"http": 30080}}}}, "controller.service.nodePorts"),
    ({"controller": {"service": {"externalTrafficPolicy": "Global"}}}, "/controller/service/externalTrafficPolicy"),
    ({"controller": {"tcp": {"443": "default/web:443"}}}, "controller.tcp.443"),
    ({"controller": {"tcp": {"10254": "default/app:80"}}}, "controller.tcp.10254"),
    ({"controller": {"tcp": {"5432": "postgres:5432"}}}, "/controller/tcp/5432"),
    ({"controller": {"udp": {"70000": "kube-system/dns:53"}}}, "/controller/udp"),
    ({"controller": {"service": {"nodePorts": {"tcp": {"5432": 30432}}}}}, "controller.service.nodePorts.tcp.5432"),
    ({"controller": {"metrics": {"serviceMonitor": {"enabled": True}}}}, "controller.metrics.serviceMonitor.enabled"),
    ({"controller": {"allowSnippetAnnotations": True}}, "controller.allowSnippetAnnotations"),
    ({"controller": {"annotationsRiskLevel": "Extreme"}}, "/controller/annotationsRiskLevel"),
    ({"controller": {"admissionWebhook": {"certificate": {"source": "secret"}}}},
     "controller.admissionWebhook.certificate.secretName"),
    ({"controller": {"admissionWebhook": {"certificate": {"source": "vault"}}}},
     "/controller/admissionWebhook/certificate/source"),
    ({"controller": {"defaultTLSSecret": "a/b/c"}}, "/controller/defaultTLSSecret"),
    ({"controller": {"realIP": {"trustedCIDRs": ["10.0.0.0/33"]}}}, "/controller/realIP/trustedCIDRs/0"),
    ({"controller": {"service": {"enabled": False}}}, "controller.publishService.enabled"),
    ({"controller": {"service": {"loadBalancerIP": "10.0.0.11", "annotations": {"metallb.io/loadBalancerIPs": "10.0.0.12"}}}},
     "controller.service.annotations"),
    ({"controller": {"extraArgs": {"ingress-class": "other"}}}, "controller.extraArgs.ingress-class"),
]


@pytest.mark.parametrize(("values", "fragment"), BAD_INPUT, ids=[f for _, f in BAD_INPUT])
def test_bad_input_is_refused_naming_the_key(values: dict, fragment: str) -> None:
    assert fragment in render_error(CHART, values=values)
