"""charts/elasticsearch: the ECK pass-throughs (podTemplate, volumeClaimTemplates) merged
with the typed keys, the CR fields added for parity, the NetworkPolicies, and the refusals:
ECK-managed settings, unmounted claims, ephemeral data, an Ingress without TLS."""

from __future__ import annotations

import pytest

from tests.helpers import of_kind, one, render, render_error

CHART = "elasticsearch"


def es(values: dict | None = None) -> dict:
    return one(render(CHART, values), "Elasticsearch")


def kibana(values: dict | None = None) -> dict:
    return one(render(CHART, {"kibana": {"enabled": True, **(values or {}).pop("kibana", {})}, **(values or {})}), "Kibana")


def node_set(**extra) -> dict:
    return {"name": "default", "count": 3, **extra}


SNAPSHOTS = node_set(
    heap="1g",
    podTemplate={
        "metadata": {"labels": {"team": "search"}, "annotations": {"backup": "nfs"}},
        "spec": {
            "containers": [
                {"name": "elasticsearch", "env": [{"name": "TZ", "value": "UTC"}],
                 "volumeMounts": [{"name": "snapshots", "mountPath": "/usr/share/elasticsearch/snapshots"},
                                  {"name": "cache", "mountPath": "/usr/share/elasticsearch/cache"}]},
                {"name": "log-shipper", "image": "docker.io/fluent/fluent-bit:3.2.0"},
            ],
            "initContainers": [{"name": "plugins", "command": ["sh", "-c", "true"]}],
            "volumes": [{"name": "snapshots", "nfs": {"server": "nfs.feng.org", "path": "/es-snapshots"}}],
            "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway",
                                           "labelSelector": {"matchLabels": {"elasticsearch.k8s.elastic.co/cluster-name": "test-elasticsearch"}}}],
        },
    },
    volumeClaimTemplates=[{"metadata": {"name": "cache"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}}}],
    resources={"requests": {"cpu": "1", "memory": "4Gi"}, "limits": {"memory": "4Gi"}},
)


