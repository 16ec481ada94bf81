"""null and wrong-typed values at every path of every chart's schema: the render either succeeds
or fails naming that key, and never with a Go template error (a nil pointer, a wrong type handed
to a function, YAML that no longer parses).

The cases come from the schemas (tests/schema_paths.py walks every property, list item and map
value the chart's values reach). They are tried in batches, one depth at a time: helm's schema
check names every key it refuses at once, and those cases are answered; what the schema lets
through reaches the templates, and a failure there is narrowed down to the case that caused it.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import pytest

from chartops.render import Request, run
from tests.helpers import CHARTS, ROOT, renderer
from tests.schema_paths import BASE, Node, chart_values, dotted, pointer, put, schema, walk

GO_TEMPLATE_ERROR = re.compile(
    r"nil pointer|error calling \w+: .*(wrong type|invalid value|expected)|can't evaluate field|interface conversion"
    r"|wrong type for value|invalid value; expected|error converting YAML|yaml: line \d+|unable to parse YAML"
    r"|cannot unmarshal|map has no entry|index of untyped nil|error calling (index|len|slice)")
SCHEMA_PATH = re.compile(r"at '(/[^']*)'")
MISSING = re.compile(r"at '((?:/[^']*)?)': missing propert(?:y|ies) (.+)$", re.M)
EXTRA = re.compile(r"at '((?:/[^']*)?)': additional properties (.+) not allowed", re.M)
WRONG = [{"x": 1}, ["x"], "x", 7, True]


def wrong_value(node: Node) -> Any:
    """A value of a JSON type the node does not take (None when it takes any type)."""
    allowed = set(node.types)
    if not allowed:
        return None
    if "number" in allowed:
        allowed.add("integer")
    names = {dict: "object", list: "array", str: "string", int: "integer", bool: "boolean"}
    return next((v for v in WRONG if names[type(v)] not in allowed), None)


def render_error(chart: str, values: dict[str, Any]) -> str | None:
    """helm's stderr, or None when it renders (uncached: each batch renders once)."""
    req = Request(CHARTS / chart, values, (ROOT / BASE[chart],))
    with tempfile.TemporaryDirectory() as tmp:
        proc = run(req, renderer().helm, Path(tmp))
    return None if proc.returncode == 0 else proc.stderr


def named_paths(stderr: str) -> set[str]:
    """JSON pointers helm's schema errors name (a missing or extra property named under its parent)."""
    found = set(SCHEMA_PATH.findall(stderr))
    for parent, props in MISSING.findall(stderr) + EXTRA.findall(stderr):
        for prop in re.findall(r"'([^']*)'", props):
            found.add(f"{parent.rstrip('/')}/{prop.replace('~', '~0').replace('/', '~1')}")
    return found


def answers(stderr: str, path: tuple[str | int, ...]) -> bool:
    """The message names this path: as a schema pointer, or as the chart's own dotted key."""
    ptr = pointer(path)
    if any(p == ptr or p.startswith(ptr + "/") for p in named_paths(stderr)):
        return True
    return bool(re.search(rf"(^|[\s:]){re.escape(dotted(path))}([\s.\[:(]|$)", stderr, re.M))


def cases(chart: str, kind: str) -> list[tuple[tuple[str | int, ...], Any]]:
    base = chart_values(chart, (BASE[chart],))
    out = []
    for node in walk(schema(chart), base):
        if kind == "null":
            if "null" not in node.types:
                out.append((node.path, None))
        else:
            value = wrong_value(node)
            if value is not None:
                out.append((node.path, value))
    return out


def problems(chart: str, batch: list[tuple[tuple[str | int, ...], Any]], base: dict[str, Any]) -> list[str]:
    """The cases of a batch that the chart answers with a Go template error, or with a message
    naming another key; a batch that renders, or whose every case is named, has none."""
    pending = list(batch)
    found: list[str] = []
    while pending:
        values: dict[str, Any] = {}
        for path, value in pending:
            put(values, path, value, base)
        stderr = render_error(chart, values)
        if stderr is None:
            return found
        named = [c for c in pending if answers(stderr, c[0])]
        if named and not GO_TEMPLATE_ERROR.search(stderr):
            pending = [c for c in pending if c not in named]
            continue
        if len(pending) == 1:
            path, value = pending[0]
            why = "a Go template error" if GO_TEMPLATE_ERROR.search(stderr) else "a message that does not name it"
            found.append(f"{dotted(path)}={value!r} gives {why}:\n{stderr.strip()[-1500:]}")
            return found
        half = len(pending) // 2
        return found + problems(chart, pending[:half], base) + problems(chart, pending[half:], base)
    return found


def _batches(chart: str, kind: str) -> list[list[tuple[tuple[str | int, ...], Any]]]:
    """One batch per depth: no case's path inside another's."""
    by_depth: dict[int, list[tuple[tuple[str | int, ...], Any]]] = {}
    for case in cases(chart, kind):
        by_depth.setdefault(len(case[0]), []).append(case)
    return [by_depth[d] for d in sorted(by_depth)]


CHARTS_UNDER_TEST = sorted(BASE)


@pytest.mark.parametrize("kind", ["null", "wrong-type"])
@pytest.mark.parametrize("chart", CHARTS_UNDER_TEST)
def test_every_schema_path_answers_null_and_wrong_types_naming_the_key(chart: str, kind: str) -> None:
    base = chart_values(chart, (BASE[chart],))
    found = [p for batch in _batches(chart, kind) for p in problems(chart, batch, base)]
    assert found == [], f"{chart}: {len(found)} case(s):\n\n" + "\n\n".join(found)


@pytest.mark.parametrize("chart", CHARTS_UNDER_TEST)
def test_the_walk_reaches_lists_and_maps(chart: str) -> None:
    """The cases cover more than top-level keys: list items and nested maps are walked too."""
    paths = [c[0] for c in cases(chart, "null")]
    assert len(paths) > 10 and any(len(p) > 2 for p in paths), paths


def test_a_template_error_is_caught_and_attributed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check can fail: a nil pointer for one case of a batch is reported against that case."""
    def fake(chart: str, values: dict[str, Any]) -> str | None:
        if values.get("b") is None and "b" in values:
            return 'Error: template: x.yaml:3:4: executing "x" at <.Values.b.c>: nil pointer evaluating interface {}.c'
        return "Error: values don't meet the specifications:\n- at '/a': got null, want object" if "a" in values else None

    monkeypatch.setattr(__name__ + ".render_error", fake)
    found = problems("mysql", [(("a",), None), (("b",), None), (("c",), None)], {})
    assert len(found) == 1 and found[0].startswith("b=None gives a Go template error"), found


def test_every_chart_has_a_base_scenario_for_the_generated_tests() -> None:
    """A new chart gets the generated hostile tests once tests/schema_paths.py names its base scenario."""
    from chartops.charts import applications

    assert {c.name for c in applications()} == set(BASE)
