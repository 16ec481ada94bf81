"""Behaviour of the elasticsearch chart: the Elasticsearch and Kibana resources the operator acts on."""

from __future__ import annotations

from typing import Any

import pytest

from chartops.render import RenderError, Request
from tests.helpers import CHARTS, ROOT, of_kind, one, render, render_error, renderer

CHART = "elasticsearch"
CI = ROOT / "charts" / CHART / "ci"


def ci(name: str) -> list[str]:
    return [f"charts/{CHART}/ci/{name}-values.yaml"]


def node_set(name: str = "default", count: int = 3, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"name": name, "count": count,
                            "resources": {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"memory": "2Gi"}}}
    return {**base, **extra}


def es(objs: list[dict[str, Any]]) -> dict[str, Any]:
    return one(objs, "Elasticsearch")


def sets(objs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in es(objs)["spec"]["nodeSets"]}


def es_container(node_set: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in node_set["podTemplate"]["spec"]["containers"] if c["name"] == "elasticsearch")


KIBANA = {"kibana": {"enabled": True}}
NO_TLS = {"http": {"tls": {"mode": "disabled"}},
          "ingress": {"elasticsearch": {"enabled": True, "host": "es.lab.feng.org"}}}
MIRROR = {"global": {"imageRegistry": "harbor.feng.org/elastic", "imagePullSecrets": ["harbor"]},
          "kibana": {"enabled": True}}


@pytest.mark.parametrize("values_file", sorted(p.name for p in CI.glob("*-values.yaml")))
def test_every_ci_scenario_renders_an_elasticsearch_resource(values_file: str) -> None:
    objs = render(CHART, values_files=[f"charts/{CHART}/ci/{values_file}"])
    assert es(objs)["apiVersion"] == "elasticsearch.k8s.elastic.co/v1"


def test_renders_offline_without_the_operator_crds() -> None:
    """helm template has no cluster: the live-cluster CRD check must stay silent."""
    assert es(render(CHART))


# What helm's discovery lists on a live cluster (no RBAC needed), without and with ECK's CRDs.
LIVE = ("--api-versions", "apiregistration.k8s.io/v1")
ECK_APIS = ("--api-versions", "elasticsearch.k8s.elastic.co/v1/Elasticsearch",
            "--api-versions", "kibana.k8s.elastic.co/v1/Kibana")


def render_live(*apis: str) -> list[dict[str, Any]]:
    return renderer().render(Request(CHARTS / CHART, dict(KIBANA), extra_args=LIVE + apis))


def test_a_live_cluster_without_the_crds_is_told_to_install_eck_operator_first() -> None:
    with pytest.raises(RenderError, match="install the eck-operator chart"):
        render_live()


def test_a_live_cluster_with_the_crds_installs() -> None:
    assert one(render_live(*ECK_APIS), "Kibana")


def test_defaults_make_three_all_role_nodes_without_mmap() -> None:
    default = sets(render(CHART))["default"]
    assert default["count"] == 3
    assert "node.roles" not in default["config"]  # every role, so master-eligible
    assert default["config"]["node.store.allow_mmap"] is False


def test_stack_image_is_pinned_to_the_version() -> None:
    spec = es(render(CHART))["spec"]
    assert spec["image"] == f"docker.elastic.co/elasticsearch/elasticsearch:{spec['version']}"


def test_data_claim_is_named_for_the_operator() -> None:
    claim = sets(render(CHART))["default"]["volumeClaimTemplates"][0]
    assert claim["metadata"]["name"] == "elasticsearch-data"
    assert claim["spec"]["resources"]["requests"]["storage"] == "10Gi"


def test_lab_overlay_makes_my_es_cluster_on_sc_nfs() -> None:
    objs = render(CHART, values_files=["values/apps/elasticsearch-lab.yaml"])
    cluster = es(objs)
    assert (cluster["metadata"]["name"], cluster["metadata"]["namespace"]) == ("my-es-cluster", "demo")
    default = sets(objs)["default"]
    assert default["count"] == 3
    assert default["config"]["node.store.allow_mmap"] is False
    claim = default["volumeClaimTemplates"][0]["spec"]
    assert (claim["storageClassName"], claim["resources"]["requests"]["storage"]) == ("sc-nfs", "2Gi")


def test_dedicated_masters_get_their_roles_and_data_nodes_their_heap() -> None:
    objs = render(CHART, values_files=ci("dedicated-masters"))
    by_name = sets(objs)
    assert by_name["master"]["config"]["node.roles"] == ["master"]
    assert by_name["data"]["config"]["node.roles"] == ["data", "ingest"]
    env = {e["name"]: e["value"] for e in es_container(by_name["data"]).get("env", [])}
    assert env["ES_JAVA_OPTS"] == "-Xms2g -Xmx2g"
    assert "env" not in es_container(by_name["master"])  # heap follows the memory limit
    assert es(objs)["spec"]["updateStrategy"]["changeBudget"] == {"maxSurge": 1, "maxUnavailable": 1}


