"""metrics-server: anti-affinity that spreads its own replicas over nodes (soft by default)."""

from __future__ import annotations

import pytest

from chartops.validate import errors
from tests.helpers import one, pod_spec, render

CHART = "metrics-server"


@pytest.mark.parametrize(("mode", "field"), [("soft", "preferred"), ("hard", "required")])
def test_anti_affinity_repels_its_own_replicas_across_nodes(mode: str, field: str) -> None:
    deploy = one(render(CHART, values={"podAntiAffinity": mode}), "Deployment")
    assert list(errors(deploy)) == [], "the API server would refuse the Deployment"
    anti = pod_spec(deploy)["affinity"]["podAntiAffinity"]
    assert list(anti) == [f"{field}DuringSchedulingIgnoredDuringExecution"]
    (term,) = anti[f"{field}DuringSchedulingIgnoredDuringExecution"]
    if field == "preferred":
        assert 1 <= term["weight"] <= 100
        term = term["podAffinityTerm"]
    assert term["topologyKey"] == "kubernetes.io/hostname"
    selector = term["labelSelector"]["matchLabels"]
    own = deploy["spec"]["template"]["metadata"]["labels"]
    assert selector and selector.items() <= own.items(), "the term must select metrics-server's own pods"


def test_no_rule_when_turned_off() -> None:
    spec = pod_spec(one(render(CHART, values={"podAntiAffinity": ""}), "Deployment"))
    assert "podAntiAffinity" not in (spec.get("affinity") or {})
