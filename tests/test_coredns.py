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
    text = cm["data"]["Corefile"]
    # any other key is a zone file the Corefile serves
    assert all(f"file /etc/coredns/{key} " in text for key in set(cm["data"]) - {"Corefile"}), set(cm["data"])
    return text


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


# --- what CoreDNS itself refuses (issue 22), and the cluster's own names ----------------------------

OPTIONS = ["charts/coredns/ci/full-options-values.yaml"]
AUTOSCALER = ["charts/coredns/ci/overrides-autoscaler-values.yaml"]


def _stub(zone, *servers):
    return {"stubDomains": [{"zone": zone, "servers": list(servers)}]}


COREDNS_REFUSES = [
    pytest.param({"hosts": {"ttl": 0, "entries": [{"ip": "10.0.0.1", "names": ["a.feng.org"]}]}}, "at '/hosts/ttl'",
                 id="hosts-ttl-0"),
    pytest.param({"hosts": {"ttl": 65536}}, "at '/hosts/ttl'", id="hosts-ttl-over-65535"),
    pytest.param({"reload": {"enabled": True, "interval": "1s"}}, 'reload.interval "1s" is under 2s', id="reload-1s"),
    pytest.param({"reload": {"enabled": True, "interval": "1999ms"}}, 'reload.interval "1999ms" is under 2s',
                 id="reload-just-under"),
    pytest.param({"reload": {"enabled": True, "jitter": "500ms"}}, 'reload.jitter "500ms" is under 1s', id="jitter"),
    pytest.param({"reload": {"enabled": True, "interval": "soon"}}, "at '/reload/interval'", id="reload-not-duration"),
    pytest.param({"extraServerBlocks": ".:53 {\n    whoami\n}\n"},
                 'extraServerBlocks has a block for ".:53", and the main server block', id="second-root-block"),
    pytest.param({"extraServerBlocks": ". {\n    whoami\n}\n"}, 'extraServerBlocks has a block for "."',
                 id="second-root-block-default-port"),
    pytest.param({"extraServerBlocks": "dns://.:53 {\n whoami\n}"}, "extraServerBlocks has a block", id="dns-scheme"),
    pytest.param({**_stub("corp.feng.org", "10.0.0.2"), "extraServerBlocks": "corp.feng.org:53 {\n  whoami\n}"},
                 "stubDomains[0] already serves corp.feng.org:53", id="stub-again-in-extra-blocks"),
    pytest.param({"stubDomains": [{"zone": "corp.feng.org", "servers": ["10.0.0.2"]},
                                  {"zone": "Corp.Feng.Org.", "servers": ["10.0.0.3"]}]},
                 "stubDomains[1].zone", id="stub-repeated"),
    pytest.param({"forward": {"to": ["2001:db8:::1"]}}, 'forward.to[0] "2001:db8:::1" is not an upstream',
                 id="ipv6-triple-colon"),
    pytest.param({"forward": {"to": ["[2001:db8::1:53"]}}, "at '/forward/to/0'", id="ipv6-unclosed-bracket"),
    pytest.param({"forward": {"to": ["tls://[10.0.0.1]:853"]}}, "at '/forward/to/0'", id="ipv4-in-brackets"),
    pytest.param({"forward": {"to": ["[fe80:::1]:53"]}}, 'forward.to[0] "[fe80:::1]:53" is not an upstream',
                 id="bracketed-malformed-ipv6"),
    pytest.param({"forward": {"to": ["tls://[2001:db8::53]"]}}, 'forward.to[0] "tls://[2001:db8::53]" has brackets '
                 "but no port", id="brackets-without-port"),
    pytest.param(_stub("corp.feng.org", "[2001:db8::53]"), 'stubDomains[0].servers[0] "[2001:db8::53]" has brackets',
                 id="stub-brackets-without-port"),
    pytest.param(_stub("corp.feng.org", "1:2:3:4:5:6:7:8:9"), "at '/stubDomains/0/servers/0'",
                 id="stub-ipv6-nine-groups"),
    pytest.param(_stub("corp.feng.org", "2001:db8::1::2"), 'stubDomains[0].servers[0] "2001:db8::1::2"',
                 id="stub-ipv6-two-gaps"),
    pytest.param({"hosts": {"entries": [{"ip": "fe80:::1", "names": ["x.feng.org"]}]}},
                 'hosts.entries[0].ip "fe80:::1" is not an IPv4 or IPv6 address', id="hosts-bad-ipv6"),
]


