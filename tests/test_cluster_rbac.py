"""Each controller's ServiceAccount, as the API server's RBAC authorizer sees it.

The lab renders' RBAC objects (ServiceAccounts, Roles, ClusterRoles, bindings, aggregation
included) are applied to a fresh control plane; then `kubectl auth can-i --as=<the SA>` answers,
from a table of what the upstream controller needs (the upstream RBAC facts), and from a list of
cluster-wide powers no controller but the one named may hold.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pytest

from tests.cluster_helpers import Kube, Obj
from tests.helpers import render

# one xdist worker runs them one after another: they share (and restart) the control plane
pytestmark = [pytest.mark.cluster, pytest.mark.xdist_group("cluster")]

RBAC_KINDS = {"Namespace", "ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"}

# (chart, values files) rendered for the table below
RENDERS: list[tuple[str, tuple[str, ...]]] = [
    ("platform", ("values/lab.yaml",)),
    ("eck-operator", ("values/apps/eck-operator-lab.yaml",)),
    ("coredns", ("charts/coredns/ci/full-mode-values.yaml",)),
]

# a "need": (verb, resource, where) with where "*" (every namespace or cluster-scoped) or "ns"
# (the controller's own namespace), optionally a resource name
Need = tuple[str, str, str] | tuple[str, str, str, str]

# controller (namespace, workload name) -> what its upstream binary does with the API
NEEDS: dict[tuple[str, str], list[Need]] = {
    ("metallb-system", "test-metallb-controller"): [
        *[(v, "services", "*") for v in ("get", "list", "watch")], ("list", "nodes", "*"),
        ("update", "services/status", "*"), ("create", "events", "*"), ("patch", "events", "*"),
        ("list", "validatingwebhookconfigurations.admissionregistration.k8s.io", "*"),
        ("watch", "customresourcedefinitions.apiextensions.k8s.io", "*"),
        ("update", "validatingwebhookconfigurations.admissionregistration.k8s.io", "*", "metallb-webhook-configuration"),
        ("update", "customresourcedefinitions.apiextensions.k8s.io", "*", "bgppeers.metallb.io"),
        *[(v, "secrets", "ns") for v in ("get", "create", "update")],
        ("get", "deployments.apps", "ns", "test-metallb-controller"),  # its own Deployment (upstream's name there)
        *[(v, "ipaddresspools.metallb.io", "ns") for v in ("get", "list", "watch")],
        ("update", "ipaddresspools.metallb.io/status", "ns"),
    ],
    ("metallb-system", "test-metallb-speaker"): [
        *[(v, r, "*") for v in ("get", "list", "watch") for r in ("services", "endpoints", "nodes", "namespaces",
                                                                   "endpointslices.discovery.k8s.io")],
        ("create", "events", "*"), ("patch", "events", "*"),
        ("create", "servicel2statuses.metallb.io", "*"),
        ("list", "pods", "ns"), *[(v, "configmaps", "ns") for v in ("get", "list", "watch")],
        *[(v, "l2advertisements.metallb.io", "ns") for v in ("get", "list", "watch")],
    ],
    ("ingress-nginx", "test-ingress-nginx-controller"): [
        *[(v, r, "*") for v in ("list", "watch") for r in ("configmaps", "endpoints", "nodes", "pods", "secrets",
                                                           "namespaces", "endpointslices.discovery.k8s.io")],
        ("get", "nodes", "*"), *[(v, "services", "*") for v in ("get", "list", "watch")],
        ("create", "events", "*"), ("patch", "events", "*"),
        *[(v, r, "*") for v in ("get", "list", "watch") for r in ("ingresses.networking.k8s.io",
                                                                   "ingressclasses.networking.k8s.io")],
        ("update", "ingresses.networking.k8s.io/status", "*"),
        ("create", "leases.coordination.k8s.io", "ns"),
    ],
    ("nfs-provisioner", "test-nfs-subdir-provisioner"): [
        *[(v, "nodes", "*") for v in ("get", "list", "watch")],
        *[(v, "persistentvolumes", "*") for v in ("get", "list", "watch", "create", "delete")],
        *[(v, "persistentvolumeclaims", "*") for v in ("get", "list", "watch", "update")],
        *[(v, "storageclasses.storage.k8s.io", "*") for v in ("get", "list", "watch")],
        *[(v, "events", "*") for v in ("create", "update", "patch")],
    ],
    ("tigera-operator", "tigera-operator"): [
        *[(v, "namespaces", "*") for v in ("create", "get", "list", "update", "delete", "watch")],
        *[(v, "secrets", "*") for v in ("get", "list", "watch")],
        *[(v, "clusterroles.rbac.authorization.k8s.io", "*") for v in ("create", "bind", "escalate")],
        *[(v, "daemonsets.apps", "*") for v in ("create", "update", "delete")],
        ("update", "deployments.apps/finalizers", "ns", "tigera-operator"),
        *[(v, "installations.operator.tigera.io", "*") for v in ("get", "list", "update", "patch", "watch")],
        ("create", "tigerastatuses.operator.tigera.io", "*"),
        # (no tokenreviews: the chart sets OPERATOR_SERVICEACCOUNT, so the operator needs no TokenReview)
        ("create", "ippools.crd.projectcalico.org", "*"),
        ("create", "secrets", "ns"),
    ],
    ("elastic-system", "elastic-operator"): [
        ("create", "subjectaccessreviews.authorization.k8s.io", "*"), ("create", "leases.coordination.k8s.io", "ns"),
        ("update", "leases.coordination.k8s.io", "ns", "elastic-operator-leader"),
        *[(v, r, "*") for v in ("get", "list", "watch", "create", "update", "patch", "delete")
          for r in ("pods", "secrets", "services", "configmaps", "statefulsets.apps", "poddisruptionbudgets.policy")],
        *[(v, "elasticsearches.elasticsearch.k8s.elastic.co", "*") for v in ("get", "list", "watch", "update")],
        ("update", "elasticsearches.elasticsearch.k8s.elastic.co/status", "*"),
        ("update", "kibanas.kibana.k8s.elastic.co/finalizers", "*"),
        *[(v, "storageclasses.storage.k8s.io", "*") for v in ("get", "list", "watch")],
        ("create", "validatingwebhookconfigurations.admissionregistration.k8s.io", "*"),
    ],
    ("kube-system", "coredns"): [
        *[(v, r, "*") for v in ("list", "watch") for r in ("endpoints", "services", "pods", "namespaces",
                                                           "endpointslices.discovery.k8s.io")],
    ],
}

# cluster-wide powers, and the only controllers that may hold each
POWERS: list[tuple[tuple[str, ...], frozenset[str]]] = [
    (("*", "*.*"), frozenset()),
    (("impersonate", "users"), frozenset()),
    (("create", "pods/exec"), frozenset()),
    (("delete", "nodes"), frozenset()),
    (("create", "clusterrolebindings.rbac.authorization.k8s.io"), frozenset({"tigera-operator"})),
    (("escalate", "clusterroles.rbac.authorization.k8s.io"), frozenset({"tigera-operator"})),
    (("list", "secrets"), frozenset({"tigera-operator", "test-ingress-nginx-controller", "elastic-operator"})),
    (("delete", "secrets"), frozenset({"elastic-operator"})),
]


def _workloads(objs: list[Obj]) -> dict[tuple[str, str], str]:
    """(namespace, workload name) -> the ServiceAccount its pods run as."""
    found = {}
    for o in objs:
        if o["kind"] in ("Deployment", "DaemonSet", "StatefulSet"):
            spec: dict[str, Any] = o["spec"]["template"]["spec"]
            found[(o["metadata"]["namespace"], o["metadata"]["name"])] = spec.get("serviceAccountName", "default")
    return found


@pytest.fixture(scope="module")
def accounts(fresh: Kube) -> dict[tuple[str, str], str]:
    """The renders' RBAC on a fresh control plane; workload -> `system:serviceaccount:NS:SA`."""
    workloads: dict[tuple[str, str], str] = {}
    for chart, files in RENDERS:
        objs = render(chart, values_files=files)
        # the CRDs first: can-i resolves a custom resource only when its API is served
        crds = [o for o in objs if o["kind"] == "CustomResourceDefinition"]
        if crds:
            fresh.apply(crds, "chartops-test", "--force-conflicts")
            fresh.kubectl("wait", "--for=condition=Established", "--timeout=60s",
                          *(f"crd/{o['metadata']['name']}" for o in crds))
        rbac = [o for o in objs if o["kind"] in RBAC_KINDS]
        namespaces = sorted({o["metadata"]["namespace"] for o in rbac if o["metadata"].get("namespace")})
        for ns in namespaces:
            if not fresh.exists("namespace", ns):
                fresh.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        fresh.apply(rbac, "chartops-test", "--force-conflicts")
        workloads.update(_workloads(objs))
    assert set(NEEDS) <= set(workloads), f"workloads missing from the renders: {set(NEEDS) - set(workloads)}"
    return {w: f"system:serviceaccount:{w[0]}:{sa}" for w, sa in workloads.items() if w in NEEDS}


