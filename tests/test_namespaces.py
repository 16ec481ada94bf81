"""Every namespaced object a chart renders names its namespace, in every scenario.

`helm install` puts an object without `metadata.namespace` into the release namespace, and
`helm template | kubectl apply -f -` (what GitOps tools do) into the context's: neither is where a
`namespaceOverride`, or the umbrella's per-component namespaces, put the rest of the component.
"""

from __future__ import annotations

import pytest

from chartops.charts import Scenario, scenarios
from chartops.validate import CRDCatalog, builtin_is_namespaced, describe
from tests.helpers import render
from tests.test_policy import _with_own_crds, catalog  # noqa: F401  (fixture)

# Custom resources of APIs the charts use but don't ship (their CRDs come with cert-manager and
# the Prometheus operator): all namespaced.
FOREIGN_NAMESPACED = {"cert-manager.io": {"Certificate", "Issuer"},
                      "monitoring.coreos.com": {"ServiceMonitor", "PodMonitor", "PrometheusRule"}}


def namespaced(api_version: str, kind: str, crds: CRDCatalog) -> bool:
    builtin = builtin_is_namespaced(api_version, kind)
    if builtin is not None:
        return builtin
    if (api_version, kind) in crds.namespaced:
        return crds.namespaced[(api_version, kind)]
    return kind in FOREIGN_NAMESPACED.get(api_version.split("/", 1)[0], set())


@pytest.mark.parametrize("scn", scenarios(), ids=lambda s: s.id)
def test_every_namespaced_object_names_its_namespace(scn: Scenario, catalog: CRDCatalog) -> None:  # noqa: F811
    crds = _with_own_crds(scn, catalog)
    objs = render(scn.chart, values_files=scn.values_files)
    missing = [describe(o) for o in objs
               if namespaced(str(o.get("apiVersion")), str(o.get("kind")), crds)
               and not (o.get("metadata") or {}).get("namespace")]
    assert not missing, "rendered without metadata.namespace: " + ", ".join(missing)


def test_foreign_kinds_are_known_namespaced_and_cluster_kinds_are_not() -> None:
    empty = CRDCatalog()
    assert namespaced("cert-manager.io/v1", "Certificate", empty)
    assert not namespaced("cert-manager.io/v1", "ClusterIssuer", empty)
    assert namespaced("v1", "Secret", empty) and not namespaced("rbac.authorization.k8s.io/v1", "ClusterRole", empty)
