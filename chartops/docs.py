"""Chart READMEs: the values table generated from `# --` comments in values.yaml, and the
upstream feature table generated from the chart's key map (chartops/upstream).

A key documented as

    # -- Registry that replaces the registry of every image.
    imageRegistry: ""

becomes a row (key, type, default, description) of the table between the
`<!-- values-table:start -->` and `<!-- values-table:end -->` markers. The same
module keeps every chart's `global` schema equal to charts/common/global.schema.json, and
the shared definitions a schema refers to (`#/definitions/common.*`: labels, quantities,
cron schedules, tolerations...) equal to charts/common/definitions.schema.json.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from chartops import upstream
from chartops.charts import Chart
from chartops.paths import charts_dir
from chartops.upstream import table as upstream_table

START = "<!-- values-table:start -->"
END = "<!-- values-table:end -->"
KEY_LINE = re.compile(r"^(?P<indent>\s*)(?P<key>[A-Za-z0-9_.\-/]+|\"[^\"]+\"|'[^']+'):(?:\s|$)")


@dataclass(frozen=True)
class Row:
    key: str
    type: str
    default: str
    description: str


class DocsError(ValueError):
    """values.yaml or README.md can't be documented as they are."""


def _deref(schema: dict[str, Any], node: Any) -> Any:
    ref = node.get("$ref") if isinstance(node, dict) else None
    if isinstance(ref, str) and ref.startswith("#/definitions/"):
        return (schema.get("definitions") or {}).get(ref.removeprefix("#/definitions/"), node)
    return node


def _schema_type(schema: dict[str, Any], path: list[str]) -> str | None:
    node: Any = schema
    for part in path:
        if not isinstance(node, dict):
            return None
        node = _deref(schema, (node.get("properties") or {}).get(part))
        if node is None:
            return None
    if isinstance(node, dict):
        t = node.get("type")
        if isinstance(t, list):
            return "/".join(str(x) for x in t)
        if t:
            return str(t)
        if "enum" in node:
            return "enum"
    return None


def json_type(value: Any) -> str:
    """The JSON Schema type name of a parsed YAML/JSON value."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def _lookup(values: Any, path: list[str]) -> Any:
    node = values
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _default(value: Any) -> str:
    text = json.dumps(value, separators=(",", ":"), default=str)
    if len(text) > 80:
        text = text[:77] + "..."
    return f"`{text}`"


def parse(values_text: str, schema: dict[str, Any] | None = None) -> list[Row]:
    """Rows for every key that carries a `# --` comment, in file order."""
    values = yaml.safe_load(values_text) or {}
    rows: list[Row] = []
    stack: list[tuple[int, str]] = []
    pending: list[str] | None = None
    in_list_at: int | None = None
    for line in values_text.splitlines():
        stripped = line.strip()
        if stripped.startswith("# --"):
            pending = [stripped[4:].strip()]
            continue
        if stripped.startswith("#"):
            if pending is not None:
                pending.append(stripped.lstrip("#").strip())
            continue
        if not stripped:
            continue
        indent = len(line) - len(line.lstrip())
        if in_list_at is not None and indent > in_list_at:
            pending = None
            continue  # inside a list item: documented by the list key
        in_list_at = None
        if stripped.startswith("- "):
            in_list_at = indent - 1
            pending = None
            continue
        match = KEY_LINE.match(line)
        if not match:
            pending = None
            continue
        key = match.group("key").strip("\"'")
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, key))
        path = [k for _, k in stack]
        value = _lookup(values, path)
        if isinstance(value, list) and value:
            in_list_at = indent
        if pending is not None:
            kind = _schema_type(schema or {}, path) or json_type(value)
            description = " ".join(p for p in pending if p)
            rows.append(Row(".".join(path), kind, _default(value), description))
            pending = None
    return rows


def table(rows: list[Row]) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["| Key | Type | Default | Description |", "|---|---|---|---|"]
    lines += [f"| `{cell(r.key)}` | {cell(r.type)} | {cell(r.default)} | {cell(r.description)} |" for r in rows]
    return "\n".join(lines)


def splice(readme: str, body: str, where: str = "README.md") -> str:
    if START not in readme or END not in readme:
        raise DocsError(f"{where} lacks the {START} / {END} markers")
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{body}\n{END}{tail}"


def canonical_global() -> dict[str, Any]:
    return dict(json.loads((charts_dir() / "common" / "global.schema.json").read_text()))


def canonical_definitions() -> dict[str, Any]:
    return dict(json.loads((charts_dir() / "common" / "definitions.schema.json").read_text())["definitions"])


SHARED_REF = re.compile(r'"\$ref": "#/definitions/(common\.[^"]+)"')


def with_shared_definitions(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with exactly the common.* definitions it refers to (directly or through another)."""
    shared = canonical_definitions()
    own = {k: v for k, v in (schema.get("definitions") or {}).items() if not k.startswith("common.")}
    wanted: set[str] = set()
    todo = SHARED_REF.findall(json.dumps({k: v for k, v in schema.items() if k != "definitions"} | {"d": own}))
    while todo:
        name = todo.pop()
        if name in wanted or name not in shared:
            continue
        wanted.add(name)
        todo += SHARED_REF.findall(json.dumps(shared[name]))
    definitions = own | {name: shared[name] for name in sorted(wanted)}
    out = {k: (definitions if k == "definitions" else v) for k, v in schema.items()}
    if definitions and "definitions" not in out:
        out["definitions"] = definitions
    if not definitions:
        out.pop("definitions", None)
    return out


def expected_files(chart: Chart) -> dict[Path, str]:
    """README.md and values.schema.json as they should be."""
    schema_path = chart.path / "values.schema.json"
    schema = json.loads(schema_path.read_text()) if schema_path.exists() else {}
    out: dict[Path, str] = {}
    if schema:
        schema.setdefault("properties", {})["global"] = canonical_global()
        schema = with_shared_definitions(schema)
        out[schema_path] = json.dumps(schema, indent=2) + "\n"
    readme_path = chart.path / "README.md"
    readme = readme_path.read_text() if readme_path.exists() else f"# {chart.name}\n\n## Values\n\n{START}\n{END}\n"
    rows = parse((chart.path / "values.yaml").read_text(), schema)
    readme = splice(readme, table(rows), str(readme_path))
    if chart.name in upstream.available():
        readme = upstream_table.splice(readme, upstream.load(chart.name))
    out[readme_path] = readme
    return out


def stale(chart: Chart) -> list[Path]:
    return [p for p, text in expected_files(chart).items() if not p.exists() or p.read_text() != text]


def write(chart: Chart) -> list[Path]:
    changed = stale(chart)
    for path, text in expected_files(chart).items():
        if path in changed:
            path.write_text(text)
    return changed


def undocumented(values_text: str) -> list[str]:
    """Leaf keys (outside lists) with no `# --` comment on them or on a parent."""
    documented = {r.key for r in parse(values_text)}
    values = yaml.safe_load(values_text) or {}
    missing: list[str] = []

    def walk(node: Any, path: list[str]) -> None:
        key = ".".join(path)
        if path and key in documented:
            return
        if isinstance(node, dict) and node:
            for k, v in node.items():
                walk(v, path + [str(k)])
        elif path and path[0] != "global":
            missing.append(key)

    walk(values, [])
    return missing

