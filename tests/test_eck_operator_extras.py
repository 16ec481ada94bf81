"""charts/eck-operator: the settings added for parity (NetworkPolicy, PDB, volumes, FIPS,
tracing, certificates, namespace selector...), the guards on its escape hatches, and the
managed-namespace RBAC staying linear."""

from __future__ import annotations

import pytest
import yaml

from tests.helpers import of_kind, one, pod_spec, render, render_error

CHART = "eck-operator"


def sts(values: dict | None = None) -> dict:
    return one(render(CHART, values), "StatefulSet")


def manager(values: dict | None = None) -> dict:
    return pod_spec(sts(values))["containers"][0]


def conf(values: dict | None = None) -> dict:
    return yaml.safe_load(one(render(CHART, values), "ConfigMap")["data"]["eck.yaml"])


def test_new_flags_reach_the_config_file():
    c = conf({"config": {"managedNamespaceSelector": {"matchLabels": {"eck": "on"}}, "caValidity": "17520h", "caRotateBefore": "48h",
                         "certificatesValidity": "2160h", "certificatesRotateBefore": "72h",
                         "metrics": {"port": 9090, "secure": True, "certificateSecret": "metrics-cert"}},
              "refs": {"enforceRBAC": True}, "tracing": {"enabled": True, "config": {"ELASTIC_APM_SERVER_URL": "https://apm.feng.org:8200"}}})
    assert c["namespace-selector"] == {"matchLabels": {"eck": "on"}} and "namespaces" not in c
    assert (c["ca-cert-validity"], c["ca-cert-rotate-before"], c["cert-validity"], c["cert-rotate-before"]) == ("17520h", "48h", "2160h", "72h")
    assert c["enforce-rbac-on-refs"] is True and c["enable-tracing"] is True
    assert c["metrics-cert-dir"] == "/tmp/k8s-metrics-server/serving-certs"


def test_defaults_keep_the_operators_own_certificate_lifetimes():
    c = conf()
    for flag in ("ca-cert-validity", "cert-validity", "namespace-selector", "enforce-rbac-on-refs", "enable-tracing"):
        assert flag not in c


def test_pod_extras_fips_tracing_env_and_host_network():
    values = {"image": {"fips": True}, "tracing": {"enabled": True, "config": {"ELASTIC_APM_SERVER_URL": "https://apm:8200"}},
              "volumes": [{"name": "ca", "configMap": {"name": "corp-ca"}}], "volumeMounts": [{"name": "ca", "mountPath": "/etc/corp-ca"}],
              "hostNetwork": True, "dnsPolicy": "ClusterFirstWithHostNet", "dnsConfig": {"options": [{"name": "ndots", "value": "2"}]},
              "statefulsetLabels": {"tier": "operators"}, "statefulsetAnnotations": {"owner": "platform"},
              "config": {"metrics": {"port": 9090, "secure": True, "certificateSecret": "metrics-cert"}}}
    s = sts(values)
    spec, c = pod_spec(s), pod_spec(s)["containers"][0]
    assert c["image"] == "docker.elastic.co/eck/eck-operator-fips:3.5.0"
    assert {"name": "ELASTIC_APM_SERVER_URL", "value": "https://apm:8200"} in c["env"]
    assert {"name": "ca", "mountPath": "/etc/corp-ca"} in c["volumeMounts"] and {"name": "ca", "configMap": {"name": "corp-ca"}} in spec["volumes"]
    assert {"name": "metrics-cert", "mountPath": "/tmp/k8s-metrics-server/serving-certs", "readOnly": True} in c["volumeMounts"]
    assert spec["hostNetwork"] is True and spec["dnsPolicy"] == "ClusterFirstWithHostNet" and spec["dnsConfig"]["options"][0]["name"] == "ndots"
    assert s["metadata"]["labels"]["tier"] == "operators" and s["metadata"]["annotations"] == {"owner": "platform"}
    assert "tier" not in s["spec"]["selector"]["matchLabels"]


