"""coredns chart: the Corefile it generates, kubeadm's ConfigMap identity, and full mode."""

from __future__ import annotations

import pytest

from tests.corefile import CorefileError, ServerBlock, duplicates, order_violations, parse
from tests.helpers import ROOT, containers, one, pod_spec, render, render_error

CHART = "coredns"
CI = sorted(p.name for p in (ROOT / "charts" / CHART / "ci").glob("*-values.yaml"))
LAB = ["charts/coredns/ci/lab-values.yaml"]
FULL = ["charts/coredns/ci/full-mode-values.yaml"]
FULL_HPA = ["charts/coredns/ci/full-hpa-values.yaml"]

FULL_MIN = {"mode": "full", "service": {"clusterIP": "10.96.0.10"}}
KUBEADM_PLUGINS = {
    "errors",
    "health",
    "ready",
    "kubernetes",
    "prometheus",
    "forward",
    "cache",
    "loop",
    "reload",
    "loadbalance",
}


def corefile(objs) -> str:
    cm = one(objs, "ConfigMap", "coredns")
    assert set(cm["data"]) == {"Corefile"}
    return cm["data"]["Corefile"]


def blocks(objs) -> list[ServerBlock]:
    return parse(corefile(objs))


def main_block(objs) -> ServerBlock:
    found = [b for b in blocks(objs) if b.keys == [".:53"]]
    assert len(found) == 1, [b.keys for b in blocks(objs)]
    return found[0]


def block_for(objs, key: str) -> ServerBlock:
    found = [b for b in blocks(objs) if key in b.keys]
    assert len(found) == 1, [b.keys for b in blocks(objs)]
    return found[0]


# --- the parser itself -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        ".:53 {\n    errors\n",  # never closed
        ".:53 {\n    errors\n}\n}\n",  # closed twice
        "errors\n",  # outside a block
        ".:53 {\n    cache 30 { disable x }\n}\n",  # brace inside a line
    ],
)
def test_parser_rejects_malformed_corefiles(text):
    with pytest.raises(CorefileError):
        parse(text)


# --- every scenario ----------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", CI)
def test_every_scenario_writes_a_well_formed_corefile(scenario):
    parsed = blocks(render(CHART, values_files=[f"charts/coredns/ci/{scenario}"]))
    assert parsed[0].keys == [".:53"]
    keys = [k for b in parsed for k in b.keys]
    assert len(keys) == len(set(keys)), f"a zone is served twice: {keys}"
    for block in parsed:
        assert order_violations(block) == [], block.keys
        assert duplicates(block) == [], block.keys


# --- overrides mode: kubeadm's ConfigMap -------------------------------------------------------


def test_overrides_mode_renders_only_the_configmap():
    objs = render(CHART)
    assert {o["kind"] for o in objs} == {"ConfigMap"}


def test_configmap_is_kubeadms_coredns_in_kube_system_whatever_the_release_namespace():
    cm = one(render(CHART, namespace="platform"), "ConfigMap")
    assert cm["metadata"]["name"] == "coredns"
    assert cm["metadata"]["namespace"] == "kube-system"
    assert list(cm["data"]) == ["Corefile"]


