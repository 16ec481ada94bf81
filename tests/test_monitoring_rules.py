"""Every alert the charts ship, unit-tested with `promtool test rules`: input series where it must
fire (with the labels on-call gets) and where it must stay quiet. Offline, in the default test run.

The rules are the charts' rendered PrometheusRules (with a `team` label added through the chart's
`labels` value, which every alert must carry). Annotations are left out of the unit tests (promtool
compares them verbatim); `promtool check rules` parses their templates, and a test below checks that
each alert says what to do.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from chartops.testbed import builds
from tests.helpers import CHARTS as CHARTS_DIR
from tests.helpers import of_kind, render

TEAM = {"team": "platform"}


@dataclass(frozen=True)
class Chart:
    chart: str
    namespace: str
    values: dict[str, Any]
    release: str = "test"


CHARTS = {
    "metallb": Chart("metallb", "metallb-system", {
        "prometheus": {"prometheusRule": {"enabled": True, "labels": TEAM, "excludePools": "reserved"}}}),
    "coredns": Chart("coredns", "kube-system", {"prometheus": {"prometheusRule": {"enabled": True, "labels": TEAM}}}),
    "eck-operator": Chart("eck-operator", "elastic-system", {"prometheusRule": {"enabled": True, "labels": TEAM}}),
    "ingress-nginx": Chart("ingress-nginx", "ingress-nginx", {"controller": {"metrics": {
        "enabled": True, "prometheusRule": {"enabled": True, "labels": TEAM}}}}),
    "metrics-server": Chart("metrics-server", "kube-system", {"prometheusRule": {"enabled": True, "labels": TEAM}}),
    "mysql": Chart("mysql", "apps", {"auth": {"database": "wp", "username": "wp"}, "architecture": "replication",
                                     "metrics": {"enabled": True, "prometheusRule": {"enabled": True, "labels": TEAM}}},
                   release="db"),
    "calico": Chart("calico", "tigera-operator", {"prometheusRule": {"enabled": True, "labels": TEAM}}),
    "elasticsearch": Chart("elasticsearch", "demo", {"clusterName": "logs", "metrics": {
        "enabled": True, "prometheusRule": {"enabled": True, "labels": TEAM}}}),
    "traefik": Chart("traefik", "edge", {"metrics": {"prometheusRule": {"enabled": True, "labels": TEAM}}}),
}


@dataclass(frozen=True)
class Case:
    """Series (selector -> promtool values) and the alerts expected at `at` (labels, severity and team
    added); an empty `fires` means the alert must stay quiet."""

    alert: str
    series: dict[str, str]
    fires: list[dict[str, str]] = field(default_factory=list)
    at: str = "20m"


def _pool(ns: str, pool: str, in_use: int, total: int) -> dict[str, str]:
    return {f'metallb_allocator_addresses_in_use_total{{namespace="{ns}", pod="c", pool="{pool}"}}': f"{in_use}x30",
            f'metallb_allocator_addresses_total{{namespace="{ns}", pod="c", pool="{pool}"}}': f"{total}x30"}


M = "metallb-system"
CTRL_UP = f'up{{namespace="{M}", container="controller", pod="c", job="m-controller-metrics"}}'
SPK_UP = f'up{{namespace="{M}", container="speaker", pod="s1", job="m-speaker-metrics"}}'
K = "kube-system"
DNS_UP = f'up{{namespace="{K}", container="coredns", pod="d1", job="kube-dns"}}'
E = "elastic-system"


def _rcodes(servfail: str, noerror: str) -> dict[str, str]:
    return {f'coredns_dns_responses_total{{namespace="{K}", pod="d1", rcode="SERVFAIL"}}': servfail,
            f'coredns_dns_responses_total{{namespace="{K}", pod="d1", rcode="NOERROR"}}': noerror}


def _forward(servfail: str, noerror: str) -> dict[str, str]:
    s = 'coredns_proxy_request_duration_seconds_count{namespace="kube-system", pod="d1", proxy_name="forward", to="10.0.0.1:53"'
    return {f'{s}, rcode="SERVFAIL"}}': servfail, f'{s}, rcode="NOERROR"}}': noerror}


NGINX = "ingress-nginx"
C = "calico-system"
PRIMARY = "db-mysql-0"


def _requests(errors: str, ok: str) -> dict[str, str]:
    s = f'nginx_ingress_controller_requests{{controller_namespace="{NGINX}", exported_namespace="shop", ingress="web"'
    return {f'{s}, status="503"}}': errors, f'{s}, status="200"}}': ok}


T = "edge"
TRAEFIK_UP = f'up{{namespace="{T}", container="traefik", pod="t1"}}'
SHOP = "shop-web-80@kubernetes"


def _service(errors: str, ok: str, namespace: str = T) -> dict[str, str]:
    s = f'traefik_service_requests_total{{namespace="{namespace}", service="{SHOP}", method="GET", protocol="http"'
    return {f'{s}, code="503"}}': errors, f'{s}, code="200"}}': ok}


def _cert(serial: str, days: int) -> dict[str, str]:
    return {f'traefik_tls_certs_not_after{{namespace="{T}", pod="t1", cn="shop.feng.org", sans="shop.feng.org", '
            f'serial="{serial}"}}': f"{days * 86400}x30"}


def _health(color: str) -> dict[str, str]:
    return {f'elasticsearch_cluster_health_status{{namespace="demo", cluster="logs", color="{c}"}}':
            "1x30" if c == color else "0x30" for c in ("green", "yellow", "red")}


CASES: dict[str, list[Case]] = {
    "metallb": [
        Case("MetalLBConfigNotLoaded",
             {f'metallb_k8s_client_config_loaded_bool{{namespace="{M}", pod="c"}}': "0x30"},
             [{"namespace": M, "pod": "c", "severity": "warning"}]),
        Case("MetalLBConfigNotLoaded", {f'metallb_k8s_client_config_loaded_bool{{namespace="{M}", pod="c"}}': "1x30"}),
        # a configuration loaded 3 minutes ago is not 5 minutes unloaded
        Case("MetalLBConfigNotLoaded",
             {f'metallb_k8s_client_config_loaded_bool{{namespace="{M}", pod="c"}}': "1x16 0x4"}),
        Case("MetalLBStaleConfig", {f'metallb_k8s_client_config_stale_bool{{namespace="{M}", pod="s1"}}': "1x30"},
             [{"namespace": M, "pod": "s1", "severity": "warning"}]),
        Case("MetalLBStaleConfig", {f'metallb_k8s_client_config_stale_bool{{namespace="{M}", pod="s1"}}': "0x30"}),
        Case("MetalLBAddressPoolExhausted", _pool(M, "lab-pool", 40, 40),
             [{"namespace": M, "pool": "lab-pool", "severity": "critical"}]),
        Case("MetalLBAddressPoolExhausted", _pool(M, "lab-pool", 39, 40)),
        Case("MetalLBAddressPoolExhausted", _pool(M, "reserved", 1, 1)),  # excludePools
        Case("MetalLBAddressPoolExhausted", _pool("other", "lab-pool", 40, 40)),  # another MetalLB's pool
        Case("MetalLBAddressPoolUsage75Percent", _pool(M, "lab-pool", 31, 40),
             [{"namespace": M, "pool": "lab-pool", "severity": "warning"}]),
        Case("MetalLBAddressPoolUsage75Percent", _pool(M, "lab-pool", 30, 40)),
        Case("MetalLBAddressPoolUsage85Percent", _pool(M, "lab-pool", 35, 40),
             [{"namespace": M, "pool": "lab-pool", "severity": "warning"}]),
        Case("MetalLBAddressPoolUsage85Percent", _pool(M, "lab-pool", 34, 40)),
        Case("MetalLBAddressPoolUsage95Percent", _pool(M, "lab-pool", 39, 40),
             [{"namespace": M, "pool": "lab-pool", "severity": "critical"}]),
        Case("MetalLBAddressPoolUsage95Percent", _pool(M, "lab-pool", 38, 40)),
        Case("MetalLBAllocationFailures",
             {f'metallb_k8s_client_update_errors_total{{namespace="{M}", container="controller", pod="c"}}':
              "0x10 1 2 3 3 3"},
             [{"namespace": M, "container": "controller", "pod": "c", "severity": "warning"}], at="14m"),
        Case("MetalLBAllocationFailures",
             {f'metallb_k8s_client_update_errors_total{{namespace="{M}", container="controller", pod="c"}}': "3x30"}),
        Case("MetalLBAllocationFailures",  # the speaker's update errors are not allocations
             {f'metallb_k8s_client_update_errors_total{{namespace="{M}", container="speaker", pod="s1"}}':
              "0x10 1 2 3 3 3"}, at="14m"),
        Case("MetalLBControllerDown", {CTRL_UP: "0x30"},
             [{"namespace": M, "container": "controller", "pod": "c", "job": "m-controller-metrics",
               "severity": "critical"}]),
        Case("MetalLBControllerDown", {SPK_UP: "1x30"},  # no controller target at all
             [{"namespace": M, "container": "controller", "severity": "critical"}]),
        Case("MetalLBControllerDown", {CTRL_UP: "1x30"}),
        Case("MetalLBSpeakerDown", {SPK_UP: "0x30"},
             [{"namespace": M, "container": "speaker", "pod": "s1", "job": "m-speaker-metrics", "severity": "warning"}]),
        Case("MetalLBSpeakerDown", {SPK_UP: "1x30"}),
        Case("MetalLBSpeakerDown", {SPK_UP: "1x16 0x4"}),  # down 3 minutes: not yet
        Case("MetalLBBGPSessionDown",
             {f'metallb_bgp_session_up{{namespace="{M}", pod="s1", peer="10.0.0.1:179"}}': "0x30"},
             [{"namespace": M, "pod": "s1", "peer": "10.0.0.1:179", "severity": "critical"}]),
        Case("MetalLBBGPSessionDown",
             {f'metallb_bgp_session_up{{namespace="{M}", pod="s1", peer="10.0.0.1:179"}}': "1x30"}),
    ],
    "coredns": [
        Case("CoreDNSDown", {DNS_UP: "0x30"},
             [{"namespace": K, "container": "coredns", "pod": "d1", "job": "kube-dns", "severity": "critical"}]),
        Case("CoreDNSDown", {}, [{"namespace": K, "container": "coredns", "severity": "critical"}]),
        Case("CoreDNSDown", {DNS_UP: "1x30"}),
        # 10 SERVFAIL of 100 answers a minute: 10 % > 3 %
        Case("CoreDNSServfailRatioHigh", _rcodes("0+10x30", "0+90x30"), [{"namespace": K, "severity": "warning"}]),
        Case("CoreDNSServfailRatioHigh", _rcodes("0+1x30", "0+99x30")),  # 1 %
        Case("CoreDNSPanics", {f'coredns_panics_total{{namespace="{K}", pod="d1"}}': "0x10 1 1 1"},
             [{"namespace": K, "pod": "d1", "severity": "critical"}], at="12m"),
        Case("CoreDNSPanics", {f'coredns_panics_total{{namespace="{K}", pod="d1"}}': "2x30"}),
        Case("CoreDNSForwardErrorsHigh", _forward("0+20x30", "0+80x30"),
             [{"namespace": K, "to": "10.0.0.1:53", "severity": "warning"}]),
        Case("CoreDNSForwardErrorsHigh", _forward("0+1x30", "0+99x30")),
        Case("CoreDNSForwardHealthcheckFailures",
             {f'coredns_proxy_healthcheck_failures_total{{namespace="{K}", pod="d1", proxy_name="forward", '
              'to="10.0.0.1:53"}': "0+2x30"},
             [{"namespace": K, "to": "10.0.0.1:53", "severity": "warning"}]),
        Case("CoreDNSForwardHealthcheckFailures",
             {f'coredns_proxy_healthcheck_failures_total{{namespace="{K}", pod="d1", proxy_name="forward", '
              'to="10.0.0.1:53"}': "5x30"}),
        Case("CoreDNSForwardAllUpstreamsDown",
             {f'coredns_forward_healthcheck_broken_total{{namespace="{K}", pod="d1"}}': "0x10 1 1"},
             [{"namespace": K, "pod": "d1", "severity": "critical"}], at="11m"),
        Case("CoreDNSForwardAllUpstreamsDown",
             {f'coredns_forward_healthcheck_broken_total{{namespace="{K}", pod="d1"}}': "1x30"}),
    ],
    "eck-operator": [
        Case("ECKOperatorDown", {f'up{{namespace="{E}", container="manager", pod="o-0", job="o-metrics"}}': "0x30"},
             [{"namespace": E, "container": "manager", "pod": "o-0", "job": "o-metrics", "severity": "critical"}]),
        Case("ECKOperatorDown", {}, [{"namespace": E, "container": "manager", "severity": "critical"}]),
        Case("ECKOperatorDown", {f'up{{namespace="{E}", container="manager", pod="o-0", job="o-metrics"}}': "1x30"}),
        Case("ECKOperatorReconcileErrors",
             {f'controller_runtime_reconcile_errors_total{{namespace="{E}", container="manager", pod="o-0", '
              'controller="elasticsearch-controller"}': "0+1x40"},
             [{"namespace": E, "controller": "elasticsearch-controller", "severity": "warning"}], at="30m"),
        Case("ECKOperatorReconcileErrors",  # a burst of errors that stops is no alert
             {f'controller_runtime_reconcile_errors_total{{namespace="{E}", container="manager", pod="o-0", '
              'controller="elasticsearch-controller"}': "0+1x5 5x40"}, at="30m"),
    ],
    "ingress-nginx": [
        Case("NginxIngressControllerDown", {f'up{{namespace="{NGINX}", container="controller", pod="c1"}}': "0x30"},
             [{"namespace": NGINX, "container": "controller", "pod": "c1", "severity": "critical"}]),
        Case("NginxIngressControllerDown", {}, [{"namespace": NGINX, "container": "controller", "severity": "critical"}]),
        Case("NginxIngressControllerDown", {f'up{{namespace="{NGINX}", container="controller", pod="c1"}}': "1x30"}),
        # 10 of 60 requests a minute fail: 17 % > 5 %
        Case("NginxIngress5xxRatioHigh", _requests("0+10x30", "0+50x30"),
             [{"exported_namespace": "shop", "ingress": "web", "severity": "warning"}]),
        Case("NginxIngress5xxRatioHigh", _requests("0+1x30", "0+99x30")),  # 1 %
        Case("NginxIngress5xxRatioHigh", _requests("0+1x30", "0+1x30")),  # 50 %, but 2 requests a minute
        Case("NginxIngressCertificateExpiring",
             {f'nginx_ingress_controller_ssl_expire_time_seconds{{controller_namespace="{NGINX}", host="shop.feng.org"}}':
              f"{10 * 86400}x30"},
             [{"host": "shop.feng.org", "severity": "warning"}]),
        Case("NginxIngressCertificateExpiring",
             {f'nginx_ingress_controller_ssl_expire_time_seconds{{controller_namespace="{NGINX}", host="shop.feng.org"}}':
              f"{60 * 86400}x30"}),
        Case("NginxIngressConfigReloadFailed",
             {f'nginx_ingress_controller_config_last_reload_successful{{controller_namespace="{NGINX}", controller_pod="c1"}}':
              "0x30"}, [{"controller_pod": "c1", "severity": "critical"}]),
        Case("NginxIngressConfigReloadFailed",
             {f'nginx_ingress_controller_config_last_reload_successful{{controller_namespace="{NGINX}", controller_pod="c1"}}':
              "1x30"}),
    ],
    "metrics-server": [
        Case("MetricsServerDown", {f'up{{namespace="{K}", container="metrics-server", pod="ms"}}': "0x30"},
             [{"namespace": K, "container": "metrics-server", "pod": "ms", "severity": "critical"}]),
        Case("MetricsServerDown", {}, [{"namespace": K, "container": "metrics-server", "severity": "critical"}]),
        Case("MetricsServerDown", {f'up{{namespace="{K}", container="metrics-server", pod="ms"}}': "1x30"}),
        Case("MetricsAPIUnavailable",
             {'aggregator_unavailable_apiservice{name="v1beta1.metrics.k8s.io", instance="10.0.0.201:6443"}': "1x30"},
             [{"name": "v1beta1.metrics.k8s.io", "severity": "critical"}]),
        Case("MetricsAPIUnavailable",
             {'aggregator_unavailable_apiservice{name="v1beta1.metrics.k8s.io", instance="10.0.0.201:6443"}': "0x30",
              'aggregator_unavailable_apiservice{name="v1.other.io", instance="10.0.0.201:6443"}': "1x30"}),
    ],
    "mysql": [
        Case("MySQLPrimaryUnreachable", {f'mysql_up{{namespace="apps", pod="{PRIMARY}"}}': "0x30",
                                         f'up{{namespace="apps", pod="{PRIMARY}"}}': "1x30"},
             [{"namespace": "apps", "pod": PRIMARY, "severity": "critical"}]),
        Case("MySQLPrimaryUnreachable", {f'up{{namespace="apps", pod="{PRIMARY}"}}': "0x30"},
             [{"namespace": "apps", "pod": PRIMARY, "severity": "critical"}]),
        Case("MySQLPrimaryUnreachable", {}, [{"namespace": "apps", "pod": PRIMARY, "severity": "critical"}]),
        Case("MySQLPrimaryUnreachable", {f'mysql_up{{namespace="apps", pod="{PRIMARY}"}}': "1x30",
                                         f'up{{namespace="apps", pod="{PRIMARY}"}}': "1x30",
                                         'mysql_up{namespace="apps", pod="db-mysql-1"}': "0x30"}),
        Case("MySQLInstanceDown", {'mysql_up{namespace="apps", pod="db-mysql-1"}': "0x30"},
             [{"namespace": "apps", "pod": "db-mysql-1", "severity": "warning"}]),
        Case("MySQLInstanceDown", {f'mysql_up{{namespace="apps", pod="{PRIMARY}"}}': "0x30"}),  # the primary's own alert
        # MySQL 8.4 reports SHOW REPLICA STATUS columns, older servers SHOW SLAVE STATUS ones
        Case("MySQLReplicationIOThreadStopped",
             {'mysql_slave_status_replica_io_running{namespace="apps", pod="db-mysql-1"}': "0x30"},
             [{"namespace": "apps", "pod": "db-mysql-1", "severity": "critical"}]),
        Case("MySQLReplicationIOThreadStopped",
             {'mysql_slave_status_slave_io_running{namespace="apps", pod="db-mysql-2"}': "0x30"},
             [{"namespace": "apps", "pod": "db-mysql-2", "severity": "critical"}]),
        Case("MySQLReplicationIOThreadStopped",
             {'mysql_slave_status_replica_io_running{namespace="apps", pod="db-mysql-1"}': "1x30"}),
        Case("MySQLReplicationSQLThreadStopped",
             {'mysql_slave_status_replica_sql_running{namespace="apps", pod="db-mysql-1"}': "0x30"},
             [{"namespace": "apps", "pod": "db-mysql-1", "severity": "critical"}]),
        Case("MySQLReplicationSQLThreadStopped",
             {'mysql_slave_status_replica_sql_running{namespace="apps", pod="db-mysql-1"}': "1x30"}),
        Case("MySQLReplicationLag",
             {'mysql_slave_status_seconds_behind_source{namespace="apps", pod="db-mysql-1"}': "45x30"},
             [{"namespace": "apps", "pod": "db-mysql-1", "severity": "warning"}]),
        Case("MySQLReplicationLag",
             {'mysql_slave_status_seconds_behind_source{namespace="apps", pod="db-mysql-1"}': "30x30"}),
    ],
    "calico": [
        Case("CalicoFelixDown", {f'up{{namespace="{C}", service="calico-felix-metrics", instance="10.0.0.211:9091"}}':
                                 "0x30"},
             [{"namespace": C, "service": "calico-felix-metrics", "instance": "10.0.0.211:9091",
               "severity": "critical"}]),
        Case("CalicoFelixDown", {f'up{{namespace="{C}", service="calico-felix-metrics", instance="10.0.0.211:9091"}}':
                                 "1x30"}),
        Case("CalicoFelixDataplaneFailures",
             {f'felix_int_dataplane_failures{{namespace="{C}", instance="10.0.0.211:9091"}}': "0+1x30"},
             [{"namespace": C, "instance": "10.0.0.211:9091", "severity": "warning"}]),
        Case("CalicoFelixDataplaneFailures",
             {f'felix_int_dataplane_failures{{namespace="{C}", instance="10.0.0.211:9091"}}': "3x30"}),
        Case("CalicoKubeControllersDown", {},
             [{"namespace": C, "service": "calico-kube-controllers-metrics", "severity": "warning"}]),
        Case("CalicoKubeControllersDown",
             {f'up{{namespace="{C}", service="calico-kube-controllers-metrics", pod="kc"}}': "1x30"}),
        Case("CalicoIPPoolNearlyFull", {f'ipam_allocations_in_use{{namespace="{C}", ippool="default", node="w1"}}': "950x30",
                                        f'ipam_ippool_size{{namespace="{C}", ippool="default"}}': "1000x30"},
             [{"ippool": "default", "severity": "warning"}]),
        Case("CalicoIPPoolNearlyFull", {f'ipam_allocations_in_use{{namespace="{C}", ippool="default", node="w1"}}': "500x30",
                                        f'ipam_ippool_size{{namespace="{C}", ippool="default"}}': "1000x30"}),
    ],
    "traefik": [
        Case("TraefikDown", {TRAEFIK_UP: "0x30"},
             [{"namespace": T, "container": "traefik", "pod": "t1", "severity": "critical"}]),
        Case("TraefikDown", {}, [{"namespace": T, "container": "traefik", "severity": "critical"}]),
        Case("TraefikDown", {TRAEFIK_UP: "1x30"}),
        Case("TraefikDown", {TRAEFIK_UP: "1x16 0x4"}),  # down 3 minutes: not yet
        Case("TraefikDown", {TRAEFIK_UP: "1x30", 'up{namespace="other", container="traefik", pod="x"}': "0x30"}),
        # 10 of 60 requests a minute fail: 17 % > 5 %
        Case("TraefikService5xxRatioHigh", _service("0+10x30", "0+50x30"), [{"service": SHOP, "severity": "warning"}]),
        Case("TraefikService5xxRatioHigh", _service("0+1x30", "0+99x30")),  # 1 %
        Case("TraefikService5xxRatioHigh", _service("0+1x30", "0+1x30")),  # 50 %, but 2 requests a minute
        Case("TraefikService5xxRatioHigh", _service("0+10x30", "0+50x30", namespace="other")),  # another Traefik
        Case("TraefikCertificateExpiring", _cert("01", 10), [{"cn": "shop.feng.org", "sans": "shop.feng.org",
                                                             "severity": "warning"}]),
        Case("TraefikCertificateExpiring", _cert("01", 60)),
        # renewed: the old certificate's series lingers beside the new one of the same names
        Case("TraefikCertificateExpiring", {**_cert("01", 10), **_cert("02", 90)}),
    ],
    "elasticsearch": [
        Case("ElasticsearchClusterNotGreen", _health("yellow"),
             [{"namespace": "demo", "cluster": "logs", "severity": "warning"}]),
        Case("ElasticsearchClusterNotGreen", _health("green")),
        Case("ElasticsearchClusterRed", _health("red"), [{"namespace": "demo", "cluster": "logs", "severity": "critical"}]),
        Case("ElasticsearchClusterRed", _health("yellow")),
        # a down exporter reports no health either: both halves fire
        Case("ElasticsearchExporterDown", {'up{namespace="demo", service="logs-metrics", pod="x"}': "0x30"},
             [{"namespace": "demo", "service": "logs-metrics", "pod": "x", "severity": "warning"},
              {"namespace": "demo", "cluster": "logs", "severity": "warning"}]),
        # the exporter answers, but without the cluster's health (it cannot reach or log in to Elasticsearch)
        Case("ElasticsearchExporterDown", {'up{namespace="demo", service="logs-metrics", pod="x"}': "1x30"},
             [{"namespace": "demo", "cluster": "logs", "severity": "warning"}]),
        Case("ElasticsearchExporterDown", {'up{namespace="demo", service="logs-metrics", pod="x"}': "1x30",
             **_health("green")}),
    ],
}


def rule_groups(chart: str) -> list[dict[str, Any]]:
    c = CHARTS[chart]
    rules = of_kind(render(c.chart, c.values, namespace=c.namespace, release=c.release), "PrometheusRule")
    assert rules, f"{chart} renders no PrometheusRule"
    return [g for r in rules for g in r["spec"]["groups"]]


def alerts(chart: str) -> list[dict[str, Any]]:
    return [r for g in rule_groups(chart) for r in g["rules"] if "alert" in r]


def promtool(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(builds.path("promtool")), *args], cwd=cwd, capture_output=True, text=True,
                          check=False, timeout=120)


def write_rules(chart: str, folder: Path, annotations: bool = True) -> Path:
    groups = rule_groups(chart)
    if not annotations:
        groups = [{**g, "rules": [{k: v for k, v in r.items() if k != "annotations"} for r in g["rules"]]}
                  for g in groups]
    path = folder / f"{chart}-rules.yaml"
    path.write_text(yaml.safe_dump({"groups": groups}, sort_keys=False))
    return path


def unit_tests(chart: str, rules: Path) -> dict[str, Any]:
    tests = []
    for case in CASES[chart]:
        tests.append({
            "name": f"{case.alert}: {'fires' if case.fires else 'quiet'}",
            "interval": "1m",
            "input_series": [{"series": s, "values": v} for s, v in case.series.items()],
            "alert_rule_test": [{"eval_time": case.at, "alertname": case.alert,
                                 "exp_alerts": [{"exp_labels": {**labels, **TEAM}} for labels in case.fires]}],
        })
    return {"rule_files": [rules.name], "evaluation_interval": "1m", "tests": tests}


@pytest.mark.parametrize("chart", sorted(CHARTS))
def test_rules_load_in_promtool(chart: str, tmp_path: Path) -> None:
    """promtool parses every expression and annotation template, as Prometheus would at load."""
    proc = promtool("check", "rules", write_rules(chart, tmp_path).name, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("chart", sorted(CHARTS))
def test_every_alert_fires_and_stays_quiet_when_it_should(chart: str, tmp_path: Path) -> None:
    rules = write_rules(chart, tmp_path, annotations=False)
    (tmp_path / "tests.yaml").write_text(yaml.safe_dump(unit_tests(chart, rules), sort_keys=False))
    proc = promtool("test", "rules", "tests.yaml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]


@pytest.mark.parametrize("chart", sorted(CHARTS))
def test_every_alert_has_a_firing_and_a_quiet_case(chart: str) -> None:
    names = {a["alert"] for a in alerts(chart)}
    firing = {c.alert for c in CASES[chart] if c.fires}
    quiet = {c.alert for c in CASES[chart] if not c.fires}
    assert names == firing, f"alerts without a firing case: {names - firing}; cases of no alert: {firing - names}"
    assert names <= quiet, f"alerts without a quiet case: {names - quiet}"


@pytest.mark.parametrize("chart", sorted(CHARTS))
def test_every_alert_says_what_to_do(chart: str) -> None:
    for alert in alerts(chart):
        notes = alert.get("annotations", {})
        assert notes.get("summary"), alert["alert"]
        assert notes.get("runbook_url") or len(notes.get("description", "")) > 80, alert["alert"]
        assert alert["labels"]["severity"] in {"critical", "warning", "info"}, alert["alert"]


def test_a_broken_alert_fails_its_unit_test(tmp_path: Path) -> None:
    """The harness of these tests can fail: a threshold moved by one breaks the pool-usage case."""
    rules = write_rules("metallb", tmp_path, annotations=False)
    text = rules.read_text().replace("> 75", "> 80")
    assert text != rules.read_text()
    rules.write_text(text)
    (tmp_path / "tests.yaml").write_text(yaml.safe_dump(unit_tests("metallb", rules), sort_keys=False))
    proc = promtool("test", "rules", "tests.yaml", cwd=tmp_path)
    assert proc.returncode != 0 and "MetalLBAddressPoolUsage75Percent" in proc.stdout + proc.stderr


def test_traefik_thresholds_come_from_the_values(tmp_path: Path) -> None:
    """errorRatio, minRequestRate and certificateExpiryDays move the alerts: the same series that fire
    with the defaults stay quiet with looser values, and a 20-day certificate fires with 30 days."""
    values = {"metrics": {"prometheusRule": {"enabled": True, "labels": TEAM, "errorRatio": 0.2,
                                             "minRequestRate": 2, "certificateExpiryDays": 30}}}
    groups = [g for r in of_kind(render("traefik", values, namespace=T), "PrometheusRule") for g in r["spec"]["groups"]]
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml.safe_dump({"groups": [{**g, "rules": [{k: v for k, v in r.items() if k != "annotations"}
                                                                for r in g["rules"]]} for g in groups]}))
    cases = [Case("TraefikService5xxRatioHigh", _service("0+10x30", "0+50x30")),  # 17 % < 20 %
             Case("TraefikService5xxRatioHigh", _service("0+30x30", "0+60x30"),  # 33 %, 1.5 requests/s < 2
                  ),
             Case("TraefikService5xxRatioHigh", _service("0+60x30", "0+120x30"),  # 33 % of 3 requests/s
                  [{"service": SHOP, "severity": "warning"}]),
             Case("TraefikCertificateExpiring", _cert("01", 20), [{"cn": "shop.feng.org", "sans": "shop.feng.org",
                                                                  "severity": "warning"}])]
    tests = {"rule_files": [rules.name], "evaluation_interval": "1m", "tests": [
        {"interval": "1m", "input_series": [{"series": k, "values": v} for k, v in c.series.items()],
         "alert_rule_test": [{"eval_time": c.at, "alertname": c.alert,
                              "exp_alerts": [{"exp_labels": {**labels, **TEAM}} for labels in c.fires]}]}
        for c in cases]}
    (tmp_path / "tests.yaml").write_text(yaml.safe_dump(tests, sort_keys=False))
    proc = promtool("test", "rules", "tests.yaml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]


@pytest.mark.parametrize("chart", sorted(CHARTS))
def test_every_alert_is_in_the_charts_readme(chart: str) -> None:
    readme = (CHARTS_DIR / chart / "README.md").read_text()
    section = readme.split("## Monitoring", 1)[-1]
    missing = [a["alert"] for a in alerts(chart) if f"`{a['alert']}`" not in section
               and not a["alert"].startswith("MetalLBAddressPoolUsage")]
    assert not missing, f"charts/{chart}/README.md's Alerts table lacks {missing}"
