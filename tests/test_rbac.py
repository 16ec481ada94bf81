"""Each controller's RBAC, rule by rule, against what the upstream charts grant
(their ClusterRoles and Roles at the appVersion each chart pins).

A dropped verb or resource is a controller that fails at run time with "forbidden"
(often only on the code path that needs it); an added one is a privilege nobody
reviewed. So each table is exact: every (apiGroup, resource, resourceName, verb) the
role grants, no more, no less. MetalLB's table lives in test_metallb.py.

Also checked for every chart: each binding points at a role the chart renders (or a
documented built-in one) and at a ServiceAccount that a workload of the chart runs as.
"""

from __future__ import annotations

from typing import Any

import pytest

from chartops.charts import scenarios
from tests.helpers import of_kind, pod_spec, render

RELEASE = "test"

# (chart, values files, kind, name) -> "apiGroups | resources | resourceNames (* = any) | verbs", one rule a line
ROLES: dict[tuple[str, tuple[str, ...], str, str], str] = {
    ("calico", ('charts/calico/ci/chart-pools-values.yaml',), "ClusterRole", "tigera-operator-secrets"): """
        "" | secrets | * | create,update,delete
    """,
    ("calico", ('charts/calico/ci/chart-pools-values.yaml',), "ClusterRole", "tigera-operator"): """
        apiextensions.k8s.io | customresourcedefinitions | * | get,list,watch
        "" | namespaces,pods,podtemplates,services,endpoints,events,configmaps,serviceaccounts | * | create,get,list,update,delete,watch
        "" | secrets,resourcequotas | * | get,list,watch
        "" | resourcequotas | calico-critical-pods,tigera-critical-pods | create,get,list,watch,update,patch,delete
        "" | nodes | * | get,list,watch,patch
        rbac.authorization.k8s.io | clusterroles,clusterrolebindings,roles,rolebindings | * | create,get,list,update,delete,watch,bind,escalate
        apps | deployments,daemonsets,statefulsets | * | create,get,list,watch,update,patch,delete
        apps | deployments/finalizers | tigera-operator | update
        operator.tigera.io | installations,installations/status,installations/finalizers,apiservers,apiservers/status,apiservers/finalizers,imagesets,tigerastatuses,tigerastatuses/status,tigerastatuses/finalizers,whiskers,whiskers/status,whiskers/finalizers,goldmanes,goldmanes/status,goldmanes/finalizers,gatewayapis,gatewayapis/status,gatewayapis/finalizers,istios,istios/status,istios/finalizers,managementclusterconnections,managementclusterconnections/status,managementclusterconnections/finalizers | * | get,list,update,patch,watch
        operator.tigera.io | tigerastatuses | * | create,delete
        operator.tigera.io | installations,apiservers,whiskers,goldmanes | * | delete
        crd.projectcalico.org,projectcalico.org | felixconfigurations,bgpconfigurations,ippools | * | create,patch,get,list,watch
        crd.projectcalico.org,projectcalico.org | kubecontrollersconfigurations,clusterinformations,ipamconfigurations | * | get,list,watch
        projectcalico.org | ippools | * | create,get,list,watch,update,patch,delete
        projectcalico.org | tiers | * | create,get,list,watch
        projectcalico.org | tiers | calico-system | create,get,list,watch,update,patch,delete
        projectcalico.org | networkpolicies,globalnetworkpolicies,networksets,globalnetworksets,tier.networkpolicies,tier.globalnetworkpolicies | * | create,get,list,watch,update,patch,delete
        networking.k8s.io | networkpolicies | * | create,get,list,watch,update,patch,delete
        policy | poddisruptionbudgets | * | create,get,list,watch,update,patch,delete
        scheduling.k8s.io | priorityclasses | * | create,get,list,watch,update,patch,delete
        storage.k8s.io | csidrivers | * | create,get,list,watch,update,patch,delete
        admissionregistration.k8s.io | validatingwebhookconfigurations,mutatingwebhookconfigurations,validatingadmissionpolicies,validatingadmissionpolicybindings,mutatingadmissionpolicies,mutatingadmissionpolicybindings | * | create,get,list,watch,delete,update
        apiregistration.k8s.io | apiservices | * | list,watch,create,update,delete
        coordination.k8s.io | leases | * | get,list,watch,create,update,delete
        discovery.k8s.io | endpointslices | * | get,list,watch
        certificates.k8s.io | certificatesigningrequests | * | list,watch
        batch | jobs | * | create,list,watch
        autoscaling | horizontalpodautoscalers | * | create,get,list,watch
        gateway.networking.k8s.io | gatewayclasses | * | create,get,list,watch,update,patch,delete
        gateway.envoyproxy.io | envoyproxies | * | create,get,list,watch,update,patch,delete
    """,
    ("coredns", ('charts/coredns/ci/full-hpa-values.yaml',), "ClusterRole", "system:coredns"): """
        "" | endpoints,services,pods,namespaces | * | list,watch
        discovery.k8s.io | endpointslices | * | list,watch
    """,
    ("eck-operator", ('charts/eck-operator/ci/defaults-values.yaml',), "ClusterRole", "{release}-eck-operator-edit"): """
        elasticsearch.k8s.elastic.co | elasticsearches | * | create,delete,deletecollection,patch,update
        kibana.k8s.elastic.co | kibanas | * | create,delete,deletecollection,patch,update
        apm.k8s.elastic.co | apmservers | * | create,delete,deletecollection,patch,update
        enterprisesearch.k8s.elastic.co | enterprisesearches | * | create,delete,deletecollection,patch,update
        beat.k8s.elastic.co | beats | * | create,delete,deletecollection,patch,update
        agent.k8s.elastic.co | agents | * | create,delete,deletecollection,patch,update
        maps.k8s.elastic.co | elasticmapsservers | * | create,delete,deletecollection,patch,update
        logstash.k8s.elastic.co | logstashes | * | create,delete,deletecollection,patch,update
        stackconfigpolicy.k8s.elastic.co | stackconfigpolicies | * | create,delete,deletecollection,patch,update
        autoscaling.k8s.elastic.co | elasticsearchautoscalers | * | create,delete,deletecollection,patch,update
        autoops.k8s.elastic.co | autoopsagentpolicies | * | create,delete,deletecollection,patch,update
        packageregistry.k8s.elastic.co | packageregistries | * | create,delete,deletecollection,patch,update
    """,
    ("eck-operator", ('charts/eck-operator/ci/defaults-values.yaml',), "ClusterRole", "{release}-eck-operator-view"): """
        elasticsearch.k8s.elastic.co | elasticsearches | * | get,list,watch
        kibana.k8s.elastic.co | kibanas | * | get,list,watch
        apm.k8s.elastic.co | apmservers | * | get,list,watch
        enterprisesearch.k8s.elastic.co | enterprisesearches | * | get,list,watch
        beat.k8s.elastic.co | beats | * | get,list,watch
        agent.k8s.elastic.co | agents | * | get,list,watch
        maps.k8s.elastic.co | elasticmapsservers | * | get,list,watch
        logstash.k8s.elastic.co | logstashes | * | get,list,watch
        stackconfigpolicy.k8s.elastic.co | stackconfigpolicies | * | get,list,watch
        autoscaling.k8s.elastic.co | elasticsearchautoscalers | * | get,list,watch
        autoops.k8s.elastic.co | autoopsagentpolicies | * | get,list,watch
        packageregistry.k8s.elastic.co | packageregistries | * | get,list,watch
    """,
    ("eck-operator", ('charts/eck-operator/ci/defaults-values.yaml',), "ClusterRole", "{release}-eck-operator"): """
        "" | pods,events,persistentvolumeclaims,secrets,services,configmaps | * | get,list,watch,create,update,patch,delete
        "" | endpoints | * | get,list,watch
        events.k8s.io | events | * | get,list,watch,create,update,patch,delete
        apps | deployments,statefulsets,daemonsets | * | get,list,watch,create,update,patch,delete
        policy | poddisruptionbudgets | * | get,list,watch,create,update,patch,delete
        elasticsearch.k8s.elastic.co | elasticsearches,elasticsearches/status,elasticsearches/finalizers | * | get,list,watch,create,update,patch
        kibana.k8s.elastic.co | kibanas,kibanas/status,kibanas/finalizers | * | get,list,watch,create,update,patch
        apm.k8s.elastic.co | apmservers,apmservers/status,apmservers/finalizers | * | get,list,watch,create,update,patch
        enterprisesearch.k8s.elastic.co | enterprisesearches,enterprisesearches/status,enterprisesearches/finalizers | * | get,list,watch,create,update,patch
        beat.k8s.elastic.co | beats,beats/status,beats/finalizers | * | get,list,watch,create,update,patch
        agent.k8s.elastic.co | agents,agents/status,agents/finalizers | * | get,list,watch,create,update,patch
        maps.k8s.elastic.co | elasticmapsservers,elasticmapsservers/status,elasticmapsservers/finalizers | * | get,list,watch,create,update,patch
        logstash.k8s.elastic.co | logstashes,logstashes/status,logstashes/finalizers | * | get,list,watch,create,update,patch
        stackconfigpolicy.k8s.elastic.co | stackconfigpolicies,stackconfigpolicies/status,stackconfigpolicies/finalizers | * | get,list,watch,create,update,patch
        autoscaling.k8s.elastic.co | elasticsearchautoscalers,elasticsearchautoscalers/status,elasticsearchautoscalers/finalizers | * | get,list,watch,create,update,patch
        autoops.k8s.elastic.co | autoopsagentpolicies,autoopsagentpolicies/status,autoopsagentpolicies/finalizers | * | get,list,watch,create,update,patch
        packageregistry.k8s.elastic.co | packageregistries,packageregistries/status,packageregistries/finalizers | * | get,list,watch,create,update,patch,delete,deletecollection
        authorization.k8s.io | subjectaccessreviews | * | create
        "" | namespaces | * | get,list,watch
        storage.k8s.io | storageclasses | * | get,list,watch
        "" | nodes | * | get,list,watch
        admissionregistration.k8s.io | validatingwebhookconfigurations | * | get,list,watch,create,update,patch,delete
    """,
    ("eck-operator", ('charts/eck-operator/ci/defaults-values.yaml',), "Role", "{release}-eck-operator-leader-election"): """
        coordination.k8s.io | leases | * | create
        coordination.k8s.io | leases | elastic-operator-leader | get,watch,update
    """,
    ("ingress-nginx", ('charts/ingress-nginx/ci/daemonset-values.yaml',), "ClusterRole", "{release}-ingress-nginx"): """
        "" | configmaps,endpoints,nodes,pods,secrets,namespaces | * | list,watch
        "" | nodes | * | get
        "" | services | * | get,list,watch
        networking.k8s.io | ingresses,ingressclasses | * | get,list,watch
        networking.k8s.io | ingresses/status | * | update
        discovery.k8s.io | endpointslices | * | list,watch,get
        coordination.k8s.io | leases | * | list,watch
        "" | events | * | create,patch
    """,
    ("ingress-nginx", ('charts/ingress-nginx/ci/daemonset-values.yaml',), "Role", "{release}-ingress-nginx"): """
        "" | namespaces | * | get
        "" | configmaps,pods,secrets,endpoints,services | * | get,list,watch
        coordination.k8s.io | leases | test-ingress-nginx-leader | get,update
        coordination.k8s.io | leases | * | create
        "" | events | * | create,patch
    """,
    ("metrics-server", ('charts/metrics-server/ci/defaults-values.yaml',), "ClusterRole", "system:aggregated-metrics-reader"): """
        metrics.k8s.io | pods,nodes | * | get,list,watch
    """,
    ("metrics-server", ('charts/metrics-server/ci/defaults-values.yaml',), "ClusterRole", "system:metrics-server"): """
        "" | nodes/metrics | * | get
        "" | pods,nodes | * | get,list,watch
    """,
    ("mysql", ('charts/mysql/ci/backup-values.yaml',), "Role", "{release}-mysql"): """
        "" | pods | test-mysql-0,test-mysql-1,test-mysql-2 | get,patch
    """,
    ("nfs-subdir-provisioner", ('charts/nfs-subdir-provisioner/ci/lab-values.yaml',), "ClusterRole", "{release}-nfs-subdir-provisioner"): """
        "" | persistentvolumes | * | get,list,watch,create,delete
        "" | persistentvolumeclaims | * | get,list,watch,update
        storage.k8s.io | storageclasses | * | get,list,watch
        "" | nodes | * | get,list,watch
        "" | events | * | create,update,patch
    """,
    ("nfs-subdir-provisioner", ('charts/nfs-subdir-provisioner/ci/lab-values.yaml',), "Role", "{release}-nfs-subdir-provisioner-leader-election"): """
        "" | endpoints | * | get,list,watch,create,update,patch
        coordination.k8s.io | leases | * | get,list,watch,create,update,patch
    """,
    # What Traefik v3.7's providers do with the API (its sources: informers, status updates), less than
    # upstream's chart grants (get, which the informers never use); tests/test_edge.py runs Traefik with it
    # and fails on any "forbidden" in its log.
    ("traefik", ('charts/traefik/ci/defaults-values.yaml',), "ClusterRole", "{release}-traefik"): """
        "" | configmaps,namespaces,nodes,secrets,services | * | list,watch
        discovery.k8s.io | endpointslices | * | list,watch
        networking.k8s.io | ingresses,ingressclasses | * | list,watch
        networking.k8s.io | ingresses/status | * | update
        gateway.networking.k8s.io | backendtlspolicies,gatewayclasses,gateways,grpcroutes,httproutes,referencegrants,tlsroutes | * | list,watch
        gateway.networking.k8s.io | backendtlspolicies/status,gatewayclasses/status,gateways/status,grpcroutes/status,httproutes/status,tlsroutes/status | * | update
    """,
    ("traefik", ('charts/traefik/ci/gateway-values.yaml',), "ClusterRole", "{release}-traefik"): """
        "" | configmaps,namespaces,secrets,services | * | list,watch
        discovery.k8s.io | endpointslices | * | list,watch
        gateway.networking.k8s.io | backendtlspolicies,gatewayclasses,gateways,grpcroutes,httproutes,referencegrants,tlsroutes | * | list,watch
        gateway.networking.k8s.io | backendtlspolicies/status,gatewayclasses/status,gateways/status,grpcroutes/status,httproutes/status,tlsroutes/status | * | update
    """,
    ("wordpress", ('charts/wordpress/ci/defaults-values.yaml',), "Role", "{release}-mysql"): """
        "" | pods | test-mysql-0,test-mysql-1,test-mysql-2 | get,patch
    """,
}


