"""values-from-upstream: a values file written for the upstream chart, rewritten for ours.

Every key of the input is walked against the chart's key map (chartops.upstream). What maps is
written to our key; what can't is named with the reason; keys the upstream chart does not have are
named too (a typo, or a key of another chart version). The result is checked against our
values.schema.json (merged over our defaults, as helm does), so a value ours refuses is an error
naming the upstream key it came from. Values equal to our defaults are left out.
"""

from __future__ import annotations

import copy
import json
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from chartops.charts import get
from chartops.helm import Helm, clean_stderr
from chartops.render import Request
from chartops.upstream import KeyMap, Rule, load, resolve, split_path
from chartops.upstream.transforms import ACCEPTS_EMPTY, Skip, Unmappable, holds, run

Path_ = tuple[str, ...]


class MigrationError(ValueError):
    """The input can't be migrated (not YAML, not a map, or a value ours refuses)."""


@dataclass(frozen=True)
class Skipped:
    key: str
    value: Any
    reason: str

    def __str__(self) -> str:
        shown = json.dumps(self.value, default=str)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        return f"{self.key} ({shown}): {self.reason}"


@dataclass
class Result:
    chart: str
    values: dict[str, Any]
    skipped: list[Skipped] = field(default_factory=list)
    unknown: list[Skipped] = field(default_factory=list)
    # our key -> the upstream key it came from
    origin: dict[str, str] = field(default_factory=dict)
    # carried over, with something to do by hand
    checks: list[Skipped] = field(default_factory=list)

    def report(self) -> list[str]:
        """The stderr lines: every upstream key not carried over and why, then what to check."""
        lines = [f"not mapped: {s}" for s in self.skipped]
        lines += [f"unknown key: {s}" for s in self.unknown]
        lines += [f"check: {s}" for s in self.checks]
        return lines

    def yaml(self) -> str:
        if not self.values:
            return "{}\n"
        return yaml.dump(self.values, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True)


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (my.cnf, scripts) as literal blocks, as a person writes them."""


def _str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _str)


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == {}


def _inert(rule: Rule, value: Any) -> bool:
    """A value of an unsupported key that loses nothing when dropped."""
    if rule.inert_all:
        return True
    if rule.inert is not None:
        return value in rule.inert or _is_empty(value)
    if _is_empty(value) or value is False or value == []:
        return True
    if isinstance(value, dict):
        for switch in ("enabled", "create", "enable"):
            if value.get(switch) is False:
                return True
        return all(_inert(rule, v) for v in value.values())
    return False


def _contains(fixed: Any, value: Any) -> bool:
    """value says no more than fixed (a map may leave fields out; a switched-off map matches one)."""
    if isinstance(fixed, dict) and isinstance(value, dict):
        for switch in ("enabled", "create"):
            if fixed.get(switch) is False and value.get(switch) is False:
                return True
        return all(k in fixed and _contains(fixed[k], v) for k, v in value.items())
    return bool(fixed == value)


def _set(tree: dict[str, Any], path: str, value: Any) -> Any:
    """Write value at our path; returns what was there before (or the sentinel _MISSING)."""
    parts = split_path(path)
    node: Any = tree
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        nxt = parts[i + 1] if not last else None
        if isinstance(part, int):
            assert isinstance(node, list), path
            while len(node) <= part:
                node.append({} if not isinstance(nxt, int) else [])
            if last:
                before = node[part] if node[part] != {} else _MISSING
                node[part] = value
                return before
            node = node[part]
            continue
        assert isinstance(part, str), path
        if last:
            before = node.get(part, _MISSING)
            node[part] = value
            return before
        if part not in node:
            node[part] = [] if isinstance(nxt, int) else {}
        node = node[part]
    return _MISSING


_MISSING = object()


def _prune(values: Any, defaults: Any) -> Any:
    """Leave out what equals our default (helm merges maps, so it changes nothing)."""
    if not isinstance(values, dict):
        return values
    out: dict[str, Any] = {}
    for key, value in values.items():
        default = defaults.get(key, _MISSING) if isinstance(defaults, dict) else _MISSING
        if default is not _MISSING and value == default:
            continue
        if isinstance(value, dict):
            value = _prune(value, default if isinstance(default, dict) else {})
            if not value:
                continue
        out[key] = value
    return out


def _order(values: Any, defaults: Any) -> Any:
    """Our values.yaml's key order, so the result reads like our chart's own file."""
    if not isinstance(values, dict):
        return values
    rank = {k: i for i, k in enumerate(defaults)} if isinstance(defaults, dict) else {}
    keys = sorted(values, key=lambda k: (rank.get(k, len(rank)), list(values).index(k)))
    return {k: _order(values[k], defaults.get(k) if isinstance(defaults, dict) else None) for k in keys}


def merge(base: Any, over: Any) -> Any:
    """helm's coalesce for values files: maps merge, anything else replaces."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = merge(base.get(k), v) if k in base else v
        return out
    return copy.deepcopy(over)


