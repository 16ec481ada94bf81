"""Every constraint of every values schema has its own bad-input case, and holds.

The cases (tests/fixtures/schema-cases.json) give, per constraint, a value that
only that constraint refuses and, where there is one, the boundary value it
must still accept: a minimum of 1 refuses 0 and accepts 1. So a dropped or
loosened constraint, or one tightened by one, fails here. Helm checks values
with the same JSON Schema rules; the per-chart tests check that helm's message
names the key.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.schema_cases import ROOT, accepts, constraints, load, node, schema_files

CASES = load()
FILES = schema_files()


def _id(path: Path) -> str:
    return path.parent.name if path.name == "values.schema.json" else f"{path.parent.name}-global"


def _root(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text()))


@pytest.mark.parametrize("path", FILES, ids=_id)
def test_every_constraint_has_a_bad_input_case(path: Path) -> None:
    have = {(c["pointer"], c["keyword"]) for c in CASES.get(str(path.relative_to(ROOT)), [])}
    missing = [f"{p} {k}" for p, k in constraints(_root(path)) if (p, k) not in have]
    assert missing == [], "add a case (python -m tests.schema_cases finds candidates) for:\n" + "\n".join(missing)


@pytest.mark.parametrize("path", FILES, ids=_id)
def test_each_bad_input_is_refused_and_each_boundary_accepted(path: Path) -> None:
    root = _root(path)
    problems = []
    for case in CASES.get(str(path.relative_to(ROOT)), []):
        where = f"{case['pointer']} ({case['keyword']})"
        try:
            sub = node(root, case["pointer"])
        except (KeyError, IndexError):
            problems.append(f"{where}: no such schema node any more; remove or move the case")
            continue
        if accepts(root, sub, case["bad"]):
            problems.append(f"{where}: accepts the bad value {case['bad']!r}")
        if "good" in case and not accepts(root, sub, case["good"]):
            problems.append(f"{where}: refuses the boundary value {case['good']!r}")
    assert problems == []


def test_the_cases_cover_every_chart() -> None:
    assert {str(p.relative_to(ROOT)) for p in FILES} == set(CASES)


def _open_objects(schema: Any, pointer: str = "") -> list[str]:
    """Pointers of object schemas that declare properties yet accept unknown keys, anywhere in the
    schema (definitions, items, anyOf branches, map values included)."""
    found = []
    if isinstance(schema, dict):
        if schema.get("properties") and schema.get("additionalProperties") is not False \
                and pointer != "/properties/global":
            found.append(pointer or "/")
        for key, value in schema.items():
            if key in ("properties", "patternProperties", "definitions", "$defs"):
                for name, sub in value.items():
                    found += _open_objects(sub, f"{pointer}/{key}/{name}")
            elif key in ("if", "then", "else", "not"):
                continue  # conditions on an object declared elsewhere, not declarations
            elif isinstance(value, dict):
                found += _open_objects(value, f"{pointer}/{key}")
            elif isinstance(value, list):
                for i, sub in enumerate(value):
                    found += _open_objects(sub, f"{pointer}/{key}/{i}")
    return found


@pytest.mark.parametrize("path", FILES, ids=_id)
def test_every_declared_object_refuses_unknown_keys(path: Path) -> None:
    """A misspelt key anywhere (a definition, a list item, a map value) fails instead of being ignored."""
    assert _open_objects(_root(path)) == []
