"""The README feature table: every upstream key and what it is here, generated from the key map.

It sits between `<!-- upstream-keys:start -->` and `<!-- upstream-keys:end -->` in a section
"Coming from the upstream chart" before "## Values"; `invoke docs` adds the section when it is
missing and keeps it current. The chart's own "Not supported, and why" section (written by hand)
must list every key the map calls unsupported: `not_supported_keys` reads it.
"""

from __future__ import annotations

import fnmatch
import json
import re

from chartops.upstream import KeyMap, Rule
from chartops.upstream.transforms import describe, outputs

START = "<!-- upstream-keys:start -->"
END = "<!-- upstream-keys:end -->"
HEADING = "## Coming from the upstream chart"
NOT_SUPPORTED = re.compile(r"^## Not supported\b.*$", re.MULTILINE)
_TICKED = re.compile(r"`([^`]+)`")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _value(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)


def _notes(rule: Rule) -> list[str]:
    """What the table says about an entry beside where it goes."""
    notes: list[str] = []
    if rule.kind == "unsupported":
        notes.append(str(rule.unsupported))
    elif rule.kind == "dropped":
        notes.append(str(rule.dropped))
    elif rule.kind == "fixed":
        notes.append(rule.why)
    elif rule.transform:
        notes.append(describe(rule))
    if rule.when:
        cond = f"`{rule.when['key']}: {_value(rule.when['equals'])}`" if "equals" in rule.when \
            else f"`{rule.when['key']}` set"
        notes.append(f"only with {cond}")
    if rule.check:
        notes.append(f"check: {rule.check}")
    notes += [f"`{_value(v)}` is not carried over ({why})" for v, why in rule.unless.items()]
    if rule.unset:
        values = ", ".join(f"`{_value(v)}`" for v in rule.unset)
        notes.append(f"{values} counts as that" if rule.kind == "fixed" else f"{values} means unset")
    if rule.has_default:
        notes.append(f"left out, it is upstream's default `{_value(rule.default)}`, which is written (ours differs)")
    if rule.note:
        notes.append(rule.note)
    return notes


def rows(keymap: KeyMap) -> list[tuple[str, str, str]]:
    """(upstream key, our key or what happens, note) per entry of the key map, in its order."""
    out: list[tuple[str, str, str]] = []
    for rule in keymap.rules:
        if rule.kind == "unsupported":
            ours = "not supported"
        elif rule.kind == "dropped":
            ours = "—"
        elif rule.kind == "fixed":
            ours = f"fixed: `{_value(rule.fixed)}`"
        else:
            ours = ", ".join(f"`{t}`" for t in outputs(rule))
        out.append((f"`{rule.key}`", ours, "; ".join(n for n in _notes(rule) if n)))
    return out


def body(keymap: KeyMap) -> str:
    up = keymap.upstream
    lines = [
        f"Each key of the upstream chart `{up.name}` {up.version} (app {up.app_version}; {up.source}) and where "
        f"it went. `invoke values-from-upstream --chart {keymap.chart} --from old-values.yaml` rewrites a values "
        "file written for the upstream chart and names every key it could not carry over. Generated from "
        f"`chartops/upstream/maps/{keymap.chart}.yaml` by `invoke docs`.",
        "",
        "| upstream key | here | note |",
        "|---|---|---|",
    ]
    lines += [f"| {_cell(k)} | {_cell(o)} | {_cell(n)} |" for k, o, n in rows(keymap)]
    return "\n".join(lines)


def splice(readme: str, keymap: KeyMap) -> str:
    """README with the table current; the section is added before `## Values` when missing."""
    text = body(keymap)
    if START in readme and END in readme:
        head, rest = readme.split(START, 1)
        _, tail = rest.split(END, 1)
        return f"{head}{START}\n{text}\n{END}{tail}"
    section = f"{HEADING}\n\n{START}\n{text}\n{END}\n\n"
    match = re.search(r"^## Values\s*$", readme, re.MULTILINE)
    if match:
        return readme[: match.start()] + section + readme[match.start():]
    return readme.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n"


def not_supported_keys(readme: str) -> list[str]:
    """The keys (backticked, first column) of the README's "Not supported, and why" table."""
    match = NOT_SUPPORTED.search(readme)
    if not match:
        return []
    section = readme[match.end():]
    nxt = re.search(r"^## ", section, re.MULTILINE)
    section = section[: nxt.start()] if nxt else section
    keys: list[str] = []
    for line in section.splitlines():
        if not line.startswith("|") or line.startswith("|---"):
            continue
        # the keys before any "(...)" remark; `key: value` names one value of a key, `key[]` its items
        first = line.strip("|").split("|", 1)[0].split("(", 1)[0]
        keys += [t.split(":")[0].strip().removesuffix("[]") for t in _TICKED.findall(first)]
    return keys


def covered(key: str, listed: list[str]) -> bool:
    """The README lists this upstream key: itself, a parent, or a `prefix.*` / glob naming it."""
    for item in listed:
        pattern = item.split(" ")[0]
        if pattern == key or key.startswith(pattern + "."):
            return True
        if pattern.endswith(".*") and (key == pattern[:-2] or key.startswith(pattern[:-1])):
            return True
        if "*" in pattern and fnmatch.fnmatchcase(key, pattern):
            return True
        if "*" in key and fnmatch.fnmatchcase(pattern, key):
            return True
    return False
