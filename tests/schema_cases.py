"""Bad-input cases, one per constraint of every values schema.

Each case names a schema node (JSON pointer), one constraint keyword of it, a
value that only that keyword refuses, and where it matters a value at the
boundary that the node accepts (minimum itself, a string of exactly maxLength).
The cases live in tests/fixtures/schema-cases.json, reviewed like any test:
test_schema_cases.py checks the schemas against them, and that every
constraint has one. This module finds candidates for new constraints:

    python -m tests.schema_cases   # rewrites the fixture; review the diff
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).with_name("fixtures") / "schema-cases.json"
KEYWORDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
            "pattern", "enum", "const", "minItems", "maxItems", "uniqueItems")


def schema_files() -> list[Path]:
    return sorted(ROOT.glob("charts/*/values.schema.json")) + [ROOT / "charts/common/global.schema.json"]


def constraints(schema: Any, pointer: str = "") -> Iterator[tuple[str, str]]:
    """(pointer of a schema node, keyword) for every constraint keyword in a schema."""
    if isinstance(schema, dict):
        if isinstance(schema.get("type"), (str, list)) or any(k in schema for k in KEYWORDS):
            for k in KEYWORDS:
                if k in schema:
                    yield pointer, k
        for key, value in schema.items():
            if key in ("properties", "patternProperties", "definitions", "$defs"):
                for name, sub in value.items():
                    yield from constraints(sub, f"{pointer}/{key}/{_escape(name)}")
            elif key in ("items", "additionalProperties", "propertyNames", "not", "if", "then", "else"):
                yield from constraints(value, f"{pointer}/{key}")
            elif key in ("anyOf", "oneOf", "allOf") and isinstance(value, list):
                for i, sub in enumerate(value):
                    yield from constraints(sub, f"{pointer}/{key}/{i}")


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def node(schema: Any, pointer: str) -> Any:
    for part in pointer.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        schema = schema[int(part)] if isinstance(schema, list) else schema[part]
    return schema


def validator(root: dict[str, Any], sub: dict[str, Any]) -> jsonschema.protocols.Validator:
    """A validator of one node that still resolves the root's $refs."""
    return jsonschema.Draft7Validator(root).evolve(schema=sub)


def accepts(root: dict[str, Any], sub: dict[str, Any], value: Any) -> bool:
    return validator(root, sub).is_valid(value)


def _strings(chart_dir: Path) -> list[str]:
    """Strings a user of the chart writes: from its values and scenarios, plus common shapes."""
    found: list[str] = []

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            for k, x in v.items():
                found.append(str(k))
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, str):
            found.append(v)

    for f in [chart_dir / "values.yaml", *sorted((chart_dir / "ci").glob("*.yaml")), *sorted(ROOT.glob("values/**/*.yaml"))]:
        if f.is_file():
            walk(yaml.safe_load(f.read_text()))
    common = ["a", "abc", "a-b", "a.b", "a/b", "A", "1", "10", "x" * 70, "", " ", "a b", "-a", "a-", "ä",
              "10.0.0.1", "10.0.0.0/24", "10.0.0.1-10.0.0.9", "fd00::1", "fd00::/64", "example.com",
              "https://example.com", "http://example.com", "100m", "1Gi", "10s", "info", "sha256:" + "a" * 64,
              "registry.example.com/x", "kube-system", "Always", "IfNotPresent", "TCP", "UDP", "0", "-1",
              "UPPER", "under_score", "a" * 254, "$(x)", "a\nb", "{{ x }}", "*", "a*", "/abs/path", "rel/path"]
    return list(dict.fromkeys(found + common))


def _candidates(sub: dict[str, Any], keyword: str, strings: list[str]) -> tuple[list[Any], list[Any]]:
    """(bad candidates, boundary candidates) for one keyword of a node."""
    v = sub[keyword]
    if keyword in ("minimum", "exclusiveMinimum"):
        return ([v - 1, v - 0.5, v] if keyword == "minimum" else [v, v - 1]), ([v] if keyword == "minimum" else [v + 1])
    if keyword in ("maximum", "exclusiveMaximum"):
        return ([v + 1, v + 0.5] if keyword == "maximum" else [v, v + 1]), ([v] if keyword == "maximum" else [v - 1])
    if keyword == "minLength":
        pads = [s for s in strings if len(s) == v - 1] + ["a" * (v - 1), "1" * (v - 1)]
        return pads, [s for s in strings if len(s) == v] + ["a" * v, "1" * v]
    if keyword == "maxLength":
        longer = [s + "a" * (v + 1 - len(s)) for s in strings if 0 < len(s) <= v] + ["a" * (v + 1)]
        return longer, [s + "a" * (v - len(s)) for s in strings if 0 < len(s) <= v] + ["a" * v]
    if keyword == "pattern":
        return strings, []
    if keyword in ("enum", "const"):
        options = v if keyword == "enum" else [v]
        return ["not-an-option", "Not-An-Option", 0, True, *[s for s in strings if s not in options]], list(options)
    if keyword == "minItems":
        return [[]], []
    items = sub.get("items") if isinstance(sub.get("items"), dict) else {}
    pool = [*items.get("enum", []), *strings]
    if keyword == "maxItems":
        return [pool[:v + 1], [pool[0]] * (v + 1), ["a"] * (v + 1), [1] * (v + 1)], []
    if keyword == "uniqueItems":
        return [[s, s] for s in pool] + [[1, 1]], []
    return [], []


def case_for(root: dict[str, Any], pointer: str, keyword: str, strings: list[str]) -> dict[str, Any] | None:
    sub = node(root, pointer)
    loose = {k: v for k, v in sub.items() if k != keyword}
    bads, goods = _candidates(sub, keyword, strings)
    bad = next((b for b in bads if not accepts(root, sub, b) and accepts(root, loose, b)), None)
    case: dict[str, Any] = {"pointer": pointer, "keyword": keyword, "bad": bad}
    if bad is None:
        # other keywords refuse every candidate too: this one is redundant (dropping it changes nothing)
        case["bad"] = next((b for b in bads if not accepts(root, sub, b)), None)
        if case["bad"] is None:
            return None
        case["redundant"] = True
    good = next((g for g in goods if accepts(root, sub, g)), None)
    if good is not None:
        case["good"] = good
    return case


def generate() -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for path in schema_files():
        root = json.loads(path.read_text())
        strings = _strings(path.parent)
        cases = []
        for pointer, keyword in constraints(root):
            case = case_for(root, pointer, keyword, strings)
            cases.append(case or {"pointer": pointer, "keyword": keyword, "bad": None})
        out[str(path.relative_to(ROOT))] = cases
    return out


def load() -> dict[str, list[dict[str, Any]]]:
    return dict(json.loads(FIXTURE.read_text()))


if __name__ == "__main__":
    FIXTURE.parent.mkdir(exist_ok=True)
    FIXTURE.write_text(json.dumps(generate(), indent=1, ensure_ascii=False) + "\n")
    missing = [(f, c["pointer"], c["keyword"]) for f, cs in load().items() for c in cs if c["bad"] is None]
    print(f"wrote {FIXTURE}; {len(missing)} constraint(s) need a hand-written case:")
    for m in missing:
        print("  ", *m)
