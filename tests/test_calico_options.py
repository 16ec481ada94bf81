"""calico: the Installation's typed extras and validated pass-through, the other operator CRs'
specs, bring-your-own Typha/node certificates, Calico Ingress Gateway's RBAC, the operator pod's
DNS and escape hatches, extra objects."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import yaml

from tests.helpers import ROOT, of_kind, one, pod_spec, render, render_error

CHART = "calico"
OPTIONS = ["charts/calico/ci/options-values.yaml"]
LAB = ["charts/calico/ci/lab-values.yaml"]


def installation(objs: list[dict[str, Any]]) -> dict[str, Any]:
    return dict(one(objs, "Installation", "default")["spec"])


def test_typed_installation_fields_reach_the_installation() -> None:
    spec = installation(render(CHART, values_files=OPTIONS))
    assert spec["nodeUpdateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 2}}
    assert (spec["nodeMetricsPort"], spec["typhaMetricsPort"]) == (9091, 9093)
    node = spec["calicoNodeDaemonSet"]["spec"]["template"]["spec"]["containers"][0]
    assert node["resources"]["requests"] == {"cpu": "250m", "memory": "256Mi"}
    assert spec["logging"] == {"cni": {"logSeverity": "Info"}}
    assert spec["serviceCIDRs"] == ["10.96.0.0/12"]
    net = spec["calicoNetwork"]
    assert net["containerIPForwarding"] == "Enabled"
    assert net["sysctl"] == [{"key": "net.ipv4.tcp_keepalive_time", "value": "600"}]


def test_extra_spec_is_passed_through_beside_the_typed_fields() -> None:
    spec = installation(render(CHART, values_files=OPTIONS))
    assert spec["tlsCipherSuites"] == [{"name": "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"}]
    assert spec["calicoNetwork"]["linuxPolicySetupTimeoutSeconds"] == 5
    assert spec["calicoNetwork"]["bgp"] == "Enabled", "typed fields stay"


def test_unset_extras_leave_the_lab_installation_as_it_was() -> None:
    spec = installation(render(CHART, values_files=LAB))
    for field in ("nodeUpdateStrategy", "nodeMetricsPort", "calicoNodeDaemonSet", "nonPrivileged", "serviceCIDRs"):
        assert field not in spec
    assert "containerIPForwarding" not in spec["calicoNetwork"] and "sysctl" not in spec["calicoNetwork"]


def extra(spec: dict[str, Any]) -> dict[str, Any]:
    return {"installation": {"extraSpec": spec}}


INSTALLATION_ERRORS = [
    pytest.param(extra({"registry": "harbor.feng.org/"}), "installation.extraSpec.registry is a field the chart writes "
                 "itself (set installation.registry instead)", id="typed-registry"),
    pytest.param(extra({"nodeMetricsPort": 9091}), "set installation.nodeMetricsPort instead", id="typed-metrics"),
    pytest.param(extra({"cni": {"type": "Calico"}}), "installation.extraSpec.cni is a field the chart writes itself "
                 "(fixed by the chart", id="fixed-cni"),
    pytest.param(extra({"calicoNetwork": {"bgp": "Disabled"}}), "installation.extraSpec.calicoNetwork.bgp is a field "
                 "the chart writes itself (set installation.calicoNetwork.bgp instead)", id="typed-network-field"),
    pytest.param(extra({"calicoNetwork": {"ipPools": []}}), "set ipPools (and ipPoolManagement) instead", id="pools"),
    pytest.param(extra({"nodeMetricPort": 9091}), "installation.extraSpec.nodeMetricPort is not a field here",
                 id="misspelt-field"),
    pytest.param(extra({"calicoNetwork": {"multiInterfaceMode": "Bond"}}),
                 "installation.extraSpec.calicoNetwork.multiInterfaceMode Bond is not one of None, Multus",
                 id="bad-enum"),
    pytest.param(extra({"calicoNetwork": {"linuxPolicySetupTimeoutSeconds": "5"}}),
                 "installation.extraSpec.calicoNetwork.linuxPolicySetupTimeoutSeconds must be of type integer",
                 id="bad-type"),
    pytest.param({"installation": {"nodeMetricsPort": 9099}}, "installation.nodeMetricsPort 9099 is already taken on "
                 "every node by calico-node health", id="metrics-port-felix"),
    pytest.param({"installation": {"typhaMetricsPort": 9098}}, "installation.typhaMetricsPort 9098 is already taken "
                 "on every node by Calico Typha's health port", id="metrics-port-typha-health"),
    pytest.param({"installation": {"nodeMetricsPort": 9091, "typhaMetricsPort": 9091}},
                 "installation.typhaMetricsPort 9091 equals installation.nodeMetricsPort", id="same-metrics-port"),
    pytest.param({"installation": {"nonPrivileged": "Enabled", "calicoNetwork": {"linuxDataplane": "BPF",
                                                                                  "bpfNetworkBootstrap": "Enabled"}}},
                 "installation.nonPrivileged is Enabled with the BPF dataplane", id="non-privileged-bpf"),
    pytest.param({"installation": {"calicoNetwork": {"sysctl": [{"key": "net ipv4", "value": "1"}]}}},
                 "/installation/calicoNetwork/sysctl/0/key", id="sysctl-key"),
    pytest.param({"apiServer": {"spec": {"apiServerDeploymnt": {}}}}, "apiServer.spec.apiServerDeploymnt is not a field",
                 id="apiserver-misspelt"),
]


@pytest.mark.parametrize("values,fragment", INSTALLATION_ERRORS)
def test_installation_errors_fail_naming_the_key(values: dict[str, Any], fragment: str) -> None:
    assert fragment in render_error(CHART, values=values)


def test_operator_crs_carry_their_specs() -> None:
    objs = render(CHART, values={"goldmane": {"enabled": True, "spec": {"goldmaneDeployment": {"metadata": {}}}},
                                 "whisker": {"enabled": True, "spec": {"whiskerDeployment": {"metadata": {}}}}},
                  values_files=OPTIONS)
    assert one(objs, "Goldmane", "default")["spec"] == {"goldmaneDeployment": {"metadata": {}}}
    assert one(objs, "Whisker", "default")["spec"] == {"whiskerDeployment": {"metadata": {}}}
    api = one(objs, "APIServer", "default")["spec"]
    assert api["apiServerDeployment"]["spec"]["template"]["spec"]["nodeSelector"] == {"kubernetes.io/os": "linux"}
    # without a live object (helm template), an empty spec renders as 0.2.0 rendered it: a rollback to
    # 0.2.0 then removes nothing. The live path (a release dropping its spec keeps an object) is ct's
    # options -> route-reflector installs on one cluster, which failed before it.
    assert one(render(CHART, values_files=LAB), "APIServer", "default")["spec"] == {}


# --- certificates --------------------------------------------------------------------------------------


def _data(obj: dict[str, Any]) -> dict[str, str]:
    return {k: base64.b64decode(v).decode() for k, v in obj["data"].items()}


def test_own_certificates_land_where_the_operator_reads_them() -> None:
    values = yaml.safe_load((ROOT / OPTIONS[0]).read_text())["certs"]
    objs = render(CHART, values_files=OPTIONS)
    for name, part in (("node-certs", "node"), ("typha-certs", "typha")):
        secret = one(objs, "Secret", name)
        assert secret["metadata"]["namespace"] == "default"
        data = _data(secret)
        assert data["cert.crt"] == values[part]["cert"] and data["key.key"] == values[part]["key"]
        assert data["common-name"] == values[part]["commonName"]
    assert one(objs, "ConfigMap", "typha-ca")["data"]["caBundle"].strip() == values["typha"]["caBundle"].strip()
    assert not [s for s in of_kind(render(CHART, values_files=LAB), "Secret") if "certs" in s["metadata"]["name"]]


def test_certificates_are_all_or_nothing() -> None:
    values = yaml.safe_load((ROOT / OPTIONS[0]).read_text())["certs"]
    partial = {"certs": {"node": values["node"], "typha": {**values["typha"], "caBundle": ""}}}
    assert "certs.typha.caBundle is required" in render_error(CHART, values=partial)
    only_node = {"certs": {"node": values["node"]}}
    assert "certs.typha.cert is required" in render_error(CHART, values=only_node)
    assert "/certs/node/cert" in render_error(CHART, values={"certs": {"node": {"cert": "not a certificate"}}})


# --- Calico Ingress Gateway --------------------------------------------------------------------------


def _crd_rules(objs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    role = one(objs, "ClusterRole", "tigera-operator")
    return [r for r in role["rules"] if r["resources"] == ["customresourcedefinitions"]]


def test_gateway_api_brings_its_cr_and_only_then_the_rights_to_manage_gateway_crds() -> None:
    objs = render(CHART, values_files=OPTIONS)
    assert one(objs, "GatewayAPI", "default")["spec"] == {"crdManagement": "PreferExisting"}
    named = next(r for r in _crd_rules(objs) if r.get("resourceNames") and r["verbs"] == ["update"])
    assert "gateways.gateway.networking.k8s.io" in named["resourceNames"]
    assert "envoyproxies.gateway.envoyproxy.io" in named["resourceNames"]
    assert {"apiGroups": ["apiextensions.k8s.io"], "resources": ["customresourcedefinitions"],
            "verbs": ["create"]} in _crd_rules(objs)
    plain = render(CHART, values_files=LAB)
    assert of_kind(plain, "GatewayAPI") == []
    assert [r for r in _crd_rules(plain) if "create" in r["verbs"]] == []


# --- the operator pod and its escape hatches ---------------------------------------------------------


def test_operator_dns_policy_and_config() -> None:
    spec = pod_spec(one(render(CHART, values_files=OPTIONS), "Deployment", "tigera-operator"))
    assert spec["dnsPolicy"] == "Default"
    values = {"operator": {"dnsPolicy": "None", "dnsConfig": {"nameservers": ["10.0.0.1"]}}}
    spec = pod_spec(one(render(CHART, values=values), "Deployment", "tigera-operator"))
    assert spec["dnsConfig"] == {"nameservers": ["10.0.0.1"]}


OPERATOR_ERRORS = [
    pytest.param({"operator": {"extraArgs": ["-manage-crds=true"]}}, "operator.extraArgs[0] (-manage-crds=true) re-sets "
                 "--manage-crds, which the chart already sets from operator.manageCRDs", id="manage-crds-flag"),
    pytest.param({"operator": {"extraEnv": [{"name": "OPERATOR_NAME", "value": "x"}]}},
                 'operator.extraEnv[0].name "OPERATOR_NAME" is set by the chart from fullnameOverride', id="env"),
    pytest.param({"operator": {"extraEnv": [{"name": "KUBERNETES_SERVICE_HOST", "value": "10.0.0.10"}]}},
                 "kubernetesServiceEndpoint.host", id="env-endpoint"),
    pytest.param({"operator": {"dnsPolicy": "None"}}, "operator.dnsConfig.nameservers is required", id="dns-none"),
    pytest.param({"operator": {"dnsPolicy": "ClusterFirst"}}, "operator.dnsPolicy is ClusterFirst", id="dns-cf"),
    pytest.param({"rbac": {"extraRules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]}},
                 "rbac.extraRules[0] verbs contains \"*\": that makes the operator cluster-admin", id="wildcard"),
    pytest.param({"rbac": {"extraRules": [{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"],
                                           "verbs": ["bind", "escalate"]}]}},
                 "rbac.extraRules[0] grants escalate", id="escalate"),
]


@pytest.mark.parametrize("values,fragment", OPERATOR_ERRORS)
def test_operator_errors_fail_naming_the_key(values: dict[str, Any], fragment: str) -> None:
    assert fragment in render_error(CHART, values=values)


def test_dangerous_rules_need_an_explicit_yes() -> None:
    rule = {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}
    role = one(render(CHART, values={"rbac": {"extraRules": [rule], "allowDangerousRules": True}}), "ClusterRole",
               "tigera-operator")
    assert rule in role["rules"]
    named = one(render(CHART, values_files=OPTIONS), "ClusterRole", "tigera-operator")
    assert {"apiGroups": ["networking.istio.io"], "resources": ["destinationrules"],
            "verbs": ["get", "list", "watch"]} in named["rules"]


def test_extra_objects_render_with_the_release() -> None:
    cm = one(render(CHART, values_files=OPTIONS), "ConfigMap", "calico-site-notes")
    assert cm["data"] == {"owner": "platform-team"} and cm["metadata"]["labels"]["app.kubernetes.io/instance"] == "test"


def test_component_overrides_and_switches_reach_the_installation() -> None:
    values = {"installation": {"calicoKubeControllersDeployment": {"spec": {"template": {"spec": {"nodeSelector": {
        "role": "infra"}}}}}, "csiNodeDriverDaemonSet": {"metadata": {"labels": {"a": "b"}}},
        "nonPrivileged": "Enabled", "fipsMode": "Enabled", "kubeletVolumePluginPath": "None"}}
    spec = installation(render(CHART, values=values))
    assert spec["calicoKubeControllersDeployment"]["spec"]["template"]["spec"]["nodeSelector"] == {"role": "infra"}
    assert spec["csiNodeDriverDaemonSet"] == {"metadata": {"labels": {"a": "b"}}}
    assert (spec["nonPrivileged"], spec["fipsMode"]) == ("Enabled", "Enabled")
