"""ingress-nginx beyond the basics: the host network and host ports, the internal Service, the
NetworkPolicy, the default backend, scoping to one namespace, headers and templates, the escape
hatches (extra volumes, containers, args, config, objects), and the inputs each of them refuses."""

from __future__ import annotations

import base64
import datetime
from typing import Any

import pytest
from cryptography import x509

from tests.helpers import containers, of_kind, one, pod_spec, render, render_error

CHART = "ingress-nginx"
CI = "charts/ingress-nginx/ci/"
CONTROLLER = "test-ingress-nginx-controller"


def workload(objs: list[dict[str, Any]]) -> dict[str, Any]:
    found = of_kind(objs, "Deployment") + of_kind(objs, "DaemonSet")
    found = [o for o in found if o["metadata"]["name"] == CONTROLLER]
    assert len(found) == 1
    return found[0]


def controller(objs: list[dict[str, Any]]) -> dict[str, Any]:
    return next(c for c in containers(workload(objs), init=False) if c["name"] == "controller")


def args_of(objs: list[dict[str, Any]]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for arg in controller(objs)["args"][1:]:
        flag, sep, value = arg.partition("=")
        out[flag] = value if sep else None
    return out


def selects(service: dict[str, Any], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in service["spec"]["selector"].items())


def pod_labels(objs: list[dict[str, Any]]) -> dict[str, str]:
    return dict(workload(objs)["spec"]["template"]["metadata"]["labels"])


# --- the host network and host ports ---------------------------------------------------------------

def test_host_network_binds_the_nodes_ports_and_keeps_resolving_service_names() -> None:
    objs = render(CHART, values_files=[CI + "host-network-values.yaml"])
    spec = pod_spec(workload(objs)) or {}
    assert workload(objs)["kind"] == "DaemonSet"
    assert spec["hostNetwork"] is True and spec["dnsPolicy"] == "ClusterFirstWithHostNet"
    assert all("hostPort" not in p for p in controller(objs)["ports"])
    args = args_of(objs)
    assert "--publish-service" not in args and args["--report-node-internal-ip-address"] == "true"
    assert one(objs, "Service", CONTROLLER)["spec"]["type"] == "ClusterIP"


@pytest.mark.parametrize("values", [
    {"controller": {"hostNetwork": True}},
    {"controller": {"hostPort": {"enabled": True}}},
    {"controller": {"sysctls": {"net.core.somaxconn": "8192"}}},
], ids=["host-network", "host-port", "unsafe-sysctl"])
def test_own_namespace_is_privileged_only_when_the_pods_need_it(values: dict[str, Any]) -> None:
    base = {"namespace": {"create": True}, "namespaceOverride": "edge"}
    ns = one(render(CHART, values={**base, **values}), "Namespace")
    assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"
    safe = {**base, "controller": {"sysctls": {"net.ipv4.ip_local_port_range": "1024 65000"}}}
    assert one(render(CHART, values=safe), "Namespace")["metadata"]["labels"][
        "pod-security.kubernetes.io/enforce"] == "restricted"


def test_host_ports_map_http_https_and_tcp_services_onto_the_nodes() -> None:
    objs = render(CHART, values_files=[CI + "host-port-values.yaml"])
    ports = {p["name"]: p for p in controller(objs)["ports"]}
    assert (ports["http"]["hostPort"], ports["https"]["hostPort"], ports["tcp-5432"]["hostPort"]) == (80, 443, 5432)
    assert "hostPort" not in ports["webhook"]
    assert (pod_spec(workload(objs)) or {}).get("hostNetwork") is not True


def test_host_ports_can_move_off_80_and_443() -> None:
    objs = render(CHART, values={"controller": {"hostPort": {"enabled": True, "ports": {"http": 8080, "https": 8443}},
                                                "admissionWebhook": {"enabled": False}}})
    ports = {p["name"]: p for p in controller(objs)["ports"]}
    assert (ports["http"]["containerPort"], ports["http"]["hostPort"]) == (80, 8080)
    assert (ports["https"]["containerPort"], ports["https"]["hostPort"]) == (443, 8443)


@pytest.mark.parametrize(("values", "fragments"), [
    ({"hostNetwork": True, "tcp": {"22": "git/gitea-ssh:22"}}, ("controller.tcp.22", "sshd")),
    ({"hostNetwork": True, "tcp": {"6443": "default/api:443"}}, ("controller.tcp.6443", "kube-apiserver")),
    ({"hostNetwork": True, "tcp": {"10250": "default/x:1"}}, ("controller.tcp.10250", "kubelet")),
    ({"hostNetwork": True, "tcp": {"2379": "default/x:1"}}, ("controller.tcp.2379", "etcd")),
    ({"hostPort": {"enabled": True, "ports": {"http": 10256}}}, ("controller.hostPort.ports.http", "kube-proxy")),
    ({"hostPort": {"enabled": True, "ports": {"https": 10257}}}, ("controller.hostPort.ports.https", "controller-manager")),
    ({"hostPort": {"enabled": True, "ports": {"https": 22}}}, ("controller.hostPort.ports.https", "sshd")),
    ({"hostPort": {"enabled": True}, "tcp": {"10259": "default/x:1"}}, ("controller.tcp.10259", "scheduler")),
    ({"hostPort": {"enabled": True, "ports": {"http": 443}}}, ("controller.hostPort.ports.https", "equals")),
    ({"hostPort": {"enabled": True, "ports": {"http": 5432}}, "tcp": {"5432": "db/pg:5432"}},
     ("controller.tcp.5432", "controller.hostPort.ports.http")),
    ({"hostNetwork": True, "hostPort": {"enabled": True}}, ("controller.hostPort.enabled",)),
    ({"hostNetwork": True, "dnsPolicy": "ClusterFirst"}, ("controller.dnsPolicy",)),
    ({"hostNetwork": True, "networkPolicy": {"enabled": True}}, ("controller.networkPolicy.enabled",)),
], ids=lambda v: str(v)[:50])
def test_ports_on_the_nodes_that_something_else_holds_are_refused(values: dict[str, Any], fragments: tuple[str, ...]) -> None:
    message = render_error(CHART, values={"controller": values})
    for fragment in fragments:
        assert fragment in message


def test_udp_on_a_tcp_port_of_the_node_is_not_a_collision() -> None:
    objs = render(CHART, values={"controller": {"hostNetwork": True, "kind": "DaemonSet",
                                                "udp": {"10250": "kube-system/x:53"}}})
    assert {"name": "udp-10250", "containerPort": 10250, "protocol": "UDP"} in controller(objs)["ports"]


# --- Services -----------------------------------------------------------------------------------------

def test_internal_service_is_a_second_entry_point_to_the_same_pods() -> None:
    objs = render(CHART, values_files=[CI + "internal-service-values.yaml"])
    main = one(objs, "Service", CONTROLLER)
    internal = one(objs, "Service", "test-ingress-nginx-controller-internal")
    assert selects(internal, pod_labels(objs)) and internal["spec"]["selector"] == main["spec"]["selector"]
    assert internal["metadata"]["annotations"]["metallb.io/loadBalancerIPs"] == "10.0.0.12"
    assert internal["metadata"]["annotations"]["metallb.io/address-pool"] == "internal"
    assert main["metadata"]["annotations"]["metallb.io/loadBalancerIPs"] == "10.0.0.11"
    assert internal["spec"]["loadBalancerSourceRanges"] == ["10.0.0.0/24"]
    assert "loadBalancerSourceRanges" not in main["spec"]
    assert {p["name"] for p in internal["spec"]["ports"]} == {"http", "https"}


def test_service_networking_options_reach_both_services() -> None:
    objs = render(CHART, values_files=[CI + "internal-service-values.yaml"])
    for name in (CONTROLLER, "test-ingress-nginx-controller-internal"):
        svc = one(objs, "Service", name)
        assert svc["spec"]["ipFamilyPolicy"] == "PreferDualStack" and svc["spec"]["sessionAffinity"] == "ClientIP"
        assert svc["metadata"]["annotations"]["service.kubernetes.io/topology-mode"] == "Auto"


def test_external_ips_and_traffic_distribution_reach_the_main_service() -> None:
    svc = one(render(CHART, values={"controller": {"service": {
        "externalIPs": ["10.0.0.60"], "trafficDistribution": "PreferClose", "ipFamilies": ["IPv4"]}}}),
        "Service", CONTROLLER)
    assert svc["spec"]["externalIPs"] == ["10.0.0.60"] and svc["spec"]["trafficDistribution"] == "PreferClose"
    assert svc["spec"]["ipFamilies"] == ["IPv4"]


# --- NetworkPolicies ------------------------------------------------------------------------------------

def rules(np: dict[str, Any], direction: str) -> list[dict[str, Any]]:
    return list(np["spec"].get(direction) or [])


def test_controller_network_policy_opens_the_edge_and_closes_the_rest() -> None:
    objs = render(CHART, values_files=[CI + "network-policy-values.yaml"])
    np = one(objs, "NetworkPolicy", CONTROLLER)
    assert np["spec"]["podSelector"]["matchLabels"].items() <= pod_labels(objs).items()
    assert np["spec"]["policyTypes"] == ["Ingress", "Egress"]
    public, from_nodes, metrics = rules(np, "ingress")
    assert "from" not in public
    assert {(p["port"], p["protocol"]) for p in public["ports"]} == {("http", "TCP"), ("https", "TCP"), (5432, "TCP")}
    assert from_nodes["from"] == [{"ipBlock": {"cidr": "10.0.0.0/24"}}]
    assert {p["port"] for p in from_nodes["ports"]} == {8443, 10254}
    assert metrics["ports"] == [{"port": 10254, "protocol": "TCP"}]
    assert metrics["from"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]
    dns, api, backends = rules(np, "egress")
    assert {p["port"] for p in dns["ports"]} == {53} and "to" not in dns
    assert api == {"ports": [{"port": 6443, "protocol": "TCP"}], "to": [{"ipBlock": {"cidr": "10.0.0.0/24"}}]}
    assert backends == {"to": [{"namespaceSelector": {}, "podSelector": {}}, {"ipBlock": {"cidr": "10.0.0.100/32"}}]}


def test_default_backend_is_reachable_from_the_controller_only() -> None:
    objs = render(CHART, values_files=[CI + "network-policy-values.yaml"])
    backend = one(objs, "Deployment", "test-ingress-nginx-defaultbackend")
    svc = one(objs, "Service", "test-ingress-nginx-defaultbackend")
    labels = backend["spec"]["template"]["metadata"]["labels"]
    assert selects(svc, labels) and not selects(svc, pod_labels(objs))
    assert not selects(one(objs, "Service", CONTROLLER), labels)
    assert args_of(objs)["--default-backend-service"] == "$(POD_NAMESPACE)/test-ingress-nginx-defaultbackend"
    np = one(objs, "NetworkPolicy", "test-ingress-nginx-defaultbackend")
    assert np["spec"]["podSelector"]["matchLabels"].items() <= labels.items()
    (rule,) = rules(np, "ingress")
    peers = rule["from"]
    assert peers[0]["podSelector"]["matchLabels"].items() <= pod_labels(objs).items()
    assert np["spec"]["egress"] == []
    c = containers(backend)[0]
    assert c["args"] == ["--port=8080"] and c["ports"][0]["containerPort"] == 8080
    assert (pod_spec(backend) or {})["automountServiceAccountToken"] is False


# --- one namespace only ---------------------------------------------------------------------------------

def test_scoped_controller_watches_its_own_namespace_by_default() -> None:
    objs = render(CHART, values_files=[CI + "scope-values.yaml"], namespace="team-b")
    assert args_of(objs)["--watch-namespace"] == "team-b"
    assert one(objs, "Role", "test-ingress-nginx-watch")["metadata"]["namespace"] == "team-b"


def test_scoped_controller_watches_one_namespace_with_a_role_there() -> None:
    objs = render(CHART, values={"controller": {"scope": {"namespace": "team-a"}}},
                  values_files=[CI + "scope-values.yaml"], namespace="ingress-team-a")
    args = args_of(objs)
    assert args["--watch-namespace"] == "team-a" and args["--ingress-class-by-name"] == "true"
    watch = one(objs, "Role", "test-ingress-nginx-watch")
    assert watch["metadata"]["namespace"] == "team-a"
    grants = {(g, r, v) for rule in watch["rules"] for g in rule["apiGroups"] for r in rule["resources"] for v in rule["verbs"]}
    assert ("networking.k8s.io", "ingresses/status", "update") in grants and ("", "secrets", "list") in grants
    binding = one(objs, "RoleBinding", "test-ingress-nginx-watch")
    assert binding["metadata"]["namespace"] == "team-a"
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "test-ingress-nginx", "namespace": "ingress-team-a"}]
    cluster = {(r, v) for rule in one(objs, "ClusterRole")["rules"] for r in rule["resources"] for v in rule["verbs"]}
    # nothing namespaced is readable cluster-wide any more
    assert {r for r, _ in cluster} == {"nodes", "ingressclasses"}


