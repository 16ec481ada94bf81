"""Which documented values the tests set to something other than their default.

A value that no test sets is a value whose wiring nothing checks: a template could drop it and
every test would still pass. The sources read here are the ones a reviewer would read:

- every chart's `ci/*-values.yaml` and the `values/` overlays (for the umbrella, and for each
  subchart through its key);
- the dict literals in `tests/*.py` that give values to one chart: in that chart's own test
  modules (`tests/test_<chart>*.py`), in calls and table rows whose first argument names the
  chart (`render("mysql", {...})`, `case("metallb", {...})`), and under a subchart's key in
  the umbrella's values.

Hypothesis examples and the schema-generated hostile values don't count: they set values at
random, and assert only that nothing breaks.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from chartops.charts import applications
from chartops.docs import parse

ROOT = Path(__file__).resolve().parent.parent
UNKNOWN = object()  # a value computed in the test: taken as set to something else
GENERATED = {"test_fuzz.py", "test_null_and_wrong_types.py", "test_injection.py", "test_values_coverage.py"}


def documented(chart: str) -> dict[str, Any]:
    """README table keys of a chart with their defaults (the table is made from these rows)."""
    text = (ROOT / "charts" / chart / "values.yaml").read_text()
    defaults = yaml.safe_load(text) or {}
    return {row.key: lookup(defaults, row.key) for row in parse(text) if not row.key.startswith("global.")}


def lookup(values: Any, key: str) -> Any:
    node = values
    for part in split(key):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def split(key: str) -> list[str]:
    """A dotted key whose parts may hold dots themselves (README keys quote none): greedy on the
    values' own keys is not needed here, as table keys come from values.yaml lines."""
    return key.split(".")


def flatten(values: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted path, value) of every leaf, and of every map itself (a map set whole counts too)."""
    if isinstance(values, dict) and values:
        for k, v in values.items():
            path = f"{prefix}.{k}" if prefix else str(k)
            yield path, v
            yield from flatten(v, path)


def _literal(node: ast.AST) -> Any:
    if isinstance(node, ast.Dict):
        out: dict[str, Any] = {}
        for k, v in zip(node.keys, node.values, strict=True):
            if isinstance(k, ast.Constant) and isinstance(k.value, str):
                out[k.value] = _literal(v)
            elif k is None and isinstance(v, ast.Dict):  # {**other, ...}
                out.update(_literal(v))
        return out
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_literal(e) for e in node.elts]
    if isinstance(node, ast.Constant):
        return node.value
    return UNKNOWN


def _module_chart(path: Path, charts: list[str]) -> str | None:
    stem = path.stem.removeprefix("test_").replace("_", "-")
    matches = [c for c in charts if stem == c or stem.startswith(c + "-")]
    return max(matches, key=len) if matches else None


def test_values(charts: list[str]) -> dict[str, list[dict[str, Any]]]:
    """chart -> the values dicts tests give it."""
    found: dict[str, list[dict[str, Any]]] = {c: [] for c in charts}
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        if path.name in GENERATED:
            continue
        tree = ast.parse(path.read_text())
        own = _module_chart(path, charts)
        attributed: set[int] = set()
        for node in ast.walk(tree):
            args: list[ast.expr] = []
            if isinstance(node, ast.Call):
                args = list(node.args)
            elif isinstance(node, ast.Tuple):
                args = list(node.elts)
            if len(args) >= 2 and isinstance(args[0], ast.Constant) and args[0].value in found:
                for arg in args[1:]:
                    if isinstance(arg, ast.Dict):
                        found[str(args[0].value)].append(_literal(arg))
                        attributed.add(id(arg))
        for node in ast.walk(tree):
            if isinstance(node, ast.Dict) and id(node) not in attributed:
                value = _literal(node)
                if own:
                    found[own].append(value)
                if own in (None, "platform"):  # the umbrella's values: a subchart under its key
                    for key, sub in value.items():
                        if key in found and isinstance(sub, dict):
                            found[key].append(sub)
    return found


def file_values(charts: list[str]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {c: [] for c in charts}
    for chart in charts:
        for f in sorted((ROOT / "charts" / chart / "ci").glob("*.yaml")):
            found[chart].append(yaml.safe_load(f.read_text()) or {})
    for f in sorted((ROOT / "values").rglob("*.yaml")):
        data = yaml.safe_load(f.read_text()) or {}
        if f.parent.name == "apps":
            target = max((c for c in charts if f.name.startswith(c + "-") or f.stem == c), key=len, default=None)
            if target:
                found[target].append(data)
            continue
        if "platform" in found:
            found["platform"].append(data)
        for key, sub in data.items():
            if key in found and isinstance(sub, dict):
                found[key].append(sub)
    return found


def covered(key: str, default: Any, sets: list[tuple[str, Any]]) -> bool:
    for path, value in sets:
        if path == key and (value is UNKNOWN or value != default):
            return True
        if path.startswith(key + ".") and value is not UNKNOWN and not isinstance(value, dict):
            return True
        if path.startswith(key + ".") and value is UNKNOWN:
            return True
    return False


def uncovered() -> dict[str, list[str]]:
    charts = [c.name for c in applications(ROOT)]
    files, tests = file_values(charts), test_values(charts)
    given = {c: files[c] + tests[c] for c in charts}
    out: dict[str, list[str]] = {}
    for chart in charts:
        sets = [pair for values in given[chart] if isinstance(values, dict) for pair in flatten(values)]
        missing = [k for k, d in documented(chart).items() if not covered(k, d, sets)]
        if missing:
            out[chart] = missing
    return out


if __name__ == "__main__":
    for chart, keys in uncovered().items():
        print(f"{chart}: {len(keys)}")
        for k in keys:
            print("   ", k)
