"""Upstream key maps: for each chart, every key of the upstream chart users would otherwise pick,
and what it becomes here.

The maps live beside this module as `maps/<chart>.yaml`, one per chart, and are the project's own
data (facts about the upstream charts' keys, written here). Each entry of `keys` is one upstream key
(a dotted path; a `*` in a segment matches any name) and one of:

* `our.key` or `{to: our.key}`: the value (the whole subtree under the key) moves there;
  `{to: ..., transform: NAME, with: {...}}` when its shape or unit changes (chartops.upstream.transforms);
* `{unsupported: REASON}`: this chart has no such feature; the chart README's "Not supported, and why"
  section lists the key. `inert` lists the values that lose nothing when dropped (default: empty,
  false, null, or a map whose `enabled`/`create` is false; `inert: all` when no value loses anything);
* `{fixed: VALUE, why: REASON}`: this chart always behaves as VALUE; any other value is not carried over;
* `{dropped: REASON}`: the setting has no meaning here (it tunes what this chart does another way, such
  as the Bitnami image's user id or its resource presets); named when set, unless `inert`.

Any entry may add `when: {key: UPSTREAM KEY, equals: VALUE, why: REASON}`: it applies only when that
upstream key is set (to VALUE), as upstream ignores the key otherwise (named with `why` when given).
A mapped entry may add:

* `check: TEXT`, printed when the key is carried over (something to do by hand);
* `unset: [VALUES]`, the values by which upstream means "not set" (such as 0);
* `unless: {VALUE: REASON}`, values that do not carry over (named with the reason);
* `default: VALUE` (upstream's default) when ours has no default that behaves the same: a values file
  that leaves the key out relied on it, so the migration writes it.

A key of ours with dots in a segment is written `annotations["metallb.io/loadBalancerIPs"]`.

`chartops.upstream.table` turns a map into the README's feature table and `chartops.upstream.migrate`
rewrites a values file written for the upstream chart (`invoke values-from-upstream`).
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

MAPS_DIR = Path(__file__).with_name("maps")
_SEGMENT = re.compile(r'([^.\[\]"]+)|\[(\d*)\]|\["([^"]+)"\]')


class KeyMapError(ValueError):
    """A key map file is malformed."""


@dataclass(frozen=True)
class Rule:
    key: str
    to: str | None = None
    transform: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    unsupported: str | None = None
    dropped: str | None = None
    unless: dict[Any, str] = field(default_factory=dict)
    inert: tuple[Any, ...] | None = None
    inert_all: bool = False
    unset: tuple[Any, ...] = ()
    fixed: Any = None
    has_fixed: bool = False
    why: str = ""
    note: str = ""
    default: Any = None
    has_default: bool = False
    when: dict[str, Any] = field(default_factory=dict)
    check: str = ""

    @property
    def kind(self) -> str:
        if self.unsupported is not None:
            return "unsupported"
        if self.dropped is not None:
            return "dropped"
        if self.has_fixed:
            return "fixed"
        return "transform" if self.transform else "to"

    @property
    def pattern(self) -> tuple[str, ...]:
        return tuple(self.key.split("."))


@dataclass(frozen=True)
class Upstream:
    name: str
    source: str
    version: str
    app_version: str


@dataclass(frozen=True)
class KeyMap:
    chart: str
    upstream: Upstream
    rules: tuple[Rule, ...]

    def exact(self, path: tuple[str, ...]) -> Rule | None:
        """The rule written for this path (the most literal one when patterns overlap)."""
        hits = [r for r in self.rules if _matches(r.pattern, path)]
        hits.sort(key=lambda r: sum(seg.count("*") for seg in r.pattern))
        return hits[0] if hits else None

    def has_rules_below(self, path: tuple[str, ...]) -> bool:
        return any(len(r.pattern) > len(path) and _matches(r.pattern[: len(path)], path) for r in self.rules)

    def order(self, key: str) -> int:
        for i, rule in enumerate(self.rules):
            if rule.key == key:
                return i
        return len(self.rules)


def _matches(pattern: tuple[str, ...], path: tuple[str, ...]) -> bool:
    return len(pattern) == len(path) and all(
        fnmatch.fnmatchcase(seg, pat) if "*" in pat else seg == pat for pat, seg in zip(pattern, path, strict=True)
    )


def split_path(path: str) -> list[str | int | None]:
    """`a.b[0].c` -> ['a', 'b', 0, 'c']; `a[].b` -> ['a', None, 'b'] (any item, for docs and checks)."""
    parts: list[str | int | None] = []
    for name, index, quoted in _SEGMENT.findall(path):
        if name or quoted:
            parts.append(name or quoted)
        else:
            parts.append(int(index) if index else None)
    return parts


def _rule(key: str, spec: Any, where: str) -> Rule:
    if isinstance(spec, str):
        return Rule(key=key, to=spec)
    if not isinstance(spec, dict):
        raise KeyMapError(f"{where}: {key}: expected our key or a mapping, got {spec!r}")
    known = {"to", "transform", "with", "unsupported", "inert", "fixed", "why", "note", "default", "unset",
             "dropped", "unless", "when", "check"}
    unknown = set(spec) - known
    if unknown:
        raise KeyMapError(f"{where}: {key}: unknown fields {sorted(unknown)} (known: {sorted(known)})")
    kinds = [k for k in ("to", "unsupported", "fixed", "dropped") if k in spec]
    if len(kinds) != 1:
        raise KeyMapError(f"{where}: {key}: needs exactly one of to, unsupported, fixed, dropped "
                          f"(has {kinds or 'none'})")
    for reason in ("unsupported", "dropped"):
        if reason in spec and not str(spec[reason]).strip():
            raise KeyMapError(f"{where}: {key}: `{reason}` needs its reason")
    if "transform" in spec and "to" not in spec:
        raise KeyMapError(f"{where}: {key}: a transform needs `to`")
    if "fixed" in spec and not spec.get("why"):
        raise KeyMapError(f"{where}: {key}: `fixed` needs `why`")
    if ("check" in spec or "unless" in spec) and "to" not in spec:
        raise KeyMapError(f"{where}: {key}: `check` and `unless` go with `to`")
    if "when" in spec and "key" not in (spec["when"] or {}):
        raise KeyMapError(f"{where}: {key}: `when` needs `key`")
    if "default" in spec and ("to" not in spec or "*" in key):
        raise KeyMapError(f"{where}: {key}: `default` goes with `to` on a literal key")
    args = spec.get("with") or {}
    if not isinstance(args, dict):
        raise KeyMapError(f"{where}: {key}: `with` must be a mapping")
    inert = spec.get("inert")
    if inert is not None and inert != "all" and not isinstance(inert, list):
        raise KeyMapError(f"{where}: {key}: `inert` is a list of values or `all`")
    return Rule(
        key=key,
        to=spec.get("to"),
        transform=spec.get("transform"),
        args=args,
        unsupported=str(spec["unsupported"]) if "unsupported" in spec else None,
        dropped=str(spec["dropped"]) if "dropped" in spec else None,
        unless=dict(spec.get("unless") or {}),
        when=dict(spec.get("when") or {}),
        check=str(spec.get("check", "")),
        inert=tuple(inert) if isinstance(inert, list) else None,
        inert_all=inert == "all",
        unset=tuple(spec.get("unset") or ()),
        fixed=spec.get("fixed"),
        has_fixed="fixed" in spec,
        why=str(spec.get("why", "")),
        note=str(spec.get("note", "")),
        default=spec.get("default"),
        has_default="default" in spec,
    )


def parse(data: Any, where: str) -> KeyMap:
    if not isinstance(data, dict):
        raise KeyMapError(f"{where}: not a mapping")
    up = data.get("upstream") or {}
    keys = data.get("keys")
    if not isinstance(keys, dict) or not keys:
        raise KeyMapError(f"{where}: `keys` must be a non-empty mapping")
    for field_name in ("name", "source", "version", "appVersion"):
        if not up.get(field_name):
            raise KeyMapError(f"{where}: upstream.{field_name} is missing")
    return KeyMap(
        chart=str(data.get("chart", "")),
        upstream=Upstream(str(up["name"]), str(up["source"]), str(up["version"]), str(up["appVersion"])),
        rules=tuple(_rule(str(k), v, where) for k, v in keys.items()),
    )


def available() -> list[str]:
    """Charts that have a key map."""
    return sorted(p.stem for p in MAPS_DIR.glob("*.yaml"))


@cache
def load(chart: str) -> KeyMap:
    path = MAPS_DIR / f"{chart}.yaml"
    if not path.is_file():
        raise KeyError(chart)
    keymap = parse(yaml.safe_load(path.read_text()), str(path))
    if keymap.chart != chart:
        raise KeyMapError(f"{path}: chart is {keymap.chart!r}, expected {chart!r}")
    return keymap


def resolve(name: str) -> str:
    """Our chart for a name: ours (mysql) or the upstream chart's (tigera-operator, eck-elasticsearch)."""
    charts = available()
    if name in charts:
        return name
    for chart in charts:
        if load(chart).upstream.name == name:
            return chart
    raise KeyError(
        f"no key map for {name!r}; charts: {', '.join(charts)} "
        f"(or their upstream names: {', '.join(load(c).upstream.name for c in charts)})"
    )
