"""metrics-server: the resource metrics API as the API server, the kubelets and kubectl see it."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.helpers import containers, of_kind, one, pod_spec, render, render_error

CHART = "metrics-server"
CI = "charts/metrics-server/ci/"
DEFAULTS = [CI + "defaults-values.yaml"]
LAB = [CI + "lab-values.yaml"]
HA = [CI + "ha-values.yaml"]
HOST_NETWORK = [CI + "host-network-values.yaml"]
NAME = "test-metrics-server"


def flags(objs: list[dict[str, Any]]) -> dict[str, str | None]:
    """The container's flags as {flag: value} (None for a bare switch)."""
    out: dict[str, str | None] = {}
    for arg in containers(one(objs, "Deployment"))[0]["args"]:
        flag, sep, value = arg.partition("=")
        out[flag] = value if sep else None
    return out


def selects(service: dict[str, Any], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in service["spec"]["selector"].items())


# --- the API server's side -------------------------------------------------------------------

def test_apiservice_routes_metrics_api_to_the_service_and_its_https_port() -> None:
    objs = render(CHART, values_files=DEFAULTS)
    api = one(objs, "APIService", "v1beta1.metrics.k8s.io")
    svc = one(objs, "Service")
    deploy = one(objs, "Deployment")
    assert (api["spec"]["group"], api["spec"]["version"]) == ("metrics.k8s.io", "v1beta1")
    ref = api["spec"]["service"]
    assert (ref["name"], ref["namespace"], ref["port"]) == (svc["metadata"]["name"], svc["metadata"]["namespace"], 443)
    (port,) = [p for p in svc["spec"]["ports"] if p["port"] == ref["port"]]
    assert port["targetPort"] == "https"
    container_port = {p["name"]: p["containerPort"] for p in containers(deploy)[0]["ports"]}
    assert container_port["https"] == int(flags(objs)["--secure-port"] or 0) == 10250
    assert selects(svc, deploy["spec"]["template"]["metadata"]["labels"])


def test_self_signed_serving_certificate_is_not_verified_unless_a_ca_is_given() -> None:
    api = one(render(CHART, values_files=DEFAULTS), "APIService")
    assert api["spec"]["insecureSkipTLSVerify"] is True and "caBundle" not in api["spec"]
    pem = "-----BEGIN CERTIFICATE-----\nTUlJQg==\n-----END CERTIFICATE-----\n"
    api = one(render(CHART, values={"apiService": {"caBundle": pem}}, values_files=DEFAULTS), "APIService")
    assert "insecureSkipTLSVerify" not in api["spec"]
    assert base64.b64decode(api["spec"]["caBundle"]).decode() == pem


def test_apiservice_can_be_left_to_another_provider() -> None:
    assert of_kind(render(CHART, values={"apiService": {"create": False}}, values_files=DEFAULTS), "APIService") == []


# --- RBAC ----------------------------------------------------------------------------------------

def rules_of(objs: list[dict[str, Any]], name: str) -> set[tuple[str, str, str]]:
    role = one(objs, "ClusterRole", name)
    return {(g, r, v) for rule in role["rules"] for g in rule["apiGroups"] for r in rule["resources"] for v in rule["verbs"]}


def test_metrics_server_may_read_kubelet_metrics_pods_and_nodes_only() -> None:
    objs = render(CHART, values_files=DEFAULTS)
    assert rules_of(objs, "system:metrics-server") == {
        ("", "nodes/metrics", "get"),
        *{("", r, v) for r in ("pods", "nodes") for v in ("get", "list", "watch")},
    }


def test_metrics_reader_role_is_aggregated_into_view_edit_and_admin() -> None:
    objs = render(CHART, values_files=DEFAULTS)
    role = one(objs, "ClusterRole", "system:aggregated-metrics-reader")
    for verb in ("view", "edit", "admin"):
        assert role["metadata"]["labels"][f"rbac.authorization.k8s.io/aggregate-to-{verb}"] == "true"
    assert rules_of(objs, "system:aggregated-metrics-reader") == {
        ("metrics.k8s.io", r, v) for r in ("pods", "nodes") for v in ("get", "list", "watch")}