def test_namespace_selector_limits_the_cluster_wide_controller() -> None:
    args = args_of(render(CHART, values={"controller": {"scope": {"namespaceSelector": "ingress=public"}}}))
    assert args["--watch-namespace-selector"] == "ingress=public" and "--watch-namespace" not in args


# --- classes, headers, templates ------------------------------------------------------------------------

def test_aliases_are_more_ingress_classes_of_the_same_controller() -> None:
    objs = render(CHART, values_files=[CI + "extras-values.yaml"])
    classes = {ic["metadata"]["name"]: ic for ic in of_kind(objs, "IngressClass")}
    assert set(classes) == {"nginx", "nginx-legacy"}
    assert {ic["spec"]["controller"] for ic in classes.values()} == {"k8s.io/ingress-nginx"}
    assert all(ic["metadata"]["annotations"]["team"] == "platform" for ic in classes.values())


def test_only_the_main_class_is_the_default() -> None:
    objs = render(CHART, values={"controller": {"ingressClass": {"default": True, "aliases": ["old"]}}})
    defaults = [ic["metadata"]["name"] for ic in of_kind(objs, "IngressClass")
                if (ic["metadata"].get("annotations") or {}).get("ingressclass.kubernetes.io/is-default-class") == "true"]
    assert defaults == ["nginx"]