def test_projected_token_instead_of_automount():
    token = {"name": "token", "projected": {"sources": [{"serviceAccountToken": {"path": "token", "expirationSeconds": 3600}}]}}
    objs = render(CHART, {"automountServiceAccountToken": False, "serviceAccount": {"automountServiceAccountToken": False},
                          "volumes": [token], "volumeMounts": [{"name": "token", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}]})
    assert pod_spec(one(objs, "StatefulSet"))["automountServiceAccountToken"] is False
    assert one(objs, "ServiceAccount")["automountServiceAccountToken"] is False


def test_pdb_and_extra_objects():
    objs = render(CHART, {"replicaCount": 2, "podDisruptionBudget": {"enabled": True},
                          "extraObjects": [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "eck-notes"}}]})
    pdb = one(objs, "PodDisruptionBudget")
    assert pdb["spec"]["minAvailable"] == 1 and pdb["spec"]["selector"]["matchLabels"] == one(objs, "StatefulSet")["spec"]["selector"]["matchLabels"]
    assert one(objs, "ConfigMap", "eck-notes")
    assert not of_kind(render(CHART), "PodDisruptionBudget")


def test_webhook_ca_from_cert_manager():
    objs = render(CHART, {"webhook": {"manageCerts": False, "certSecret": "eck-webhook-tls", "certManagerCert": "eck-webhook"}})
    vwc = one(objs, "ValidatingWebhookConfiguration")
    assert vwc["metadata"]["annotations"]["cert-manager.io/inject-ca-from"] == "default/eck-webhook"
    assert all("caBundle" not in w["clientConfig"] for w in vwc["webhooks"])
    assert conf({"webhook": {"manageCerts": False, "certSecret": "eck-webhook-tls", "certManagerCert": "eck-webhook"}})["webhook-secret"] == "eck-webhook-tls"