def _grants(rules: str) -> set[tuple[str, str, str, str]]:
    out = set()
    for line in rules.strip().splitlines():
        groups, resources, names, verbs = (part.strip() for part in line.split("|"))
        for g in groups.split(","):
            for r in resources.split(","):
                for n in names.split(","):
                    for v in verbs.split(","):
                        out.add(("" if g == '""' else g, r, n, v))
    return out


def _rendered_grants(role: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    out = set()
    for rule in role.get("rules") or []:
        for g in rule.get("apiGroups") or []:
            for r in rule.get("resources") or []:
                for n in rule.get("resourceNames") or ["*"]:
                    for v in rule.get("verbs") or []:
                        out.add((g, r, n, v))
    return out


def _role(chart: str, files: tuple[str, ...], kind: str, name: str) -> dict[str, Any]:
    objs = render(chart, values_files=files, release=RELEASE)
    found = [o for o in of_kind(objs, kind) if o["metadata"]["name"] == name.format(release=RELEASE)]
    assert len(found) == 1, f"{chart}: no {kind} {name.format(release=RELEASE)}"
    return found[0]


@pytest.mark.parametrize("key", ROLES, ids=lambda k: f"{k[0]}:{k[2]}:{k[3]}")
def test_role_grants_exactly_what_upstream_grants(key: tuple[str, tuple[str, ...], str, str]) -> None:
    chart, files, kind, name = key
    got, want = _rendered_grants(_role(chart, files, kind, name)), _grants(ROLES[key])
    assert sorted(want - got) == [], "missing: the controller gets 'forbidden' for these"
    assert sorted(got - want) == [], "granted beyond upstream"


def test_every_role_a_chart_renders_has_a_table() -> None:
    tabled = {(c, k, n.format(release=RELEASE)) for c, _, k, n in ROLES}
    for chart, files in {(c, f) for c, f, _, _ in ROLES}:
        for obj in render(chart, values_files=files, release=RELEASE):
            if obj["kind"] in ("Role", "ClusterRole") and chart != "metallb":
                assert (chart, obj["kind"], obj["metadata"]["name"]) in tabled


# built-in roles a chart may bind without rendering them
BUILTIN_ROLES = {"cluster-admin", "admin", "edit", "view", "system:auth-delegator", "extension-apiserver-authentication-reader"}
SCENARIOS = [s for s in scenarios() if s.chart != "platform"]


@pytest.mark.parametrize("scn", SCENARIOS, ids=lambda s: s.id)
def test_every_binding_joins_a_rendered_role_to_a_serviceaccount_a_workload_runs_as(scn: Any) -> None:
    objs = render(scn.chart, values_files=scn.values_files, release=RELEASE)
    roles = {(o["kind"], o["metadata"].get("namespace", "default") if o["kind"] == "Role" else "", o["metadata"]["name"])
             for o in objs if o["kind"] in ("Role", "ClusterRole")}
    accounts = {(o["metadata"].get("namespace", "default"), o["metadata"]["name"])
                for o in of_kind(objs, "ServiceAccount")}
    used = set()
    for o in objs:
        spec = pod_spec(o)
        if spec is not None:
            used.add((o["metadata"].get("namespace", "default"), spec.get("serviceAccountName", "default")))
    for b in objs:
        if b["kind"] not in ("RoleBinding", "ClusterRoleBinding"):
            continue
        ref = b["roleRef"]
        where = f"{scn.id} {b['kind']} {b['metadata']['name']}"
        assert ref["apiGroup"] == "rbac.authorization.k8s.io", where
        # a RoleBinding can use a ClusterRole, or a Role of its own namespace
        ns = b["metadata"].get("namespace", "default") if ref["kind"] == "Role" else ""
        assert (ref["kind"], ns, ref["name"]) in roles or ref["name"] in BUILTIN_ROLES, f"{where}: binds a missing role"
        for s in b.get("subjects") or []:
            if s["kind"] == "ServiceAccount":
                sa = (s.get("namespace", b["metadata"].get("namespace", "default")), s["name"])
                assert sa in accounts, f"{where}: subject {sa} is not a ServiceAccount the chart renders"
    for sa in used:
        if sa[1] != "default":
            assert sa in accounts, f"{scn.id}: pods run as {sa}, which the chart doesn't render"