def _can(kube: Kube, user: str, verb: str, resource: str, where: str, namespace: str, name: str = "") -> bool:
    """What `kubectl auth can-i --as=<user>` asks, as one SubjectAccessReview (no process per question).
    `resource` is `plural[.group][/subresource]`; `name` a resourceName."""
    plural_group, _, sub = resource.partition("/")
    plural, _, group = plural_group.partition(".")
    ns = user.split(":")[2]
    review = {
        "apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
        "spec": {"user": user, "groups": ["system:serviceaccounts", f"system:serviceaccounts:{ns}",
                                          "system:authenticated"],
                 "resourceAttributes": {"verb": verb, "group": group, "resource": plural, "subresource": sub,
                                        "name": name, "namespace": "" if where == "*" else namespace}},
    }
    return bool(_api(str(kube.kubeconfig)).create_subject_access_review(review).status.allowed)  # type: ignore[arg-type]


@lru_cache(maxsize=1)
def _api(kubeconfig: str) -> Any:
    from kubernetes import client, config

    return client.AuthorizationV1Api(config.new_client_from_config(kubeconfig))  # type: ignore[no-untyped-call]


@pytest.mark.parametrize("workload", sorted(NEEDS), ids=lambda w: w[1])
def test_the_controller_can_do_what_upstream_needs(fresh: Kube, accounts: dict[tuple[str, str], str],
                                                   workload: tuple[str, str]) -> None:
    user = accounts[workload]
    missing = [need for need in NEEDS[workload]
               if not _can(fresh, user, need[0], need[1], need[2], workload[0], need[3] if len(need) == 4 else "")]
    assert not missing, f"{workload[1]} ({user}) is forbidden: {missing}"


@pytest.mark.parametrize("workload", sorted(NEEDS), ids=lambda w: w[1])
def test_the_controller_holds_no_cluster_power_it_does_not_need(fresh: Kube, accounts: dict[tuple[str, str], str],
                                                                workload: tuple[str, str]) -> None:
    user = accounts[workload]
    extra = [power for power, allowed in POWERS
             if workload[1] not in allowed and _can(fresh, user, power[0], power[1], "*", workload[0])]
    assert not extra, f"{workload[1]} ({user}) may {extra} cluster-wide"