def test_ingress_class_parameters_are_passed_through() -> None:
    params = {"apiGroup": "k8s.example.com", "kind": "IngressParameters", "name": "external-lb", "scope": "Cluster"}
    ic = one(render(CHART, values={"controller": {"ingressClass": {"parameters": params}}}), "IngressClass")
    assert ic["spec"]["parameters"] == params


def test_headers_go_into_their_own_configmaps_that_the_controller_configmap_names() -> None:
    objs = render(CHART, values_files=[CI + "extras-values.yaml"])
    data = one(objs, "ConfigMap", CONTROLLER)["data"]
    assert data["proxy-set-headers"] == "default/test-ingress-nginx-custom-proxy-headers"
    assert data["add-headers"] == "default/test-ingress-nginx-custom-add-headers"
    assert one(objs, "ConfigMap", "test-ingress-nginx-custom-proxy-headers")["data"] == {"X-Request-Start": "t=${msec}"}
    assert one(objs, "ConfigMap", "test-ingress-nginx-custom-add-headers")["data"] == {"X-Frame-Options": "DENY"}
    assert data["custom-http-errors"] == "404,503"


def test_dh_param_and_custom_template() -> None:
    objs = render(CHART, values={"controller": {"dhParamSecret": "dhparam",
                                                "customTemplate": {"configMapName": "nginx-tmpl", "configMapKey": "nginx.tmpl"}}})
    assert one(objs, "ConfigMap", CONTROLLER)["data"]["ssl-dh-param"] == "default/dhparam"
    mount = next(m for m in controller(objs)["volumeMounts"] if m["mountPath"] == "/etc/nginx/template")
    volume = next(v for v in (pod_spec(workload(objs)) or {})["volumes"] if v["name"] == mount["name"])
    assert volume["configMap"] == {"name": "nginx-tmpl", "items": [{"key": "nginx.tmpl", "path": "nginx.tmpl"}]}


