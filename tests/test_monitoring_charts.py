"""The charts' monitoring objects, offline: off by default, on with global.monitoring (the umbrella's
one block), wired to the Services and ports they scrape, dashboards that Grafana and promtool accept,
and a clear error naming the key for every input that cannot work."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from chartops.render import Request
from chartops.testbed import builds
from chartops.validate import CRDCatalog, errors
from tests import promql
from tests.helpers import CHARTS, RenderError, containers, of_kind, render, render_error, renderer

MONITORING_KINDS = {"ServiceMonitor", "PodMonitor", "PrometheusRule"}
LIVE = ("--api-versions", "apiregistration.k8s.io/v1")  # what a real API server always serves
OPERATOR_APIS = tuple(a for kind in ("ServiceMonitor", "PodMonitor", "PrometheusRule")
                      for a in ("--api-versions", f"monitoring.coreos.com/v1/{kind}"))
PLATFORM_COMPONENTS = ["metallb", "ingress-nginx", "coredns", "calico", "metrics-server"]
REQUIRED = {"mysql": {"auth": {"database": "wp", "username": "wp"}}}


def _dashboards(objs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [o for o in of_kind(objs, "ConfigMap") if (o["metadata"].get("labels") or {}).get("grafana_dashboard")]


def _render_live(chart: str, values: dict[str, Any], *apis: str) -> list[dict[str, Any]]:
    return renderer().render(Request(CHARTS / chart, values, extra_args=LIVE + apis))


@pytest.mark.parametrize("chart", sorted(promql.ALL_ON))
def test_monitoring_is_off_by_default(chart: str) -> None:
    objs = render(chart, REQUIRED.get(chart))
    assert not [o for o in objs if o["kind"] in MONITORING_KINDS] and not _dashboards(objs)


def test_global_monitoring_turns_on_every_platform_component_with_the_shared_labels() -> None:
    objs = render("platform", {"global": {"monitoring": {"enabled": True, "interval": "20s",
                                                         "labels": {"release": "kps"}}}},
                  values_files=["values/lab.yaml"])
    monitoring = [o for o in objs if o["kind"] in MONITORING_KINDS] + _dashboards(objs)
    charts = {o["metadata"]["labels"]["app.kubernetes.io/name"] for o in monitoring}
    assert charts == set(PLATFORM_COMPONENTS)
    assert all(o["metadata"]["labels"]["release"] == "kps" for o in monitoring)
    for sm in of_kind(objs, "ServiceMonitor"):
        assert {e["interval"] for e in sm["spec"]["endpoints"]} == {"20s"}, sm["metadata"]["name"]
    assert {o["metadata"]["labels"]["app.kubernetes.io/name"] for o in _dashboards(objs)} == set(PLATFORM_COMPONENTS)
    # the metrics endpoints the monitors scrape are turned on with them
    nginx = [c for o in objs for c in containers(o) if o["kind"] == "Deployment" and c["name"] == "controller"
             and "ingress-nginx" in o["metadata"]["name"]]
    assert "--enable-metrics=true" in nginx[0]["args"]
    felix = one_named(objs, "FelixConfiguration", "default")
    assert felix["spec"]["prometheusMetricsEnabled"] is True


def one_named(objs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [o for o in of_kind(objs, kind) if o["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)}"
    return found[0]


def test_global_monitoring_can_leave_the_dashboards_out() -> None:
    objs = render("platform", {"global": {"monitoring": {"enabled": True, "dashboards": False}}},
                  values_files=["values/lab.yaml"])
    assert of_kind(objs, "ServiceMonitor") and not _dashboards(objs)


def test_global_monitoring_turns_on_traefik_as_the_front_door() -> None:
    objs = render("platform", {"global": {"monitoring": {"enabled": True, "labels": {"release": "kps"},
                                                         "interval": "20s"}}},
                  values_files=["values/lab.yaml", "values/lab-traefik-cutover.yaml"])
    traefik = [o for o in objs if (o["kind"] in MONITORING_KINDS or o in _dashboards(objs))
               and o["metadata"]["labels"]["app.kubernetes.io/name"] == "traefik"]
    assert sorted(o["kind"] for o in traefik) == ["ConfigMap", "PrometheusRule", "ServiceMonitor"]
    assert all(o["metadata"]["labels"]["release"] == "kps" for o in traefik)
    monitor = next(o for o in traefik if o["kind"] == "ServiceMonitor")
    assert [e.get("interval") for e in monitor["spec"]["endpoints"]] == ["20s"]  # the shared interval reaches it
    assert all("scrapeTimeout" not in e for e in monitor["spec"]["endpoints"])  # Prometheus's own, below it


def test_traefik_monitors_stay_off_while_traefik_serves_no_metrics() -> None:
    objs = render("traefik", {"global": {"monitoring": {"enabled": True}}, "metrics": {"enabled": False}})
    assert not [o for o in objs if o["kind"] in MONITORING_KINDS]


# --- each monitor finds what it scrapes ---

def _matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


SCRAPED_SERVICES = {  # chart: values turning on its monitors, where the chart renders the Service itself
    "metallb": {"prometheus": {"serviceMonitor": {"enabled": True}}},
    "eck-operator": {"config": {"metrics": {"port": 9090}}, "serviceMonitor": {"enabled": True}},
    "ingress-nginx": {"controller": {"metrics": {"enabled": True, "serviceMonitor": {"enabled": True}}}},
    "metrics-server": {"metrics": {"enabled": True}, "serviceMonitor": {"enabled": True}},
    "mysql": {"auth": {"database": "wp", "username": "wp"}, "metrics": {"enabled": True,
                                                                         "serviceMonitor": {"enabled": True}}},
    "elasticsearch": {"metrics": {"enabled": True, "serviceMonitor": {"enabled": True}}},
    "coredns": {"mode": "full", "service": {"clusterIP": "10.96.0.10"}, "prometheus": {"monitor": {"enabled": True}}},
    "calico": {"metrics": {"felix": {"enabled": True}}, "serviceMonitor": {"enabled": True}},
    "traefik": {"metrics": {"serviceMonitor": {"enabled": True}}},
}


@pytest.mark.parametrize("chart", sorted(SCRAPED_SERVICES))
def test_each_service_monitor_selects_a_service_port_that_reaches_a_container_port(chart: str) -> None:
    objs = render(chart, SCRAPED_SERVICES[chart])
    monitors = of_kind(objs, "ServiceMonitor")
    assert monitors
    services = of_kind(objs, "Service")
    pods = [o for o in objs if o["kind"] in {"Deployment", "StatefulSet", "DaemonSet"}]
    checked = 0
    for sm in monitors:
        namespaces = sm["spec"]["namespaceSelector"]["matchNames"]
        found = [s for s in services if s["metadata"].get("namespace") in namespaces
                 and _matches(sm["spec"]["selector"]["matchLabels"], s["metadata"].get("labels") or {})]
        if not found and (sm["spec"]["selector"]["matchLabels"].get("k8s-app") or "").startswith("calico-"):
            continue  # Typha's and kube-controllers' Services are the operator's
        assert len(found) == 1, f"{sm['metadata']['name']} selects {len(found)} Services"
        svc = found[0]
        for endpoint in sm["spec"]["endpoints"]:
            port = [p for p in svc["spec"]["ports"] if p.get("name") == endpoint["port"]]
            assert port, f"{sm['metadata']['name']}: Service {svc['metadata']['name']} has no port {endpoint['port']}"
            target = port[0]["targetPort"]
            if svc["spec"]["selector"].get("k8s-app") == "calico-node":
                continue  # calico-node is the operator's DaemonSet
            workloads = [w for w in pods if _matches(svc["spec"]["selector"],
                                                     w["spec"]["template"]["metadata"]["labels"])]
            assert workloads, f"Service {svc['metadata']['name']} selects no pod template"
            ports = [p for w in workloads for c in containers(w, init=False) for p in c.get("ports") or []]
            assert any(target in (p.get("name"), p["containerPort"]) for p in ports), \
                f"{svc['metadata']['name']}: targetPort {target} is no container port"
            checked += 1
    assert checked or chart == "calico"


def test_metallb_pod_monitors_select_the_controller_and_speaker_pods_by_their_port() -> None:
    objs = render("metallb", {"prometheus": {"podMonitor": {"enabled": True,
                                                            "bearerTokenSecret": {"name": "scrape-token"}}}})
    assert not of_kind(objs, "ServiceMonitor")
    for pm in of_kind(objs, "PodMonitor"):
        workloads = [w for w in objs if w["kind"] in {"Deployment", "DaemonSet"}
                     and _matches(pm["spec"]["selector"]["matchLabels"], w["spec"]["template"]["metadata"]["labels"])]
        assert len(workloads) == 1, pm["metadata"]["name"]
        names = {p.get("name") for c in containers(workloads[0]) for p in c.get("ports") or []}
        endpoint = pm["spec"]["podMetricsEndpoints"][0]
        assert endpoint["port"] in names
        assert endpoint["authorization"]["credentials"] == {"name": "scrape-token", "key": "token"}


def test_metallb_scraper_rbac_grants_metrics_to_the_named_prometheus() -> None:
    objs = render("metallb", {"prometheus": {"serviceMonitor": {"enabled": True}, "rbacPrometheus": True,
                                             "serviceAccount": "kps-prometheus", "namespace": "monitoring"}})
    role = of_kind(objs, "ClusterRole")
    assert {"nonResourceURLs": ["/metrics"], "verbs": ["get"]} in [r for o in role for r in o["rules"]]
    for binding in of_kind(objs, "ClusterRoleBinding") + of_kind(objs, "RoleBinding"):
        if binding["metadata"]["name"].endswith("-prometheus"):
            assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "kps-prometheus",
                                            "namespace": "monitoring"}]


def test_mysql_exporter_user_stays_least_privileged() -> None:
    lib = (CHARTS / "mysql" / "files" / "lib.sh").read_text()
    grant = [line for line in lib.splitlines() if "GRANT" in line and "PROCESS" in line]
    assert grant and "ALL" not in grant[0] and "SUPER" not in grant[0]


def test_elasticsearch_exporter_logs_in_as_a_monitor_only_user() -> None:
    objs = render("elasticsearch", {"clusterName": "logs", "metrics": {"enabled": True}})
    roles = yaml.safe_load(one_named(objs, "Secret", "logs-metrics-roles")["stringData"]["roles.yml"])
    assert roles == {"logs-metrics": {"cluster": ["monitor"], "indices": [{"names": ["*"], "privileges": ["monitor"]}]}}
    user = one_named(objs, "Secret", "logs-metrics-user")
    assert user["type"] == "kubernetes.io/basic-auth"
    auth = of_kind(objs, "Elasticsearch")[0]["spec"]["auth"]
    assert auth == {"roles": [{"secretName": "logs-metrics-roles"}], "fileRealm": [{"secretName": "logs-metrics-user"}]}
    env = {e["name"]: e for e in containers(one_named(objs, "Deployment", "logs-metrics"))[0]["env"]}
    assert env["ES_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "logs-metrics-user", "key": "password"}


# --- dashboards ---

DASHBOARD_CHARTS = sorted(c for c in promql.ALL_ON if promql.dashboard_json(c))


def test_every_platform_component_ships_a_dashboard() -> None:
    assert set(PLATFORM_COMPONENTS) <= set(DASHBOARD_CHARTS)


@pytest.mark.parametrize("chart", DASHBOARD_CHARTS)
def test_dashboards_are_grafana_dashboards(chart: str) -> None:
    for d in promql.dashboard_json(chart):
        assert d["title"] and d["uid"] and isinstance(d["schemaVersion"], int)
        variables = {v["name"]: v for v in d["templating"]["list"]}
        assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
        ids = [p["id"] for p in promql._panels(d["panels"])]
        assert len(ids) == len(set(ids)), "panel ids repeat"
        for p in promql._panels(d["panels"]):
            assert {"h", "w", "x", "y"} <= set(p["gridPos"]), p["title"]
            if p["type"] == "row":
                continue
            assert p["datasource"]["uid"] == "${datasource}" and p["targets"], p["title"]
            assert len({t["refId"] for t in p["targets"]}) == len(p["targets"])


def test_dashboard_uids_are_unique_across_charts() -> None:
    uids = [d["uid"] for c in DASHBOARD_CHARTS for d in promql.dashboard_json(c)]
    assert len(uids) == len(set(uids))


def _promtool_parses(exprs: list[str], folder: Path) -> subprocess.CompletedProcess[str]:
    rules = {"groups": [{"name": "parse", "rules": [{"record": f"chartops:expr_{i}", "expr": e}
                                                     for i, e in enumerate(exprs)]}]}
    (folder / "exprs.yaml").write_text(yaml.safe_dump(rules))
    return subprocess.run([str(builds.path("promtool")), "check", "rules", "exprs.yaml"], cwd=folder,
                          capture_output=True, text=True, check=False, timeout=120)


@pytest.mark.parametrize("chart", sorted(promql.ALL_ON))
def test_every_promql_expression_of_rules_and_dashboards_parses(chart: str, tmp_path: Path) -> None:
    exprs = promql.chart_expressions(chart)
    assert exprs, f"{chart} renders no rule or dashboard with everything on"
    proc = _promtool_parses(exprs, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_broken_expression_fails_the_parse(tmp_path: Path) -> None:
    proc = _promtool_parses(["sum(rate(coredns_dns_requests_total[5m])"], tmp_path)
    assert proc.returncode != 0


def test_metric_names_come_out_of_expressions() -> None:
    expr = ('sum by (pool) (rate(a_total{pool!~"x|y", job="j"}[5m])) / on (pool) group_left b '
            'or absent(up{namespace="n"}) > bool 0.5')
    assert promql.metric_names(expr) == {"a_total", "b", "up"}


# --- bad input: one clear error naming the key ---

BAD: list[tuple[str, dict[str, Any], str]] = [
    ("metallb", {"prometheus": {"serviceMonitor": {"enabled": True, "interval": "5 minutes"}}},
     "prometheus/serviceMonitor/interval"),
    ("coredns", {"prometheus": {"monitor": {"enabled": True, "scrapeTimeout": "10"}}},
     "prometheus/monitor/scrapeTimeout"),
    ("ingress-nginx", {"controller": {"metrics": {"enabled": True, "serviceMonitor": {"enabled": True,
                                                                                       "interval": "1x"}}}},
     "controller/metrics/serviceMonitor/interval"),
    ("platform", {"global": {"monitoring": {"interval": "soon"}}}, "global/monitoring/interval"),
    # a Go duration Traefik would take, but the ServiceMonitor CRD refuses
    ("traefik", {"metrics": {"serviceMonitor": {"enabled": True, "interval": "1.5s"}}},
     "metrics/serviceMonitor/interval"),
    ("traefik", {"metrics": {"serviceMonitor": {"enabled": True, "scrapeTimeout": "500us"}}},
     "metrics/serviceMonitor/scrapeTimeout"),
    ("metallb", {"prometheus": {"prometheusRule": {"enabled": True, "labels": {"team-name": "x"}}}},
     "prometheus.prometheusRule.labels.team-name is not a valid Prometheus label name"),
    ("eck-operator", {"prometheusRule": {"enabled": True, "extraRules": [
        {"alert": "X", "expr": "up == 0", "labels": {"1st": "x"}}]}},
     "prometheusRule.extraRules[0].labels.1st is not a valid Prometheus label name"),
    ("coredns", {"prometheus": {"prometheusRule": {"enabled": True, "disabled": {"CoreDNSPanic": True}}}},
     "prometheus.prometheusRule.disabled.CoreDNSPanic is no alert of this chart"),
    ("coredns", {"prometheus": {"monitor": {"enabled": True, "selector": {"app": "dns"}}}},
     "prometheus.monitor.selector matches nothing"),
    ("coredns", {"prometheus": {"enabled": False, "monitor": {"enabled": True}}},
     "prometheus.monitor.enabled needs prometheus.enabled"),
    ("metallb", {"prometheus": {"serviceMonitor": {"enabled": True}, "podMonitor": {"enabled": True}}},
     "prometheus.podMonitor.enabled and prometheus.serviceMonitor.enabled are both true"),
    ("metallb", {"prometheus": {"serviceMonitor": {"enabled": True}, "rbacPrometheus": True}},
     "prometheus.serviceAccount is required"),
    ("metallb", {"prometheus": {"prometheusRule": {"enabled": True, "excludePools": "(a"}}},
     "prometheus.prometheusRule.excludePools"),
    ("eck-operator", {"serviceMonitor": {"enabled": True}}, "config.metrics.port is 0"),
    ("eck-operator", {"config": {"metrics": {"port": 9090, "secure": True}}, "podMonitor": {"enabled": True}},
     "podMonitor.enabled needs config.metrics.secure: false"),
    ("ingress-nginx", {"controller": {"metrics": {"serviceMonitor": {"enabled": True}}}},
     "controller.metrics.serviceMonitor.enabled needs controller.metrics.enabled"),
    ("metrics-server", {"serviceMonitor": {"enabled": True}}, "serviceMonitor.enabled needs metrics.enabled"),
    ("mysql", {"auth": {"database": "wp", "username": "wp"}, "metrics": {"prometheusRule": {"enabled": True}}},
     "metrics.prometheusRule.enabled needs metrics.enabled"),
    ("traefik", {"metrics": {"enabled": False, "prometheusRule": {"enabled": True}}},
     "metrics.prometheusRule.enabled needs metrics.enabled"),
    ("traefik", {"metrics": {"addServicesLabels": False, "prometheusRule": {"enabled": True}}},
     "metrics.addServicesLabels is false, so the alert TraefikService5xxRatioHigh (asked for by "
     "metrics.prometheusRule.enabled) could never fire"),
    ("traefik", {"global": {"monitoring": {"enabled": True}}, "metrics": {"addServicesLabels": False}},
     "(asked for by global.monitoring.enabled)"),
    ("traefik", {"metrics": {"prometheusRule": {"enabled": True, "errorRatio": 1.5}}},
     "metrics/prometheusRule/errorRatio"),
    ("traefik", {"metrics": {"prometheusRule": {"enabled": True, "errorRatio": 0}}},
     "metrics/prometheusRule/errorRatio"),
    ("traefik", {"metrics": {"prometheusRule": {"enabled": True, "minRequestRate": -1}}},
     "metrics/prometheusRule/minRequestRate"),
    ("traefik", {"metrics": {"prometheusRule": {"enabled": True, "certificateExpiryDays": 0}}},
     "metrics/prometheusRule/certificateExpiryDays"),
    ("traefik", {"metrics": {"prometheusRule": {"enabled": True, "disabled": {"TraefikReloadFailed": True}}}},
     "metrics.prometheusRule.disabled.TraefikReloadFailed is no alert of this chart"),
    ("traefik", {"dashboards": {"enabled": True, "namespace": "Not_A_Namespace"}}, "dashboards/namespace"),
]


@pytest.mark.parametrize("chart, values, message", BAD, ids=[f"{c}-{m[:40]}" for c, _, m in BAD])
def test_bad_monitoring_input_is_refused_naming_the_key(chart: str, values: dict[str, Any], message: str) -> None:
    files = ["values/lab.yaml"] if chart == "platform" else []
    assert message in render_error(chart, values, values_files=files)


WITHOUT_CRDS: list[tuple[str, dict[str, Any], str]] = [
    ("metallb", {"prometheus": {"serviceMonitor": {"enabled": True}}}, "prometheus.serviceMonitor.enabled"),
    ("metallb", {"prometheus": {"podMonitor": {"enabled": True}}}, "prometheus.podMonitor.enabled"),
    ("metallb", {"prometheus": {"prometheusRule": {"enabled": True}}}, "prometheus.prometheusRule.enabled"),
    ("coredns", {"prometheus": {"monitor": {"enabled": True}}}, "prometheus.monitor.enabled"),
    ("eck-operator", {"config": {"metrics": {"port": 9090}}, "serviceMonitor": {"enabled": True}},
     "serviceMonitor.enabled"),
    ("metrics-server", {"global": {"monitoring": {"enabled": True}}}, "global.monitoring.enabled"),
    ("traefik", {"metrics": {"prometheusRule": {"enabled": True}}}, "metrics.prometheusRule.enabled"),
    ("traefik", {"metrics": {"serviceMonitor": {"enabled": True}}}, "metrics.serviceMonitor.enabled"),
]


@pytest.mark.parametrize("chart, values, key", WITHOUT_CRDS, ids=[f"{c}-{k}" for c, _, k in WITHOUT_CRDS])
def test_a_monitor_without_its_crd_on_a_live_cluster_says_what_to_install(chart: str, values: dict[str, Any],
                                                                          key: str) -> None:
    with pytest.raises(RenderError) as err:
        _render_live(chart, values)
    assert f"{key} asks for a" in err.value.stderr
    assert "install the Prometheus Operator's CRDs" in err.value.stderr


@pytest.mark.parametrize("chart, values, key", WITHOUT_CRDS, ids=[f"{c}-{k}" for c, _, k in WITHOUT_CRDS])
def test_a_monitor_with_its_crd_on_a_live_cluster_renders(chart: str, values: dict[str, Any], key: str) -> None:
    objs = _render_live(chart, values, *OPERATOR_APIS)
    assert [o for o in objs if o["kind"] in MONITORING_KINDS]


def test_rule_labels_reach_every_alert_and_disabled_alerts_are_left_out() -> None:
    objs = render("coredns", {"prometheus": {"prometheusRule": {
        "enabled": True, "labels": {"team": "dns"}, "disabled": {"CoreDNSPanics": True},
        "extraRules": [{"alert": "Mine", "expr": "vector(1)", "labels": {"severity": "info"}}]}}})
    rules = [r for g in of_kind(objs, "PrometheusRule")[0]["spec"]["groups"] for r in g["rules"]]
    names = [r["alert"] for r in rules]
    assert "CoreDNSPanics" not in names and "CoreDNSDown" in names and "Mine" in names
    assert all(r["labels"]["team"] == "dns" for r in rules if r["alert"] != "Mine")


def test_dashboard_json_is_the_charts_file() -> None:
    objs = render("metallb", {"dashboards": {"enabled": True, "annotations": {"grafana_folder": "Platform"}}})
    cm = _dashboards(objs)[0]
    assert cm["metadata"]["annotations"] == {"grafana_folder": "Platform"}
    assert json.loads(cm["data"]["metallb.json"]) == json.loads(
        (CHARTS / "metallb" / "files" / "dashboards" / "metallb.json").read_text())


# --- the objects against the Prometheus Operator's own CRDs (from its Go module, as the cluster test installs them) ---

WITH_PODMONITORS = {"metallb": {"prometheus": {"podMonitor": {"enabled": True, "bearerTokenSecret": {"name": "t"}}}},
                    "eck-operator": {"config": {"metrics": {"port": 9090}}, "podMonitor": {"enabled": True}}}


@pytest.fixture(scope="module")
def operator_crds() -> CRDCatalog:
    from chartops.testbed.controllers import monitoring

    catalog = CRDCatalog()
    catalog.extend(monitoring.crds(kinds=("servicemonitors", "podmonitors", "prometheusrules")))
    return catalog


@pytest.mark.parametrize("chart", sorted(promql.ALL_ON))
def test_monitoring_objects_validate_against_the_operators_crds(chart: str, operator_crds: CRDCatalog) -> None:
    objs = promql.render_all_on(chart) + (render(chart, WITH_PODMONITORS[chart]) if chart in WITH_PODMONITORS else [])
    checked = [o for o in objs if o["kind"] in MONITORING_KINDS]
    assert checked
    problems = [f"{o['kind']}/{o['metadata']['name']}: {e}" for o in checked for e in errors(o, operator_crds)]
    assert not problems, "\n".join(problems)