def test_pod_template_merges_with_the_typed_keys():
    ns = es({"nodeSets": [SNAPSHOTS]})["spec"]["nodeSets"][0]
    pt = ns["podTemplate"]
    assert pt["metadata"]["labels"]["team"] == "search" and pt["metadata"]["labels"]["app.kubernetes.io/component"] == "elasticsearch"
    assert pt["metadata"]["annotations"] == {"backup": "nfs"}
    main, shipper = pt["spec"]["containers"]
    assert main["name"] == "elasticsearch" and shipper["name"] == "log-shipper"
    # The chart's heap, resources and security context stay; the user's env and mounts join them.
    assert [e["name"] for e in main["env"]] == ["ES_JAVA_OPTS", "TZ"]
    assert main["resources"]["limits"]["memory"] == "4Gi" and main["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert {"name": "snapshots", "mountPath": "/usr/share/elasticsearch/snapshots"} in main["volumeMounts"]
    assert pt["spec"]["initContainers"] == [{"name": "plugins", "command": ["sh", "-c", "true"]}]
    assert pt["spec"]["volumes"][0]["nfs"]["path"] == "/es-snapshots"
    assert pt["spec"]["topologySpreadConstraints"][0]["topologyKey"] == "topology.kubernetes.io/zone"
    assert [c["metadata"]["name"] for c in ns["volumeClaimTemplates"]] == ["elasticsearch-data", "cache"]


def test_sysctl_init_container_stays_first():
    ns = es({"sysctlInitContainer": {"enabled": True}, "nodeSets": [node_set(podTemplate={"spec": {"initContainers": [{"name": "x"}]}})]})["spec"]["nodeSets"][0]
    assert [c["name"] for c in ns["podTemplate"]["spec"]["initContainers"]] == ["sysctl", "x"]


def test_cr_fields_for_parity():
    spec = es({
        "http": {"service": {"type": "LoadBalancer", "annotations": {"metallb.io/loadBalancerIPs": "192.168.10.40"}, "externalTrafficPolicy": "Local",
                             "loadBalancerSourceRanges": ["192.168.0.0/16"]}},
        "transport": {"tls": {"subjectAltNames": ["es.feng.org", "192.168.10.41"], "otherNameSuffix": "feng.org", "certificateSecret": "transport-ca"}},
        "auth": {"fileRealm": [{"secretName": "es-admin"}], "roles": [{"secretName": "es-roles"}], "disableElasticUser": True},
        "remoteClusters": [{"name": "dr", "elasticsearchRef": {"name": "dr-es", "namespace": "dr"}}],
        "remoteClusterServer": {"enabled": True},
        "monitoring": {"metrics": [{"name": "monitor", "namespace": "observability"}], "logs": [{"name": "monitor", "namespace": "observability"}]},
        "serviceAccountName": "es-sa", "revisionHistoryLimit": 2,
    })["spec"]
    assert spec["http"]["service"] == {"metadata": {"annotations": {"metallb.io/loadBalancerIPs": "192.168.10.40"}},
                                       "spec": {"type": "LoadBalancer", "externalTrafficPolicy": "Local", "loadBalancerSourceRanges": ["192.168.0.0/16"]}}
    assert spec["transport"]["tls"] == {"subjectAltNames": [{"dns": "es.feng.org"}, {"ip": "192.168.10.41"}], "otherNameSuffix": "feng.org",
                                        "certificate": {"secretName": "transport-ca"}}
    assert spec["auth"] == {"fileRealm": [{"secretName": "es-admin"}], "roles": [{"secretName": "es-roles"}], "disableElasticUser": True}
    assert spec["remoteClusters"][0]["elasticsearchRef"] == {"name": "dr-es", "namespace": "dr"} and spec["remoteClusterServer"] == {"enabled": True}
    assert spec["monitoring"]["metrics"]["elasticsearchRefs"] == [{"name": "monitor", "namespace": "observability"}]
    assert spec["serviceAccountName"] == "es-sa" and spec["revisionHistoryLimit"] == 2
    assert spec["nodeSets"][0]["podTemplate"]["spec"]["serviceAccountName"] == "es-sa"


def test_defaults_leave_the_operator_in_charge_of_service_pdb_and_transport():
    spec = es()["spec"]
    for absent in ("transport", "podDisruptionBudget", "auth", "remoteClusters", "monitoring", "serviceAccountName", "revisionHistoryLimit"):
        assert absent not in spec, absent
    assert "service" not in spec["http"]


@pytest.mark.parametrize(
    ("pdb", "expected"),
    [
        ({"enabled": False}, {}),
        ({"minAvailable": 2}, {"spec": {"minAvailable": 2, "selector": {"matchLabels": {"elasticsearch.k8s.elastic.co/cluster-name": "test-elasticsearch"}}}}),
        ({"maxUnavailable": "34%"}, {"spec": {"maxUnavailable": "34%", "selector": {"matchLabels": {"elasticsearch.k8s.elastic.co/cluster-name": "test-elasticsearch"}}}}),
    ],
)
def test_pod_disruption_budget(pdb, expected):
    assert es({"podDisruptionBudget": pdb})["spec"]["podDisruptionBudget"] == expected


def test_kibana_takes_a_pod_template_a_service_and_a_service_account():
    kb = kibana({"kibana": {"name": "logs-ui", "serviceAccountName": "kb-sa", "service": {"type": "LoadBalancer"},
                            "podTemplate": {"spec": {"containers": [{"name": "kibana", "env": [{"name": "NODE_OPTIONS", "value": "--max-old-space-size=1800"}]}],
                                                     "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway"}]}}}})
    assert kb["metadata"]["name"] == "logs-ui" and kb["spec"]["elasticsearchRef"] == {"name": "test-elasticsearch"}
    assert kb["spec"]["serviceAccountName"] == "kb-sa" and kb["spec"]["http"]["service"] == {"spec": {"type": "LoadBalancer"}}
    c = kb["spec"]["podTemplate"]["spec"]["containers"][0]
    assert c["env"] == [{"name": "NODE_OPTIONS", "value": "--max-old-space-size=1800"}] and c["resources"]["limits"]["memory"] == "2Gi"


def test_kibana_named_apart_from_the_cluster_is_reached_by_its_own_name():
    objs = render(CHART, {"kibana": {"enabled": True, "name": "logs-ui"}, "ingress": {"kibana": {"enabled": True, "host": "kibana.feng.org"}},
                          "networkPolicy": {"enabled": True}})
    ing = one(objs, "Ingress")
    assert ing["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] == "logs-ui-kb-http"
    kb_policy = one(objs, "NetworkPolicy", "test-elasticsearch-kibana")
    assert kb_policy["spec"]["podSelector"]["matchLabels"] == {"kibana.k8s.elastic.co/name": "logs-ui"}


def test_extra_objects_and_ingress_path_and_labels():
    objs = render(CHART, {"extraObjects": [{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "es-roles"}, "stringData": {"roles.yml": "x: {}"}}],
                          "ingress": {"elasticsearch": {"enabled": True, "host": "es.feng.org", "path": "/es", "pathType": "ImplementationSpecific", "labels": {"zone": "dmz"}}}})
    assert one(objs, "Secret", "es-roles")
    ing = one(objs, "Ingress")
    assert ing["metadata"]["labels"]["zone"] == "dmz"
    assert ing["spec"]["rules"][0]["http"]["paths"][0] == {"path": "/es", "pathType": "ImplementationSpecific",
                                                             "backend": {"service": {"name": "test-elasticsearch-es-http", "port": {"number": 9200}}}}