@pytest.mark.parametrize("values,fragment", COREDNS_REFUSES)
def test_what_coredns_refuses_fails_naming_the_key(values, fragment):
    assert fragment in render_error(CHART, values=values)


@pytest.mark.parametrize("to", [
    ["[2001:db8::53]:5353"], ["2001:db8::53"], ["tls://[2001:db8::53]:853"],
    ["dns://10.0.0.2:53"],
    ["/etc/resolv.conf", "10.0.0.2"],
])
def test_well_formed_upstreams_render(to):
    assert f"forward . {' '.join(to)}" in corefile(render(CHART, values={"forward": {"to": to}}))


HIJACKS = [
    "kubernetes.default.svc.cluster.local", "kubernetes.default.svc", "kubernetes.default", "kubernetes",
    "myapp.default.svc.cluster.local", "10-0-0-1.default.pod.cluster.local", "web.prod.svc",
    "KUBERNETES.Default.svc.cluster.local",
]


@pytest.mark.parametrize("name", HIJACKS)
def test_hosts_entry_for_a_cluster_name_is_refused_unless_allowed(name):
    entries = [{"ip": "10.0.0.66", "names": ["ok.feng.org", name]}]
    error = render_error(CHART, values={"hosts": {"entries": entries}})
    assert "hosts.entries[0].names[1]" in error and "hosts.allowDangerousClusterNames" in error
    allowed = {"hosts": {"entries": entries, "allowDangerousClusterNames": True}}
    assert f"10.0.0.66 ok.feng.org {name}" in corefile(render(CHART, values=allowed))


def test_hijack_check_follows_the_cluster_zones():
    values = {"kubernetes": {"zones": ["lab.internal"]}, "global": {"clusterDomain": "lab.internal"},
              "hosts": {"entries": [{"ip": "10.0.0.66", "names": ["api.default.svc.lab.internal"]}]}}
    assert "hosts.entries[0].names[0]" in render_error(CHART, values=values)
    # the lab's own entry (a name in the cluster domain, not a Service's) stays fine
    assert "harbor.cluster.local" in corefile(render(CHART, values_files=LAB))


def test_reload_interval_and_jitter_reach_the_plugin():
    assert main_block(render(CHART, values_files=OPTIONS)).get("reload").args == ["10s", "2s"]
    objs = render(CHART, values={"reload": {"enabled": True, "jitter": "5s"}})
    assert main_block(objs).get("reload").args == ["30s", "5s"]


ESCAPE_HATCHES = [
    pytest.param({"kubernetes": {"extraLines": ["pods verified"]}}, "kubernetes.extraLines[0] (pods verified) sets pods "
                 "again, which the chart writes from kubernetes.pods", id="kubernetes-pods"),
    pytest.param({"kubernetes": {"extraLines": ["ttl 5"]}}, "kubernetes.ttl", id="kubernetes-ttl"),
    pytest.param({"forward": {"extraLines": ["max_concurrent 10"]}}, "forward.extraLines[0]", id="forward-max"),
    pytest.param({"forward": {"extraLines": ["policy sequential"]}}, "forward.policy", id="forward-policy"),
    pytest.param({"forward": {"extraLines": ["except corp.feng.org"]}}, "forward.except", id="forward-except"),
    pytest.param({"cache": {"extraLines": ["disable success cluster.local"]}}, "cache.disableClusterZones",
                 id="cache-disable"),
    pytest.param({"mode": "full", "service": {"clusterIP": "10.96.0.10"},
                  "autoscaler": {"enabled": True, "customFlags": ["--target=deployment/other"]}},
                 "autoscaler.customFlags[0] (--target=deployment/other) re-sets --target", id="autoscaler-target"),
]


