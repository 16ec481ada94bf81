"""ECK's CRDs serve the subresources upstream's do: `kubectl scale` (and an HPA) work on
the kinds that run a plain set of pods, with .spec.count as the replica count."""

from __future__ import annotations

from tests.helpers import of_kind, render

# ECK 3.5 (config/crds/v1/all-crds.yaml): kinds with a scale subresource
SCALABLE = {"Kibana", "ApmServer", "EnterpriseSearch", "ElasticMapsServer", "PackageRegistry"}
SCALE = {"specReplicasPath": ".spec.count", "statusReplicasPath": ".status.count",
         "labelSelectorPath": ".status.selector"}


def test_eck_operator_crds_scale_exactly_the_kinds_upstream_scales() -> None:
    for crd in of_kind(render("eck-operator"), "CustomResourceDefinition"):
        kind = crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            if not version.get("served"):
                continue
            sub = version.get("subresources") or {}
            assert "status" in sub, f"{kind} {version['name']}: the operator writes status through /status"
            if kind in SCALABLE:
                assert sub.get("scale") == SCALE, f"{kind} {version['name']}"
            else:
                assert "scale" not in sub, f"{kind} {version['name']} has no replica count to scale"
