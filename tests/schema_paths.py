"""Every path of a values schema, for the tests that try hostile values at each of them.

A path is a tuple of keys and list indexes (("nodeSets", 0, "resources")). The walk follows
`properties`, `$ref`s to the schema's definitions, list items (index 0, where the chart's values
have a list to hold one) and map values (a sample key, for maps that take any key), and yields
each node with the schema that governs it, so a test can put null, a wrong type or an injection
there and know what the chart must answer.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from chartops.docs import json_type
from tests.helpers import CHARTS, ROOT

Path_ = tuple[str | int, ...]
SKIP = ("global", "common")
SAMPLE_KEYS = ("example.com/sample", "sample", "cpu", "sample.sql")


@dataclass(frozen=True)
class Node:
    path: Path_
    schema: dict[str, Any]
    value: Any  # what the chart's values (defaults and scenario) hold there, or None

    @property
    def types(self) -> list[str]:
        t = self.schema.get("type")
        if isinstance(t, list):
            return [str(x) for x in t]
        if isinstance(t, str):
            return [t]
        if "enum" in self.schema:
            return sorted({json_type(v) for v in self.schema["enum"]})
        return []

    @property
    def free_string(self) -> bool:
        """A string no pattern, enum or const holds to a shape."""
        return "string" in self.types and not any(k in self.schema for k in ("pattern", "enum", "const"))


def schema(chart: str) -> dict[str, Any]:
    return dict(json.loads((CHARTS / chart / "values.schema.json").read_text()))


def deref(node: Any, root: dict[str, Any]) -> dict[str, Any]:
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        node = root.get("definitions", {}).get(node["$ref"].split("/")[-1], {})
    return dict(node) if isinstance(node, dict) else {}


def merged(*layers: Any) -> Any:
    """helm's coalescing of values files: maps merge key by key, anything else replaces."""
    out: Any = None
    for layer in layers:
        if isinstance(out, dict) and isinstance(layer, dict):
            out = dict(out)
            for k, v in layer.items():
                out[k] = merged(out.get(k), v) if k in out else copy.deepcopy(v)
        else:
            out = copy.deepcopy(layer)
    return out


def chart_values(chart: str, files: tuple[str, ...] = ()) -> dict[str, Any]:
    """The values a render with these files sees (the chart's defaults under them)."""
    layers = [yaml.safe_load((CHARTS / chart / "values.yaml").read_text()) or {}]
    layers += [yaml.safe_load((ROOT / f).read_text()) or {} for f in files]
    return dict(merged(*layers))


def walk(root: dict[str, Any], values: Any, node: Any = None, path: Path_ = ()) -> Iterator[Node]:
    """Every node under `node` (default: the whole schema), parents before children."""
    sub = deref(root if node is None else node, root)
    if path:
        yield Node(path, sub, values)
    for key, child in (sub.get("properties") or {}).items():
        if not path and key in SKIP:
            continue
        yield from walk(root, values.get(key) if isinstance(values, dict) else None, child, path + (key,))
    items = sub.get("items")
    if isinstance(items, dict) and isinstance(values, list) and values:
        yield from walk(root, values[0], items, path + (0,))
    extra = sub.get("additionalProperties")
    if isinstance(extra, dict) and not sub.get("properties") and not sub.get("patternProperties"):
        sample = next(iter(values), None) if isinstance(values, dict) and values else None
        key = str(sample) if sample is not None else "sample-key"
        yield from walk(root, values.get(key) if isinstance(values, dict) else None, extra, path + (key,))
    for pattern, child in (sub.get("patternProperties") or {}).items():
        keys = [k for k in (values if isinstance(values, dict) else {}) if re.search(pattern, str(k))]
        key = keys[0] if keys else next((k for k in SAMPLE_KEYS if re.search(pattern, k)), None)
        if key is not None:
            yield from walk(root, values.get(key) if isinstance(values, dict) else None, child, path + (key,))


def put(values: dict[str, Any], path: Path_, value: Any, base: dict[str, Any]) -> None:
    """Set path in values (a values file layered over base): lists are copied whole from base,
    since helm replaces a list rather than merging it."""
    node: Any = values
    base_node: Any = base
    for i, part in enumerate(path[:-1]):
        nxt = path[i + 1]
        base_node = base_node[part] if _has(base_node, part) else None
        if isinstance(nxt, int):
            if not isinstance(node, list) and not _has(node, part):
                node[part] = copy.deepcopy(base_node if isinstance(base_node, list) else [{}])
            elif not isinstance(node[part], list):
                node[part] = copy.deepcopy(base_node if isinstance(base_node, list) else [{}])
            node = node[part]
        else:
            if isinstance(node, list):
                node = node[part]
            else:
                if not isinstance(node.get(part), dict):
                    node[part] = {}
                node = node[part]
    last = path[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


def _has(node: Any, part: str | int) -> bool:
    if isinstance(node, list):
        return isinstance(part, int) and part < len(node)
    return isinstance(node, dict) and part in node


def pointer(path: Path_) -> str:
    """helm's way of naming the path in schema errors: /a/0/b (with ~1 for a '/')."""
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path)


def dotted(path: Path_) -> str:
    """The chart's way of naming the path in its own messages: a.b[0].c"""
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


# The scenario each chart's hostile values are layered on: the one that renders the most of it.
BASE = {
    "calico": "charts/calico/ci/lab-bgp-values.yaml",
    "coredns": "charts/coredns/ci/full-mode-values.yaml",
    "eck-operator": "charts/eck-operator/ci/defaults-values.yaml",
    "elasticsearch": "charts/elasticsearch/ci/defaults-values.yaml",
    "ingress-nginx": "charts/ingress-nginx/ci/defaults-values.yaml",
    "metallb": "charts/metallb/ci/defaults-values.yaml",
    "metrics-server": "charts/metrics-server/ci/defaults-values.yaml",
    "mysql": "charts/mysql/ci/replication-values.yaml",
    "nfs-subdir-provisioner": "charts/nfs-subdir-provisioner/ci/lab-values.yaml",
    "platform": "values/lab.yaml",
    "traefik": "charts/traefik/ci/lab-values.yaml",
    "wordpress": "charts/wordpress/ci/tls-ingress-values.yaml",
}