def test_configmap_survives_helm_uninstall_in_overrides_mode():
    cm = one(render(CHART), "ConfigMap")
    assert cm["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"


def test_namespace_override_moves_the_configmap():
    cm = one(render(CHART, values={"namespaceOverride": "dns-test"}), "ConfigMap")
    assert cm["metadata"]["namespace"] == "dns-test"


def test_default_corefile_has_kubeadms_plugins_and_settings():
    block = main_block(render(CHART))
    assert len(blocks(render(CHART))) == 1
    assert set(block.plugins) == KUBEADM_PLUGINS
    kube = block.get("kubernetes")
    assert kube.args == ["cluster.local", "in-addr.arpa", "ip6.arpa"]
    assert kube.sub("pods")[0].args == ["insecure"]
    assert kube.sub("fallthrough")[0].args == ["in-addr.arpa", "ip6.arpa"]
    assert kube.sub("ttl")[0].args == ["30"]
    forward = block.get("forward")
    assert forward.args == [".", "/etc/resolv.conf"]
    assert forward.sub("max_concurrent")[0].args == ["1000"]
    cache = block.get("cache")
    assert cache.args == ["30"]
    assert [d.args for d in cache.sub("disable")] == [["success", "cluster.local"], ["denial", "cluster.local"]]
    assert block.get("health").sub("lameduck")[0].args == ["5s"]
    assert block.get("prometheus").args == [":9153"]


def test_cluster_domain_comes_from_global():
    block = main_block(render(CHART, values={"global": {"clusterDomain": "k8s.feng.org"}}))
    assert block.get("kubernetes").args[0] == "k8s.feng.org"
    assert ["success", "k8s.feng.org"] in [d.args for d in block.get("cache").sub("disable")]


# --- the lab -----------------------------------------------------------------------------------


def test_lab_pins_harbor_and_nfs_with_fallthrough():
    hosts = main_block(render(CHART, values_files=LAB)).get("hosts")
    records = {d.name: d.args for d in hosts.body if d.name[0].isdigit()}
    assert records == {"10.0.0.100": ["harbor.cluster.local", "harbor.feng.org"], "10.0.0.101": ["nfs.feng.org"]}
    assert hosts.sub("fallthrough"), "names not listed must reach kubernetes and forward"


def test_lab_rewrites_the_outside_name_onto_the_service():
    rewrites = main_block(render(CHART, values_files=LAB)).all("rewrite")
    assert [r.args for r in rewrites] == [
        ["stop", "name", "exact", "myapp.feng.org", "myapp.default.svc.cluster.local", "answer", "auto"],
    ]


def test_lab_sends_the_corporate_zone_to_its_own_dns():
    objs = render(CHART, values_files=LAB)
    forward = main_block(objs).get("forward")
    assert forward.args == [".", "/etc/resolv.conf"]
    assert forward.sub("except")[0].args == ["corp.feng.org"]
    stub = block_for(objs, "corp.feng.org:53")
    assert stub.get("forward").args == [".", "10.0.0.2"]
    assert stub.get("cache").args == ["30"]
    assert stub.has("errors")


# --- Corefile features -------------------------------------------------------------------------

REWRITES = {
    "rewrites": [
        {"type": "exact", "from": "a.feng.org", "to": "a.default.svc.cluster.local"},
        {"type": "suffix", "from": ".old.feng.org", "to": ".new.feng.org", "answerAuto": True},
        {"type": "prefix", "from": "legacy-", "to": "app-", "continue": True},
        {"type": "substring", "from": "staging", "to": "prod"},
        {
            "type": "regex",
            "from": r"(.*)\.apps\.feng\.org",
            "to": "{1}.default.svc.cluster.local",
            "answerName": {"from": r"(.*)\.default\.svc\.cluster\.local", "to": "{1}.apps.feng.org"},
        },
    ],
}


def test_each_rewrite_type_becomes_one_rule_in_order():
    rules = [r.args for r in main_block(render(CHART, values=REWRITES)).all("rewrite")]
    assert rules == [
        ["stop", "name", "exact", "a.feng.org", "a.default.svc.cluster.local"],
        ["stop", "name", "suffix", ".old.feng.org", ".new.feng.org", "answer", "auto"],
        ["continue", "name", "prefix", "legacy-", "app-"],
        ["stop", "name", "substring", "staging", "prod"],
        [
            "stop",
            "name",
            "regex",
            r"(.*)\.apps\.feng\.org",
            "{1}.default.svc.cluster.local",
            "answer",
            "name",
            r"(.*)\.default\.svc\.cluster\.local",
            "{1}.apps.feng.org",
        ],
    ]


FORWARD = {
    "forward": {
        "to": ["10.0.0.2", "10.0.0.3:5353", "tls://1.1.1.1"],
        "policy": "sequential",
        "maxConcurrent": 500,
        "extraLines": ["health_check 5s"],
    }
}


def test_forward_upstreams_and_options():
    forward = main_block(render(CHART, values=FORWARD)).get("forward")
    assert forward.args == [".", "10.0.0.2", "10.0.0.3:5353", "tls://1.1.1.1"]
    assert forward.sub("policy")[0].args == ["sequential"]
    assert forward.sub("max_concurrent")[0].args == ["500"]
    assert forward.sub("health_check")[0].args == ["5s"]


TOGGLES = {
    "log": {"enabled": True, "classes": ["denial", "error"]},
    "cache": {"enabled": False},
    "loop": {"enabled": False},
    "loadbalance": {"enabled": False},
    "prometheus": {"enabled": False},
    "errors": {"enabled": False},
    "reload": {"interval": "10s"},
    "health": {"lameduck": "10s"},
    "kubernetes": {"pods": "verified", "ttl": 5, "fallthrough": []},
    "stubDomains": [{"zone": "corp.feng.org", "servers": ["10.0.0.2"], "cache": 0}],
}


def test_plugins_can_be_switched_and_tuned():
    objs = render(CHART, values=TOGGLES)
    block = main_block(objs)
    assert set(block.plugins) == {"log", "reload", "health", "ready", "kubernetes", "forward"}
    assert block.get("log").sub("class")[0].args == ["denial", "error"]
    assert block.get("reload").args == ["10s"]
    assert block.get("health").sub("lameduck")[0].args == ["10s"]
    kube = block.get("kubernetes")
    assert kube.sub("pods")[0].args == ["verified"] and kube.sub("ttl")[0].args == ["5"]
    assert not kube.sub("fallthrough")
    stub = block_for(objs, "corp.feng.org:53")
    assert set(stub.plugins) == {"log", "forward"}, (
        "stub blocks follow the log/prometheus/errors switches; cache 0 is off"
    )


def test_stub_domain_cache_follows_the_main_cache_unless_set():
    objs = render(CHART, values={"cache": {"ttl": 45}, **_stubs("corp.feng.org")})
    assert block_for(objs, "corp.feng.org:53").get("cache").args == ["45"]


EXTRAS = {
    "extraPlugins": [
        "template IN AAAA feng.org {\n    rcode NOERROR\n}",
        "any",
        "rewrite name exact extra.feng.org extra.default.svc.cluster.local",
    ],
    "rewrites": [{"type": "exact", "from": "a.feng.org", "to": "b.feng.org"}],
    "extraServerBlocks": "example.test:53 {\n    whoami\n}\n",
}


def test_extra_plugins_land_at_their_execution_position():
    objs = render(CHART, values=EXTRAS)
    block = main_block(objs)
    assert order_violations(block) == []
    assert block.get("template").sub("rcode")[0].args == ["NOERROR"]
    assert block.plugins.index("any") < block.plugins.index("cache")
    assert len(block.all("rewrite")) == 2
    assert block_for(objs, "example.test:53").plugins == ["whoami"]


# --- full mode ---------------------------------------------------------------------------------


def test_full_mode_creates_a_complete_coredns():
    kinds = sorted(o["kind"] for o in render(CHART, values_files=FULL))
    assert kinds == sorted(
        [
            "ConfigMap",
            "Deployment",
            "Service",
            "ServiceAccount",
            "ClusterRole",
            "ClusterRoleBinding",
            "PodDisruptionBudget",
        ]
    )


def test_full_mode_service_is_kube_dns_at_the_fixed_cluster_ip_and_selects_the_pods():
    objs = render(CHART, values_files=FULL)
    svc = one(objs, "Service", "kube-dns")
    deploy = one(objs, "Deployment", "coredns")
    assert svc["metadata"]["namespace"] == "kube-system"
    assert svc["spec"]["clusterIP"] == "10.96.0.10"
    assert svc["spec"]["selector"] == {"k8s-app": "kube-dns"}
    assert deploy["spec"]["selector"]["matchLabels"] == {"k8s-app": "kube-dns"}
    pod_labels = deploy["spec"]["template"]["metadata"]["labels"]
    assert svc["spec"]["selector"].items() <= pod_labels.items()
    ports = {(p["name"], p["port"], p["protocol"]) for p in svc["spec"]["ports"]}
    assert ports == {("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"), ("metrics", 9153, "TCP")}


def test_full_mode_rbac_lets_coredns_list_and_watch_what_the_kubernetes_plugin_reads():
    objs = render(CHART, values_files=FULL)
    role = one(objs, "ClusterRole", "system:coredns")
    rules = {
        (g, r): sorted(rule["verbs"]) for rule in role["rules"] for g in rule["apiGroups"] for r in rule["resources"]
    }
    assert rules == {
        ("", "endpoints"): ["list", "watch"],
        ("", "services"): ["list", "watch"],
        ("", "pods"): ["list", "watch"],
        ("", "namespaces"): ["list", "watch"],
        ("discovery.k8s.io", "endpointslices"): ["list", "watch"],
    }
    binding = one(objs, "ClusterRoleBinding", "system:coredns")
    assert binding["roleRef"]["name"] == "system:coredns"
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "coredns", "namespace": "kube-system"}]
    assert pod_spec(one(objs, "Deployment"))["serviceAccountName"] == "coredns"