def test_config_keys_and_values_reach_the_configmap_verbatim() -> None:
    data = one(render(CHART, values={"controller": {"config": {
        "log-format-upstream": '$remote_addr - "$request" #1', "http2_max_field_size": "8k", "keep-alive": 75}}}),
        "ConfigMap", CONTROLLER)["data"]
    assert data["log-format-upstream"] == '$remote_addr - "$request" #1'
    assert (data["http2_max_field_size"], data["keep-alive"]) == ("8k", "75")


# --- the pod ---------------------------------------------------------------------------------------------

def test_extra_volumes_mounts_and_containers_join_the_pod() -> None:
    objs = render(CHART, values_files=[CI + "extras-values.yaml"])
    spec = pod_spec(workload(objs)) or {}
    volumes = {v["name"] for v in spec["volumes"]}
    assert {"webhook-cert", "error-pages", "logs"} <= volumes
    assert {"name": "error-pages", "mountPath": "/www/errors", "readOnly": True} in controller(objs)["volumeMounts"]
    sidecar = next(c for c in spec["containers"] if c["name"] == "log-shipper")
    init = spec["initContainers"][0]
    assert init["name"] == "wait-for-dns"
    # the restricted context fills what an extra container leaves out
    for c in (sidecar, init):
        assert c["securityContext"]["allowPrivilegeEscalation"] is False
        assert c["securityContext"]["capabilities"] == {"drop": ["ALL"]}
        assert c["securityContext"]["runAsNonRoot"] is True


def test_an_extra_container_may_loosen_its_own_security_context() -> None:
    sidecar = {"name": "tool", "image": "registry.example.com/tool:1", "securityContext": {"readOnlyRootFilesystem": False}}
    objs = render(CHART, values={"controller": {"extraContainers": [sidecar]}})
    ctx = next(c for c in containers(workload(objs)) if c["name"] == "tool")["securityContext"]
    assert ctx["readOnlyRootFilesystem"] is False and ctx["runAsNonRoot"] is True


def test_pod_extras_reach_the_pod_spec() -> None:
    objs = render(CHART, values_files=[CI + "extras-values.yaml"])
    spec = pod_spec(workload(objs)) or {}
    assert spec["dnsConfig"] == {"options": [{"name": "ndots", "value": "2"}]}
    assert spec["hostAliases"] == [{"ip": "10.0.0.100", "hostnames": ["harbor.feng.org"]}]
    assert spec["securityContext"]["sysctls"] == [{"name": "net.ipv4.ip_local_port_range", "value": "1024 65000"}]
    (tsc,) = spec["topologySpreadConstraints"]
    assert tsc["labelSelector"]["matchLabels"].items() <= pod_labels(objs).items()
    assert workload(objs)["spec"]["progressDeadlineSeconds"] == 900
    assert controller(objs)["livenessProbe"]["failureThreshold"] == 6
    assert controller(objs)["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": 10254}


def test_runtime_class_process_namespace_resize_and_token() -> None:
    objs = render(CHART, values={
        "controller": {"runtimeClassName": "gvisor", "shareProcessNamespace": True,
                       "resizePolicy": [{"resourceName": "cpu", "restartPolicy": "NotRequired"}],
                       "annotations": {"owner": "platform"}, "labels": {"tier": "edge"}},
        "serviceAccount": {"automountServiceAccountToken": False}})
    spec = pod_spec(workload(objs)) or {}
    assert (spec["runtimeClassName"], spec["shareProcessNamespace"], spec["automountServiceAccountToken"]) == (
        "gvisor", True, False)
    assert controller(objs)["resizePolicy"] == [{"resourceName": "cpu", "restartPolicy": "NotRequired"}]
    assert workload(objs)["metadata"]["annotations"] == {"owner": "platform"}
    assert workload(objs)["metadata"]["labels"]["tier"] == "edge"


def test_lifecycle_replaces_the_default_pre_stop_hook() -> None:
    assert controller(render(CHART))["lifecycle"] == {"preStop": {"exec": {"command": ["/wait-shutdown"]}}}
    hook = {"preStop": {"sleep": {"seconds": 5}}}
    assert controller(render(CHART, values={"controller": {"lifecycle": hook}}))["lifecycle"] == hook