# --- NetworkPolicies --------------------------------------------------------------


def test_network_policies_admit_the_operator_kibana_and_listed_clients():
    objs = render(CHART, {"kibana": {"enabled": True}, "networkPolicy": {"enabled": True, "allowedNamespaces": ["ingress-nginx"]}})
    es_np = one(objs, "NetworkPolicy", "test-elasticsearch-es")["spec"]
    assert es_np["podSelector"]["matchLabels"] == {"elasticsearch.k8s.elastic.co/cluster-name": "test-elasticsearch"}
    http, transport = es_np["ingress"]
    peers = http["from"]
    assert {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "elastic-system"}}} in peers
    assert {"podSelector": {"matchLabels": {"kibana.k8s.elastic.co/name": "test-elasticsearch"}}} in peers
    assert peers[-1]["namespaceSelector"]["matchExpressions"][0]["values"] == ["ingress-nginx"]
    assert http["ports"] == [{"protocol": "TCP", "port": 9200}]
    assert transport == {"from": [{"podSelector": {"matchLabels": {"elasticsearch.k8s.elastic.co/cluster-name": "test-elasticsearch"}}}],
                         "ports": [{"protocol": "TCP", "port": 9300}]}
    assert es_np["policyTypes"] == ["Ingress"]
    kb_np = one(objs, "NetworkPolicy", "test-elasticsearch-kibana")["spec"]
    assert kb_np["ingress"][0]["ports"] == [{"protocol": "TCP", "port": 5601}]


def test_restricted_egress_keeps_dns_the_cluster_and_kibana_to_elasticsearch():
    objs = render(CHART, {"kibana": {"enabled": True}, "remoteClusters": [{"name": "dr", "elasticsearchRef": {"name": "dr"}}],
                          "networkPolicy": {"enabled": True, "allowExternalEgress": False}})
    es_egress = one(objs, "NetworkPolicy", "test-elasticsearch-es")["spec"]["egress"]
    assert es_egress[0]["ports"][0] == {"protocol": "UDP", "port": 53}
    assert {"ports": [{"protocol": "TCP", "port": 9200}, {"protocol": "TCP", "port": 9300}, {"protocol": "TCP", "port": 9443}]} in es_egress
    kb_egress = one(objs, "NetworkPolicy", "test-elasticsearch-kibana")["spec"]["egress"]
    assert kb_egress[1] == {"to": [{"podSelector": {"matchLabels": {"elasticsearch.k8s.elastic.co/cluster-name": "test-elasticsearch"}}}],
                            "ports": [{"protocol": "TCP", "port": 9200}]}
    assert not of_kind(render(CHART), "NetworkPolicy")


# --- refusals ----------------------------------------------------------------------