def _lookup(tree: Any, parts: list[str | int | None]) -> Any:
    node = tree
    for part in parts:
        if isinstance(part, int) and isinstance(node, list) and part < len(node):
            node = node[part]
        elif isinstance(part, str) and isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return _MISSING
    return node


def _below(rule: Rule, suffix: Path_) -> Rule | None:
    """A key's rule from the rule of a key above it (whose other keys have rules of their own)."""
    if rule.kind in ("unsupported", "dropped"):
        return rule
    if rule.kind == "fixed":
        fixed = rule.fixed
        for part in suffix:
            fixed = fixed.get(part) if isinstance(fixed, dict) else None
        return replace(rule, fixed=fixed)
    if rule.kind == "to" and rule.to:
        return replace(rule, to=_join([*split_path(rule.to), *suffix]))
    return None  # a transform reads the whole value: the key is unknown


class _Walk:
    def __init__(self, keymap: KeyMap, source: Mapping[str, Any], defaults: Mapping[str, Any]) -> None:
        self.keymap = keymap
        self.source = source
        self.defaults = defaults
        self.values: dict[str, Any] = {}
        self.origin: dict[str, str] = {}
        self.skipped: list[Skipped] = []
        self.unknown: list[Skipped] = []
        self.checks: list[Skipped] = []
        self.pending: list[tuple[int, Rule, str, Any]] = []
        # our keys a rule emptied on purpose (`with.closes`): upstream ignores the keys below then
        self.closed: list[str] = []

    def walk(self, path: Path_, value: Any, inherited: tuple[Rule, Path_] | None = None) -> None:
        """Find the rule of each key: its own, else that of the nearest key above it with one."""
        rule = self.keymap.exact(path)
        below = self.keymap.has_rules_below(path)
        if isinstance(value, dict) and value and below:
            here = (rule, path) if rule is not None else inherited
            for key, sub in value.items():
                self.walk(path + (str(key),), sub, here)
            return
        key = ".".join(path)
        if rule is None and inherited is not None:
            rule = _below(inherited[0], path[len(inherited[1]):])
        if rule is not None:
            self.pending.append((self.keymap.order(rule.key), rule, key, value))
        elif below and _is_empty(value):
            return
        elif path:
            self.unknown.append(Skipped(key, value, f"not a key of {self._upstream()}"))

    def _upstream(self) -> str:
        up = self.keymap.upstream
        return f"the upstream {up.name} chart {up.version} (a typo, or a key of another version?)"

    def upstream_defaults(self) -> None:
        """Keys left out of the file that relied on an upstream default ours lacks (`default:`)."""
        for rule in self.keymap.rules:
            if rule.has_default and _lookup(self.source, list(rule.pattern)) is _MISSING:
                self.pending.append((self.keymap.order(rule.key), rule, rule.key, copy.deepcopy(rule.default)))

    def apply(self) -> None:
        # key map order, so e.g. a primary's setting wins over the secondary's when ours has one
        for _, rule, key, value in sorted(self.pending, key=lambda p: p[0]):
            self._apply(rule, key, value)

    def _apply(self, rule: Rule, key: str, value: Any) -> None:
        if rule.when and not holds(rule.when, self.source):
            if rule.when.get("why") and not _inert(rule, value):
                self.skipped.append(Skipped(key, value, f"not carried over: {rule.when['why']}"))
            return
        if rule.kind == "unsupported":
            if not _inert(rule, value):
                self.skipped.append(Skipped(key, value, f"not supported: {rule.unsupported}"))
            return
        if rule.kind == "dropped":
            if not _inert(rule, value):
                self.skipped.append(Skipped(key, value, f"not carried over: {rule.dropped}"))
            return
        if not isinstance(value, (dict, list)) and value in rule.unless:
            self.skipped.append(Skipped(key, value, f"not carried over: {rule.unless[value]}"))
            return
        if rule.kind == "fixed":
            if not _is_empty(value) and value not in rule.unset and not _contains(rule.fixed, value):
                fixed = json.dumps(rule.fixed, default=str)
                self.skipped.append(Skipped(key, value, f"fixed here at {fixed}: {rule.why}"))
            return
        if (_is_empty(value) and rule.transform not in ACCEPTS_EMPTY) or value in rule.unset:
            return
        try:
            writes = run(rule, value, self.source)
        except Unmappable as err:
            self.skipped.append(Skipped(key, value, str(err)))
            return
        for write in writes:
            if isinstance(write, Skip):
                self.skipped.append(Skipped(f"{key}: {write.part}", write.value, write.reason))
                continue
            ours, new = write
            if new == {} or any(ours == c or ours.startswith((c + ".", c + "[")) for c in self.closed):
                continue
            if rule.args.get("closes"):
                self.closed.append(ours)
            self._seed_lists(ours)
            if rule.args.get("append") and ours in self.origin:
                # several upstream keys add to one text or list of ours
                new = _lookup(self.values, split_path(ours)) + new
            before = _set(self.values, ours, copy.deepcopy(new))
            if ours in self.origin and before is not _MISSING and before != new and not rule.args.get("append"):
                _set(self.values, ours, before)
                self.skipped.append(Skipped(
                    key, value, f"{ours} is already set from {self.origin.get(ours, '?')} (one value here)"))
                continue
            self.origin.setdefault(ours, key)
            if rule.check and value not in (False, 0) and not any(c.key == key for c in self.checks):
                self.checks.append(Skipped(key, value, rule.check))


    def _seed_lists(self, ours: str) -> None:
        """Writing into item n of a list starts from our default list: helm replaces lists whole, and
        the fields upstream had defaults for (a StorageClass's name) must stay."""
        parts = split_path(ours)
        for i, part in enumerate(parts):
            if isinstance(part, int) and _lookup(self.values, parts[:i]) is _MISSING:
                default = _lookup(self.defaults, parts[:i])
                if isinstance(default, list):
                    _set(self.values, _join(parts[:i]), copy.deepcopy(default))