def test_service_account_is_bound_to_its_role_auth_delegator_and_the_auth_reader_in_kube_system() -> None:
    objs = render(CHART, values_files=DEFAULTS, namespace="monitoring")
    sa = one(objs, "ServiceAccount")
    subject = {"kind": "ServiceAccount", "name": sa["metadata"]["name"], "namespace": "monitoring"}
    bound = {(b["roleRef"]["kind"], b["roleRef"]["name"]): b for b in of_kind(objs, "ClusterRoleBinding") + of_kind(objs, "RoleBinding")}
    assert set(bound) == {("ClusterRole", "system:metrics-server"), ("ClusterRole", "system:auth-delegator"),
                          ("Role", "extension-apiserver-authentication-reader")}
    for b in bound.values():
        assert b["subjects"] == [subject]
    # That Role exists only in kube-system, whatever namespace metrics-server runs in.
    assert bound[("Role", "extension-apiserver-authentication-reader")]["metadata"]["namespace"] == "kube-system"
    assert one(objs, "Deployment")["spec"]["template"]["spec"]["serviceAccountName"] == sa["metadata"]["name"]


def test_rbac_can_be_left_to_someone_else() -> None:
    objs = render(CHART, values={"rbac": {"create": False}}, values_files=DEFAULTS)
    assert of_kind(objs, "ClusterRole") == of_kind(objs, "ClusterRoleBinding") == of_kind(objs, "RoleBinding") == []


# --- the pod ---------------------------------------------------------------------------------------

def test_defaults_verify_kubelet_certificates_and_scrape_every_15s() -> None:
    f = flags(render(CHART, values_files=DEFAULTS))
    assert "--kubelet-insecure-tls" not in f
    assert f["--metric-resolution"] == "15s"
    assert f["--kubelet-preferred-address-types"] == "InternalIP,ExternalIP,Hostname"
    assert "--kubelet-use-node-status-port" in f
    assert f["--cert-dir"] == "/tmp"


def test_kubeadm_lab_mode_skips_kubelet_verification_and_dials_internal_ip_first() -> None:
    f = flags(render(CHART, values_files=LAB))
    assert "--kubelet-insecure-tls" in f and f["--kubelet-insecure-tls"] is None
    assert f["--kubelet-preferred-address-types"].split(",")[0] == "InternalIP"


def test_probes_are_metrics_servers_own_health_endpoints_over_https() -> None:
    c = containers(one(render(CHART, values_files=DEFAULTS), "Deployment"))[0]
    assert (c["livenessProbe"]["httpGet"]["path"], c["readinessProbe"]["httpGet"]["path"]) == ("/livez", "/readyz")
    for probe in (c["livenessProbe"], c["readinessProbe"]):
        assert probe["httpGet"]["scheme"] == "HTTPS" and probe["httpGet"]["port"] == "https"


def test_pod_is_restricted_with_a_writable_cert_dir_only() -> None:
    deploy = one(render(CHART, values_files=DEFAULTS), "Deployment")
    spec = pod_spec(deploy) or {}
    c = containers(deploy)[0]
    assert spec["securityContext"]["runAsNonRoot"] is True and spec["securityContext"]["runAsUser"] == 65534
    assert c["securityContext"]["readOnlyRootFilesystem"] is True
    assert c["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert c["securityContext"]["allowPrivilegeEscalation"] is False
    mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]]
    assert spec.get("hostNetwork") is not True
    assert spec["priorityClassName"] == "system-cluster-critical"


