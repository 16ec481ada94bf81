"""Every chart's values schema is strict and speaks the suite's `global` language."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from chartops.charts import Chart, Scenario, applications, scenarios
from chartops.docs import canonical_global
from tests.helpers import render_error

CHARTS = applications()


def _schema(chart: Chart) -> dict[str, Any]:
    return dict(json.loads((chart.path / "values.schema.json").read_text()))


def _first_scenario(chart: Chart) -> Scenario:
    return next(s for s in scenarios() if s.chart == chart.name)


def _closed_objects(node: Any, path: str = "") -> list[str]:
    """Paths of declared objects (with properties) that still accept unknown keys."""
    open_: list[str] = []
    if isinstance(node, dict):
        if node.get("properties") and node.get("additionalProperties") is not False and path != "/global":
            open_.append(path or "/")
        for key, child in (node.get("properties") or {}).items():
            open_ += _closed_objects(child, f"{path}/{key}")
        if isinstance(node.get("items"), dict):
            open_ += _closed_objects(node["items"], f"{path}[]")
    return open_


@pytest.mark.parametrize("chart", CHARTS, ids=lambda c: c.name)
def test_schema_rejects_unknown_keys_at_every_declared_level(chart: Chart) -> None:
    assert _closed_objects(_schema(chart)) == []


@pytest.mark.parametrize("chart", CHARTS, ids=lambda c: c.name)
def test_schema_global_block_is_the_suites(chart: Chart) -> None:
    assert _schema(chart)["properties"].get("global") == canonical_global(), "run `invoke docs` to sync it"


@pytest.mark.parametrize("chart", CHARTS, ids=lambda c: c.name)
def test_schema_accepts_the_charts_own_defaults(chart: Chart) -> None:
    """values.yaml itself must be valid: a schema that rejects the defaults breaks every install."""
    import jsonschema

    values = yaml.safe_load((chart.path / "values.yaml").read_text()) or {}
    values.setdefault("common", {})
    errors = [e.message for e in jsonschema.Draft7Validator(_schema(chart)).iter_errors(values)]
    assert errors == []


@pytest.mark.parametrize("chart", CHARTS, ids=lambda c: c.name)
def test_unknown_top_level_key_fails_naming_it(chart: Chart) -> None:
    scn = _first_scenario(chart)
    message = render_error(chart.name, values={"replicaCont": 2}, values_files=scn.values_files)
    assert "replicaCont" in message


@pytest.mark.parametrize("chart", CHARTS, ids=lambda c: c.name)
def test_unknown_global_key_fails_naming_it(chart: Chart) -> None:
    scn = _first_scenario(chart)
    message = render_error(chart.name, values={"global": {"imageRegistyr": "x"}}, values_files=scn.values_files)
    assert "imageRegistyr" in message


def _nodes(node: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        found.append((path, node))
        for key, value in node.items():
            if isinstance(value, (dict, list)):
                found += _nodes(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _nodes(value, f"{path}/{i}")
    return found


@pytest.mark.parametrize("chart", CHARTS, ids=lambda c: c.name)
def test_no_schema_names_keys_through_property_names(chart: Chart) -> None:
    """helm reports a `propertyNames` failure at the wrong key (another property of the parent):
    key patterns go in `patternProperties` with `additionalProperties: false`, which names the key."""
    assert [p for p, n in _nodes(_schema(chart)) if "propertyNames" in n] == []


@pytest.mark.parametrize("chart", CHARTS, ids=lambda c: c.name)
def test_every_number_is_bounded(chart: Chart) -> None:
    """Numbers land in int32 fields (replicas, ports, seconds): an unbounded one overflows into a
    negative or is refused by the API server half-way through an install."""
    unbounded = [p for p, n in _nodes(_schema(chart)) if n.get("type") in ("integer", "number")
                 and "maximum" not in n and "exclusiveMaximum" not in n and "enum" not in n and "const" not in n]
    assert unbounded == []
