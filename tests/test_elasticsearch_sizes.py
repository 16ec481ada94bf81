"""elasticsearch: the sizes a node set asks for (data volume, heap against the memory limit)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import one, render, render_error

CHART = "elasticsearch"
RESOURCES = {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"memory": "2Gi"}}


def claim(node_set: dict[str, Any]) -> dict[str, Any]:
    es = one(render(CHART, values={"nodeSets": [{"name": "default", "count": 3, "resources": RESOURCES,
                                                   **node_set}]}), "Elasticsearch")
    (template,) = es["spec"]["nodeSets"][0]["volumeClaimTemplates"]
    return template


@pytest.mark.parametrize(("storage", "size"), [({"size": "50Gi"}, "50Gi"), ({}, "10Gi")])
def test_the_data_volume_asks_for_the_size_given_or_10gi(storage: dict[str, str], size: str) -> None:
    template = claim({"storage": storage})
    assert template["metadata"]["name"] == "elasticsearch-data", "the claim the operator mounts as the data directory"
    assert template["spec"]["resources"]["requests"]["storage"] == size
    assert template["spec"]["accessModes"] == ["ReadWriteOnce"]


def test_a_heap_without_a_memory_limit_asks_for_the_limit() -> None:
    """The heap must fit in half the limit; with no limit there is nothing to fit it in."""
    message = render_error(CHART, values={"nodeSets": [{"name": "default", "count": 3, "heap": "1g",
                                                         "resources": {"requests": {"memory": "2Gi"}}}]})
    assert "nodeSets[0].resources.limits.memory" in message and "is needed when heap is set" in message