def test_defaults_documented_in_values_are_what_renders() -> None:
    deploy = one(render(CHART, values_files=DEFAULTS), "Deployment")
    c = containers(deploy)[0]
    assert deploy["spec"]["replicas"] == 1
    assert c["image"] == "registry.k8s.io/metrics-server/metrics-server:v0.8.0"
    assert c["resources"] == {"requests": {"cpu": "100m", "memory": "200Mi"}, "limits": {"memory": "400Mi"}}
    assert of_kind(render(CHART, values_files=DEFAULTS), "PodDisruptionBudget") == []
    # A rollout never takes the metrics API away.
    assert deploy["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0


def test_ha_spreads_two_replicas_and_lets_one_be_evicted() -> None:
    objs = render(CHART, values_files=HA)
    deploy = one(objs, "Deployment")
    pdb = one(objs, "PodDisruptionBudget")
    assert deploy["spec"]["replicas"] == 2
    assert pdb["spec"]["minAvailable"] == 1 and "maxUnavailable" not in pdb["spec"]
    assert pdb["spec"]["selector"]["matchLabels"].items() <= deploy["spec"]["template"]["metadata"]["labels"].items()
    term = (pod_spec(deploy) or {})["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]
    assert term["topologyKey"] == "kubernetes.io/hostname"
    assert term["labelSelector"]["matchLabels"].items() <= deploy["spec"]["template"]["metadata"]["labels"].items()


def test_host_network_mode_moves_off_the_kubelets_port() -> None:
    objs = render(CHART, values_files=HOST_NETWORK)
    deploy = one(objs, "Deployment")
    spec = pod_spec(deploy) or {}
    assert spec["hostNetwork"] is True and spec["dnsPolicy"] == "ClusterFirstWithHostNet"
    assert flags(objs)["--secure-port"] == "4443"
    assert containers(deploy)[0]["ports"][0]["containerPort"] == 4443
    assert flags(objs)["--kubelet-request-timeout"] == "10s"


def test_global_registry_reaches_the_image() -> None:
    c = containers(one(render(CHART, values={"global": {"imageRegistry": "harbor.feng.org/proxy"}}, values_files=DEFAULTS), "Deployment"))[0]
    assert c["image"] == "harbor.feng.org/proxy/metrics-server/metrics-server:v0.8.0"


# --- bad input ----------------------------------------------------------------------------------

BAD: list[tuple[dict[str, Any], str]] = [
    # null for an object value deletes the defaults
    ({"resources": None}, "resources"),
    ({"kubelet": None}, "kubelet"),
    ({"pdb": None}, "pdb"),
    ({"livenessProbe": None}, "livenessProbe"),
    ({"resources": {"requests": None}}, "requests"),
    # limits below requests
    ({"resources": {"limits": {"memory": "100Mi"}}}, "resources.limits.memory"),
    ({"resources": {"limits": {"cpu": "50m"}}}, "resources.limits.cpu"),
    ({"resources": {"limits": {"memory": "0.1Gi"}}}, "resources.limits.memory"),
    # PDBs that allow no disruption, or are ambiguous
    ({"pdb": {"enabled": True, "maxUnavailable": 0}}, "pdb.maxUnavailable"),
    ({"pdb": {"enabled": True, "maxUnavailable": "0%"}}, "pdb.maxUnavailable"),
    ({"pdb": {"enabled": True, "minAvailable": 1, "maxUnavailable": None}}, "pdb.minAvailable"),
    ({"replicaCount": 2, "pdb": {"enabled": True, "minAvailable": "100%", "maxUnavailable": None}}, "pdb.minAvailable"),
    ({"replicaCount": 3, "pdb": {"enabled": True, "minAvailable": 1}}, "pdb.minAvailable"),
    ({"pdb": {"enabled": True, "maxUnavailable": None}}, "pdb.maxUnavailable"),
    # port collisions
    ({"hostNetwork": True}, "securePort"),
    ({"extraArgs": {"secure-port": "4443"}}, "extraArgs.secure-port"),
    ({"extraArgs": {"kubelet-insecure-tls": True}}, "extraArgs.kubelet-insecure-tls"),
    ({"securePort": 80}, "securePort"),
    # list items missing fields
    ({"tolerations": [{"effect": "NoSchedule"}]}, "/tolerations/0"),
    ({"tolerations": [{"key": "a", "tolerationSecond": 5}]}, "tolerationSecond"),
    ({"imagePullSecrets": [{}]}, "imagePullSecrets"),
    # YAML injection through strings
    ({"extraArgs": {"v": "2\n- --kubelet-insecure-tls"}}, "extraArgs"),
    ({"metricResolution": "15s\nx: y"}, "metricResolution"),
    ({"image": {"tag": "v1\n  evil: true"}}, "tag"),
    ({"priorityClassName": "a: b"}, "priorityClassName"),
    ({"serviceAccount": {"name": "x\ny"}}, "serviceAccount"),
    ({"commonLabels": {"a b": "c"}}, "commonLabels"),
    ({"apiService": {"caBundle": "not a certificate"}}, "caBundle"),
    # values metrics-server itself refuses
    ({"metricResolution": "5s"}, "metricResolution"),
    ({"metricResolution": "15"}, "metricResolution"),
    ({"kubelet": {"preferredAddressTypes": []}}, "preferredAddressTypes"),
    ({"kubelet": {"preferredAddressTypes": ["InternalIp"]}}, "preferredAddressTypes"),
    ({"podAntiAffinity": "required"}, "podAntiAffinity"),
    ({"replicaCount": 0}, "replicaCount"),
]


@pytest.mark.parametrize(("values", "fragment"), BAD, ids=[f"{i}-{frag}" for i, (_, frag) in enumerate(BAD)])
def test_bad_input_fails_naming_the_key(values: dict[str, Any], fragment: str) -> None:
    assert fragment in render_error(CHART, values=values, values_files=DEFAULTS)
