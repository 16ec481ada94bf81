"""One bad-input case per `fail` check of a chart's _validate.tpl that no other test
exercises alone: the render fails, naming the key (and nothing else fails first)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import render, render_error

ECK_RESTRICTED = ("charts/eck-operator/ci/restricted-values.yaml",)

CASES: list[tuple[str, tuple[str, ...], dict[str, Any], str]] = [
    ("eck-operator", ECK_RESTRICTED, {"config": {"managedNamespaces": []}}, "config.managedNamespaces is empty"),
    ("eck-operator", ECK_RESTRICTED, {"webhook": {"enabled": True}}, "webhook.enabled must be false"),
    ("eck-operator", ECK_RESTRICTED, {"crds": {"enabled": True}}, "crds.enabled must be false"),
    ("eck-operator", ECK_RESTRICTED, {"namespace": {"create": True}}, "namespace.create must be false"),
    ("eck-operator", ECK_RESTRICTED, {"config": {"validateStorageClass": True}},
     "config.validateStorageClass must be false"),
    ("eck-operator", ECK_RESTRICTED, {"config": {"metrics": {"secure": True}}}, "config.metrics.secure must be false"),
    ("eck-operator", ECK_RESTRICTED, {"config": {"exposedNodeLabels": ["topology.kubernetes.io/zone"]}},
     "config.exposedNodeLabels must be empty"),
    ("eck-operator", (), {"webhook": {"enabled": False}, "config": {"metrics": {"port": 0}}},
     "config.metrics.port must be set"),
    ("eck-operator", (), {"config": {"metrics": {"port": 9443}}}, "config.metrics.port must differ from webhook.port"),
]


@pytest.mark.parametrize("chart, files, values, message", CASES,
                         ids=[f"{c[0]}:{c[3].split()[0]}" for c in CASES])
def test_bad_input_fails_naming_the_key(chart: str, files: tuple[str, ...], values: dict[str, Any],
                                       message: str) -> None:
    assert render(chart, values_files=files), "the base renders"
    assert message in render_error(chart, values, values_files=files)
