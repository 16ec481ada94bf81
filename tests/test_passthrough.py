"""Pod-level values a user sets reach the pods they are documented for.

Every `podAnnotations`, `podLabels`, `nodeSelector`, `tolerations`, `affinity` and
`priorityClassName` key in a chart's values.yaml is set to a marker in turn; some
workload of the chart (in one of its ci scenarios) must carry it in its pod template.
A template that drops one renders fine and silently ignores the user.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from chartops.charts import applications, scenarios
from tests.helpers import RenderError, pod_spec, render

MARKER = "example.org/marker"
SET: dict[str, Any] = {
    "podAnnotations": {MARKER: "yes"},
    "podLabels": {MARKER: "yes"},
    "nodeSelector": {MARKER: "yes"},
    "tolerations": [{"key": MARKER, "operator": "Exists"}],
    "priorityClassName": "marker-priority",
    "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": MARKER, "operator": "Exists"}]}]}}},
}


def _paths(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in SET and key != "global":
                yield (*path, key)
            elif isinstance(value, dict) and key != "global":
                yield from _paths(value, (*path, key))


def _cases() -> list[tuple[str, tuple[str, ...]]]:
    found = []
    for chart in applications():
        if chart.name == "platform":
            continue  # the umbrella passes values to the subcharts, tested there
        values = yaml.safe_load((chart.path / "values.yaml").read_text()) or {}
        found += [(chart.name, p) for p in _paths(values)]
    return found


def _nest(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    out: dict[str, Any] = {path[-1]: value}
    for key in reversed(path[:-1]):
        out = {key: out}
    return out


def _templates(obj: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Pod templates of a workload, and of operator resources (ECK's podTemplate, per nodeSet too)."""
    if pod_spec(obj) is not None:
        kind, spec = obj["kind"], obj["spec"]
        yield obj if kind == "Pod" else spec["jobTemplate"]["spec"]["template"] if kind == "CronJob" else spec["template"]
    stack: list[Any] = [obj.get("spec")]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("podTemplate"), dict):
                yield node["podTemplate"]
            stack += list(node.values())
        elif isinstance(node, list):
            stack += node


def _carries(obj: dict[str, Any], key: str) -> bool:
    for template in _templates(obj):
        meta, spec = template.get("metadata") or {}, template.get("spec") or {}
        if key == "podAnnotations" and (meta.get("annotations") or {}).get(MARKER) == "yes":
            return True
        if key == "podLabels" and (meta.get("labels") or {}).get(MARKER) == "yes":
            return True
        if key == "nodeSelector" and (spec.get("nodeSelector") or {}).get(MARKER) == "yes":
            return True
        if key == "tolerations" and any(t.get("key") == MARKER for t in spec.get("tolerations") or []):
            return True
        if key == "priorityClassName" and spec.get("priorityClassName") == "marker-priority":
            return True
        if key == "affinity" and MARKER in json.dumps(spec.get("affinity") or {}):
            return True
    return False


CASES = _cases()


@pytest.mark.parametrize("chart, path", CASES, ids=[f"{c}:{'.'.join(p)}" for c, p in CASES])
def test_pod_level_value_reaches_a_pod_template(chart: str, path: tuple[str, ...]) -> None:
    tried = []
    for scn in (s for s in scenarios() if s.chart == chart):
        try:
            objs = render(chart, _nest(path, SET[path[-1]]), values_files=scn.values_files)
        except RenderError as err:
            tried.append(f"{scn.id}: {err.stderr.splitlines()[-1]}")
            continue
        if any(_carries(o, path[-1]) for o in objs):
            return
        tried.append(f"{scn.id}: no pod template carries it")
    pytest.fail(f"{'.'.join(path)} reaches no pod:\n" + "\n".join(tried))