def test_node_set_resources_and_security_context_reach_the_elasticsearch_container() -> None:
    default = sets(render(CHART))["default"]
    c = es_container(default)
    assert c["resources"]["limits"]["memory"] == "2Gi"
    assert c["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert default["podTemplate"]["spec"]["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"


def test_global_storage_class_is_the_fallback() -> None:
    objs = render(CHART, values={"global": {"storageClass": "fast"}})
    assert sets(objs)["default"]["volumeClaimTemplates"][0]["spec"]["storageClassName"] == "fast"


def test_sysctl_init_container_replaces_allow_mmap_false() -> None:
    default = sets(render(CHART, values_files=ci("sysctl-init")))["default"]
    assert "node.store.allow_mmap" not in default.get("config", {})
    init = default["podTemplate"]["spec"]["initContainers"][0]
    assert init["securityContext"]["privileged"] is True
    assert "vm.max_map_count=262144" in init["command"][-1]


def test_kibana_follows_the_cluster_version_and_references_it() -> None:
    objs = render(CHART, values=KIBANA)
    kb = one(objs, "Kibana")
    assert kb["spec"]["version"] == es(objs)["spec"]["version"]
    assert kb["spec"]["elasticsearchRef"]["name"] == es(objs)["metadata"]["name"]
    assert kb["spec"]["podTemplate"]["spec"]["containers"][0]["securityContext"]["runAsNonRoot"] is True


def test_kibana_gets_at_least_the_operators_9x_memory_default() -> None:
    """ECK gives Kibana 9.x 2Gi; a chart default below it would undercut the operator."""
    kb = one(render(CHART, values=KIBANA), "Kibana")
    limit = kb["spec"]["podTemplate"]["spec"]["containers"][0]["resources"]["limits"]["memory"]
    assert limit.endswith("Gi") and float(limit[:-2]) >= 2


def test_ingresses_route_to_the_operators_services_over_https() -> None:
    objs = render(CHART, values_files=ci("kibana-ingress"))
    backends = {}
    for ing in of_kind(objs, "Ingress"):
        assert ing["spec"]["ingressClassName"] == "nginx"
        assert ing["metadata"]["annotations"]["nginx.ingress.kubernetes.io/backend-protocol"] == "HTTPS"
        svc = ing["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
        backends[svc["name"]] = svc["port"]["number"]
    assert backends == {"logs-es-http": 9200, "logs-kb-http": 5601}
    sans = es(objs)["spec"]["http"]["tls"]["selfSignedCertificate"]["subjectAltNames"]
    assert {"dns": "es.lab.feng.org"} in sans


def test_disabled_tls_serves_plain_http_through_the_ingress() -> None:
    objs = render(CHART, values=NO_TLS)
    assert es(objs)["spec"]["http"]["tls"]["selfSignedCertificate"]["disabled"] is True
    assert one(objs, "Ingress")["metadata"]["annotations"]["nginx.ingress.kubernetes.io/backend-protocol"] == "HTTP"


def test_provided_certificates_are_referenced() -> None:
    objs = render(CHART, values_files=ci("custom-tls"))
    assert es(objs)["spec"]["http"]["tls"]["certificate"]["secretName"] == "es-http-cert"
    assert one(objs, "Kibana")["spec"]["http"]["tls"]["certificate"]["secretName"] == "kibana-http-cert"
    assert es(objs)["spec"]["secureSettings"][0]["secretName"] == "s3-credentials"


def test_mirror_registry_is_written_into_spec_image() -> None:
    objs = render(CHART, values=MIRROR)
    assert es(objs)["spec"]["image"].startswith("harbor.feng.org/elastic/elasticsearch/elasticsearch:")
    assert one(objs, "Kibana")["spec"]["image"].startswith("harbor.feng.org/elastic/kibana/kibana:")


def test_pull_secrets_reach_the_operator_created_pods() -> None:
    objs = render(CHART, values=MIRROR)
    assert sets(objs)["default"]["podTemplate"]["spec"]["imagePullSecrets"] == [{"name": "harbor"}]
    assert one(objs, "Kibana")["spec"]["podTemplate"]["spec"]["imagePullSecrets"] == [{"name": "harbor"}]


BAD = [
    ({"nodeSets": [node_set(count=2)]}, "nodeSets[].count"),
    ({"nodeSets": [node_set("m", 3, roles=["master"]), node_set("m2", 1, roles=["master", "data"])]},
     "nodeSets[].count"),
    ({"nodeSets": [node_set(roles=["data"])]}, "nodeSets[].roles"),
    ({"nodeSets": [node_set(config={"node.roles": []})]}, "nodeSets[].roles"),
    ({"kibana": {"enabled": True, "version": "9.4.0"}}, "kibana.version"),
    ({"nodeSets": [node_set(heap="2g")]}, "nodeSets[0].heap"),
    ({"nodeSets": [node_set(), node_set()]}, "nodeSets[1].name"),
    ({"http": {"tls": {"mode": "certificate"}}}, "http.tls.certificateSecret"),
    ({"ingress": {"elasticsearch": {"enabled": True}}}, "ingress.elasticsearch.host"),
    ({"ingress": {"kibana": {"enabled": True, "host": "kb.lab"}}}, "ingress.kibana.enabled"),
    ({"nodeSets": [node_set(storageClass="sc-nfs")]}, "storageClass"),
    ({"replicas": 3}, "'replicas' not allowed"),
    ({"http": {"tls": {"mode": "off"}}}, "/http/tls/mode"),
]


@pytest.mark.parametrize(("values", "fragment"), BAD, ids=[f for _, f in BAD])
def test_bad_values_fail_naming_the_key(values: dict[str, Any], fragment: str) -> None:
    assert fragment in render_error(CHART, values=values)
