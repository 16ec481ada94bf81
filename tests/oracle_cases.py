"""The hostile and unusual values the offline tests try, as render requests for the real API server.

tests/test_cluster_validators.py sends every one of these that renders to a real kube-apiserver
(`kubectl apply --server-side --dry-run=server --validate=strict`): a render the chart accepts
and the API server refuses is a check the chart is missing. The cases are the offline tests' own:

- the Hypothesis examples of tests/test_fuzz.py (derandomized, so the same ones);
- the bad-input tables: tests/test_hostile.py's, and every parametrized table of values in the
  charts' own test modules (`test_<chart>*.py`), with the values those tests render them with;
- the generated ones: every documented value set at once to a probe (test_values_reach_objects),
  every free string and key carrying a YAML injection (test_injection);
- release names at the edge of what helm takes: 53 characters, a leading digit, a dot.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tests.helpers import ROOT
from tests.schema_paths import BASE, chart_values, put

CHART_MODULE_PREFIX = "test_"
# modules whose parametrized values belong to no single chart, or that generate their own
SKIP_MODULES = {"test_fuzz", "test_null_and_wrong_types", "test_injection", "test_values_reach_objects",
                "test_hostile", "test_cluster_validators"}
RELEASES = ("r" * 53, "1st", "team.a")


@dataclass(frozen=True)
class Case:
    id: str
    chart: str
    values: dict[str, Any] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    release: str = "test"

    @property
    def key(self) -> str:
        import json

        return json.dumps([self.chart, self.values, self.files, self.release], sort_keys=True, default=str)


def _module_chart(name: str, charts: list[str]) -> str | None:
    stem = name.removeprefix(CHART_MODULE_PREFIX).replace("_", "-")
    matches = [c for c in charts if stem == c or stem.startswith(c + "-")]
    return max(matches, key=len) if matches else None


def fuzz_cases() -> Iterator[Case]:
    from tests import test_fuzz

    for chart in test_fuzz.FUZZED:
        for i, values in enumerate(_drawn(chart)):
            yield Case(f"fuzz:{chart}:{i}", chart, values, (test_fuzz.BASE[chart],))


def _drawn(chart: str) -> list[dict[str, Any]]:
    """The values tests/test_fuzz.py draws for a chart: same strategy, same settings, derandomized."""
    from hypothesis import HealthCheck, Phase, given, settings

    from tests import test_fuzz

    drawn: list[dict[str, Any]] = []

    @settings(max_examples=test_fuzz.EXAMPLES, derandomize=True, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(values=test_fuzz._values(chart))
    def collect(values: dict[str, Any]) -> None:
        drawn.append(values)

    collect()
    return drawn


def hostile_cases() -> Iterator[Case]:
    from tests import test_hostile

    for i, (chart, values, _) in enumerate(test_hostile.CASES):
        yield Case(f"hostile:{chart}:{i}", chart, values, (test_hostile.BASE[chart],))
    mark = next(m for m in test_hostile.test_values_at_the_boundary_still_render.pytestmark if m.name == "parametrize")
    for i, (chart, values) in enumerate(mark.args[1]):
        yield Case(f"boundary:{chart}:{i}", chart, values, (test_hostile.BASE[chart],))
    for i, (values, _) in enumerate(test_hostile.ADDRESS_PLAN):
        yield Case(f"address-plan:{i}", "platform", values, (test_hostile.LAB,))


def table_cases(charts: list[str]) -> Iterator[Case]:
    """Dict values of every parametrized table in the charts' own test modules, rendered as those
    tests render them (the chart's defaults; the lab for the umbrella)."""
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        chart = _module_chart(path.stem, charts)
        if chart is None or path.stem in SKIP_MODULES:
            continue
        module = importlib.import_module(f"tests.{path.stem}")
        files = ("values/lab.yaml",) if chart == "platform" else ()
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            for mark in getattr(fn, "pytestmark", []):
                if mark.name != "parametrize" or len(mark.args) < 2:
                    continue
                for j, row in enumerate(mark.args[1]):
                    params = row.values if hasattr(row, "values") and not isinstance(row, dict) else row
                    params = params if isinstance(params, (tuple, list)) else (params,)
                    for values in (p for p in params if isinstance(p, dict)):
                        yield Case(f"table:{path.stem}.{name}[{j}]", chart, values, files)


def _together(chart: str, parts: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """The parts (key, values) merged into values that render: parts whose key the chart names in
    its refusal are left out, one round at a time (some values exclude each other)."""
    from tests.helpers import RenderError, render
    from tests.test_values_reach_objects import deep_merge

    while True:
        values: dict[str, Any] = {}
        for _, part in parts:
            values = deep_merge(values, part)
        try:
            render(chart, values, (BASE[chart],))
            return values
        except RenderError as err:
            named = [p for p in parts if p[0] in err.stderr or "/" + p[0].replace(".", "/") in err.stderr
                     or ("." in p[0] and p[0].rsplit(".", 1)[0] in err.stderr and p[0].rsplit(".", 1)[1] in err.stderr)]
            if not named:
                return values
            parts = [p for p in parts if p not in named]


def probe_cases() -> Iterator[Case]:
    """All of a chart's documented values that no test sets, set at once to their probes."""
    from tests import test_values_reach_objects as reach
    from tests.schema_paths import schema

    for chart, keys in sorted(reach.missing().items()):
        root = schema(chart)
        defaults = reach.documented(chart)
        parts: list[tuple[str, dict[str, Any]]] = []
        for i, key in enumerate(keys):
            node = reach.node_for(root, key)
            value, _ = reach.EXPLICIT.get((chart, key)) or (
                reach.probe_key(key, node, defaults[key], i, root) if node is not None else (None, None))
            if value is not None and not isinstance(value, bool):  # booleans switch whole parts on and off
                parts.append((key, reach.deep_merge(reach._needs(chart, key), reach.nest(key, value))))
        yield Case(f"probes:{chart}", chart, _together(chart, parts), (BASE[chart],))


def injection_cases() -> Iterator[Case]:
    from tests import test_injection
    from tests.schema_paths import dotted

    for chart in sorted(BASE):
        base = chart_values(chart, (BASE[chart],))
        parts: list[tuple[str, dict[str, Any]]] = []
        for path, value, _ in test_injection.targets(chart):
            part: dict[str, Any] = {}
            put(part, path, value, base)
            parts.append((dotted(path[:-1]) if len(path) > 1 else dotted(path), part))
        yield Case(f"injection:{chart}", chart, _together(chart, parts), (BASE[chart],))


def release_cases() -> Iterator[Case]:
    for chart in sorted(BASE):
        for release in RELEASES:
            yield Case(f"release:{chart}:{release[:12]}", chart, {}, (BASE[chart],), release)


def all_cases() -> list[Case]:
    from chartops.charts import applications

    charts = [c.name for c in applications(ROOT)]
    found: dict[str, Case] = {}
    for source in (fuzz_cases(), hostile_cases(), table_cases(charts), probe_cases(), injection_cases(),
                   release_cases()):
        for case in source:
            found.setdefault(case.key, case)
    return list(found.values())


def by_chart(cases: list[Case]) -> dict[str, list[Case]]:
    out: dict[str, list[Case]] = {}
    for case in cases:
        out.setdefault(case.chart, []).append(case)
    return out


def rendered(case: Case) -> list[dict[str, Any]] | None:
    """The case's objects, or None when the chart refuses it (those the offline tests judge)."""
    from tests.helpers import RenderError, render

    try:
        return render(case.chart, case.values, case.files, release=case.release)
    except RenderError:
        return None
