"""metrics-server: the resource metrics API as the API server, the kubelets and kubectl see it."""

from __future__ import annotations

import base64
import datetime
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

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


# --- the serving certificate the API server verifies --------------------------------------------

def pem_of(secret: dict[str, Any], key: str) -> bytes:
    return base64.b64decode(secret["data"][key])


def mounted_secret(objs: list[dict[str, Any]], flag: str) -> str:
    """The Secret whose file the container reads through `flag` (--tls-cert-file or --tls-private-key-file)."""
    deploy = one(objs, "Deployment")
    path = flags(objs)[flag] or ""
    mount = next(m for m in containers(deploy)[0]["volumeMounts"] if path.startswith(m["mountPath"] + "/"))
    volume = next(v for v in (pod_spec(deploy) or {})["volumes"] if v["name"] == mount["name"])
    return str(volume["secret"]["secretName"])


def test_default_tls_gives_the_apiservice_the_ca_that_signed_the_served_certificate() -> None:
    objs = render(CHART, values_files=DEFAULTS, namespace="kube-system")
    api = one(objs, "APIService")
    assert "insecureSkipTLSVerify" not in api["spec"]
    secret = one(objs, "Secret", mounted_secret(objs, "--tls-cert-file"))
    assert mounted_secret(objs, "--tls-private-key-file") == secret["metadata"]["name"]
    assert flags(objs)["--tls-cert-file"].endswith("/tls.crt") and flags(objs)["--tls-private-key-file"].endswith("/tls.key")
    ca = x509.load_pem_x509_certificate(base64.b64decode(api["spec"]["caBundle"]))
    cert = x509.load_pem_x509_certificate(pem_of(secret, "tls.crt"))
    cert.verify_directly_issued_by(ca)
    # the API server dials <service>.<namespace>.svc
    svc = f"{api['spec']['service']['name']}.{api['spec']['service']['namespace']}.svc"
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    assert svc in sans and svc == "test-metrics-server.kube-system.svc"
    key = serialization.load_pem_private_key(pem_of(secret, "tls.key"), None)
    assert key.public_key().public_numbers() == cert.public_key().public_numbers()  # type: ignore[union-attr]
    assert pem_of(secret, "ca.crt") == base64.b64decode(api["spec"]["caBundle"])
    # generated once: kept on uninstall, and reused from the cluster on upgrade
    assert secret["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    assert secret["type"] == "kubernetes.io/tls"


@pytest.mark.parametrize("days", [1, 365, 36500])
def test_generated_certificate_lasts_the_days_asked_for(days: int) -> None:
    objs = render(CHART, values={"tls": {"helm": {"certDurationDays": days}}}, values_files=DEFAULTS)
    for key in ("ca.crt", "tls.crt"):
        cert = x509.load_pem_x509_certificate(pem_of(one(objs, "Secret"), key))
        lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
        assert abs(lifetime - datetime.timedelta(days=days)) < datetime.timedelta(hours=1)
        assert cert.not_valid_after_utc > datetime.datetime.now(datetime.UTC)


def test_existing_secret_is_mounted_and_the_given_ca_trusted() -> None:
    pem = "-----BEGIN CERTIFICATE-----\nTUlJQg==\n-----END CERTIFICATE-----\n"
    objs = render(CHART, values={"tls": {"type": "existingSecret", "existingSecret": {"name": "metrics-tls"}},
                                 "apiService": {"caBundle": pem}}, values_files=DEFAULTS)
    assert mounted_secret(objs, "--tls-cert-file") == "metrics-tls"
    assert of_kind(objs, "Secret") == []
    api = one(objs, "APIService")
    assert base64.b64decode(api["spec"]["caBundle"]).decode() == pem and "insecureSkipTLSVerify" not in api["spec"]


def test_cert_manager_issues_the_certificate_from_a_private_ca_and_injects_it() -> None:
    objs = render(CHART, values_files=[CI + "cert-manager-values.yaml"], namespace="kube-system")
    api = one(objs, "APIService")
    cert = one(objs, "Certificate", "test-metrics-server-tls")
    assert api["metadata"]["annotations"]["cert-manager.io/inject-ca-from"] == "kube-system/test-metrics-server-tls"
    assert "caBundle" not in api["spec"] and "insecureSkipTLSVerify" not in api["spec"]
    assert cert["spec"]["secretName"] == mounted_secret(objs, "--tls-cert-file")
    assert "test-metrics-server.kube-system.svc" in cert["spec"]["dnsNames"]
    assert (cert["spec"]["duration"], cert["spec"]["renewBefore"]) == ("2160h", "360h")
    # serving cert <- CA issuer <- CA certificate <- self-signed issuer
    ca_issuer = one(objs, "Issuer", cert["spec"]["issuerRef"]["name"])
    ca_cert = one(objs, "Certificate", ca_issuer["spec"]["ca"]["secretName"])
    assert ca_cert["spec"]["isCA"] is True
    assert "selfSigned" in one(objs, "Issuer", ca_cert["spec"]["issuerRef"]["name"])["spec"]
    assert of_kind(objs, "Secret") == []


def test_cert_manager_can_use_an_existing_cluster_issuer() -> None:
    objs = render(CHART, values={"tls": {"type": "cert-manager", "certManager": {
        "existingIssuer": {"enabled": True, "kind": "ClusterIssuer", "name": "internal-ca"}}}}, values_files=DEFAULTS)
    assert one(objs, "Certificate")["spec"]["issuerRef"] == {"group": "cert-manager.io", "kind": "ClusterIssuer",
                                                              "name": "internal-ca"}
    assert of_kind(objs, "Issuer") == []


def test_self_signed_by_metrics_server_skips_verification_only_when_asked() -> None:
    objs = render(CHART, values={"tls": {"type": "metrics-server"}, "apiService": {"insecureSkipTLSVerify": True}},
                  values_files=DEFAULTS)
    assert one(objs, "APIService")["spec"]["insecureSkipTLSVerify"] is True
    assert "caBundle" not in one(objs, "APIService")["spec"]
    assert flags(objs)["--cert-dir"] == "/tmp" and "--tls-cert-file" not in flags(objs)
    assert of_kind(objs, "Secret") == []
    assert "tls" not in {v["name"] for v in (pod_spec(one(objs, "Deployment")) or {})["volumes"]}


def test_apiservice_annotations_are_kept_beside_the_ca_injection() -> None:
    objs = render(CHART, values={"tls": {"type": "cert-manager"}, "apiService": {"annotations": {"team": "platform"}}},
                  values_files=DEFAULTS)
    assert set(one(objs, "APIService")["metadata"]["annotations"]) == {"team", "cert-manager.io/inject-ca-from"}


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
    assert "--cert-dir" not in f  # the chart's own certificate is served instead (tls.type helm)


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
    assert c["image"] == "registry.k8s.io/metrics-server/metrics-server:v0.8.1"
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
    assert c["image"] == "harbor.feng.org/proxy/metrics-server/metrics-server:v0.8.1"


def test_metrics_endpoint_opens_without_closing_the_health_endpoints() -> None:
    f = flags(render(CHART, values={"metrics": {"enabled": True}}, values_files=DEFAULTS))
    assert set((f["--authorization-always-allow-paths"] or "").split(",")) == {"/healthz", "/readyz", "/livez", "/metrics"}
    assert "--authorization-always-allow-paths" not in flags(render(CHART, values_files=DEFAULTS))


def test_pod_extras_reach_the_pod_spec() -> None:
    objs = render(CHART, values_files=[CI + "extras-values.yaml"])
    deploy = one(objs, "Deployment")
    spec = pod_spec(deploy) or {}
    c = containers(deploy)[0]
    assert spec["volumes"][-1] == {"name": "kubelet-ca", "configMap": {"name": "kubelet-ca"}}
    assert {"name": "kubelet-ca", "mountPath": "/etc/kubelet-ca", "readOnly": True} in c["volumeMounts"]
    assert flags(objs)["--kubelet-certificate-authority"] == "/etc/kubelet-ca/ca.crt"
    assert spec["dnsConfig"] == {"options": [{"name": "ndots", "value": "2"}]}
    assert spec["schedulerName"] == "default-scheduler"
    assert deploy["metadata"]["annotations"] == {"reloader.example.com/watch": "kubelet-ca"}
    assert deploy["spec"]["revisionHistoryLimit"] == 3
    assert next(v for v in spec["volumes"] if v["name"] == "tmp")["emptyDir"] == {"medium": "Memory", "sizeLimit": "8Mi"}
    svc = one(objs, "Service")
    assert svc["spec"]["type"] == "ClusterIP" and svc["metadata"]["labels"]["kubernetes.io/cluster-service"] == "true"
    assert one(objs, "PodDisruptionBudget")["spec"]["unhealthyPodEvictionPolicy"] == "AlwaysAllow"


def test_topology_spread_selects_this_releases_pods_unless_told_otherwise() -> None:
    objs = render(CHART, values_files=[CI + "extras-values.yaml"])
    deploy = one(objs, "Deployment")
    zone, host = (pod_spec(deploy) or {})["topologySpreadConstraints"]
    assert zone["labelSelector"]["matchLabels"].items() <= deploy["spec"]["template"]["metadata"]["labels"].items()
    assert zone["topologyKey"] == "topology.kubernetes.io/zone"
    assert host["labelSelector"] == {"matchLabels": {"team": "platform"}}


def test_update_strategy_and_history_follow_values() -> None:
    deploy = one(render(CHART, values={"updateStrategy": {"type": "Recreate"}, "revisionHistoryLimit": 0},
                        values_files=DEFAULTS), "Deployment")
    assert deploy["spec"]["strategy"] == {"type": "Recreate"} and deploy["spec"]["revisionHistoryLimit"] == 0
    assert "revisionHistoryLimit" not in one(render(CHART, values_files=DEFAULTS), "Deployment")["spec"]


def test_network_policy_lets_the_api_server_in_and_metrics_server_out_to_kubelets_dns_and_api() -> None:
    objs = render(CHART, values_files=[CI + "network-policy-values.yaml"])
    np = one(objs, "NetworkPolicy")
    deploy = one(objs, "Deployment")
    assert np["spec"]["podSelector"]["matchLabels"].items() <= deploy["spec"]["template"]["metadata"]["labels"].items()
    assert np["spec"]["policyTypes"] == ["Ingress", "Egress"]
    (ingress,) = np["spec"]["ingress"]
    assert ingress == {"ports": [{"port": "https", "protocol": "TCP"}], "from": [{"ipBlock": {"cidr": "10.0.0.0/24"}}]}
    egress = {(p["port"], p["protocol"]): rule.get("to") for rule in np["spec"]["egress"] for p in rule["ports"]}
    assert egress == {(53, "UDP"): None, (53, "TCP"): None,
                      (6443, "TCP"): [{"ipBlock": {"cidr": "10.0.0.0/24"}}],
                      (10250, "TCP"): [{"ipBlock": {"cidr": "10.0.0.0/24"}}]}


def test_network_policy_node_cidrs_win_over_the_global_node_network() -> None:
    np = one(render(CHART, values={"networkPolicy": {"enabled": True, "nodeCIDRs": ["192.0.2.0/28"]},
                                   "global": {"network": {"nodeCIDR": "10.0.0.0/24"}}}, values_files=DEFAULTS),
             "NetworkPolicy")
    assert np["spec"]["ingress"][0]["from"] == [{"ipBlock": {"cidr": "192.0.2.0/28"}}]


def test_network_policy_without_a_known_node_network_restricts_ports_only() -> None:
    np = one(render(CHART, values={"networkPolicy": {"enabled": True}}, values_files=DEFAULTS), "NetworkPolicy")
    assert "from" not in np["spec"]["ingress"][0]
    assert all("to" not in rule for rule in np["spec"]["egress"])


def test_extra_objects_are_released_with_templates_resolved() -> None:
    objs = render(CHART, values_files=[CI + "extras-values.yaml"], release="ms")
    cm = one(objs, "ConfigMap", "ms-extra")
    assert cm["data"] == {"release": "ms"}
    assert one(objs, "ConfigMap", "kubelet-ca")["data"]["ca.crt"].startswith("-----BEGIN")


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
    ({"tolerations": [{"effect": "NoSchedule"}]}, "tolerations[0].key"),
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
    # the serving certificate and the APIService's trust
    ({"tls": {"type": "metrics-server"}}, "tls.type"),
    ({"apiService": {"insecureSkipTLSVerify": True}}, "apiService.insecureSkipTLSVerify"),
    ({"apiService": {"caBundle": "-----BEGIN CERTIFICATE-----\nTUlJQg==\n-----END CERTIFICATE-----\n"}},
     "apiService.caBundle"),
    ({"tls": {"type": "metrics-server"}, "apiService": {"insecureSkipTLSVerify": True,
                                                        "caBundle": "-----BEGIN CERTIFICATE-----\nQQ==\n-----END CERTIFICATE-----"}},
     "apiService.caBundle"),
    ({"tls": {"type": "existingSecret"}}, "tls.existingSecret.name"),
    ({"tls": {"type": "existingSecret", "existingSecret": {"name": "metrics-tls"}}}, "apiService.caBundle"),
    ({"tls": {"type": "existingSecret", "existingSecret": {"name": "metrics-tls", "lookup": False}}}, "lookup is false"),
    ({"tls": {"type": "existingSecret", "existingSecret": {"name": "Bad_Name"}}}, "/tls/existingSecret/name"),
    ({"tls": {"type": "cert-manager", "certManager": {"addInjectorAnnotations": False}}},
     "tls.certManager.addInjectorAnnotations"),
    ({"tls": {"type": "cert-manager", "certManager": {"existingIssuer": {"enabled": True}}}},
     "tls.certManager.existingIssuer.name"),
    ({"tls": {"type": "cert-manager", "certManager": {"duration": "24h", "renewBefore": "48h"}}},
     "tls.certManager.renewBefore"),
    ({"tls": {"type": "cert-manager", "certManager": {"duration": "90 days"}}}, "/tls/certManager/duration"),
    ({"tls": {"type": "cert-manager", "certManager": {"existingIssuer": {"enabled": True, "kind": "Vault", "name": "v"}}}},
     "/tls/certManager/existingIssuer/kind"),
    ({"tls": {"type": "vault"}}, "/tls/type"),
    ({"tls": {"helm": {"certDurationDays": 0}}}, "/tls/helm/certDurationDays"),
    ({"tls": {"helm": {"certDurationDays": 106752}}}, "/tls/helm/certDurationDays"),
    ({"tls": None}, "tls"),
    # start-up rules of metrics-server itself
    ({"metricResolution": "10s"}, "metricResolution"),
    ({"metricResolution": "11s"}, "at least 12s"),
    ({"metricResolution": "30s", "extraArgs": {"kubelet-request-timeout": "30s"}}, "metricResolution"),
    ({"extraArgs": {"kubelet-request-timeout": "10"}}, "extraArgs.kubelet-request-timeout"),
    ({"extraArgs": {"kubelet-request-timeout": "0s"}}, "extraArgs.kubelet-request-timeout"),
    ({"kubelet": {"insecureTLS": True}, "extraArgs": {"kubelet-certificate-authority": "/ca.crt"}},
     "extraArgs.kubelet-certificate-authority"),
    ({"extraArgs": {"kubelet-client-key": "/k"}}, "extraArgs.kubelet-client-key"),
    ({"extraArgs": {"kubelet-client-certificate": "/c"}}, "extraArgs.kubelet-client-certificate"),
    ({"extraArgs": {"deprecated-kubelet-completely-insecure": True, "kubelet-certificate-authority": "/ca"}},
     "extraArgs.deprecated-kubelet-completely-insecure"),
    ({"kubelet": {"insecureTLS": True}, "extraArgs": {"deprecated-kubelet-completely-insecure": True}},
     "extraArgs.deprecated-kubelet-completely-insecure"),
    ({"extraArgs": {"tls-cert-file": "/x"}}, "extraArgs.tls-cert-file"),
    ({"extraArgs": {"authorization-always-allow-paths": "/metrics"}}, "extraArgs.authorization-always-allow-paths"),
    # pod extras the API server or kubelet would refuse
    ({"extraVolumes": [{"name": "tmp", "emptyDir": {}}]}, "extraVolumes[0].name"),
    ({"extraVolumes": [{"name": "a", "emptyDir": {}}, {"name": "a", "emptyDir": {}}]}, "extraVolumes[1].name"),
    ({"extraVolumes": [{"name": "a"}]}, "/extraVolumes/0"),
    ({"extraVolumes": [{"name": "a", "emptyDir": {}, "secret": {"secretName": "s"}}]}, "/extraVolumes/0"),
    ({"extraVolumes": [{"name": "a", "gitRepo": {"repository": "r"}}]}, "/extraVolumes/0"),
    ({"extraVolumeMounts": [{"name": "nothing", "mountPath": "/x"}]}, "extraVolumeMounts[0].name"),
    ({"extraVolumes": [{"name": "a", "emptyDir": {}}], "extraVolumeMounts": [{"name": "a", "mountPath": "/tmp/"}]},
     "extraVolumeMounts[0].mountPath"),
    ({"extraVolumes": [{"name": "a", "emptyDir": {}}],
      "extraVolumeMounts": [{"name": "a", "mountPath": "/etc/metrics-server/tls"}]}, "extraVolumeMounts[0].mountPath"),
    ({"extraVolumeMounts": [{"name": "tmp", "mountPath": "relative"}]}, "/extraVolumeMounts/0/mountPath"),
    ({"extraVolumeMounts": [{"name": "tmp", "mountPath": "/x", "subPath": "../etc"}]}, "/extraVolumeMounts/0/subPath"),
    ({"topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "ScheduleAnyway",
                                     "minDomains": 2}]}, "topologySpreadConstraints[0].minDomains"),
    ({"topologySpreadConstraints": [{"maxSkew": 0, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"}]},
     "/topologySpreadConstraints/0/maxSkew"),
    ({"topologySpreadConstraints": [{"topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"}]}, "maxSkew"),
    ({"updateStrategy": {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": "0%"}}},
     "updateStrategy.rollingUpdate.maxUnavailable"),
    ({"updateStrategy": {"type": "OnDelete"}}, "/updateStrategy/type"),
    ({"revisionHistoryLimit": -1}, "/revisionHistoryLimit"),
    ({"pdb": {"unhealthyPodEvictionPolicy": "Never"}}, "/pdb/unhealthyPodEvictionPolicy"),
    ({"dnsConfig": {"nameservers": ["dns.example.com"]}}, "/dnsConfig/nameservers/0"),
    ({"dnsConfig": {"options": [{"name": "ndots", "value": "2\nx: y"}]}}, "/dnsConfig/options/0/value"),
    ({"schedulerName": "My Scheduler"}, "/schedulerName"),
    ({"tmpVolume": {"emptyDir": {"sizeLimit": "16MB"}}}, "/tmpVolume/emptyDir/sizeLimit"),
    ({"tmpVolume": {"hostPath": {"path": "/"}}}, "/tmpVolume"),
    ({"service": {"type": "ExternalName"}}, "/service/type"),
    ({"service": {"labels": {"a": "b c"}}}, "/service/labels/a"),
    ({"deploymentAnnotations": {"bad key": "x"}}, "bad key"),
    ({"networkPolicy": {"enabled": True}, "hostNetwork": True, "securePort": 4443}, "networkPolicy.enabled"),
    ({"networkPolicy": {"nodeCIDRs": ["10.0.0.0/33"]}}, "/networkPolicy/nodeCIDRs/0"),
    ({"networkPolicy": {"kubeletPorts": [0]}}, "/networkPolicy/kubeletPorts/0"),
    ({"networkPolicy": {"extraIngress": [{"from": [{"ipBlock": {"cidr": "everywhere"}}]}]}},
     "/networkPolicy/extraIngress/0/from/0/ipBlock/cidr"),
    ({"networkPolicy": {"extraEgress": [{"to": [{}]}]}}, "/networkPolicy/extraEgress/0/to/0"),
    ({"networkPolicy": {"extraEgress": [{"ports": [{"port": 53, "protocol": "ICMP"}]}]}},
     "/networkPolicy/extraEgress/0/ports/0/protocol"),
    # extraObjects
    ({"extraObjects": [{"apiVersion": "v1", "kind": "ConfigMap"}]}, "/extraObjects/0"),
    ({"extraObjects": ["kind: ConfigMap\nmetadata: {name: x}"]}, "extraObjects[0]"),
    ({"extraObjects": ["apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: b}"]},
     "extraObjects[0]"),
    ({"extraObjects": ["- just\n- a list"]}, "extraObjects[0]"),
    ({"extraObjects": [42]}, "/extraObjects/0"),
]


@pytest.mark.parametrize(("values", "fragment"), BAD, ids=[f"{i}-{frag}" for i, (_, frag) in enumerate(BAD)])
def test_bad_input_fails_naming_the_key(values: dict[str, Any], fragment: str) -> None:
    assert fragment in render_error(CHART, values=values, values_files=DEFAULTS)