def test_extra_rules_join_the_cluster_role():
    rule = {"apiGroups": ["monitoring.coreos.com"], "resources": ["servicemonitors"], "verbs": ["get", "list", "watch"]}
    role = one(render(CHART, {"rbac": {"extraRules": [rule]}}), "ClusterRole", "test-eck-operator")
    assert role["rules"][-1] == rule
    assert one(render(CHART, {"rbac": {"extraRules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}], "allowDangerousRules": True}}),
               "ClusterRole", "test-eck-operator")["rules"][-1]["verbs"] == ["*"]


# --- NetworkPolicy -------------------------------------------------------------------


def test_network_policy_admits_the_webhook_and_reaches_only_the_api_and_managed_elastic_pods():
    np = one(render(CHART, {"networkPolicy": {"enabled": True, "kubeAPIServer": {"cidrs": ["192.168.10.10/32"]}},
                            "config": {"managedNamespaces": ["demo", "logs"], "metrics": {"port": 9090}}}), "NetworkPolicy")["spec"]
    assert np["policyTypes"] == ["Ingress", "Egress"]
    assert np["ingress"][0] == {"ports": [{"protocol": "TCP", "port": 9443}], "from": [{"ipBlock": {"cidr": "192.168.10.10/32"}}]}
    dns, api, elastic = np["egress"]
    assert dns["ports"][0] == {"protocol": "UDP", "port": 53}
    assert api["to"] == [{"ipBlock": {"cidr": "192.168.10.10/32"}}] and {"protocol": "TCP", "port": 6443} in api["ports"]
    peer = elastic["to"][0]
    assert peer["namespaceSelector"]["matchExpressions"][0]["values"] == ["demo", "logs"]
    assert peer["podSelector"] == {"matchExpressions": [{"key": "common.k8s.elastic.co/type", "operator": "Exists"}]}


def test_network_policy_follows_the_namespace_selector_or_every_namespace():
    sel = {"matchLabels": {"eck": "on"}}
    np = one(render(CHART, {"networkPolicy": {"enabled": True}, "config": {"managedNamespaceSelector": sel}}), "NetworkPolicy")["spec"]
    assert np["egress"][2]["to"][0]["namespaceSelector"] == sel
    np = one(render(CHART, {"networkPolicy": {"enabled": True}}), "NetworkPolicy")["spec"]
    assert np["egress"][2]["to"][0]["namespaceSelector"] == {}
    assert "from" not in np["ingress"][0]  # the API server's address is unknown: the webhook port is open


# --- linear managed namespaces ----------------------------------------------------------


def test_restricted_profile_gives_each_namespace_once_a_role_and_a_binding():
    """The operator's own namespace is managed too, and not twice when it is listed."""
    names = ["a", "b", "default", "c"]
    objs = render(CHART, {"rbac": {"profile": "restricted"}, "webhook": {"enabled": False}, "crds": {"enabled": False},
                          "config": {"managedNamespaces": names, "validateStorageClass": False, "exposedNodeLabels": [], "metrics": {"port": 9090}}},
                  )
    roles = [o["metadata"]["namespace"] for o in of_kind(objs, "Role") if o["metadata"]["name"] == "test-eck-operator"]
    bindings = [o["metadata"]["namespace"] for o in of_kind(objs, "RoleBinding") if o["metadata"]["name"] == "test-eck-operator"]
    assert sorted(roles) == sorted(bindings) == ["a", "b", "c", "default"]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"config": {"managedNamespaces": ["a"], "extra": {"namespaces": "x"}}}, "config.extra.namespaces re-sets a flag the chart already sets from config.managedNamespaces"),
        ({"config": {"extra": {"log-verbosity": 2}}}, "config.extra.log-verbosity re-sets a flag the chart already sets from config.logVerbosity"),
        ({"config": {"certificatesValidity": "2h", "extra": {"cert-validity": "1h"}}}, "config.extra.cert-validity re-sets a flag the chart already sets from config.certificatesValidity"),
        ({"env": [{"name": "ENABLE_WEBHOOK", "value": "false"}]}, "env[0].name \"ENABLE_WEBHOOK\" is set by the chart from webhook.enabled"),
        ({"env": [{"name": "OPERATOR_NAMESPACE", "value": "x"}]}, "env[0].name \"OPERATOR_NAMESPACE\" is set by the chart from namespaceOverride"),
        ({"tracing": {"enabled": True, "config": {"ELASTIC_APM_SERVER_URL": "u"}}, "env": [{"name": "ELASTIC_APM_SERVER_URL", "value": "v"}]}, "tracing.config"),
        ({"tracing": {"enabled": True}}, "tracing.config.ELASTIC_APM_SERVER_URL is required"),
        ({"tracing": {"config": {"APM_URL": "x"}}}, "'APM_URL' does not match"),
        ({"volumes": [{"name": "conf", "emptyDir": {}}]}, "volumes[0].name \"conf\" is the name of the chart's own volume"),
        ({"volumes": [{"name": "x", "emptyDir": {}}], "volumeMounts": [{"name": "x", "mountPath": "/conf"}]}, "volumeMounts[0].mountPath"),
        ({"config": {"managedNamespaces": ["a"], "managedNamespaceSelector": {"matchLabels": {"a": "b"}}}}, "config.managedNamespaceSelector is set together with config.managedNamespaces"),
        ({"config": {"managedNamespaceSelector": {"matchExpressions": [{"key": "a", "operator": "Near"}]}}}, "operator"),
        ({"config": {"caValidity": "876000h"}}, "config.caValidity must be between 1h and 87600h"),
        ({"config": {"certificatesValidity": "30m"}}, "config.certificatesValidity must be between 1h and 87600h"),
        ({"config": {"caValidity": "48h", "caRotateBefore": "48h"}}, "config.caRotateBefore must be shorter than config.caValidity"),
        ({"config": {"certificatesRotateBefore": "9000h"}}, "config.certificatesRotateBefore must be shorter than config.certificatesValidity"),
        ({"config": {"caValidity": "1 year"}}, "/config/caValidity"),
        ({"config": {"metrics": {"certificateSecret": "m"}}}, "config.metrics.certificateSecret needs config.metrics.secure=true"),
        ({"webhook": {"certManagerCert": "c"}}, "webhook.certManagerCert needs webhook.manageCerts=false"),
        ({"webhook": {"manageCerts": False, "certSecret": "s", "certManagerCert": "c", "caBundle": "Zm9v"}}, "webhook.caBundle is set together with webhook.certManagerCert"),
        ({"webhook": {"manageCerts": False, "certSecret": "s"}}, "webhook.caBundle is required"),
        ({"podDisruptionBudget": {"enabled": True}}, "podDisruptionBudget.minAvailable (1) must be below replicaCount (1)"),
        ({"podDisruptionBudget": {"minAvailable": "most"}}, "/podDisruptionBudget/minAvailable"),
        ({"automountServiceAccountToken": False}, "automountServiceAccountToken is false but volumes has no projected serviceAccountToken"),
        ({"hostNetwork": True}, "dnsPolicy must be ClusterFirstWithHostNet with hostNetwork"),
        ({"hostNetwork": True, "dnsPolicy": "ClusterFirstWithHostNet", "namespace": {"create": True}}, "hostNetwork is refused by the restricted Pod Security level"),
        ({"dnsPolicy": "Sometimes"}, "/dnsPolicy"),
        ({"dnsConfig": {"nameservers": ["a", "b", "c", "d"]}}, "/dnsConfig/nameservers"),
        ({"rbac": {"extraRules": [{"apiGroups": [""], "resources": ["*"], "verbs": ["get"]}]}}, "rbac.extraRules[0] has a wildcard, which makes the operator"),
        ({"rbac": {"extraRules": [{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "verbs": ["escalate"]}]}}, "rbac.extraRules[0] grants escalate"),
        ({"rbac": {"extraRules": [{"apiGroups": [""], "resources": ["serviceaccounts/token"], "verbs": ["create"]}]}}, "rbac.extraRules[0] grants a path to other identities"),
        ({"rbac": {"extraRules": [{"apiGroups": [""], "resources": ["pods"]}]}}, "/rbac/extraRules/0"),
        ({"rbac": {"profile": "restricted", "extraRules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}, "webhook": {"enabled": False},
          "crds": {"enabled": False}, "config": {"managedNamespaces": ["a"], "validateStorageClass": False, "exposedNodeLabels": [], "metrics": {"port": 9090}}},
         "rbac.extraRules is only for the cluster profile"),
        ({"networkPolicy": {"kubeAPIServer": {"ports": []}}}, "/networkPolicy/kubeAPIServer/ports"),
        ({"networkPolicy": {"metricsNamespaces": ["Monitoring"]}}, "/networkPolicy/metricsNamespaces/0"),
        ({"statefulsetLabels": {"a": "b c"}}, "/statefulsetLabels/a"),
        ({"image": {"fips": "yes"}}, "/image/fips"),
        ({"refs": {"enforceRBAC": 1}}, "/refs/enforceRBAC"),
        ({"extraObjects": ["kind: ConfigMap"]}, "extraObjects[0] needs apiVersion, kind and metadata.name"),
    ],
)
def test_bad_values_fail_naming_the_key(values, message):
    assert message in render_error(CHART, values)