def test_full_mode_pods_spread_over_nodes_and_run_anywhere_critical():
    spec = pod_spec(one(render(CHART, values_files=FULL), "Deployment"))
    terms = spec["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert terms == [
        {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}
    ]
    assert spec["priorityClassName"] == "system-cluster-critical"
    assert spec["dnsPolicy"] == "Default"
    tolerations = {(t["key"], t.get("operator", "Equal"), t.get("effect")) for t in spec["tolerations"]}
    assert ("CriticalAddonsOnly", "Exists", None) in tolerations
    assert ("node-role.kubernetes.io/control-plane", "Equal", "NoSchedule") in tolerations


def test_preferred_anti_affinity_for_single_node_labs():
    spec = pod_spec(one(render(CHART, values={**FULL_MIN, "podAntiAffinity": "preferred"}), "Deployment"))
    assert "requiredDuringSchedulingIgnoredDuringExecution" not in spec["affinity"]["podAntiAffinity"]
    assert spec["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]


def test_full_mode_container_binds_53_as_non_root_with_only_net_bind_service():
    objs = render(CHART, values_files=FULL)
    deploy = one(objs, "Deployment")
    (c,) = containers(deploy)
    assert c["image"] == "registry.k8s.io/coredns/coredns:v1.12.0"
    assert c["args"] == ["-conf", "/etc/coredns/Corefile"]
    assert c["securityContext"]["capabilities"] == {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}
    assert c["securityContext"]["readOnlyRootFilesystem"] is True
    assert pod_spec(deploy)["securityContext"]["runAsUser"] == 65532
    assert c["livenessProbe"]["httpGet"] == {"path": "/health", "port": "liveness-probe", "scheme": "HTTP"}
    assert c["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "readiness-probe", "scheme": "HTTP"}
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    assert ports == {"dns": 53, "dns-tcp": 53, "metrics": 9153, "liveness-probe": 8080, "readiness-probe": 8181}
    volume = pod_spec(deploy)["volumes"][0]["configMap"]
    assert volume["name"] == one(objs, "ConfigMap")["metadata"]["name"]
    assert volume["items"] == [{"key": "Corefile", "path": "Corefile"}]


def test_full_mode_configmap_goes_with_the_release():
    cm = one(render(CHART, values_files=FULL), "ConfigMap")
    assert "helm.sh/resource-policy" not in (cm["metadata"].get("annotations") or {})


def test_probes_fall_back_to_tcp_without_health_and_ready_plugins():
    values = {**FULL_MIN, "health": {"enabled": False}, "ready": {"enabled": False}}
    (c,) = containers(one(render(CHART, values=values), "Deployment"))
    assert c["livenessProbe"]["tcpSocket"] == {"port": "dns-tcp"}
    assert c["readinessProbe"]["tcpSocket"] == {"port": "dns-tcp"}


def _checksum(values) -> str:
    deploy = one(render(CHART, values=values), "Deployment")
    return deploy["spec"]["template"]["metadata"]["annotations"]["checksum/config"]


def test_pods_roll_when_the_corefile_changes_and_only_then():
    base = _checksum(FULL_MIN)
    with_host = {**FULL_MIN, "hosts": {"entries": [{"ip": "10.0.0.100", "names": ["harbor.feng.org"]}]}}
    assert _checksum(with_host) != base
    assert _checksum({**FULL_MIN, "replicaCount": 3}) == base


def test_hpa_scales_the_deployment_instead_of_a_fixed_replica_count():
    objs = render(CHART, values_files=FULL_HPA)
    hpa = one(objs, "HorizontalPodAutoscaler", "coredns")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "coredns"}
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 5)
    assert {m["resource"]["name"] for m in hpa["spec"]["metrics"]} == {"cpu", "memory"}
    assert "replicas" not in one(objs, "Deployment")["spec"]