@pytest.mark.parametrize("values,fragment", ESCAPE_HATCHES)
def test_escape_hatches_may_not_reset_typed_values(values, fragment):
    assert fragment in render_error(CHART, values=values)


def test_escape_hatch_lines_the_chart_does_not_type_are_kept():
    values = {"cache": {"extraLines": ["prefetch 10"], "disableClusterZones": True},
              "forward": {"extraLines": ["health_check 5s"]}}
    block = main_block(render(CHART, values=values))
    assert block.get("cache").sub("prefetch")[0].args == ["10"]
    assert block.get("forward").sub("health_check")[0].args == ["5s"]
    lines = {"cache": {"extraLines": ["disable success cluster.local"], "disableClusterZones": False}}
    disable = main_block(render(CHART, values=lines)).get("cache").sub("disable")
    assert [d.args for d in disable] == [["success", "cluster.local"]]


# --- zone files, options of the pods and the Service ---------------------------------------------


def test_zone_files_are_keys_of_the_configmap_served_by_their_own_block():
    objs = render(CHART, values_files=OPTIONS)
    cm = one(objs, "ConfigMap", "coredns")
    assert cm["data"]["lab.feng.org.db"].startswith("$ORIGIN lab.feng.org.")
    block = block_for(objs, "lab.feng.org:53")
    assert block.get("file").args == ["/etc/coredns/lab.feng.org.db", "lab.feng.org"]
    volume = next(v for v in pod_spec(one(objs, "Deployment"))["volumes"] if v["name"] == "config")
    assert {"key": "lab.feng.org.db", "path": "lab.feng.org.db"} in volume["configMap"]["items"]


ZONE_ERRORS = [
    pytest.param({"zoneFiles": [{"domain": "lab.feng.org", "contents": "x"}]}, "zoneFiles needs mode: full",
                 id="overrides-mode"),
    pytest.param({**FULL_MIN, "zoneFiles": [{"domain": "svc.cluster.local", "contents": "x"}]},
                 'zoneFiles[0].domain "svc.cluster.local" is inside cluster.local', id="in-cluster-zone"),
    pytest.param({**FULL_MIN, **_stub("lab.feng.org", "10.0.0.2"),
                  "zoneFiles": [{"domain": "lab.feng.org.", "contents": "x"}]},
                 'zoneFiles[0].domain "lab.feng.org." already has a server block (stubDomains[0])', id="stub-zone"),
    pytest.param({**FULL_MIN, "zoneFiles": [{"domain": "a.feng.org", "contents": "x", "filename": "Corefile"}]},
                 'zoneFiles[0].filename "Corefile" is already used by the Corefile', id="filename-corefile"),
    pytest.param({**FULL_MIN, "zoneFiles": [{"domain": "a.feng.org", "contents": ""}]}, "/zoneFiles/0/contents",
                 id="empty-zone"),
]


@pytest.mark.parametrize("values,fragment", ZONE_ERRORS)
def test_zone_file_errors_fail_naming_the_key(values, fragment):
    assert fragment in render_error(CHART, values=values)