def _join(parts: list[str | int | None]) -> str:
    """The inverse of split_path."""
    out = ""
    for part in parts:
        if not isinstance(part, str):
            out += f"[{'' if part is None else part}]"
        elif "." in part:
            out += f'["{part}"]'
        else:
            out += f".{part}" if out else part
    return out


def _string_keys(value: Any) -> Any:
    """Map keys as helm sees them: strings (YAML reads `9000:` as a number)."""
    if isinstance(value, dict):
        return {str(k): _string_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_string_keys(v) for v in value]
    return value


def migrate(chart: str, source: Mapping[str, Any]) -> Result:
    """Map upstream values onto ours; raises MigrationError when ours refuses a mapped value."""
    source = _string_keys(dict(source))
    name = resolve(chart)
    keymap = load(name)
    ours = get(name)
    defaults, validator = _chart(ours.path)
    walk = _Walk(keymap, source, defaults)
    walk.walk((), dict(source))
    walk.upstream_defaults()
    walk.apply()
    values = _order(_prune(walk.values, defaults), defaults)
    result = Result(name, values, walk.skipped, walk.unknown, walk.origin, walk.checks)
    refused = check(validator, defaults, values, walk.origin)
    if refused:
        raise MigrationError(
            f"{name}: the chart refuses {len(refused)} mapped value(s):\n" + "\n".join(f"  {r}" for r in refused))
    return result


