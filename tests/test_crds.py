"""Every CRD a chart ships is one the API server takes: a structural schema (the API server refuses
a CRD whose schema leaves a field's type unsaid, or gives an object both properties and
additionalProperties), every served version with a schema, exactly one storage version."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chartops.charts import applications, scenarios
from tests.helpers import RenderError, render

OPEN = ("x-kubernetes-int-or-string", "x-kubernetes-preserve-unknown-fields")


def shipped_crds(chart: str) -> list[dict[str, Any]]:
    """The CRDs of the chart's first scenario that renders any (they don't vary between scenarios)."""
    for scn in (s for s in scenarios() if s.chart == chart):
        try:
            objs = render(scn.chart, values_files=scn.values_files)
        except RenderError:
            continue
        crds = [o for o in objs if o.get("kind") == "CustomResourceDefinition"]
        if crds:
            return crds
    return []


def structural_problems(schema: dict[str, Any], path: str) -> Iterator[str]:
    if not schema.get("type") and not any(schema.get(k) for k in OPEN):
        yield f"{path}: no type"
    if schema.get("properties") and isinstance(schema.get("additionalProperties"), dict):
        yield f"{path}: both properties and additionalProperties"
    for name, sub in (schema.get("properties") or {}).items():
        yield from structural_problems(sub, f"{path}.{name}")
    if isinstance(schema.get("items"), dict):
        yield from structural_problems(schema["items"], f"{path}[]")
    if isinstance(schema.get("additionalProperties"), dict):
        yield from structural_problems(schema["additionalProperties"], f"{path}{{*}}")


CHARTS = [c.name for c in applications() if (c.path / "templates" / "crds").is_dir() or (c.path / "crds").is_dir()]


@pytest.mark.parametrize("chart", CHARTS)
def test_every_shipped_crd_is_one_the_api_server_takes(chart: str) -> None:
    crds = shipped_crds(chart)
    assert crds, f"{chart} has a crds directory but no scenario renders a CRD"
    problems: list[str] = []
    for crd in crds:
        name = crd["metadata"]["name"]
        versions = crd["spec"]["versions"]
        if sum(1 for v in versions if v.get("storage")) != 1:
            problems.append(f"{name}: {sum(1 for v in versions if v.get('storage'))} storage versions, not 1")
        for v in versions:
            schema = (v.get("schema") or {}).get("openAPIV3Schema")
            if v.get("served") and not schema:
                problems.append(f"{name} {v['name']}: served without a schema")
            elif schema:
                problems += list(structural_problems(schema, f"{name} {v['name']}"))
    assert not problems, "\n".join(problems)


def test_a_field_without_a_type_is_found() -> None:
    schema = {"type": "object", "properties": {"spec": {"type": "object", "properties": {
        "selector": {"properties": {"matchExpressions": {"items": {"type": "object"}}}},
        "port": {"x-kubernetes-int-or-string": True},
        "both": {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": {"type": "string"}},
    }}}}
    assert sorted(structural_problems(schema, "x")) == [
        "x.spec.both: both properties and additionalProperties",
        "x.spec.selector.matchExpressions: no type",
        "x.spec.selector: no type",
    ]