def test_full_options_reach_the_pods():
    objs = render(CHART, values_files=OPTIONS)
    deploy = one(objs, "Deployment")
    spec = pod_spec(deploy)
    c = containers(deploy)[0]
    assert c["readinessProbe"] == {"httpGet": {"path": "/ready", "port": "readiness-probe", "scheme": "HTTP"},
                                   "periodSeconds": 5, "timeoutSeconds": 2, "failureThreshold": 2}
    mount = next(m for m in c["volumeMounts"] if m["mountPath"] == "/etc/coredns-tls")
    volume = next(v for v in spec["volumes"] if v["name"] == mount["name"])
    # 0440 and the pod's fsGroup: CoreDNS's non-root user (65532) reads the key, no other user does
    assert volume["secret"] == {"secretName": "coredns-tls", "defaultMode": 0o440}
    assert spec["securityContext"]["fsGroup"] == 65532
    tsc = spec["topologySpreadConstraints"][0]
    assert tsc["labelSelector"] == {"matchLabels": deploy["spec"]["selector"]["matchLabels"]}
    assert deploy["metadata"]["annotations"] == {"team": "platform"}


def test_pod_extras_reach_the_pod():
    values = {**FULL_MIN, "env": [{"name": "GODEBUG", "value": "netdns=go"}],
              "extraVolumes": [{"name": "keys", "emptyDir": {}}],
              "extraVolumeMounts": [{"name": "keys", "mountPath": "/keys"}],
              "initContainers": [{"name": "wait", "image": "busybox:1.37"}],
              "extraContainers": [{"name": "sidecar", "image": "busybox:1.37"}],
              "dnsPolicy": "None", "dnsConfig": {"nameservers": ["10.0.0.1"]},
              "rollingUpdate": {"maxUnavailable": "50%", "maxSurge": 1}, "deploymentAnnotations": {"a": "b"}}
    deploy = one(render(CHART, values=values), "Deployment")
    spec = pod_spec(deploy)
    c = containers(deploy, init=False)
    assert c[0]["env"] == [{"name": "GODEBUG", "value": "netdns=go"}]
    assert {"name": "keys", "mountPath": "/keys"} in c[0]["volumeMounts"]
    assert [x["name"] for x in c] == ["coredns", "sidecar"] and spec["initContainers"][0]["name"] == "wait"
    assert spec["dnsPolicy"] == "None" and spec["dnsConfig"] == {"nameservers": ["10.0.0.1"]}
    assert deploy["spec"]["strategy"]["rollingUpdate"] == {"maxUnavailable": "50%", "maxSurge": 1}
    assert deploy["metadata"]["annotations"] == {"a": "b"}


def test_service_on_a_load_balancer_address():
    svc = one(render(CHART, values_files=OPTIONS), "Service", "kube-dns")
    assert svc["spec"]["type"] == "LoadBalancer"
    assert svc["spec"]["loadBalancerClass"] == "metallb.io/metallb"
    assert svc["spec"]["externalTrafficPolicy"] == "Local"
    assert svc["metadata"]["annotations"]["metallb.io/loadBalancerIPs"] == "10.0.0.53"
    assert svc["metadata"]["annotations"]["prometheus.io/scrape"] == "true"
    assert svc["metadata"]["annotations"]["team"] == "platform"


def test_dual_stack_service():
    values = {**FULL_MIN, "service": {"clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10", "fd00:10:96::a"],
                                      "ipFamilyPolicy": "RequireDualStack", "trafficDistribution": "PreferClose"}}
    svc = one(render(CHART, values=values), "Service", "kube-dns")["spec"]
    assert svc["clusterIPs"] == ["10.96.0.10", "fd00:10:96::a"] and svc["ipFamilyPolicy"] == "RequireDualStack"
    assert svc["trafficDistribution"] == "PreferClose"