def test_hpa_behavior_and_extra_metrics() -> None:
    objs = render(CHART, values_files=[CI + "extras-values.yaml"])
    hpa = one(objs, "HorizontalPodAutoscaler")
    assert hpa["spec"]["behavior"]["scaleDown"]["policies"] == [{"type": "Pods", "value": 1, "periodSeconds": 180}]
    pods_metric = {"type": "Pods", "pods": {"metric": {"name": "nginx_ingress_controller_requests"},
                                            "target": {"type": "AverageValue", "averageValue": "100"}}}
    hpa = one(render(CHART, values={"controller": {"autoscaling": {"enabled": True, "targetCPUUtilizationPercentage": None,
                                                                   "annotations": {"a": "b"}},
                                                   "autoscalingTemplate": [pods_metric]}}), "HorizontalPodAutoscaler")
    assert hpa["spec"]["metrics"] == [pods_metric] and hpa["metadata"]["annotations"] == {"a": "b"}


def test_pdb_by_max_unavailable_with_an_eviction_policy() -> None:
    pdb = one(render(CHART, values_files=[CI + "extras-values.yaml"]), "PodDisruptionBudget")
    assert pdb["spec"]["maxUnavailable"] == 1 and "minAvailable" not in pdb["spec"]
    assert pdb["spec"]["unhealthyPodEvictionPolicy"] == "AlwaysAllow"


def test_webhook_selectors_reach_the_webhook() -> None:
    hook = one(render(CHART, values_files=[CI + "extras-values.yaml"]), "ValidatingWebhookConfiguration")["webhooks"][0]
    assert hook["namespaceSelector"]["matchExpressions"][0]["values"] == ["kube-system"]
    assert "objectSelector" not in hook


@pytest.mark.parametrize("days", [1, 36500])
def test_webhook_certificate_validity_stays_in_the_future(days: int) -> None:
    objs = render(CHART, values={"controller": {"admissionWebhook": {"certificate": {"validityDays": days}}}})
    secret = one(objs, "Secret")
    for key in ("ca.crt", "tls.crt"):
        cert = x509.load_pem_x509_certificate(base64.b64decode(secret["data"][key]))
        assert cert.not_valid_after_utc > datetime.datetime.now(datetime.UTC)
        lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
        assert abs(lifetime - datetime.timedelta(days=days)) < datetime.timedelta(hours=1)


def test_extra_args_values_reach_the_command_line_intact() -> None:
    args = args_of(render(CHART, values={"controller": {"extraArgs": {
        "default-server-port": 8182, "enable-ssl-passthrough": None, "sync-period": "10m0s"}}}))
    assert args["--default-server-port"] == "8182" and args["--enable-ssl-passthrough"] is None
    assert args["--sync-period"] == "10m0s"


def test_extra_objects_are_released_with_the_chart() -> None:
    objs = render(CHART, values_files=[CI + "extras-values.yaml"], namespace="edge")
    cm = one(objs, "ConfigMap", "error-pages")
    assert cm["metadata"]["namespace"] == "edge" and cm["data"]["404.html"] == "<h1>Not here</h1>"


# --- bad input ---------------------------------------------------------------------------------------------

