"""eck-operator: what the operator's process is given at run time (downward API, probe timings)."""

from __future__ import annotations

import pytest

from tests.helpers import containers, one, render

CHART = "eck-operator"


def operator(values: dict[str, object] | None = None) -> dict[str, object]:
    (c,) = containers(one(render(CHART, values=values), "StatefulSet"))
    return c


def test_the_operator_learns_its_namespace_and_pod_ip_from_the_downward_api() -> None:
    """ECK reads OPERATOR_NAMESPACE (where its own Secrets and webhook live) and POD_IP; a valueFrom
    without a fieldPath would be refused by the API server."""
    env = {e["name"]: e for e in operator()["env"]}
    assert env["OPERATOR_NAMESPACE"]["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.namespace"}}
    assert env["POD_IP"]["valueFrom"] == {"fieldRef": {"fieldPath": "status.podIP"}}


@pytest.mark.parametrize("probe", ["livenessProbe", "readinessProbe"])
def test_probe_timings_from_values_reach_the_operator(probe: str) -> None:
    timings = {"initialDelaySeconds": 7, "periodSeconds": 11, "timeoutSeconds": 3, "failureThreshold": 9}
    got = operator({probe: timings})[probe]
    assert {k: got.get(k) for k in timings} == timings
    assert "tcpSocket" in got, "the timings come on top of the chart's check, not instead of it"