def test_pdb_keeps_all_but_one_replica_through_drains():
    pdb = one(render(CHART, values_files=FULL), "PodDisruptionBudget")
    assert pdb["spec"]["maxUnavailable"] == 1
    assert pdb["spec"]["selector"]["matchLabels"] == {"k8s-app": "kube-dns"}


# --- bad input ---------------------------------------------------------------------------------


def _host(ip, *names):
    return {"hosts": {"entries": [{"ip": ip, "names": list(names) or ["harbor.feng.org"]}]}}


def _stubs(*zones):
    return {"stubDomains": [{"zone": z, "servers": ["10.0.0.2"]} for z in zones]}


BAD = [
    pytest.param({"mode": "kubeadm"}, "at '/mode'", id="unknown-mode"),
    pytest.param({"bogus": 1}, "additional properties 'bogus' not allowed", id="unknown-top-level-key"),
    pytest.param({"hosts": {"entry": []}}, "additional properties 'entry' not allowed", id="unknown-nested-key"),
    pytest.param(_host("10.0.0.300"), "at '/hosts/entries/0/ip'", id="hosts-bad-ip"),
    pytest.param(_host("10.0.0.100", "bad name"), "at '/hosts/entries/0/names/0'", id="hosts-bad-name"),
    pytest.param(
        _stubs("corp.feng.org", "CORP.feng.org."),
        'stubDomains[1].zone "CORP.feng.org." is used twice',
        id="duplicate-stub-zone",
    ),
    pytest.param(
        _stubs("cluster.local"),
        'stubDomains[0].zone "cluster.local" is inside cluster.local, a zone of the kubernetes plugin',
        id="stub-shadows-cluster",
    ),
    pytest.param(
        _stubs("svc.cluster.local"),
        'stubDomains[0].zone "svc.cluster.local" is inside cluster.local',
        id="stub-inside-cluster-zone",
    ),
    pytest.param(_stubs("."), "stubDomains[0].zone must not be the root zone", id="stub-root"),
    pytest.param(
        {"kubernetes": {"zones": ["k8s.feng.org"]}},
        "kubernetes.zones [k8s.feng.org] leaves out global.clusterDomain cluster.local",
        id="cluster-domain-not-served",
    ),
    pytest.param(
        {"stubDomains": [{"zone": "corp.feng.org", "servers": ["dns.feng.org"]}]},
        "at '/stubDomains/0/servers/0'",
        id="stub-server-not-ip",
    ),
    pytest.param(
        {"rewrites": [{"type": "glob", "from": "a", "to": "b"}]}, "at '/rewrites/0/type'", id="bad-rewrite-type"
    ),
    pytest.param(
        {"rewrites": [{"type": "regex", "from": "(.*)", "to": "{1}", "answerAuto": True}]},
        "rewrites[0].answerAuto",
        id="regex-answer-auto",
    ),
    pytest.param(
        {"rewrites": [{"type": "exact", "from": "(.*).feng.org", "to": "a.feng.org"}]},
        'rewrites[0].from "(.*).feng.org" is not a domain name',
        id="exact-rewrite-pattern",
    ),
    pytest.param({"forward": {"to": ["8.8.8.8:99999"]}}, "at '/forward/to/0'", id="forward-bad-port"),
    pytest.param(
        {"extraPlugins": ["fanout . 10.0.0.2"]}, 'extraPlugins[0] starts with "fanout"', id="extra-unknown-plugin"
    ),
    pytest.param(
        {"extraPlugins": ["cache 60"]},
        'extraPlugins[0] adds "cache", which the chart already writes',
        id="extra-duplicates-chart-plugin",
    ),
    # Raw fragments with unpaired block braces: CoreDNS would refuse the whole Corefile.
    pytest.param(
        {"extraPlugins": ["template IN A feng.org {"]},
        "extraPlugins[0] leaves 1 '{' unclosed",
        id="extra-plugin-block-left-open",
    ),
    pytest.param(
        {"kubernetes": {"extraLines": ["endpoint_pod_names }"]}},
        "kubernetes.extraLines[0] has a '}' that closes no '{'",
        id="extra-line-stray-brace",
    ),
    pytest.param(
        {"extraServerBlocks": "example.test:53 {\n    whoami\n"},
        "extraServerBlocks leaves 1 '{' unclosed",
        id="extra-server-block-left-open",
    ),
    pytest.param(
        {"health": {"enabled": False}}, "health.enabled must be true in mode overrides", id="overrides-without-health"
    ),
    pytest.param({"mode": "full"}, "service.clusterIP is required", id="full-without-cluster-ip"),
    pytest.param(
        {"mode": "full", "service": {"clusterIP": "10.96.0"}}, "at '/service/clusterIP'", id="full-cluster-ip-not-ipv4"
    ),
    pytest.param(
        {**FULL_MIN, "global": {"network": {"serviceCIDR": "10.233.0.0/18"}}},
        "service.clusterIP 10.96.0.10 is outside global.network.serviceCIDR 10.233.0.0/18: "
        "use an address of the service CIDR, conventionally 10.233.0.10",
        id="cluster-ip-outside-service-cidr",
    ),
    pytest.param(
        {**FULL_MIN, "autoscaling": {"enabled": True, "minReplicas": 4, "maxReplicas": 2}},
        "autoscaling.minReplicas",
        id="hpa-min-above-max",
    ),
]


@pytest.mark.parametrize("values,fragment", BAD)
def test_bad_values_fail_naming_the_key(values, fragment):
    assert fragment in render_error(CHART, values=values)