def test_metrics_service_selects_the_coredns_pods_of_either_mode():
    svc = one(render(CHART, values_files=OPTIONS), "Service", "coredns-metrics")
    assert svc["spec"]["selector"] == {"k8s-app": "kube-dns"}
    assert svc["spec"]["ports"] == [{"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153}]
    overrides = render(CHART, values={"prometheus": {"service": {"enabled": True}}})
    assert one(overrides, "Service", "coredns-metrics")["spec"]["selector"] == {"k8s-app": "kube-dns"}


def test_hpa_takes_extra_metrics_and_behavior():
    values = {**FULL_MIN, "autoscaling": {"enabled": True, "metrics": [
        {"type": "Pods", "pods": {"metric": {"name": "coredns_dns_requests_per_second"},
                                  "target": {"type": "AverageValue", "averageValue": "1k"}}}],
        "behavior": {"scaleDown": {"stabilizationWindowSeconds": 600}}}}
    hpa = one(render(CHART, values=values), "HorizontalPodAutoscaler")
    assert [m["type"] for m in hpa["spec"]["metrics"]] == ["Resource", "Pods"]
    assert hpa["spec"]["behavior"] == {"scaleDown": {"stabilizationWindowSeconds": 600}}


POD_ERRORS = [
    pytest.param({**FULL_MIN, "dnsPolicy": "ClusterFirst"}, "dnsPolicy is ClusterFirst while forward.to names "
                 "/etc/resolv.conf", id="dns-loop"),
    pytest.param({**FULL_MIN, "dnsPolicy": "None"}, "dnsConfig.nameservers is required with dnsPolicy None",
                 id="none-without-nameservers"),
    pytest.param({**FULL_MIN, "extraVolumeMounts": [{"name": "x", "mountPath": "/etc/coredns"}],
                  "extraVolumes": [{"name": "x", "emptyDir": {}}]}, 'extraVolumeMounts[0].mountPath "/etc/coredns"',
                 id="mount-over-corefile"),
    pytest.param({**FULL_MIN, "extraVolumes": [{"name": "config", "emptyDir": {}}]},
                 'extraVolumes[0].name "config" is the name of the chart\'s own volume', id="volume-name"),
    pytest.param({**FULL_MIN, "extraContainers": [{"name": "coredns", "image": "x:1"}]},
                 'extraContainers[0].name "coredns"', id="container-name"),
    pytest.param({**FULL_MIN, "extraContainers": [{"name": "a", "image": "x:1"}],
                  "initContainers": [{"name": "a", "image": "x:1"}]}, 'initContainers[0].name "a"',
                 id="init-container-name"),
    pytest.param({**FULL_MIN, "env": [{"name": "A", "value": "1"}, {"name": "A", "value": "2"}]},
                 'env[1].name "A" is already set by env[0]', id="env-twice"),
    pytest.param({**FULL_MIN, "service": {"clusterIP": "10.96.0.10", "loadBalancerClass": "metallb.io/x"}},
                 "service.loadBalancerClass is set while service.type is ClusterIP", id="lb-class-on-cluster-ip"),
    pytest.param({**FULL_MIN, "service": {"clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.11"]}},
                 'service.clusterIPs[0] "10.96.0.11" must equal service.clusterIP', id="cluster-ips"),
    pytest.param({"extraContainers": [{"name": "a", "image": "x:1"}]}, "extraContainers is set in mode overrides",
                 id="pod-extras-in-overrides"),
    pytest.param({**FULL_MIN, "extraContainers": [{"name": "a", "image": "x:1", "imagePullPolicyy": "Always"}]},
                 "imagePullPolicyy", id="container-typo"),
    pytest.param({**FULL_MIN, "topologySpreadConstraints": [{"maxSkew": 0, "topologyKey": "zone",
                                                              "whenUnsatisfiable": "DoNotSchedule"}]},
                 "/topologySpreadConstraints/0/maxSkew", id="max-skew-0"),
]


@pytest.mark.parametrize("values,fragment", POD_ERRORS)
def test_pod_option_errors_fail_naming_the_key(values, fragment):
    assert fragment in render_error(CHART, values=values)


# --- the cluster-proportional autoscaler -------------------------------------------------------------


def test_autoscaler_scales_kubeadms_deployment_in_overrides_mode():
    objs = render(CHART, values_files=AUTOSCALER)
    deploy = one(objs, "Deployment", "coredns-autoscaler")
    args = containers(deploy)[0]["args"]
    assert "--target=deployment/coredns" in args and "--namespace=kube-system" in args
    cm = one(objs, "ConfigMap", "coredns-autoscaler")
    assert f"--configmap={cm['metadata']['name']}" in args
    import json
    assert json.loads(cm["data"]["linear"]) == {"coresPerReplica": 256, "nodesPerReplica": 8, "min": 2, "max": 10,
                                                "preventSinglePointFailure": True, "includeUnschedulableNodes": False}
    role = one(objs, "Role", "coredns-autoscaler")
    assert {"apiGroups": ["apps"], "resources": ["deployments/scale"], "resourceNames": ["coredns"],
            "verbs": ["get", "update"]} in role["rules"]
    assert one(objs, "ClusterRole", "system:coredns-autoscaler")["rules"] == [
        {"apiGroups": [""], "resources": ["nodes"], "verbs": ["list", "watch"]}]
    binding = one(objs, "RoleBinding", "coredns-autoscaler")
    assert binding["subjects"][0]["name"] == pod_spec(deploy)["serviceAccountName"]


def test_autoscaler_owns_the_replica_count_in_full_mode():
    values = {**FULL_MIN, "autoscaler": {"enabled": True}}
    assert "replicas" not in one(render(CHART, values=values), "Deployment", "coredns")["spec"]


def test_autoscaler_and_hpa_exclude_each_other():
    values = {**FULL_MIN, "autoscaler": {"enabled": True}, "autoscaling": {"enabled": True}}
    assert "autoscaler.enabled and autoscaling.enabled are both true" in render_error(CHART, values=values)
    values = {"autoscaler": {"enabled": True, "min": 5, "max": 3}}
    assert "autoscaler.min 5 is larger than autoscaler.max 3" in render_error(CHART, values=values)


# --- NetworkPolicy and extra objects -------------------------------------------------------------------


def test_network_policy_admits_dns_from_anywhere_and_reaches_upstreams_and_the_api():
    objs = render(CHART, values_files=OPTIONS)
    policy = one(objs, "NetworkPolicy", "coredns")
    assert policy["spec"]["podSelector"] == {"matchLabels": {"k8s-app": "kube-dns"}}
    ingress = policy["spec"]["ingress"]
    assert ingress[0] == {"ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}
    assert ingress[1]["ports"] == [{"protocol": "TCP", "port": 9153}]
    egress = policy["spec"]["egress"]
    assert {(p["protocol"], p["port"]) for p in egress[0]["ports"]} == {("UDP", 53), ("TCP", 53)}
    assert egress[1] == {"ports": [{"protocol": "TCP", "port": 6443}], "to": [{"ipBlock": {"cidr": "10.0.0.0/24"}}]}
    assert {(p["protocol"], p["port"]) for p in egress[2]["ports"]} == {("TCP", 853), ("UDP", 853)}, "DNS over TLS"


def test_network_policy_covers_kubeadms_pods_in_overrides_mode():
    policy = one(render(CHART, values_files=AUTOSCALER), "NetworkPolicy", "coredns")
    assert policy["metadata"]["namespace"] == "kube-system"
    assert policy["spec"]["podSelector"] == {"matchLabels": {"k8s-app": "kube-dns"}}


def test_extra_objects_and_common_annotations():
    objs = render(CHART, values_files=OPTIONS)
    assert one(objs, "Secret", "coredns-tls")["metadata"]["namespace"] == "kube-system"
    for kind in ("ConfigMap", "Service", "PodDisruptionBudget", "ServiceAccount"):
        for obj in [o for o in objs if o["kind"] == kind and o["metadata"]["name"].startswith(("coredns", "kube-dns"))]:
            assert obj["metadata"]["annotations"]["team"] == "platform", (kind, obj["metadata"]["name"])
    lab = one(render(CHART, values={"commonAnnotations": {"team": "x"}}, values_files=LAB), "ConfigMap", "coredns")
    assert lab["metadata"]["annotations"] == {"helm.sh/resource-policy": "keep", "team": "x"}


def test_autoscaler_pod_settings_reach_its_pod():
    values = {"autoscaler": {"enabled": True, "coresPerReplica": 128, "includeUnschedulableNodes": True,
                             "preventSinglePointFailure": False, "priorityClassName": "lab-critical",
                             "podAnnotations": {"a": "b"}, "nodeSelector": {"role": "infra"},
                             "tolerations": [{"key": "infra", "operator": "Exists"}],
                             "affinity": {"nodeAffinity": {}}, "securityContext": {"runAsGroup": 65535},
                             "livenessProbe": {"periodSeconds": 9}, "customFlags": ["--nodelabels=role=worker"],
                             "extraContainers": [{"name": "side", "image": "busybox:1.37"}],
                             "image": {"registry": "harbor.feng.org", "tag": "v1.9.1"},
                             "resources": {"requests": {"cpu": "5m", "memory": "8Mi"}, "limits": {"memory": "16Mi"}}}}
    objs = render(CHART, values=values)
    deploy = one(objs, "Deployment", "coredns-autoscaler")
    spec = pod_spec(deploy)
    c = containers(deploy)[0]
    assert c["image"] == "harbor.feng.org/cpa/cluster-proportional-autoscaler:v1.9.1"
    assert "--nodelabels=role=worker" in c["args"] and c["livenessProbe"]["periodSeconds"] == 9
    assert c["securityContext"]["runAsGroup"] == 65535 and c["resources"]["limits"] == {"memory": "16Mi"}
    assert spec["priorityClassName"] == "lab-critical" and spec["nodeSelector"]["role"] == "infra"
    assert spec["tolerations"] == [{"key": "infra", "operator": "Exists"}] and spec["affinity"] == {"nodeAffinity": {}}
    assert deploy["spec"]["template"]["metadata"]["annotations"]["a"] == "b"
    assert [x["name"] for x in spec["containers"]] == ["autoscaler", "side"]
    import json
    linear = json.loads(one(objs, "ConfigMap", "coredns-autoscaler")["data"]["linear"])
    assert linear["coresPerReplica"] == 128 and linear["includeUnschedulableNodes"] is True
    assert linear["preventSinglePointFailure"] is False


def test_more_service_and_policy_settings():
    values = {**FULL_MIN, "service": {"clusterIP": "10.96.0.10", "type": "LoadBalancer", "loadBalancerIP": "10.0.0.53",
                                      "externalIPs": ["10.0.0.54"]},
              "prometheus": {"enabled": True, "service": {"enabled": True, "annotations": {"scrape": "yes"}}},
              "networkPolicy": {"enabled": True, "metricsFrom": [{"podSelector": {"matchLabels": {"app": "prom"}}}]},
              "livenessProbe": {"initialDelaySeconds": 30, "timeoutSeconds": 3, "failureThreshold": 2}}
    objs = render(CHART, values=values)
    svc = one(objs, "Service", "kube-dns")["spec"]
    assert svc["loadBalancerIP"] == "10.0.0.53" and svc["externalIPs"] == ["10.0.0.54"]
    assert one(objs, "Service", "coredns-metrics")["metadata"]["annotations"] == {"scrape": "yes"}
    policy = one(objs, "NetworkPolicy", "coredns")
    assert policy["spec"]["ingress"][1]["from"] == [{"podSelector": {"matchLabels": {"app": "prom"}}}]
    probe = containers(one(objs, "Deployment", "coredns"))[0]["livenessProbe"]
    assert (probe["initialDelaySeconds"], probe["timeoutSeconds"], probe["failureThreshold"]) == (30, 3, 2)