def _origin_of(path: list[str | int | None], origin: Mapping[str, str]) -> str | None:
    """The upstream key behind an error at our path (the longest recorded key around it)."""
    best: tuple[int, str] | None = None
    for ours, upstream in origin.items():
        parts = split_path(ours)
        n = min(len(parts), len(path))
        if [str(p) for p in parts[:n]] == [str(p) for p in path[:n]] and (best is None or len(parts) > best[0]):
            best = (len(parts), upstream)
    return best[1] if best else None


@cache
def _chart(path: Path) -> tuple[dict[str, Any], jsonschema.protocols.Validator]:
    """Our chart's defaults and its values schema (read once per process)."""
    defaults = yaml.safe_load((path / "values.yaml").read_text()) or {}
    return defaults, jsonschema.Draft7Validator(json.loads((path / "values.schema.json").read_text()))


def check(validator: jsonschema.protocols.Validator, defaults: Mapping[str, Any], values: Mapping[str, Any],
          origin: Mapping[str, str]) -> list[str]:
    """What our schema says about our defaults merged with the mapped values, naming the upstream key."""
    merged = merge(dict(defaults), dict(values))
    found: list[str] = []
    for err in sorted(validator.iter_errors(merged), key=lambda e: [str(p) for p in e.absolute_path]):
        parts: list[str | int | None] = list(err.absolute_path)
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            declared = err.schema.get("properties") if isinstance(err.schema, dict) else None
            extra = sorted(set(err.instance) - set(declared or {}))
            parts += extra[:1]
        where = _origin_of(parts, origin)
        ours = _join(parts) or "(top level)"
        head = f"{where} -> {ours}" if where else ours
        found.append(f"{head}: {err.message}")
    return found


def load_values(path: Path) -> dict[str, Any]:
    """The upstream values file: YAML holding a map (an empty file is an empty map)."""
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as err:
        raise MigrationError(f"{path}: can't be read: {err}") from err
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise MigrationError(f"{path} is not YAML: {str(err).splitlines()[0]}") from err
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise MigrationError(f"{path}: a values file is a map of keys, got {type(data).__name__}")
    return data


def render_command(helm: Helm, chart: str, values_file: Path) -> list[str]:
    """`helm template` of our chart with the migrated values (what --render runs)."""
    return Request(get(chart).path, values_files=(values_file,), release="migrated").command(helm, None)


def render_check(helm: Helm, result: Result) -> str | None:
    """helm's refusal of the migrated values, with the upstream keys it names; None when it renders."""
    with tempfile.TemporaryDirectory(prefix="values-from-upstream-") as tmp:
        values_file = Path(tmp) / "values.yaml"
        values_file.write_text(result.yaml())
        proc = subprocess.run(render_command(helm, result.chart, values_file), capture_output=True, text=True,
                              check=False)
    if proc.returncode == 0:
        return None
    message = clean_stderr(proc.stderr) or f"helm template exited {proc.returncode}"
    named = sorted({up for ours, up in result.origin.items() if ours.split("[")[0] in message})
    if named:
        message += "\n(from the upstream key" + ("s " if len(named) > 1 else " ") + ", ".join(named) + ")"
    return message
