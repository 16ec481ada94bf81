"""YAML injection: every string a values file can reach the templates with, and every map key a
values file may choose, carries a newline, a ' #' and a key of its own. It must come out of the
render whole (quoted, or in a block that holds it), or the render must refuse it naming the key;
never a key of its own in the manifest, never cut at the '#', never YAML that no longer parses.

The strings are found from the schemas (tests/schema_paths.py): every string no pattern or enum
holds to a shape, in objects, in list items the chart's scenario has, and in maps.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from chartops.render import Request, parse, run
from tests.helpers import CHARTS, ROOT, renderer
from tests.schema_paths import BASE, chart_values, dotted, pointer, put, schema, walk

GO_TEMPLATE_ERROR = re.compile(r"error converting YAML|yaml: line \d+|nil pointer|can't evaluate|wrong type|"
                               r"mapping values are not allowed|did not find expected")


def marker(i: int) -> str:
    return f"hostile{i}x #c\nINJECTED{i}: x"  # "hostile1x" is no prefix of "hostile10x"


def key_marker(i: int) -> str:
    return f"hostilekey{i}x #c\nINJECTEDKEY{i}: x"


def injected_keys(obj: Any) -> list[str]:
    if isinstance(obj, dict):
        own = [str(k) for k in obj if str(k).startswith("INJECTED")]
        return own + [k for v in obj.values() for k in injected_keys(v)]
    if isinstance(obj, list):
        return [k for v in obj for k in injected_keys(v)]
    return []


def strings(obj: Any) -> list[str]:
    """Every key and string, looking into strings that are YAML documents themselves (config files
    in ConfigMaps), where a hostile string arrives escaped, as it should."""
    if isinstance(obj, dict):
        return [str(k) for k in obj] + [s for v in obj.values() for s in strings(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in strings(v)]
    if isinstance(obj, str) and "\n" in obj:
        try:
            inner = yaml.safe_load(obj)
        except yaml.YAMLError:
            inner = None
        if isinstance(inner, (dict, list)):
            return strings(inner)
    return [obj] if isinstance(obj, str) else []


def targets(chart: str) -> list[tuple[tuple[str | int, ...], Any, bool]]:
    """(path, hostile value, is a map key) for every free string and every free map key."""
    base = chart_values(chart, (BASE[chart],))
    root = schema(chart)
    out: list[tuple[tuple[str | int, ...], Any, bool]] = []
    for node in walk(root, base):
        if node.free_string:
            out.append((node.path, marker(len(out)), False))
        extra = node.schema.get("additionalProperties")
        if isinstance(extra, dict) and "object" in node.types and not node.schema.get("patternProperties"):
            i = len(out)
            out.append((node.path + (key_marker(i),), _sample(extra), True))
    return out


def _sample(schema: dict[str, Any]) -> Any:
    """A value the map takes under the hostile key (the key is what is tried: `disabled.<alert>: true`)."""
    types = schema.get("type") if isinstance(schema.get("type"), list) else [schema.get("type")]
    return True if "boolean" in types else 1 if "integer" in types or "number" in types else "v"


def render(chart: str, values: dict[str, Any]) -> tuple[list[dict[str, Any]] | None, str]:
    req = Request(CHARTS / chart, values, (ROOT / BASE[chart],))
    with tempfile.TemporaryDirectory() as tmp:
        proc = run(req, renderer().helm, Path(tmp))
    return (parse(proc.stdout), "") if proc.returncode == 0 else (None, proc.stderr)


def refused_here(stderr: str, path: tuple[str | int, ...]) -> bool:
    ptr = pointer(path)
    parent = pointer(path[:-1]) if len(path) > 1 else ""
    named_parent = bool(parent) and (f"at '{parent}'" in stderr or f" {dotted(path[:-1])} " in stderr)
    return f"at '{ptr}'" in stderr or (named_parent and str(path[-1]) in stderr) or dotted(path) in stderr


@pytest.mark.parametrize("chart", sorted(BASE))
def test_every_free_string_and_key_comes_out_whole_or_is_refused_naming_it(chart: str) -> None:
    base = chart_values(chart, (BASE[chart],))
    pending = targets(chart)
    for _ in range(len(pending) + 1):
        values: dict[str, Any] = {}
        for path, value, _key in pending:
            put(values, path, value, base)
        objs, stderr = render(chart, values)
        if objs is not None:
            break
        assert not GO_TEMPLATE_ERROR.search(stderr), f"{chart}: the hostile strings broke the YAML:\n{stderr}"
        named = [t for t in pending if refused_here(stderr, t[0])]
        assert named, f"{chart}: refused the hostile strings without naming one of them:\n{stderr}"
        pending = [t for t in pending if t not in named]
    assert objs is not None
    assert injected_keys(objs) == [], f"{chart}: a hostile string added keys to the manifest"
    text = strings(objs)
    for path, value, is_key in pending:
        whole = str(path[-1]) if is_key else value
        tag = whole.split(" ", 1)[0]
        cut = [s for s in text if tag in s and whole not in s]
        assert not cut, f"{chart}: {dotted(path)} was cut or re-parsed on its way into YAML: {cut[:2]}"


@pytest.mark.parametrize("chart", sorted(set(BASE) - {"platform"}))
def test_the_walk_finds_strings_to_try(chart: str) -> None:
    """(The umbrella's own keys are all patterned; its subcharts' strings are tried through them.)"""
    assert targets(chart), chart