def bad_pod_template(pt: dict) -> dict:
    return {"nodeSets": [node_set(podTemplate=pt)]}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"priorityClassName": "search", **bad_pod_template({"spec": {"priorityClassName": "low"}})}, "nodeSets[0].podTemplate.spec.priorityClassName is set by the chart from priorityClassName"),
        ({"nodeSets": [node_set(affinity={"podAntiAffinity": {}}, podTemplate={"spec": {"affinity": {"nodeAffinity": {}}}})]},
         "nodeSets[0].podTemplate.spec.affinity is set by the chart from nodeSets[0].affinity"),
        (bad_pod_template({"spec": {"securityContext": {"runAsUser": 0}}}), "nodeSets[0].podTemplate.spec.securityContext is set by the chart from podSecurityContext"),
        ({"nodeSets": [node_set(resources={"limits": {"memory": "2Gi"}}, podTemplate={"spec": {"containers": [{"name": "elasticsearch", "resources": {}}]}})]},
         "nodeSets[0].podTemplate.spec.containers[0].resources is set by the chart from nodeSets[0].resources"),
        (bad_pod_template({"spec": {"containers": [{"name": "elasticsearch", "securityContext": {"privileged": True}}]}}), "containers[0].securityContext is set by the chart from securityContext"),
        ({"nodeSets": [node_set(heap="1g", resources={"limits": {"memory": "4Gi"}}, podTemplate={"spec": {"containers": [{"name": "elasticsearch", "env": [{"name": "ES_JAVA_OPTS", "value": "-Xmx8g"}]}]}})]},
         "containers[0].env[0] (ES_JAVA_OPTS) is set by the chart from nodeSets[0].heap"),
        (bad_pod_template({"spec": {"containers": [{"name": "x", "image": "a:1"}, {"name": "x", "image": "a:1"}]}}), "containers[1].name"),
        ({"sysctlInitContainer": {"enabled": True}, **bad_pod_template({"spec": {"initContainers": [{"name": "sysctl"}]}})}, "spec.initContainers[0].name"),
        (bad_pod_template({"spec": {"volumes": [{"name": "a", "emptyDir": {}}, {"name": "a", "emptyDir": {}}]}}), "spec.volumes[1].name"),
        (bad_pod_template({"metadata": {"labels": {"app.kubernetes.io/name": "x"}}}), "nodeSets[0].podTemplate.metadata.labels.app.kubernetes.io/name is set by the chart"),
        ({"nodeSets": [node_set(podLabels={"team": "a"}, podTemplate={"metadata": {"labels": {"team": "b"}}})]}, "metadata.labels.team is set by the chart (a selector label, or nodeSets[0].podLabels)"),
        (bad_pod_template({"metadata": {"labels": {"elasticsearch.k8s.elastic.co/node-master": "false"}}}), "is the operator's own label"),
        (bad_pod_template({"spec": {"volumes": [{"name": "elasticsearch-data", "emptyDir": {}}]}}), "puts elasticsearch-data on an emptyDir"),
        (bad_pod_template({"spec": {"volumes": [{"name": "elasticsearch-data", "hostPath": {"path": "/tmp/es"}}]}}), "allowDangerous.ephemeralData"),
        (bad_pod_template({"spec": {"volumes": [{"name": "scratch", "hostPath": {"path": "/tmp/es"}}]}}), "volumes[0].hostPath.path is under the node's /tmp"),
        (bad_pod_template({"spec": {"volumes": [{"name": "a"}]}}), "/nodeSets/0/podTemplate/spec/volumes/0"),
        (bad_pod_template({"status": {}}), "status"),
        ({"nodeSets": [node_set(volumeClaimTemplates=[{"metadata": {"name": "cache"}, "spec": {"resources": {"requests": {"storage": "1Gi"}}}}])]},
         "nodeSets[0].volumeClaimTemplates[0] (cache) is mounted by no container"),
        ({"nodeSets": [node_set(volumeClaimTemplates=[{"metadata": {"name": "elasticsearch-data"}, "spec": {"resources": {"requests": {"storage": "1Gi"}}}}])]},
         "is the data claim, which the chart writes from nodeSets[0].storage"),
        ({"nodeSets": [node_set(volumeClaimTemplates=[{"metadata": {"name": "c"}, "spec": {"resources": {"requests": {"storage": "lots"}}}}])]}, "storage"),
        ({"nodeSets": [node_set(podTemplate={"spec": {"containers": [{"name": "elasticsearch", "volumeMounts": [{"name": "c", "mountPath": "/c"}]}]}},
                                volumeClaimTemplates=[{"metadata": {"name": "c", "labels": {"elasticsearch.k8s.elastic.co/cluster-name": "x"}},
                                                       "spec": {"resources": {"requests": {"storage": "1Gi"}}}}])]},
         "volumeClaimTemplates[0].metadata.labels.elasticsearch.k8s.elastic.co/cluster-name is reserved by ECK"),
        ({"nodeSets": [node_set(config={"xpack.security.enabled": False})]}, "nodeSets[0].config.xpack.security.enabled is managed by the ECK operator"),
        ({"nodeSets": [node_set(config={"xpack": {"security": {"enabled": False}}})]}, "nodeSets[0].config.xpack.security.enabled is managed"),
        ({"nodeSets": [node_set(config={"path.data": "/tmp/data"})]}, "nodeSets[0].config.path.data is managed"),
        ({"nodeSets": [node_set(config={"node.master": True})]}, "nodeSets[0].config.node.master is a legacy role setting"),
        ({"nodeSets": [node_set(config={"xpack.security.http.ssl.client_authentication": "required"})]}, "refused by the ECK webhook"),
        ({"ingress": {"elasticsearch": {"enabled": True, "host": "es.feng.org", "tls": {"enabled": False}}}}, "ingress.elasticsearch.tls.enabled is false"),
        ({"kibana": {"enabled": True}, "ingress": {"kibana": {"enabled": True, "host": "kb.feng.org", "tls": {"enabled": False}}}}, "ingress.kibana.tls.enabled is false"),
        ({"nodeSets": [node_set(config={"xpack.security.authc.anonymous.roles": "superuser"})], "ingress": {"elasticsearch": {"enabled": True, "host": "es.feng.org"}}},
         "anonymous access"),
        ({"ingress": {"elasticsearch": {"labels": {"app.kubernetes.io/name": "x"}}}}, "ingress.elasticsearch.labels.app.kubernetes.io/name is one of the chart's standard labels"),
        ({"ingress": {"elasticsearch": {"pathType": "Glob"}}}, "/ingress/elasticsearch/pathType"),
        ({"podDisruptionBudget": {"minAvailable": 1, "maxUnavailable": 1}}, "podDisruptionBudget.minAvailable and podDisruptionBudget.maxUnavailable are both set"),
        ({"podDisruptionBudget": {"enabled": False, "minAvailable": 1}}, "podDisruptionBudget.enabled is false but a budget is set"),
        ({"podDisruptionBudget": {"minAvailable": "half"}}, "/podDisruptionBudget/minAvailable"),
        ({"http": {"service": {"type": "ExternalName"}}}, "/http/service/type"),
        ({"http": {"service": {"loadBalancerSourceRanges": ["anywhere"]}}}, "/http/service/loadBalancerSourceRanges/0"),
        ({"transport": {"tls": {"otherNameSuffix": "Bad Suffix"}}}, "/transport/tls/otherNameSuffix"),
        ({"auth": {"disableElasticUser": True}}, "auth.disableElasticUser is true but auth.fileRealm is empty"),
        ({"auth": {"fileRealm": [{"name": "x"}]}}, "/auth/fileRealm/0"),
        ({"remoteClusters": [{"name": "dr", "elasticsearchRef": {"name": "a"}}, {"name": "dr", "elasticsearchRef": {"name": "b"}}]}, "remoteClusters[1].name \"dr\" is used twice"),
        ({"remoteClusters": [{"name": "dr"}]}, "/remoteClusters/0"),
        ({"monitoring": {"metrics": [{"namespace": "x"}]}}, "/monitoring/metrics/0"),
        ({"revisionHistoryLimit": -1}, "/revisionHistoryLimit"),
        ({"serviceAccountName": "Bad SA"}, "/serviceAccountName"),
        ({"kibana": {"enabled": True, "podTemplate": {"spec": {"containers": [{"name": "kibana", "resources": {}}]}}}}, "kibana.podTemplate.spec.containers[0].resources is set by the chart from kibana.resources"),
        ({"networkPolicy": {"operatorNamespace": "Elastic System"}}, "/networkPolicy/operatorNamespace"),
        ({"networkPolicy": {"extraIngress": [{"ports": [{"port": 0}]}]}}, "/networkPolicy/extraIngress/0/ports/0/port"),
        ({"extraObjects": [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}}]}, "extraObjects[0] needs apiVersion, kind and metadata.name"),
        ({"allowDangerous": {"everything": True}}, "everything"),
    ],
)
def test_bad_values_fail_naming_the_key(values, message):
    assert message in render_error(CHART, values)


@pytest.mark.parametrize(
    "values",
    [
        {"allowDangerous": {"insecureIngress": True}, "ingress": {"elasticsearch": {"enabled": True, "host": "es.feng.org", "tls": {"enabled": False}}}},
        {"allowDangerous": {"ephemeralData": True}, **bad_pod_template({"spec": {"volumes": [{"name": "elasticsearch-data", "emptyDir": {}}]}})},
    ],
)
def test_dangerous_settings_render_when_explicitly_allowed(values):
    assert es(values)


def test_lab_overlay_renders_the_same_objects():
    objs = render(CHART, values_files=["values/apps/elasticsearch-lab.yaml"])
    # the lab's Kibana behind the front door (issue 17: Kibana's Ingress is the lab overlay's)
    assert sorted(o["kind"] for o in objs) == ["Elasticsearch", "Ingress", "Kibana"]
    ns = one(objs, "Elasticsearch")["spec"]["nodeSets"][0]
    assert [c["metadata"]["name"] for c in ns["volumeClaimTemplates"]] == ["elasticsearch-data"]
    assert [c["name"] for c in ns["podTemplate"]["spec"]["containers"]] == ["elasticsearch"]