SHA = "sha256:" + "a" * 64
BAD: list[tuple[dict[str, Any], tuple[str, ...]]] = [
    # escape hatches that re-set what the chart types
    ({"controller": {"config": {"allow-snippet-annotations": "true"}}},
     ("controller.config.allow-snippet-annotations", "controller.allowSnippetAnnotations")),
    ({"controller": {"config": {"annotations-risk-level": "Critical"}}},
     ("controller.config.annotations-risk-level", "controller.annotationsRiskLevel")),
    ({"controller": {"config": {"use-forwarded-headers": "true"}}},
     ("controller.config.use-forwarded-headers", "controller.realIP.useForwardedHeaders")),
    ({"controller": {"config": {"proxy-real-ip-cidr": "0.0.0.0/0"}}}, ("controller.realIP.trustedCIDRs",)),
    ({"controller": {"config": {"strict-validate-path-type": "false"}}}, ("controller.strictValidatePathType",)),
    ({"controller": {"config": {"add-headers": "default/x"}}}, ("controller.addHeaders",)),
    ({"controller": {"config": {"ssl-dh-param": "default/x"}}}, ("controller.dhParamSecret",)),
    ({"controller": {"extraArgs": {"publish-service": "default/x"}}},
     ("controller.extraArgs.publish-service", "controller.publishService")),
    ({"controller": {"extraArgs": {"watch-namespace": "x"}}}, ("controller.extraArgs.watch-namespace", "controller.scope")),
    ({"controller": {"extraArgs": {"healthz-port": 10255}}}, ("controller.extraArgs.healthz-port", "10254")),
    ({"controller": {"extraArgs": {"http-port": 8080}}}, ("controller.extraArgs.http-port",)),
    ({"controller": {"extraArgs": {"default-backend-service": "x/y"}}}, ("defaultBackend.enabled",)),
    ({"controller": {"extraArgs": {"publish-status-address": "10.0.0.11"}}},
     ("controller.extraArgs.publish-status-address", "controller.publishService.enabled")),
    ({"defaultBackend": {"enabled": True, "extraArgs": {"port": 9000}}}, ("defaultBackend.extraArgs.port",)),
    # YAML injection through keys and values
    ({"controller": {"config": {"a: b\nallow-snippet-annotations": "true"}}}, ("/controller/config",)),
    ({"controller": {"config": {"Bad Key": "x"}}}, ("/controller/config",)),
    ({"controller": {"extraArgs": {"v": "2\n- --enable-snippets"}}}, ("/controller/extraArgs/v",)),
    ({"controller": {"proxySetHeaders": {"X-A": "v\"; evil"}}}, ("/controller/proxySetHeaders/X-A",)),
    ({"controller": {"addHeaders": {"Bad Header": "x"}}}, ("/controller/addHeaders",)),
    ({"controller": {"sysctls": {"net.core.somaxconn": "8192\nx: y"}}}, ("/controller/sysctls/net.core.somaxconn",)),
    ({"controller": {"scope": {"namespaceSelector": "a=b\nc"}}}, ("/controller/scope/namespaceSelector",)),
    ({"controller": {"publishService": {"pathOverride": "no-namespace"}}}, ("/controller/publishService/pathOverride",)),
    ({"controller": {"customTemplate": {"configMapName": "tmpl", "configMapKey": "a b"}}},
     ("/controller/customTemplate/configMapKey",)),
    # certificates
    ({"controller": {"admissionWebhook": {"certificate": {"validityDays": 0}}}},
     ("/controller/admissionWebhook/certificate/validityDays",)),
    ({"controller": {"admissionWebhook": {"certificate": {"validityDays": 106752}}}},
     ("/controller/admissionWebhook/certificate/validityDays",)),
    # half-set or conflicting values
    ({"controller": {"customTemplate": {"configMapName": "tmpl"}}}, ("controller.customTemplate.configMapKey",)),
    ({"controller": {"customTemplate": {"configMapKey": "nginx.tmpl"}}}, ("controller.customTemplate.configMapName",)),
    ({"controller": {"scope": {"enabled": True, "namespaceSelector": "a=b"}}}, ("controller.scope.namespaceSelector",)),
    ({"controller": {"autoscalingTemplate": [{"type": "Pods", "pods": {}}]}}, ("controller.autoscalingTemplate",)),
    ({"controller": {"autoscaling": {"enabled": True}, "autoscalingTemplate": [{"type": "Custom"}]}},
     ("controller.autoscalingTemplate[0].type",)),
    ({"controller": {"autoscaling": {"enabled": True, "behavior": {"scaleSideways": {}}}}},
     ("/controller/autoscaling/behavior",)),
    ({"controller": {"replicaCount": 2, "podDisruptionBudget": {"maxUnavailable": 1}}},
     ("controller.podDisruptionBudget.maxUnavailable",)),
    ({"controller": {"replicaCount": 2, "podDisruptionBudget": {"minAvailable": None}}},
     ("controller.podDisruptionBudget.minAvailable",)),
    ({"controller": {"replicaCount": 2, "podDisruptionBudget": {"minAvailable": None, "maxUnavailable": 0}}},
     ("controller.podDisruptionBudget.maxUnavailable",)),
    ({"controller": {"podDisruptionBudget": {"unhealthyPodEvictionPolicy": "Never"}}},
     ("/controller/podDisruptionBudget/unhealthyPodEvictionPolicy",)),
    ({"controller": {"updateStrategy": {"type": "OnDelete"}}}, ("controller.updateStrategy.type",)),
    ({"controller": {"kind": "DaemonSet", "updateStrategy": {"type": "Recreate"}}}, ("controller.updateStrategy.type",)),
    ({"controller": {"updateStrategy": {"type": "Recreate", "rollingUpdate": {"maxSurge": 1}}}},
     ("controller.updateStrategy.rollingUpdate",)),
    ({"controller": {"updateStrategy": {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}}},
     ("controller.updateStrategy.rollingUpdate.maxUnavailable",)),
    ({"controller": {"updateStrategy": {"rollingUpdate": {"maxSurge": "ten"}}}},
     ("/controller/updateStrategy/rollingUpdate/maxSurge",)),
    ({"controller": {"progressDeadlineSeconds": 10, "minReadySeconds": 10}}, ("controller.progressDeadlineSeconds",)),
    ({"controller": {"revisionHistoryLimit": -1}}, ("/controller/revisionHistoryLimit",)),
    ({"controller": {"livenessProbe": {"periodSeconds": 0}}}, ("/controller/livenessProbe/periodSeconds",)),
    ({"controller": {"livenessProbe": {"httpGet": {"port": 80}}}}, ("/controller/livenessProbe",)),
    ({"controller": {"lifecycle": {"preStart": {}}}}, ("/controller/lifecycle",)),
    ({"controller": {"tolerations": [{"effect": "NoSchedule"}]}}, ("controller.tolerations[0].key",)),
    ({"controller": {"tolerations": [{"key": "a", "operator": "Exists", "value": "b"}]}},
     ("controller.tolerations[0].value",)),
    ({"controller": {"topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "zone",
                                                    "whenUnsatisfiable": "ScheduleAnyway", "minDomains": 2}]}},
     ("controller.topologySpreadConstraints[0].minDomains",)),
    ({"controller": {"topologySpreadConstraints": [{"maxSkew": 1}]}}, ("/controller/topologySpreadConstraints/0",)),
    # extra volumes, mounts and containers
    ({"controller": {"extraVolumes": [{"name": "webhook-cert", "emptyDir": {}}]}},
     ("controller.extraVolumes[0].name", "chart's own")),
    ({"controller": {"extraVolumes": [{"name": "a", "emptyDir": {}}, {"name": "a", "emptyDir": {}}]}},
     ("controller.extraVolumes[1].name",)),
    ({"controller": {"extraVolumeMounts": [{"name": "missing", "mountPath": "/x"}]}},
     ("controller.extraVolumeMounts[0].name",)),
    ({"controller": {"extraVolumes": [{"name": "a", "emptyDir": {}}],
                     "extraVolumeMounts": [{"name": "a", "mountPath": "/usr/local/certificates/"}]}},
     ("controller.extraVolumeMounts[0].mountPath",)),
    ({"controller": {"extraContainers": [{"name": "controller", "image": "x"}]}}, ("controller.extraContainers[0].name",)),
    ({"controller": {"extraInitContainers": [{"name": "a", "image": "x"}], "extraContainers": [{"name": "a", "image": "y"}]}},
     ("controller.extraContainers[0].name",)),
    ({"controller": {"extraContainers": [{"name": "s", "image": "x", "volumeMounts": [{"name": "nope", "mountPath": "/n"}]}]}},
     ("controller.extraContainers[0].volumeMounts[0].name",)),
    ({"controller": {"extraContainers": [{"name": "s"}]}}, ("/controller/extraContainers/0",)),
    ({"controller": {"extraContainers": [{"name": "s", "image": "x", "imagePulPolicy": "Always"}]}},
     ("/controller/extraContainers/0",)),
    ({"controller": {"extraInitContainers": [{"name": "Bad_Name", "image": "x"}]}},
     ("/controller/extraInitContainers/0/name",)),
    ({"controller": {"extraContainers": [{"name": "s", "image": "x\n  privileged: true"}]}},
     ("/controller/extraContainers/0/image",)),
    ({"controller": {"extraEnv": [{"value": "x"}]}}, ("/controller/extraEnv/0",)),
    ({"controller": {"extraEnv": [{"name": "A B", "value": "x"}]}}, ("/controller/extraEnv/0/name",)),
    ({"controller": {"extraVolumes": [{"name": "v", "hostPath": {"path": "/"}, "emptyDir": {}}]}},
     ("/controller/extraVolumes/0",)),
    # labels the chart sets itself
    ({"controller": {"podLabels": {"app.kubernetes.io/name": "other"}}}, ("controller.podLabels.app.kubernetes.io/name",)),
    ({"controller": {"labels": {"helm.sh/chart": "x"}}}, ("controller.labels.helm.sh/chart",)),
    ({"controller": {"service": {"labels": {"app.kubernetes.io/instance": "x"}}}},
     ("controller.service.labels.app.kubernetes.io/instance",)),
    # the internal Service and the main one
    ({"controller": {"service": {"enabled": False, "internal": {"enabled": True}}, "publishService": {"enabled": False}}},
     ("controller.service.internal.enabled",)),
    ({"controller": {"service": {"loadBalancerIP": "10.0.0.11", "internal": {"enabled": True, "loadBalancerIP": "10.0.0.11"}}}},
     ("controller.service.internal.loadBalancerIP", "own")),
    ({"controller": {"service": {"internal": {"enabled": True, "type": "ClusterIP", "loadBalancerIP": "10.0.0.12"}}}},
     ("controller.service.internal.loadBalancerIP",)),
    ({"controller": {"service": {"internal": {"enabled": True, "type": "ClusterIP", "nodePorts": {"http": 30081}}}}},
     ("controller.service.internal.nodePorts",)),
    ({"controller": {"service": {"internal": {"enabled": True, "loadBalancerIP": "10.0.0.12",
                                              "annotations": {"metallb.io/loadBalancerIPs": "10.0.0.13"}}}}},
     ("controller.service.internal.annotations",)),
    ({"controller": {"service": {"type": "NodePort", "nodePorts": {"http": 30080, "https": 30080}}}},
     ("controller.service.nodePorts.https", "controller.service.nodePorts.http")),
    ({"controller": {"service": {"type": "NodePort", "nodePorts": {"http": 30080},
                                 "internal": {"enabled": True, "type": "NodePort", "nodePorts": {"http": 30080}}}}},
     ("controller.service.internal.nodePorts.http",)),
    ({"controller": {"tcp": {"5432": "db/pg:5432"}, "service": {"type": "NodePort", "nodePorts": {"http": 30432,
                                                                                                   "tcp": {"5432": 30432}}}}},
     ("controller.service.nodePorts.tcp.5432",)),
    ({"controller": {"service": {"ipFamilyPolicy": "SingleStack", "ipFamilies": ["IPv4", "IPv6"]}}},
     ("controller.service.ipFamilies",)),
    ({"controller": {"service": {"ipFamilyPolicy": "RequireDualStack", "ipFamilies": ["IPv4"]}}},
     ("controller.service.ipFamilies",)),
    ({"controller": {"service": {"ipFamilies": ["IPv4", "IPv4"]}}}, ("/controller/service/ipFamilies",)),
    ({"controller": {"service": {"externalIPs": ["ten"]}}}, ("/controller/service/externalIPs/0",)),
    ({"controller": {"service": {"sessionAffinity": "Sticky"}}}, ("/controller/service/sessionAffinity",)),
    ({"controller": {"service": {"internal": {"externalTrafficPolicy": "Global"}}}},
     ("/controller/service/internal/externalTrafficPolicy",)),
    # NetworkPolicy inputs
    ({"controller": {"networkPolicy": {"nodeCIDRs": ["10.0.0.0"]}}}, ("/controller/networkPolicy/nodeCIDRs/0",)),
    ({"controller": {"networkPolicy": {"externalBackends": [{"podSelector": {}}]}}},
     ("/controller/networkPolicy/externalBackends/0",)),
    ({"controller": {"networkPolicy": {"metricsFrom": [{"namespaceSelector": {"matchLabels": {"a": "b c"}}}]}}},
     ("/controller/networkPolicy/metricsFrom/0/namespaceSelector/matchLabels/a",)),
    # pod extras
    ({"controller": {"dnsPolicy": "ClusterLast"}}, ("/controller/dnsPolicy",)),
    ({"controller": {"hostAliases": [{"ip": "harbor", "hostnames": ["h"]}]}}, ("/controller/hostAliases/0/ip",)),
    ({"controller": {"hostAliases": [{"ip": "10.0.0.1", "hostnames": []}]}}, ("/controller/hostAliases/0/hostnames",)),
    ({"controller": {"runtimeClassName": "Run C"}}, ("/controller/runtimeClassName",)),
    ({"controller": {"resizePolicy": [{"resourceName": "gpu", "restartPolicy": "NotRequired"}]}},
     ("/controller/resizePolicy/0/resourceName",)),
    ({"controller": {"hostPort": {"ports": {"http": 0}}}}, ("/controller/hostPort/ports/http",)),
    ({"controller": {"ingressClass": {"aliases": ["Bad_Alias"]}}}, ("/controller/ingressClass/aliases/0",)),
    ({"controller": {"ingressClass": {"parameters": {"scope": "Global"}}}}, ("/controller/ingressClass/parameters/scope",)),
    ({"controller": {"ingressClass": {"parameters": {"name": "p"}}}}, ("controller.ingressClass.parameters",)),
    ({"controller": {"ingressClass": {"parameters": {"kind": "P", "name": "p", "scope": "Namespace"}}}},
     ("controller.ingressClass.parameters.namespace",)),
    ({"controller": {"ingressClass": {"parameters": {"kind": "P", "name": "p", "namespace": "x"}}}},
     ("controller.ingressClass.parameters.namespace",)),
    ({"controller": {"admissionWebhook": {"objectSelector": {"matchExpressions": [{"key": "a", "operator": "Like"}]}}}},
     ("/controller/admissionWebhook/objectSelector/matchExpressions/0/operator",)),
    ({"defaultBackend": {"port": 80}}, ("/defaultBackend/port",)),
    ({"defaultBackend": {"enabled": True, "image": {"digest": "sha256:abc"}}}, ("/defaultBackend/image/digest",)),
    ({"defaultBackend": {"enabled": True, "resources": {"requests": {"memory": "64Mi"}, "limits": {"memory": "32Mi"}}}},
     ("defaultBackend.resources.limits.memory",)),
    ({"defaultBackend": None}, ("defaultBackend",)),
    ({"extraObjects": [{"kind": "ConfigMap", "metadata": {"name": "x"}}]}, ("/extraObjects/0",)),
    ({"extraObjects": ["apiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: x"]}, ("extraObjects[0]",)),
]


@pytest.mark.parametrize(("values", "fragments"), BAD, ids=[f"{i}-{f[0][:40]}" for i, (_, f) in enumerate(BAD)])
def test_bad_input_is_refused_naming_the_key(values: dict[str, Any], fragments: tuple[str, ...]) -> None:
    message = render_error(CHART, values=values)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in:\n{message}"


# --- in the platform ----------------------------------------------------------------------------------------

def test_platform_refuses_a_restricted_namespace_for_a_host_network_controller() -> None:
    values = {"ingress-nginx": {"controller": {"hostNetwork": True, "kind": "DaemonSet",
                                               "service": {"type": "ClusterIP", "loadBalancerIP": ""}}}}
    message = render_error("platform", values=values, values_files=["values/lab.yaml"])
    assert "namespaces.podSecurity.ingress-nginx" in message and "privileged" in message
    values["namespaces"] = {"podSecurity": {"ingress-nginx": "privileged"}}
    ns = one(render("platform", values=values, values_files=["values/lab.yaml"]), "Namespace", "ingress-nginx")
    assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"
