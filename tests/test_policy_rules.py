"""The policy rules themselves, on synthetic objects: each check must be able to fail."""

from __future__ import annotations

from typing import Any

import pytest

from tests.policy import (
    Exception_,
    Violation,
    all_violations,
    cr_pod_violations,
    image_is_pinned,
    unexcused,
)

GOOD_CONTAINER: dict[str, Any] = {
    "name": "app",
    "image": "registry.k8s.io/app:v1.2.3",
    "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"memory": "32Mi"}},
    "livenessProbe": {"tcpSocket": {"port": 80}},
    "readinessProbe": {"tcpSocket": {"port": 80}},
    "securityContext": {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "seccompProfile": {"type": "RuntimeDefault"},
    },
}


def deployment(container: dict[str, Any], **pod: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "ns"},
        "spec": {"template": {"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [container], **pod}}},
    }


def checks(objs: list[dict[str, Any]]) -> set[str]:
    return {v.check for v in all_violations(objs, lambda api, kind: kind != "ClusterRole")}


def test_a_compliant_deployment_has_no_violations() -> None:
    assert checks([deployment(GOOD_CONTAINER)]) == set()


@pytest.mark.parametrize(
    ("change", "check"),
    [
        ({"resources": {}}, "resources"),
        ({"resources": {"requests": {"cpu": "1"}, "limits": {"cpu": "1"}}}, "resources"),
        ({"livenessProbe": None}, "liveness-probe"),
        ({"readinessProbe": None}, "readiness-probe"),
        ({"image": "nginx"}, "pinned-image"),
        ({"image": "nginx:latest"}, "pinned-image"),
        ({"securityContext": {**GOOD_CONTAINER["securityContext"], "allowPrivilegeEscalation": True}},
         "no-privilege-escalation"),
        ({"securityContext": {**GOOD_CONTAINER["securityContext"], "capabilities": {}}}, "drop-all"),
        ({"securityContext": {**GOOD_CONTAINER["securityContext"],
                              "capabilities": {"drop": ["ALL"], "add": ["NET_RAW"]}}}, "added-capabilities"),
        ({"securityContext": {**GOOD_CONTAINER["securityContext"], "privileged": True}}, "privileged"),
        ({"securityContext": {**GOOD_CONTAINER["securityContext"], "runAsUser": 0}}, "run-as-non-root"),
        ({"securityContext": {**GOOD_CONTAINER["securityContext"], "seccompProfile": {"type": "Unconfined"}}},
         "seccomp"),
        ({"securityContext": {**GOOD_CONTAINER["securityContext"], "readOnlyRootFilesystem": False}},
         "read-only-root-fs"),
    ],
)
def test_each_container_check_can_fail(change: dict[str, Any], check: str) -> None:
    container = {k: v for k, v in {**GOOD_CONTAINER, **change}.items() if v is not None}
    assert check in checks([deployment(container)])


def test_net_bind_service_is_the_one_allowed_capability() -> None:
    sc = {**GOOD_CONTAINER["securityContext"], "capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}}
    assert checks([deployment({**GOOD_CONTAINER, "securityContext": sc})]) == set()


def test_pod_level_security_context_counts_for_its_containers() -> None:
    sc = {k: v for k, v in GOOD_CONTAINER["securityContext"].items() if k not in ("runAsNonRoot", "seccompProfile")}
    pod_sc = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
    assert checks([deployment({**GOOD_CONTAINER, "securityContext": sc}, securityContext=pod_sc)]) == set()


def test_host_network_is_flagged() -> None:
    assert "host-namespaces" in checks([deployment(GOOD_CONTAINER, hostNetwork=True)])


def test_rbac_wildcards_are_flagged() -> None:
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "r"},
            "rules": [{"apiGroups": [""], "resources": ["*"], "verbs": ["get"]}]}
    assert checks([role]) == {"rbac-wildcard"}


def test_a_service_selecting_nothing_is_flagged() -> None:
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "ns"},
           "spec": {"selector": {"app": "other"}}}
    assert checks([deployment(GOOD_CONTAINER), svc]) == {"service-selects-pods"}
    svc_ok = {**svc, "spec": {"selector": {"app": "x"}}}
    assert checks([deployment(GOOD_CONTAINER), svc_ok]) == set()


def test_a_service_in_another_namespace_does_not_count() -> None:
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "elsewhere"},
           "spec": {"selector": {"app": "x"}}}
    assert checks([deployment(GOOD_CONTAINER), svc]) == {"service-selects-pods"}


def test_namespaced_objects_need_a_namespace() -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}
    assert checks([cm]) == {"namespace"}


def test_privileged_containers_in_an_operator_pod_template_are_flagged() -> None:
    es = {"apiVersion": "elasticsearch.k8s.elastic.co/v1", "kind": "Elasticsearch", "metadata": {"name": "es"},
          "spec": {"nodeSets": [{"name": "default", "podTemplate": {"spec": {"initContainers": [
              {"name": "sysctl", "securityContext": {"privileged": True, "runAsUser": 0}}]}}}]}}
    assert {v.check for v in cr_pod_violations(es)} == {"privileged", "run-as-non-root"}


def test_images_with_digests_or_tags_are_pinned() -> None:
    assert image_is_pinned("quay.io/a/b:v1@sha256:" + "0" * 64)
    assert image_is_pinned("localhost:5000/a:1.0")
    assert not image_is_pinned("localhost:5000/a")


def test_allowlist_matches_kind_name_container_and_check() -> None:
    entry = Exception_("metallb", "DaemonSet", "*-speaker", "speaker", "host-namespaces", "reason")
    v = Violation("host-namespaces", "DaemonSet", "test-metallb-speaker", "", "hostNetwork: true")
    assert unexcused([v], [entry]) == [v], "a pod-level violation has no container name"
    entry_pod = Exception_("metallb", "DaemonSet", "*-speaker", "*", "host-namespaces", "reason")
    assert unexcused([v], [entry_pod]) == []
    other_check = Exception_("metallb", "DaemonSet", "*-speaker", "*", "privileged", "reason")
    assert unexcused([v], [other_check]) == [v]
