"""Behaviour of the eck-operator chart: its config file, CRDs, RBAC profiles and webhook."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.helpers import ROOT, containers, of_kind, one, pod_spec, render, render_error

CHART = "eck-operator"
CI = ROOT / "charts" / CHART / "ci"

RESTRICTED = {
    "crds": {"enabled": False},
    "rbac": {"profile": "restricted"},
    "webhook": {"enabled": False},
    "config": {"managedNamespaces": ["demo"], "validateStorageClass": False,
               "exposedNodeLabels": [], "metrics": {"port": 9090}},
}
NO_WEBHOOK = {"webhook": {"enabled": False}, "config": {"metrics": {"port": 9090}}}
MIRROR = {"global": {"imageRegistry": "harbor.feng.org/elastic"}}
TUNED = {"config": {"logVerbosity": 1, "maxConcurrentReconciles": 5, "kubeClientQPS": 50,
                    "setDefaultSecurityContext": "false", "validateStorageClass": False,
                    "managedNamespaces": ["demo", "logs"], "metrics": {"port": 9090, "secure": True},
                    "extra": {"cert-validity": "4380h"}}}
CLUSTER_SCOPED = {"ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
                  "ValidatingWebhookConfiguration", "Namespace"}
KINDS = {"Elasticsearch", "Kibana", "ApmServer", "EnterpriseSearch", "Beat", "Agent", "ElasticMapsServer",
         "Logstash", "StackConfigPolicy", "ElasticsearchAutoscaler", "AutoOpsAgentPolicy", "PackageRegistry"}


def eck_config(objs: list[dict[str, Any]]) -> dict[str, Any]:
    return yaml.safe_load(one(objs, "ConfigMap")["data"]["eck.yaml"])


def operator(objs: list[dict[str, Any]]) -> dict[str, Any]:
    return one(objs, "StatefulSet")


@pytest.mark.parametrize("values_file", sorted(p.name for p in CI.glob("*-values.yaml")))
def test_every_ci_scenario_renders_an_operator(values_file: str) -> None:
    objs = render(CHART, values_files=[f"charts/{CHART}/ci/{values_file}"])
    assert containers(operator(objs))[0]["name"] == "manager"


def test_lab_overlay_runs_the_operator_in_elastic_system_under_upstream_names() -> None:
    objs = render(CHART, values_files=["values/apps/eck-operator-lab.yaml"])
    sts = operator(objs)
    assert sts["metadata"]["name"] == "elastic-operator"
    assert sts["metadata"]["namespace"] == "elastic-system"
    assert one(objs, "ValidatingWebhookConfiguration")["metadata"]["name"] == "elastic-operator.elastic-system.k8s.elastic.co"
    assert eck_config(objs)["operator-namespace"] == "elastic-system"


def test_operator_image_is_pinned_to_the_eck_release() -> None:
    assert containers(operator(render(CHART)))[0]["image"] == "docker.elastic.co/eck/eck-operator:3.5.0"


def test_default_config_file_enables_webhook_and_manages_all_namespaces() -> None:
    conf = eck_config(render(CHART))
    assert conf["enable-webhook"] is True
    assert conf["manage-webhook-certs"] is True
    assert conf["container-registry"] == "docker.elastic.co"
    assert conf["set-default-security-context"] == "auto-detect"
    assert conf["validate-storage-class"] is True
    assert "namespaces" not in conf
    assert "kube-client-qps" not in conf


def test_config_file_follows_values() -> None:
    conf = eck_config(render(CHART, values=TUNED))
    assert conf["log-verbosity"] == 1
    assert conf["max-concurrent-reconciles"] == 5
    assert conf["kube-client-qps"] == 50
    assert conf["set-default-security-context"] == "false"
    assert conf["validate-storage-class"] is False
    assert conf["namespaces"] == "demo,logs"
    assert conf["metrics-port"] == 9090
    assert conf["cert-validity"] == "4380h"


def test_operator_reads_the_rendered_config_file() -> None:
    sts = operator(render(CHART))
    c = containers(sts)[0]
    assert "--config=/conf/eck.yaml" in c["args"]
    mount = next(m for m in c["volumeMounts"] if m["mountPath"] == "/conf")
    volume = next(v for v in pod_spec(sts)["volumes"] if v["name"] == mount["name"])
    assert volume["configMap"]["name"] == one(render(CHART), "ConfigMap")["metadata"]["name"]


def test_config_change_rolls_the_operator_pod() -> None:
    def checksum(objs: list[dict[str, Any]]) -> str:
        return operator(objs)["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
    assert checksum(render(CHART)) != checksum(render(CHART, values=TUNED))


def test_mirror_registry_applies_to_operator_and_stack_images() -> None:
    objs = render(CHART, values=MIRROR)
    assert containers(operator(objs))[0]["image"] == "harbor.feng.org/elastic/eck/eck-operator:3.5.0"
    assert eck_config(objs)["container-registry"] == "harbor.feng.org/elastic"


def test_operator_container_meets_restricted_pod_security() -> None:
    sts = operator(render(CHART))
    sc = containers(sts)[0]["securityContext"]
    assert sc["seccompProfile"]["type"] == "RuntimeDefault"
    assert sc["readOnlyRootFilesystem"] is True
    assert pod_spec(sts)["securityContext"]["runAsNonRoot"] is True


def test_crds_cover_every_kind_and_are_kept_on_uninstall() -> None:
    crds = of_kind(render(CHART), "CustomResourceDefinition")
    assert {c["spec"]["names"]["kind"] for c in crds} == KINDS
    assert all(c["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep" for c in crds)


def test_elasticsearch_crd_serves_v1_and_v1beta1_and_stores_v1() -> None:
    crd = one(render(CHART), "CustomResourceDefinition", "elasticsearches.elasticsearch.k8s.elastic.co")
    served = {v["name"]: v for v in crd["spec"]["versions"] if v["served"]}
    assert set(served) == {"v1", "v1beta1"}
    assert [v["name"] for v in crd["spec"]["versions"] if v["storage"]] == ["v1"]
    spec = served["v1"]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    assert spec["required"] == ["nodeSets", "version"]
    assert "x-kubernetes-preserve-unknown-fields" not in spec


def test_crds_can_be_left_to_a_cluster_admin() -> None:
    assert not of_kind(render(CHART, values={"crds": {"enabled": False}}), "CustomResourceDefinition")


def test_cluster_profile_binds_one_clusterrole_to_the_operator() -> None:
    objs = render(CHART)
    binding = one(objs, "ClusterRoleBinding")
    role = one(objs, "ClusterRole", binding["roleRef"]["name"])
    assert binding["subjects"][0]["name"] == pod_spec(operator(objs))["serviceAccountName"]
    groups = {g for rule in role["rules"] for g in rule["apiGroups"]}
    crd_groups = {c["spec"]["group"] for c in of_kind(objs, "CustomResourceDefinition")}
    assert crd_groups <= groups


def test_secure_metrics_may_review_scraper_tokens() -> None:
    def reviews_tokens(objs: list[dict[str, Any]]) -> bool:
        role = one(objs, "ClusterRole", "test-eck-operator")
        return any("tokenreviews" in r["resources"] and "create" in r["verbs"] for r in role["rules"])
    assert eck_config(render(CHART, values=TUNED))["metrics-secure"] is True
    assert reviews_tokens(render(CHART, values=TUNED))
    assert not reviews_tokens(render(CHART))


def test_restricted_profile_renders_roles_per_managed_namespace_and_nothing_cluster_scoped() -> None:
    objs = render(CHART, values=RESTRICTED, namespace="elastic-system")
    assert not [o for o in objs if o["kind"] in CLUSTER_SCOPED]
    operand_roles = [r for r in of_kind(objs, "Role") if not r["metadata"]["name"].endswith("leader-election")]
    assert {r["metadata"]["namespace"] for r in operand_roles} == {"demo", "elastic-system"}
    bindings = {(b["metadata"]["namespace"], b["roleRef"]["name"]) for b in of_kind(objs, "RoleBinding")}
    assert all((r["metadata"]["namespace"], r["metadata"]["name"]) in bindings for r in operand_roles)
    assert eck_config(objs)["namespaces"] == "demo"


def test_users_get_elastic_resources_through_aggregated_view_and_edit_roles() -> None:
    roles = {r["metadata"]["name"]: r for r in of_kind(render(CHART), "ClusterRole")}
    view, edit = roles["test-eck-operator-view"], roles["test-eck-operator-edit"]
    assert view["metadata"]["labels"]["rbac.authorization.k8s.io/aggregate-to-view"] == "true"
    assert edit["metadata"]["labels"]["rbac.authorization.k8s.io/aggregate-to-edit"] == "true"
    assert edit["metadata"]["labels"]["rbac.authorization.k8s.io/aggregate-to-admin"] == "true"
    assert "update" in edit["rules"][0]["verbs"] and "update" not in view["rules"][0]["verbs"]


def test_webhook_configuration_reaches_the_operator_through_its_service() -> None:
    objs = render(CHART)
    vwc = one(objs, "ValidatingWebhookConfiguration")
    svc = one(objs, "Service")
    assert vwc["metadata"]["name"] == eck_config(objs)["webhook-name"]
    assert len(vwc["webhooks"]) == 16
    for hook in vwc["webhooks"]:
        ref = hook["clientConfig"]["service"]
        assert (ref["name"], ref["namespace"], ref["port"]) == (svc["metadata"]["name"], "default", 443)
        assert hook["failurePolicy"] == "Ignore"
        assert "caBundle" not in hook["clientConfig"]  # the operator injects it
    ports = {p["name"]: p["containerPort"] for p in containers(operator(objs))[0]["ports"]}
    assert ports[svc["spec"]["ports"][0]["targetPort"]] == eck_config(objs)["webhook-port"]


def test_webhook_rules_match_served_crd_versions() -> None:
    objs = render(CHART)
    served = {(c["spec"]["group"], v["name"], c["spec"]["names"]["plural"])
              for c in of_kind(objs, "CustomResourceDefinition") for v in c["spec"]["versions"] if v["served"]}
    rules = {(r["apiGroups"][0], r["apiVersions"][0], r["resources"][0])
             for h in one(objs, "ValidatingWebhookConfiguration")["webhooks"] for r in h["rules"]}
    assert rules == served


def test_webhook_paths_are_the_ones_the_operator_serves() -> None:
    """A wrong path is a 404, which failurePolicy Ignore turns into silently skipped validation."""
    paths = {(h["rules"][0]["resources"][0], h["rules"][0]["apiVersions"][0]): h["clientConfig"]["service"]["path"]
             for h in one(render(CHART), "ValidatingWebhookConfiguration")["webhooks"]}
    assert paths[("elasticsearches", "v1")] == "/validate-elasticsearch-k8s-elastic-co-v1-elasticsearch"
    assert paths[("elasticsearches", "v1beta1")] == "/validate-elasticsearch-k8s-elastic-co-v1beta1-elasticsearch"
    assert paths[("kibanas", "v1")] == "/validate-kibana-k8s-elastic-co-v1-kibana"
    assert paths[("elasticmapsservers", "v1alpha1")] == "/validate-ems-k8s-elastic-co-v1alpha1-mapsservers"
    assert len(set(paths.values())) == len(paths)


def test_webhook_certificate_secret_exists_empty_and_is_mounted() -> None:
    objs = render(CHART)
    secret = one(objs, "Secret")
    assert secret["metadata"]["name"] == eck_config(objs)["webhook-secret"]
    assert not secret.get("data")  # filled by the operator, never overwritten by helm
    volumes = {v["name"]: v for v in pod_spec(operator(objs))["volumes"]}
    assert any(v.get("secret", {}).get("secretName") == secret["metadata"]["name"] for v in volumes.values())


def test_webhook_disabled_removes_its_objects_and_probes_the_metrics_port() -> None:
    objs = render(CHART, values=NO_WEBHOOK)
    assert not of_kind(objs, "ValidatingWebhookConfiguration")
    assert not of_kind(objs, "Service") and not of_kind(objs, "Secret")
    assert eck_config(objs)["enable-webhook"] is False
    c = containers(operator(objs))[0]
    assert c["readinessProbe"]["tcpSocket"]["port"] == "metrics"


def test_own_webhook_certificate_renders_the_given_ca_bundle() -> None:
    objs = render(CHART, values={"webhook": {"manageCerts": False, "certSecret": "my-cert", "caBundle": "Q0E="}})
    assert not of_kind(objs, "Secret")
    assert {h["clientConfig"]["caBundle"] for h in one(objs, "ValidatingWebhookConfiguration")["webhooks"]} == {"Q0E="}
    assert eck_config(objs)["webhook-secret"] == "my-cert"


BAD = [
    ({"rbac": {"profile": "restricted"}}, "config.managedNamespaces"),
    ({**RESTRICTED, "webhook": {"enabled": True}}, "webhook.enabled"),
    ({**RESTRICTED, "crds": {"enabled": True}}, "crds.enabled"),
    ({**RESTRICTED, "namespace": {"create": True}}, "namespace.create"),
    ({**RESTRICTED, "config": {**RESTRICTED["config"], "validateStorageClass": True}}, "config.validateStorageClass"),
    ({**RESTRICTED, "config": {**RESTRICTED["config"], "exposedNodeLabels": ["x"]}}, "config.exposedNodeLabels"),
    ({**RESTRICTED, "config": {**RESTRICTED["config"], "metrics": {"port": 9090, "secure": True}}},
     "config.metrics.secure"),
    ({"webhook": {"enabled": False}}, "config.metrics.port"),
    ({"webhook": {"manageCerts": False, "certSecret": "c"}}, "webhook.caBundle"),
    ({"rbac": {"profile": "namespaced"}}, "/rbac/profile"),
    ({"webhook": {"failurePolicy": "Never"}}, "/webhook/failurePolicy"),
    ({"config": {"logLevel": 1}}, "logLevel"),
    ({"operator": {}}, "'operator' not allowed"),
]


@pytest.mark.parametrize(("values", "fragment"), BAD, ids=[f for _, f in BAD])
def test_bad_values_fail_naming_the_key(values: dict[str, Any], fragment: str) -> None:
    assert fragment in render_error(CHART, values=values)
