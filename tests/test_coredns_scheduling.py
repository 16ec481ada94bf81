"""coredns full mode: where its pods may be scheduled (anti-affinity that spreads its own replicas)."""

from __future__ import annotations

import pytest

from chartops.validate import errors
from tests.helpers import one, pod_spec, render

CHART = "coredns"
FULL_MIN = {"mode": "full", "service": {"clusterIP": "10.96.0.10"}}


@pytest.mark.parametrize("mode", ["required", "preferred"])
def test_anti_affinity_repels_its_own_replicas_across_hosts(mode: str) -> None:
    deploy = one(render(CHART, values={**FULL_MIN, "podAntiAffinity": mode}), "Deployment")
    assert list(errors(deploy)) == [], "the API server would refuse the Deployment"
    anti = pod_spec(deploy)["affinity"]["podAntiAffinity"]
    assert list(anti) == [f"{mode}DuringSchedulingIgnoredDuringExecution"]
    (term,) = anti[f"{mode}DuringSchedulingIgnoredDuringExecution"]
    if mode == "preferred":
        assert 1 <= term["weight"] <= 100
        term = term["podAffinityTerm"]
    assert term["topologyKey"] == "kubernetes.io/hostname"
    selector = term["labelSelector"]["matchLabels"]
    own = deploy["spec"]["template"]["metadata"]["labels"]
    assert selector and selector.items() <= own.items(), "the term must select CoreDNS's own pods"


def test_no_anti_affinity_when_turned_off() -> None:
    spec = pod_spec(one(render(CHART, values={**FULL_MIN, "podAntiAffinity": "none"}), "Deployment"))
    assert "podAntiAffinity" not in (spec.get("affinity") or {})
