"""Rules the API server and the controllers hold objects to that no OpenAPI schema carries, checked
by charts/common before anything is applied: names that grow from the release name, selector
labels the user's labels can't change, each label or annotation key once, ports taken twice or
already taken on every node, object sizes, cron schedules and certificate lifetimes.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import of_kind, one, pod_spec, render, render_error

LONG = "r" * 53  # the longest release name helm takes

# (chart, values, release, files, fragments the message must carry)
BAD: list[Any] = [
    pytest.param("mysql", {}, LONG, ("charts/mysql/ci/replication-values.yaml",),
                 ("StatefulSet name", "holds 52", "shorter"), id="statefulset-over-52"),
    pytest.param("mysql", {"fullnameOverride": "m" * 53}, "test", (), ("StatefulSet name", "shorten fullnameOverride"),
                 id="statefulset-over-52-by-override"),
    pytest.param("mysql", {"fullnameOverride": "m" * 46, "backup": {"enabled": True}}, "test", (),
                 ("CronJob name", "holds 52"), id="cronjob-over-52"),
    pytest.param("wordpress", {"fullnameOverride": "w" * 56, "mysql": {"enabled": False},
                               "externalDatabase": {"host": "db", "password": "x"}}, "test", (),
                 ("Job name", "holds 63"), id="job-over-63"),
    pytest.param("wordpress", {"fullnameOverride": "wp", "nameOverride": "w" * 60, "mysql": {"enabled": False},
                               "externalDatabase": {"host": "db", "password": "x"}}, "test", (),
                 ("label name", "-install", "shorten nameOverride"), id="label-value-over-63"),
    pytest.param("metrics-server", {}, "1st", (), ("Service name", "starting with a letter"), id="service-leading-digit"),
    pytest.param("nfs-subdir-provisioner", {}, "team.a", ("charts/nfs-subdir-provisioner/ci/lab-values.yaml",),
                 ("Deployment name", "contains a dot"), id="deployment-with-a-dot"),
    pytest.param("mysql", {"podLabels": {"app.kubernetes.io/name": "other"}}, "test", (),
                 ("podLabels.app.kubernetes.io/name", "would replace the label"), id="pod-label-over-selector"),
    pytest.param("mysql", {"commonLabels": {"app.kubernetes.io/instance": "other"}}, "test", (),
                 ("commonLabels.app.kubernetes.io/instance",), id="common-label-over-selector"),
    pytest.param("coredns", {"mode": "full", "service": {"clusterIP": "10.96.0.10"}, "podLabels": {"k8s-app": "dns"}},
                 "test", (), ("podLabels.k8s-app", "would replace"), id="pod-label-over-kubeadm-selector"),
    # the oracle's finds in traefik: Service names from the release, and a rollout that could never progress
    pytest.param("traefik", {}, "1st", (), ("Service name", "1st-traefik", "release name"), id="traefik-service-leading-digit"),
    pytest.param("traefik", {}, "team.a", (), ("team.a-traefik", "release name"), id="traefik-service-dot"),
    pytest.param("traefik", {"deployment": {"minReadySeconds": 600}}, "test", (), ("/deployment/minReadySeconds",),
                 id="traefik-min-ready-not-below-progress-deadline"),
    pytest.param("mysql", {"podAnnotations": {"checksum/config": "pinned"}}, "test", (),
                 ("podAnnotations.checksum/config", "annotation"), id="annotation-over-checksum"),
    pytest.param("ingress-nginx", {"controller": {"service": {"loadBalancerIP": "10.0.0.11", "type": "LoadBalancer",
                                                              "loadBalancerIPVia": "annotation",
                                                              "annotations": {"metallb.io/loadBalancerIPs": "10.0.0.12"}}}},
                 "test", (), ("controller.service.annotations",), id="annotation-over-chart-ip"),
    pytest.param("mysql", {"podAnnotations": {f"a{i}.example.com/k": "x" * 60000 for i in range(5)}}, "test", (),
                 ("podAnnotations", "262144"), id="annotations-over-256k"),
    pytest.param("mysql", {"configuration": "[mysqld]\n" + "# filler\n" * 120000}, "test", (),
                 ("configuration", "1048576"), id="configmap-over-1mib"),
    pytest.param("ingress-nginx", {"controller": {"config": {f"k{i}": "x" * 100000 for i in range(11)}}}, "test", (),
                 ("controller.config", "1 MiB"), id="controller-config-over-1mib"),
    pytest.param("ingress-nginx", {"controller": {"service": {"type": "NodePort",
                                                              "nodePorts": {"http": 30080, "https": 30080}}}},
                 "test", (), ("controller.service.nodePorts.https", "equals controller.service.nodePorts.http"),
                 id="two-ports-one-nodeport"),
    pytest.param("ingress-nginx", {"controller": {"service": {"type": "NodePort", "nodePorts": {"http": 22}}}},
                 "test", (), ("controller.service.nodePorts.http", "sshd"), id="nodeport-on-sshd"),
    pytest.param("ingress-nginx", {"controller": {"tcp": {"9000": "default/app:9000"},
                                                  "service": {"type": "NodePort",
                                                              "nodePorts": {"http": 30080, "tcp": {"9000": 30080}}}}},
                 "test", (), ("controller.service.nodePorts.tcp.9000", "equals"), id="tcp-nodeport-taken"),
    pytest.param("metrics-server", {"hostNetwork": True, "securePort": 10250}, "test", (),
                 ("securePort", "the kubelet"), id="host-port-on-kubelet"),
    pytest.param("metrics-server", {"hostNetwork": True, "securePort": 6443}, "test", (),
                 ("securePort", "kube-apiserver"), id="host-port-on-apiserver"),
    pytest.param("metallb", {"speaker": {"metricsPort": 2379}}, "test", ("charts/metallb/ci/defaults-values.yaml",),
                 ("speaker.metricsPort", "etcd"), id="speaker-on-etcd"),
    pytest.param("mysql", {"backup": {"enabled": True, "schedule": "30-10 * * * *"}}, "test", (),
                 ("backup.schedule", "runs backwards"), id="cron-range-backwards"),
    pytest.param("mysql", {"backup": {"enabled": True, "schedule": "0 3 * * 7"}}, "test", (),
                 ("/backup/schedule", "cron schedule"), id="cron-day-of-week-7"),
    pytest.param("mysql", {"persistence": {"size": "0Gi"}}, "test", (), ("/persistence/size", "above zero"),
                 id="size-zero"),
    pytest.param("mysql", {"persistence": {"size": "1Gb"}}, "test", (), ("/persistence/size",), id="size-unit-gb"),
    pytest.param("mysql", {"resources": {"requests": {"memory": "0.5.1"}}}, "test", (), ("/resources/requests/memory",),
                 id="quantity-two-dots"),
    pytest.param("mysql", {"replication": {"replicas": 2147483648}}, "test", (), ("/replication/replicas",),
                 id="int32-overflow"),
    pytest.param("ingress-nginx", {"controller": {"admissionWebhook": {"certificate": {"validityDays": 200000}}}},
                 "test", (), ("/controller/admissionWebhook/certificate/validityDays", "36500"),
                 id="certificate-validity-overflows-into-the-past"),
    pytest.param("mysql", {"tolerations": [{"key": "a", "operator": "Exists", "value": "b"}]}, "test", (),
                 ("/tolerations/0/value",), id="toleration-exists-with-value"),
    pytest.param("mysql", {"tolerations": [{"operator": "Equal", "value": "x"}]}, "test", (),
                 ("/tolerations/0/operator",), id="toleration-without-key-not-exists"),
    pytest.param("mysql", {"tolerations": [{"key": "a", "tolerationSeconds": 5, "effect": "NoSchedule"}]}, "test", (),
                 ("/tolerations/0/effect",), id="toleration-seconds-without-noexecute"),
    pytest.param("mysql", {"tolerations": [{"key": "a", "effect": "Sometimes"}]}, "test", (),
                 ("/tolerations/0/effect",), id="toleration-unknown-effect"),
    pytest.param("mysql", {"podLabels": {"bad key!": "x"}}, "test", (), ("/podLabels", "bad key!"),
                 id="label-key-named-where-it-is"),
]


@pytest.mark.parametrize(("chart", "values", "release", "files", "fragments"), BAD)
def test_what_the_api_server_would_refuse_fails_naming_the_key(chart: str, values: dict[str, Any], release: str,
                                                               files: tuple[str, ...], fragments: tuple[str, ...]) -> None:
    message = render_error(chart, values, files, release=release)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in:\n{message}"


def _selector(obj: dict[str, Any]) -> dict[str, str]:
    return dict(obj["spec"]["selector"]["matchLabels"])


def test_user_labels_equal_to_the_selector_and_beside_it_render_once() -> None:
    objs = render("mysql", {"podLabels": {"app.kubernetes.io/name": "mysql", "team": "db"},
                            "commonLabels": {"app.kubernetes.io/part-of": "shop", "team": "db"}})
    sts = one(objs, "StatefulSet")
    pod = sts["spec"]["template"]["metadata"]["labels"]
    assert _selector(sts).items() <= pod.items() and pod["team"] == "db"
    assert sts["metadata"]["labels"]["app.kubernetes.io/part-of"] == "shop"  # commonLabels may replace the rest


def test_longest_names_that_fit_still_render() -> None:
    assert render("mysql", {"fullnameOverride": "m" * 52})
    assert render("mysql", {"fullnameOverride": "m" * 41, "backup": {"enabled": True}})  # "-backup" -> 48
    assert render("metrics-server", release="m" * 53)


def test_annotations_merge_into_one_map_with_the_chart_ones() -> None:
    objs = render("mysql", {"podAnnotations": {"example.com/team": "db"}})
    annotations = one(objs, "StatefulSet")["spec"]["template"]["metadata"]["annotations"]
    assert annotations["example.com/team"] == "db" and "checksum/config" in annotations


def test_ports_of_different_protocols_may_share_a_number() -> None:
    values = {"controller": {"tcp": {"9053": "kube-system/dns:53"}, "udp": {"9053": "kube-system/dns:53"},
                             "service": {"type": "NodePort", "nodePorts": {"tcp": {"9053": 30053},
                                                                           "udp": {"9053": 30053}}}}}
    svc = [s for s in of_kind(render("ingress-nginx", values), "Service") if s["spec"]["type"] == "NodePort"][0]
    assert sorted(p["nodePort"] for p in svc["spec"]["ports"] if p.get("nodePort") == 30053) == [30053, 30053]


def test_secret_volumes_keep_their_modes() -> None:
    """The modes the file-mode rules chose reach the pods (tests/test_file_modes.py holds the rule)."""
    spec = pod_spec(one(render("metallb", values_files=("charts/metallb/ci/defaults-values.yaml",)), "DaemonSet")) or {}
    modes = {v["name"]: v["secret"].get("defaultMode") for v in spec["volumes"] if "secret" in v}
    assert modes["memberlist"] == 0o400