def test_lab_overlay_render_is_unchanged_in_shape():
    objs = render(CHART, values_files=["values/apps/eck-operator-lab.yaml"])
    assert not of_kind(objs, "NetworkPolicy") and not of_kind(objs, "PodDisruptionBudget")
    c = yaml.safe_load(one(objs, "ConfigMap")["data"]["eck.yaml"])
    assert "ca-cert-validity" not in c and c["operator-namespace"] == "elastic-system"


def test_typed_flags_left_empty_may_still_come_from_config_extra():
    """Backward compatible: extra keys that name a flag the chart leaves unset still reach the file."""
    assert conf({"config": {"extra": {"cert-validity": "4380h", "elasticsearch-client-timeout": "300s"}}})["cert-validity"] == "4380h"


def test_bench_values_for_many_namespaces_render() -> None:
    """The values `invoke bench` times (with 10,000 namespaces) are ones the chart accepts."""
    from chartops.bench import eck_namespaces

    objs = render(CHART, eck_namespaces(3, restricted=True))
    assert len([o for o in of_kind(objs, "Role") if o["metadata"]["name"] == "test-eck-operator"]) == 4
    assert yaml.safe_load(one(render(CHART, eck_namespaces(3, restricted=False)), "ConfigMap")["data"]["eck.yaml"])["namespaces"] \
        == "team-00000,team-00001,team-00002"
