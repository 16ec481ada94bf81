"""Mutation testing: plant one realistic bug at a time and see whether the suite notices.

Each mutant changes one line (or drops one list item) of a chart template or
helper, a values schema, a bash script or a chartops module. It is applied in
a throwaway copy of the repository, never in the work tree, and the tests that
render or import what changed run there with an empty render cache. A mutant
the tests still pass on is a survivor: a bug the suite would let through.

Operators skip lines whose change only breaks syntax (helm would refuse every
render): those are killed by any test and say nothing about the suite.
"""

from __future__ import annotations

import difflib
import json
import os
import queue
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chartops.paths import repo_root

# what a throwaway copy needs to run the tests
COPIED = ("charts", "chartops", "tests", "values", "docs", "pyproject.toml", "tasks.py", "README.md", "released.yaml")
# chartops modules that are the mutation tester itself or only measure speed (the test bed,
# chartops/testbed/, is not mutated either: it is tested against live planes, which mutation runs exclude)
NOT_MUTATED = {"__init__.py", "mutate.py", "bench.py"}
# cross-cutting test modules, filtered with -k <chart> for a chart's mutants
# (they render the chart's ci scenarios, which its own tests then reuse from the cache: run them first)
CROSS_CUTTING = ("test_schema_cases.py", "test_wiring.py", "test_rbac.py", "test_policy.py", "test_namespaces.py",
                 "test_crds.py", "test_defaults.py", "test_boundaries.py", "test_validate_cases.py",
                 "test_passthrough.py", "test_schema.py")
TIMEOUT_S = 600


@dataclass(frozen=True)
class Mutant:
    path: str  # repo-relative
    line: int  # 1-based first line changed
    operator: str
    old: tuple[str, ...]  # the lines replaced
    new: tuple[str, ...]  # what replaces them

    @property
    def id(self) -> str:
        return f"{self.path}:{self.line}:{self.operator}"

    @property
    def target(self) -> str:
        """The chart name, or 'chartops'."""
        parts = Path(self.path).parts
        return parts[1] if parts[0] == "charts" else "chartops"

    def apply(self, text: str) -> str:
        lines = text.splitlines(keepends=True)
        start = self.line - 1
        old = [ln.rstrip("\n") for ln in lines[start:start + len(self.old)]]
        if tuple(old) != self.old:
            raise ValueError(f"{self.id}: the file changed since the mutant was planned")
        lines[start:start + len(self.old)] = [ln + "\n" for ln in self.new]
        return "".join(lines)

    def relocated(self, text: str) -> Mutant | None:
        """The same mutant after lines moved in the file (others' edits), when its lines occur once."""
        lines = text.splitlines()
        n = len(self.old)
        starts = [i for i in range(len(lines) - n + 1) if tuple(lines[i:i + n]) == self.old]
        if len(starts) != 1:
            return None
        return Mutant(self.path, starts[0] + 1, self.operator, self.old, self.new)

    def as_json(self) -> dict[str, object]:
        return {"path": self.path, "line": self.line, "operator": self.operator, "old": list(self.old),
                "new": list(self.new)}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Mutant:
        return cls(str(d["path"]), int(d["line"]), str(d["operator"]), tuple(d["old"]), tuple(d["new"]))

    def diff(self) -> str:
        a = [f"-{ln}" for ln in self.old]
        b = [f"+{ln}" for ln in self.new]
        return f"--- {self.path}:{self.line} ({self.operator})\n" + "\n".join(a + b)


# --- operators ----------------------------------------------------------------

TPL_CONTROL = re.compile(r"^\s*\{\{-?\s*(?:if|else|end|range|with|define|block)\b")
TPL_COMMENT = re.compile(r"^\s*(?:#|\{\{-?\s*/\*)")
TPL_ACTION = re.compile(r"\{\{.*?\}\}")
NUMBER = re.compile(r"(?<![\w.\-/%$])\d+(?![\w.\-/%:])")
BOOL = re.compile(r"\b(true|false)\b")
TPL_COMPARE = {"eq": "ne", "ne": "eq", "lt": "le", "le": "lt", "gt": "ge", "ge": "gt", "and": "or", "or": "and"}
RBAC_LIST = re.compile(r"^(\s*-?\s*(?:verbs|resources|apiGroups):\s*)\[(.*)\]\s*$")
DROPPED_BLOCKS = ("volumeMounts", "volumes", "ports", "containerPorts", "env")
OPENERS = re.compile(r"\{\{-?\s*(?:if|range|with|define|block)\b")
ENDS = re.compile(r"\{\{-?\s*end\b")


def _sub_each(line: str, pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str | None]) -> Iterator[str]:
    """One new line per match of pattern, with only that match replaced."""
    for m in pattern.finditer(line):
        new = repl(m)
        if new is not None and new != m.group(0):
            yield line[:m.start()] + new + line[m.end():]


def _bump(m: re.Match[str]) -> str:
    return str(int(m.group(0)) + 1)


def _flip(m: re.Match[str]) -> str:
    return "false" if m.group(0) == "true" else "true"


def _in_action(line: str, pos: int) -> bool:
    return any(a.start() <= pos < a.end() for a in TPL_ACTION.finditer(line))


STRING = re.compile(r'"(?:[^"\\]|\\.)*"' + r"|'(?:[^'\\]|\\.)*'")


def _in_string(line: str, pos: int) -> bool:
    return any(s.start() <= pos < s.end() for s in STRING.finditer(line))


def _code_matches(line: str, pattern: str) -> Iterator[re.Match[str]]:
    """Matches outside string literals."""
    return (m for m in re.finditer(pattern, line) if not _in_string(line, m.start()))


def _comment_lines(lines: list[str]) -> set[int]:
    """Indexes of lines inside {{/* ... */}} comments."""
    inside, found = False, set()
    for i, line in enumerate(lines):
        opens, closes = "/*" in line, "*/" in line
        if inside or opens:
            found.add(i)
        if opens and not closes:
            inside = True
        elif closes:
            inside = False
    return found


def template_mutants(path: str, lines: list[str]) -> Iterator[Mutant]:
    comments = _comment_lines(lines)
    for i, line in enumerate(lines):
        n, stripped = i + 1, line.strip()
        if not stripped or i in comments or TPL_COMMENT.match(line) or stripped.startswith("description:"):
            continue
        def one(op: str, new: str, n: int = n, line: str = line) -> Mutant:
            return Mutant(path, n, op, (line,), (new,))

        fails = [m for m in _code_matches(line, r"\bfail\b|\binclude\s+\"common\.fail\"")
                 if _in_action(line, m.start())]
        whole_action = bool(re.fullmatch(r"\s*\{\{.*\}\}\s*", line)) and not TPL_CONTROL.match(line)
        if fails and whole_action:
            yield Mutant(path, n, "drop fail", (line,), ())
        elif fails:
            for m in fails:
                if m.group(0) == "fail":
                    yield one("drop fail", line[:m.start()] + 'printf "%.0s"' + line[m.end():])
        elif not TPL_CONTROL.match(line) and not stripped.endswith(":") \
                and not re.match(r"(apiVersion|kind):", line):
            yield Mutant(path, n, "delete line", (line,), ())
        if not re.search(r"apiVersion|image|version", line, re.I):
            for m in _code_matches(line, NUMBER.pattern):
                if not re.search(r"indent\s+$", line[:m.start()]):
                    yield one("change number", line[:m.start()] + _bump(m) + line[m.end():])
        for m in _code_matches(line, BOOL.pattern):
            yield one("flip boolean", line[:m.start()] + _flip(m) + line[m.end():])
        for m in _code_matches(line, r"\b(eq|ne|lt|le|gt|ge|and|or)\b"):
            if _in_action(line, m.start()):
                yield one("swap comparison", line[:m.start()] + TPL_COMPARE[m.group(1)] + line[m.end():])
        for m in re.finditer(r'\brequired\s+(?:"(?:[^"\\]|\\.)*"|\(printf\s+"(?:[^"\\]|\\.)*"[^()]*\))\s+', line):
            yield one("drop required", line[:m.start()] + line[m.end():])
        rbac = RBAC_LIST.match(line)
        if rbac and "{{" not in rbac.group(2):
            items = [s.strip() for s in rbac.group(2).split(",") if s.strip()]
            if len(items) > 1:
                for k in range(len(items)):
                    kept = items[:k] + items[k + 1:]
                    yield one("drop RBAC item", f"{rbac.group(1)}[{', '.join(kept)}]")
    yield from _block_mutants(path, lines)
    yield from _name_mutants(path, lines, comments)
    yield from _lookup_mutants(path, lines, comments)
    yield from _script_mutants(path, lines)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _block_mutants(path: str, lines: list[str]) -> Iterator[Mutant]:
    """Drop one whole list item under volumeMounts/volumes/ports/env (a mount, a volume, a port)."""
    for i, line in enumerate(lines):
        m = re.match(r"^\s*(?:- )?(" + "|".join(DROPPED_BLOCKS) + r"):\s*$", line)
        if not m:
            continue
        key_indent = _indent(line)
        j = i + 1
        while j < len(lines):
            item = lines[j]
            if not item.strip() or TPL_CONTROL.match(item):
                j += 1
                continue
            is_item = item.lstrip().startswith("- ")
            if _indent(item) < key_indent or (_indent(item) == key_indent and not is_item):
                break
            if not is_item:
                j += 1
                continue
            end = j + 1
            while end < len(lines) and lines[end].strip() and _indent(lines[end]) > _indent(item):
                end += 1
            block = lines[j:end]
            text = "\n".join(block)
            if len(OPENERS.findall(text)) == len(ENDS.findall(text)):
                yield Mutant(path, j + 1, f"drop {m.group(1)} item", tuple(block), ())
            j = end


# --- names that tie objects together: selectors and labels, port names, env names ---

YAML_PAIR = re.compile(r"^(\s*(?:- )?)([\w./-]+):[ \t]+(.*?)\s*$")
LABEL_PARENTS = {"labels", "matchLabels", "selector", "podLabels", "commonLabels"}
LITERAL_NAME = re.compile(r"^(['\"]?)([A-Za-z0-9][-A-Za-z0-9_.]*)\1$")


def _ancestors(lines: list[str], i: int) -> list[str]:
    """The YAML keys enclosing line i, innermost first ("-" for a list item), ignoring template lines.
    A list item may sit at its parent key's own indentation (`ports:` then `- name: http`)."""
    out: list[str] = []
    line = lines[i]
    limit, item = _indent(line), line.lstrip().startswith("- ")
    for j in range(i - 1, -1, -1):
        above = lines[j]
        if not above.strip() or TPL_CONTROL.match(above) or TPL_COMMENT.match(above) or above.strip().startswith("{{"):
            continue
        indent, is_item = _indent(above), above.lstrip().startswith("- ")
        key = re.match(r"^\s*(?:- )?([\w./-]+):", above)
        if indent < limit or (item and indent == limit and not is_item and above.rstrip().endswith(":")):
            if is_item:
                out.append("-")
            if key and (above.rstrip().endswith(":") or not is_item):
                out.append(key.group(1))
            elif key and is_item:
                pass  # `- name: x` holding this line: its parent comes next
            limit, item = indent, is_item
            if indent == 0 and not is_item:
                break
    return out


def _define_name(lines: list[str], i: int) -> str:
    for j in range(i, -1, -1):
        m = re.match(r'\s*\{\{-?\s*define\s+"([^"]+)"', lines[j])
        if m:
            return m.group(1)
        if re.match(r"\s*\{\{-?\s*end\s*-?\}\}\s*$", lines[j]) and j < i and _indent(lines[j]) == 0:
            return ""
    return ""


def _item_keys(lines: list[str], i: int) -> set[str]:
    """The keys of the list item line i belongs to (flow `- {a: 1}` items included)."""
    start = i
    while start > 0 and not lines[start].lstrip().startswith("- ") and _indent(lines[start - 1]) >= _indent(lines[i]):
        start -= 1
    if lines[start].lstrip().startswith("- {"):
        return set(re.findall(r"([\w]+):", lines[start]))
    head = lines[start]
    indent = _indent(head) + 2
    keys = set(re.findall(r"^\s*-\s+([\w]+):", head))
    for line in lines[start + 1:]:
        if not line.strip() or TPL_CONTROL.match(line):
            continue
        if _indent(line) != indent or line.lstrip().startswith("- "):
            if _indent(line) < indent:
                break
            continue
        m = re.match(r"^\s*([\w]+):", line)
        if m:
            keys.add(m.group(1))
    return keys


def _renamed(name: str, suffix: str, limit: int = 63) -> str:
    return (name + suffix) if len(name) + len(suffix) <= limit else name[:limit - len(suffix)] + suffix


def _name_mutants(path: str, lines: list[str], comments: set[int]) -> Iterator[Mutant]:
    """A selector or label value changed; a port name changed (where named, and where referred to
    by name); an env var's name changed."""
    for i, line in enumerate(lines):
        pair = YAML_PAIR.match(line)
        if i in comments or not pair or TPL_COMMENT.match(line):
            continue
        lead, key, value = pair.groups()
        if not value or value.startswith(("|", ">", "[")) or re.match(r"\{(?!\{)", value) or value.endswith(":"):
            continue
        n = i + 1
        parents = _ancestors(lines, i)
        inner = next((k for k in parents if k != "-"), "")
        define = _define_name(lines, i)
        literal = LITERAL_NAME.match(value)
        if "/" in key and not lead.strip() and (inner in LABEL_PARENTS or (not inner and re.search(
                r"label|selector", define, re.I))):
            changed = (f"{literal.group(1)}{_renamed(literal.group(2), '-x')}{literal.group(1)}" if literal
                       else re.sub(r"\s*\|\s*quote\s*\}\}$", ' | printf "%s-x" | quote }}', value)
                       if re.search(r"\|\s*quote\s*\}\}$", value)
                       else value + "-x" if value.endswith("}}") else None)
            if changed is not None:
                yield Mutant(path, n, "change label", (line,), (f"{lead}{key}: {changed}",))
        if not literal:
            continue
        quote, name = literal.groups()
        if key == "name" and (inner == "ports" or (lead.strip() == "-" and _item_keys(lines, i) & {
                "containerPort", "targetPort", "hostPort"})) and not name.isdigit():
            yield Mutant(path, n, "change port name", (line,),
                         (f"{lead}{key}: {quote}{_renamed(name, 'x', 15)}{quote}",))
        elif key in ("targetPort", "port") and not name.isdigit() and re.fullmatch(r"[a-z][-a-z0-9]*", name):
            yield Mutant(path, n, "change port name", (line,),
                         (f"{lead}{key}: {quote}{_renamed(name, 'x', 15)}{quote}",))
        elif key == "name" and lead.strip() == "-" and re.fullmatch(r"[A-Z_][A-Z0-9_]*", name) and (
                inner == "env" or _item_keys(lines, i) & {"value", "valueFrom"}):
            yield Mutant(path, n, "change env name", (line,), (f"{lead}{key}: {quote}{name}_X{quote}",))


def _lookup_mutants(path: str, lines: list[str], comments: set[int]) -> Iterator[Mutant]:
    """A `lookup` dropped: the call answers an empty dict, as if the cluster held nothing."""
    for i, line in enumerate(lines):
        if i in comments:
            continue
        for m in re.finditer(r"\blookup\s", line):
            if not _in_action(line, m.start()) or _in_string(line, m.start()):
                continue
            depth, end = 0, len(line)
            for k in range(m.end(), len(line)):
                ch = line[k]
                if ch == "(":
                    depth += 1
                elif ch == ")":
                    if depth == 0:
                        end = k
                        break
                    depth -= 1
                elif depth == 0 and (ch == "|" or line.startswith(("}}", "-}}"), k) or line.startswith(" -}}", k)):
                    end = k
                    break
            tail = line[end:]
            yield Mutant(path, i + 1, "drop lookup", (line,), (line[:m.start()] + "dict" + (" " if tail.startswith(
                "|") else "") + tail,))


# --- `|| true` added: a failing command of a script no longer stops it ---

SH_NO_STATUS = re.compile(r"^\s*(?:echo|printf|log|exit|exec|return|local|export|readonly|declare|set|shift|trap|"
                          r"umask|:|true|false|sleep|unset)(?:\s|$)|^\s*[A-Za-z_]\w*\+?=(?![^#]*\$\((?!\())")
CLOSERS = re.compile(r"^(?:fi|esac|done|;;|else|elif)\b|^[^\s()]+\)$")


def _status_used(lines: list[str], i: int) -> bool:
    """Is line i's exit status what its function, condition or script answers? True when it is the
    last command before `}` or the end of the script (through the `fi`/`esac` of enclosing
    branches), or the condition before `do`/`then`."""
    indent = _indent(lines[i])
    rest = [(j, ln.strip()) for j, ln in enumerate(lines) if j > i and ln.strip() and not ln.strip().startswith("#")]
    if not rest:
        return True
    j, following = rest[0]
    if following.startswith("}") or re.match(r"(?:do|then)\b", following):
        return True
    if not CLOSERS.match(following) or following.startswith("done"):
        return False
    end = next(((k, ln) for k, ln in rest if _indent(lines[k]) < indent and re.match(r"(?:fi|esac)\b", ln)), None)
    return end is not None and _status_used(lines, end[0])


def _swallowable(lines: list[str], i: int, errexit: bool, quoted: bool) -> bool:
    """Would `|| true` change what this line's failure does? Under errexit, any command's failure
    stops the script; without it, only where the status is used: the last command of a function,
    block or script, or a condition (the line before `do`/`then`)."""
    line, stripped = lines[i], lines[i].strip()
    if quoted or not stripped or stripped.startswith("#") or BASH_SKIP.match(line) or SH_NO_STATUS.match(line):
        return False
    if stripped.endswith(("\\", "|", "&&", "||", "{", "(", "do", "then", ";;", "<<EOF")) or "||" in stripped \
            or stripped.startswith(("}", ")")) or re.match(r"[\w|*-]+\)", stripped):
        return False
    return errexit or _status_used(lines, i)


def _quoted_lines(lines: list[str]) -> set[int]:
    """Lines that start inside a single-quoted string (PHP or SQL handed to a command)."""
    inside, found = False, set()
    for i, line in enumerate(lines):
        if inside:
            found.add(i)
        if line.lstrip().startswith("#") and not inside:
            continue
        if line.count("'") % 2:
            inside = not inside
    return found


def _or_true(path: str, lines: list[str], offset: int, errexit: bool) -> Iterator[Mutant]:
    quoted = _quoted_lines(lines)
    continued = False
    for i, line in enumerate(lines):
        last_of_continued = continued and not line.rstrip().endswith("\\")
        continued = line.rstrip().endswith("\\")
        if _swallowable(lines, i, errexit, i in quoted) and (not continued or last_of_continued):
            yield Mutant(path, offset + i + 1, "add || true", (line,), (line.rstrip() + " || true",))


def _script_mutants(path: str, lines: list[str]) -> Iterator[Mutant]:
    """`|| true` on the lines of shell scripts written into a template (`args: [- |]` under a
    /bin/sh or bash command); `-e` in the command or `set -e` in the script is errexit."""
    for i, line in enumerate(lines):
        if not re.match(r"^\s*(?:- |[\w-]+: )\|-?\s*$", line):
            continue
        context = "\n".join(lines[max(0, i - 4):i])
        shell = re.search(r"command:.*\b(?:sh|bash)\b[^\n]*", context)
        if not shell and not re.search(r"\.sh:\s*\|", line):
            continue
        body_indent, end = None, i + 1
        while end < len(lines):
            if lines[end].strip():
                if body_indent is None:
                    body_indent = _indent(lines[end])
                elif _indent(lines[end]) < body_indent:
                    break
            end += 1
        body = lines[i + 1:end]
        errexit = bool(shell and re.search(r"-\w*e", shell.group(0))) or any(
            re.match(r"\s*set\s+-\w*e", ln) for ln in body)
        yield from _or_true(path, body, i + 1, errexit)


SCHEMA_DROPPED = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
                  "pattern", "enum", "minItems", "maxItems", "uniqueItems", "required", "format", "const",
                  "minProperties", "maxProperties", "not", "propertyNames")
SCHEMA_NUMBERS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
                  "minItems", "maxItems", "minProperties", "maxProperties")


def schema_mutants(path: str, lines: list[str]) -> Iterator[Mutant]:
    for i, line in enumerate(lines):
        m = re.match(r'^\s*"([A-Za-z$]+)"\s*:\s*(.*?)\s*$', line)
        if not m:
            continue
        key, value = m.group(1), m.group(2)
        n = i + 1
        if key in SCHEMA_DROPPED and not value.endswith(("{", "[")):
            # drop the line; when it was the last member, drop the comma before it too
            if not value.endswith(",") and i > 0 and lines[i - 1].rstrip().endswith(","):
                prev = lines[i - 1].rstrip()[:-1]
                yield Mutant(path, i, f"drop schema {key}", (lines[i - 1], line), (prev,))
            else:
                yield Mutant(path, n, f"drop schema {key}", (line,), ())
        if key in SCHEMA_NUMBERS:
            for new in _sub_each(line, NUMBER, _bump):
                yield Mutant(path, n, f"change schema {key}", (line,), (new,))
        if key in ("additionalProperties", "uniqueItems") and value.rstrip(",") in ("true", "false"):
            yield Mutant(path, n, f"flip schema {key}", (line,), (BOOL.sub(_flip, line, count=1),))
        if key in ("required", "enum") and value.startswith("["):
            items = re.findall(r'"(?:[^"\\]|\\.)*"|[^,\[\]\s]+', value.rstrip(",")[1:-1])
            if len(items) > 1:
                for k in range(len(items)):
                    kept = items[:k] + items[k + 1:]
                    tail = "," if value.endswith(",") else ""
                    new = line[:m.start(2)] + "[" + ", ".join(kept) + "]" + tail
                    yield Mutant(path, n, f"drop {key} item", (line,), (new,))


BASH_SKIP = re.compile(r"^\s*(?:#|fi\b|then\b|else\b|elif\b|done\b|do\b|esac\b|;;|\}|\{|[\w-]+\s*\(\)\s*\{|set -|"
                       r"case\b|if\b|while\b|for\b|until\b)")
BASH_COMPARE = {"-lt": "-le", "-le": "-lt", "-gt": "-ge", "-ge": "-gt", "-eq": "-ne", "-ne": "-eq",
                "==": "!=", "!=": "==", "-z": "-n", "-n": "-z", "&&": "||", "||": "&&"}


def bash_mutants(path: str, lines: list[str]) -> Iterator[Mutant]:
    for i, line in enumerate(lines):
        n, stripped = i + 1, line.strip()
        if not stripped or stripped.startswith("#") or i == 0:
            continue
        def one(op: str, new: str, n: int = n, line: str = line) -> Mutant:
            return Mutant(path, n, op, (line,), (new,))

        if not BASH_SKIP.match(line) and not stripped.endswith(("\\", "<<EOF", "{")):
            yield Mutant(path, n, "delete line", (line,), ())
        for new in _sub_each(line, NUMBER, _bump):
            yield one("change number", new)
        for m in re.finditer(r"(?<![\w-])(-lt|-le|-gt|-ge|-eq|-ne|-z|-n)(?=\s)|\s(==|!=|&&|\|\|)\s", line):
            op = m.group(1) or m.group(2)
            start = m.start(1) if m.group(1) else m.start(2)
            yield one("swap comparison", line[:start] + BASH_COMPARE[op] + line[start + len(op):])
    errexit = any(re.match(r"\s*set\s+-\w*e", ln) for ln in lines)
    yield from _or_true(path, lines, 0, errexit)


PY_COMPARE = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "==", "and": "or", "or": "and",
              "in": "not in", "not in": "in", "is": "is not", "is not": "is"}
PY_SKIP = re.compile(r"^\s*(?:#|@|def |class |import |from |return$|\"\"\"|'''|else:|try:|finally:|except\b|elif |if |"
                     r"for |while |with |\)|\]|\})")


def python_mutants(path: str, lines: list[str]) -> Iterator[Mutant]:
    in_doc = False
    for i, line in enumerate(lines):
        n, stripped = i + 1, line.strip()
        quotes = stripped.count('"""') + stripped.count("'''")
        if in_doc or (quotes == 1):
            in_doc = in_doc != (quotes == 1)
            continue
        if not stripped or stripped.startswith(("#", '"""', "'''")):
            continue
        code = line.split("  #", 1)[0]
        def one(op: str, new: str, n: int = n, line: str = line) -> Mutant:
            return Mutant(path, n, op, (line,), (new,))

        if not PY_SKIP.match(line) and not stripped.endswith((":", "(", "[", "{", ",", "\\")) \
                and _indent(line) > 0:
            yield Mutant(path, n, "delete line", (line,), ())
        for m in _code_matches(code, NUMBER.pattern):
            yield one("change number", line[:m.start()] + _bump(m) + line[m.end():])
        for m in _code_matches(code, r"\b(True|False)\b"):
            if re.search(r"\b(?:frozen|strict|flush)=$", code[:m.start()]):
                continue  # equivalent by construction: nothing writes the fields, zips equal lengths, flushes
            flipped = "False" if m.group(1) == "True" else "True"
            yield one("flip boolean", line[:m.start()] + flipped + line[m.end():])
        for m in _code_matches(code, r"(?<=\s)(<=|>=|==|!=|<|>|and|or|not in|is not|in|is)(?=\s)"):
            if m.group(1) == "in" and re.match(r"\s*for\b", code) and "for " in code[:m.start()]:
                continue
            if m.group(1) == "in" and re.search(r"\bfor\s+[\w, ()]+\s$", code[:m.start()]):
                continue  # the `in` of a comprehension
            yield one("swap comparison", line[:m.start()] + PY_COMPARE[m.group(1)] + line[m.end():])


def _compiles(m: Mutant, text: str) -> bool:
    try:
        compile(m.apply(text), m.path, "exec")
        return True
    except SyntaxError:
        return False


def _valid_json(m: Mutant, text: str) -> bool:
    try:
        json.loads(m.apply(text))
        return True
    except json.JSONDecodeError:
        return False


# --- what gets mutated, and which tests judge it --------------------------------


def target_files(root: Path, chart: str | None = None) -> list[Path]:
    """Templates and helpers (not CRDs, not NOTES), schemas, bash scripts, chartops modules."""
    found: list[Path] = []
    for chart_dir in sorted((root / "charts").iterdir()):
        if not (chart_dir / "Chart.yaml").is_file() or (chart and chart_dir.name != chart):
            continue
        templates = chart_dir / "templates"
        found += sorted(p for p in templates.rglob("*") if p.suffix in (".yaml", ".tpl")
                        and "crds" not in p.relative_to(templates).parts) if templates.is_dir() else []
        found += sorted(chart_dir.glob("*.schema.json"))
        found += sorted((chart_dir / "files").rglob("*.sh")) if (chart_dir / "files").is_dir() else []
    if chart in (None, "chartops"):
        found += sorted(p for p in (root / "chartops").glob("*.py") if p.name not in NOT_MUTATED)
    return found


def mutants_of(root: Path, path: Path) -> list[Mutant]:
    rel = str(path.relative_to(root))
    text = path.read_text()
    lines = text.splitlines()
    if path.suffix == ".json":
        return [m for m in schema_mutants(rel, lines) if _valid_json(m, text)]
    if path.suffix == ".sh":
        return list(bash_mutants(rel, lines))
    if path.suffix == ".py":
        return [m for m in python_mutants(rel, lines) if _compiles(m, text)]
    return list(template_mutants(rel, lines))


def all_mutants(root: Path, chart: str | None = None) -> list[Mutant]:
    seen: set[tuple[str, int, tuple[str, ...]]] = set()
    found = []
    for path in target_files(root, chart):
        for m in mutants_of(root, path):
            key = (m.path, m.line, m.new)
            if key not in seen:
                seen.add(key)
                found.append(m)
    return found


def sample(mutants: list[Mutant], n: int | None, seed: int) -> list[Mutant]:
    if n is None or n >= len(mutants):
        return list(mutants)
    return sorted(random.Random(seed).sample(mutants, n), key=lambda m: (m.path, m.line))


def embedding(root: Path) -> dict[str, set[str]]:
    """chart -> charts that vendor it through a charts/ symlink (directly or not)."""
    parents: dict[str, set[str]] = {}
    for link in (root / "charts").glob("*/charts/*"):
        if link.is_symlink():
            parents.setdefault(link.name, set()).add(link.parent.parent.name)
    return parents


def _test_module(name: str) -> str:
    return "test_" + name.replace("-", "_") + ".py"


def _importers(root: Path, module: str) -> list[str]:
    pattern = re.compile(rf"chartops\.{module}\b|from chartops import [^\n]*\b{module}\b")
    found = [p for p in (root / "tests").glob("test_*.py")
             if p.name != "test_mutate.py" and pattern.search(p.read_text())]
    return [p.name for p in sorted(found, key=lambda p: p.stat().st_size)]  # small (fast) ones first


@dataclass(frozen=True)
class Selection:
    """The pytest arguments that judge mutants of one target."""

    files: tuple[str, ...]
    keyword: str | None

    def args(self) -> list[str]:
        out = [f"tests/{f}" for f in self.files]
        return out + (["-k", self.keyword] if self.keyword else [])


def selection(root: Path, m: Mutant) -> Selection:
    tests = root / "tests"

    def exists(f: str) -> bool:
        return (tests / f).is_file()

    if m.target == "chartops":
        module = Path(m.path).stem
        files = _importers(root, module)
        if not files:  # used by the suite only through another module
            users = [p.stem for p in (root / "chartops").glob("*.py")
                     if re.search(rf"from chartops(?:\.{module}| import [^\n]*\b{module}\b)", p.read_text())]
            files = list(dict.fromkeys(f for u in users for f in _importers(root, u)))
        return Selection(tuple(files), None)
    if m.target == "common":
        files = ["test_common.py", *sorted(p.name for p in tests.glob("test_common_*.py")), *CROSS_CUTTING]
        return Selection(tuple(f for f in files if exists(f)), None)
    own = _test_module(m.target)
    files = [*CROSS_CUTTING, own, *sorted(p.name for p in tests.glob(own.removesuffix(".py") + "_*.py"))]
    names = {m.target, m.target.replace("-", "_")}
    return Selection(tuple(f for f in files if exists(f)), " or ".join(sorted(names)))


# --- running ---------------------------------------------------------------------


@dataclass
class Outcome:
    mutant: Mutant
    killed: bool
    seconds: float
    detail: str = ""


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    baseline_failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def killed(self) -> int:
        return sum(o.killed for o in self.outcomes)

    @property
    def rate(self) -> float:
        return self.killed / len(self.outcomes) if self.outcomes else 1.0

    @property
    def survivors(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.killed]

    def timing(self) -> str:
        """Time per mutant (mean, median, slowest) and in total."""
        times = sorted(o.seconds for o in self.outcomes)
        if not times:
            return f"time: {self.seconds:.0f} s in total"
        slowest = max(self.outcomes, key=lambda o: o.seconds)
        return (f"time per mutant: mean {sum(times) / len(times):.1f} s, median {times[len(times) // 2]:.1f} s, "
                f"slowest {slowest.seconds:.1f} s ({slowest.mutant.id}); {self.seconds:.0f} s in total")

    def text(self) -> str:
        lines = [f"mutants: {len(self.outcomes)}, killed: {self.killed}, survived: {len(self.survivors)}, "
                 f"kill rate: {self.rate:.1%}, {self.seconds:.0f} s", self.timing()]
        per: dict[str, Counter[bool]] = {}
        ops: dict[str, Counter[bool]] = {}
        for o in self.outcomes:
            per.setdefault(o.mutant.target, Counter())[o.killed] += 1
            ops.setdefault(o.mutant.operator, Counter())[o.killed] += 1
        lines += [f"  {t}: {c[True]}/{c[True] + c[False]} killed" for t, c in sorted(per.items())]
        lines += ["by operator:"] + [f"  {t}: {c[True]}/{c[True] + c[False]} killed" for t, c in sorted(ops.items())]
        if self.baseline_failures:
            lines.append(f"failing before any mutation, so deselected: {', '.join(self.baseline_failures)}")
        lines.append("\nper mutant:")
        lines += [f"  {'killed  ' if o.killed else 'SURVIVED'} {o.seconds:6.1f} s  {o.mutant.id}"
                  for o in self.outcomes]
        if self.survivors:
            lines.append("\nsurvivors:")
            for o in self.survivors:
                lines += ["", o.mutant.diff() + (f"\n  ({o.detail})" if o.detail else "")]
        return "\n".join(lines) + "\n"


def make_copy(root: Path, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        src = root / name
        if src.is_dir():
            shutil.copytree(src, dest / name, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache", "*.pyc"))
        elif src.is_file():
            shutil.copy2(src, dest / name)
    _borrow_history(root, dest)
    return dest


def _borrow_history(root: Path, dest: Path) -> None:
    """An empty git repository in the copy that reads the checkout's objects (tests that re-make
    released packages run `git archive <commit>`); nothing is copied."""
    common = subprocess.run(["git", "-C", str(root), "rev-parse", "--path-format=absolute", "--git-common-dir"],
                            capture_output=True, text=True, check=False)
    if common.returncode != 0:
        return
    subprocess.run(["git", "init", "-q", str(dest)], capture_output=True, check=True)
    (dest / ".git" / "objects" / "info" / "alternates").write_text(str(Path(common.stdout.strip()) / "objects") + "\n")


def _env(copy: Path, helm: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "CHARTOPS_RENDER_CACHE"))}
    env.pop("KUBECONFIG", None)
    env.update(HELM=helm, PYTHONPATH=str(copy), PYTHONDONTWRITEBYTECODE="1", CI="")
    return env


def run_tests(copy: Path, sel: Selection, helm: str, deselect: Iterable[str] = (),
              timeout: float = TIMEOUT_S, extra: Iterable[str] = (),
              exitfirst: bool = True) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="mutate-cache-") as cache:
        env = _env(copy, helm)
        env["CHARTOPS_RENDER_CACHE"] = cache
        cmd = [sys.executable, "-m", "pytest", *(["-x"] if exitfirst else []), "-q", "-p", "no:cacheprovider",
               "-n", "0", "-m", "not cluster", "-o", "addopts=", "-rf", *sel.args(), *extra]
        for nodeid in deselect:
            cmd += ["--deselect", nodeid]
        return subprocess.run(cmd, cwd=copy, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def _failed_ids(output: str) -> list[str]:
    return [ln.split()[1] for ln in output.splitlines() if ln.startswith(("FAILED ", "ERROR ")) and len(ln.split()) > 1]


def _failing_unmutated(copy: Path, nodeids: list[str], helm: str) -> list[str]:
    """Which of these tests fail on the unmutated copy (then a mutant they "killed" wasn't)."""
    if not nodeids:
        return []
    proc = run_tests(copy, Selection((), None), helm, extra=nodeids, exitfirst=False)
    return [n for n in _failed_ids(proc.stdout) if n in nodeids or n.split("::")[0] in nodeids]


def judge(copy: Path, m: Mutant, sel: Selection, helm: str, deselect: Iterable[str]) -> Outcome:
    if not sel.files:
        return Outcome(m, False, 0.0, "no test imports or renders it")
    target = copy / m.path
    original = target.read_text()
    start = time.monotonic()
    try:
        m.apply(original)
    except ValueError:
        moved = m.relocated(original)
        if moved is None:
            return Outcome(m, False, 0.0, "not judged: the line is no longer in the file")
        m = moved
    try:
        target.write_text(m.apply(original))
        try:
            proc = run_tests(copy, sel, helm, deselect)
        except subprocess.TimeoutExpired:
            return Outcome(m, True, time.monotonic() - start, "timed out")
    finally:
        target.write_text(original)
    failed = _failed_ids(proc.stdout)
    if proc.returncode == 5:
        return Outcome(m, False, time.monotonic() - start, "no test selected")
    detail = failed[0] if failed else CLUSTER_ONLY.get(m.operator, "") if proc.returncode == 0 else ""
    return Outcome(m, proc.returncode != 0, time.monotonic() - start, detail)


# Mutants whose path only a live cluster takes: a survivor says where it is tested instead.
CLUSTER_ONLY = {
    "drop lookup": "helm template never takes a lookup path: the cluster tier does (tests/test_cluster_lifecycle.py "
                   "reinstalls with the kept Secrets), and mutation runs exclude it",
}


def run(mutants: list[Mutant], helm: str, root: Path | None = None, jobs: int = 1, baseline: bool = True,
        progress: Callable[[Outcome], None] | None = None) -> Report:
    """Judge every mutant in throwaway copies of the repository (one per job).

    With `baseline`, the tests that killed mutants are run again, together, on the
    unmutated copy: one that fails there anyway (someone's work in progress) is
    deselected and its mutants judged again, so it can't count as a kill.
    """
    root = root or repo_root()
    report = Report()
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mutate-") as tmp:
        copies: queue.Queue[Path] = queue.Queue()
        for k in range(max(1, jobs)):
            copies.put(make_copy(root, Path(tmp) / f"copy{k}"))
        first = copies.get()
        copies.put(first)
        sels = {m: selection(first, m) for m in mutants}
        lock = threading.Lock()
        todo: queue.Queue[Mutant] = queue.Queue()
        for m in mutants:
            todo.put(m)

        def worker() -> None:
            copy = copies.get()
            while True:
                try:
                    m = todo.get_nowait()
                except queue.Empty:
                    copies.put(copy)
                    return
                out = judge(copy, m, sels[m], helm, report.baseline_failures)
                with lock:
                    report.outcomes.append(out)
                    if progress:
                        progress(out)

        for _ in range(3 if baseline else 1):
            threads = [threading.Thread(target=worker) for _ in range(max(1, jobs))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            if not baseline:
                break
            # the tests that killed mutants, run once more on the unmutated copy: one that fails
            # there anyway (work in progress) is deselected, and its mutants judged again
            killers = sorted({o.detail for o in report.outcomes if o.killed and o.detail.startswith("tests/")})
            broken = _failing_unmutated(first, killers, helm)
            if not broken:
                break
            report.baseline_failures += broken
            again = [o for o in report.outcomes if o.detail in broken]
            report.outcomes = [o for o in report.outcomes if o.detail not in broken]
            for o in again:
                todo.put(o.mutant)
    report.outcomes.sort(key=lambda o: (o.mutant.path, o.mutant.line))
    report.seconds = time.monotonic() - start
    return report


def unified(m: Mutant, root: Path) -> str:
    """A unified diff of the mutant against the file, for humans."""
    text = (root / m.path).read_text()
    return "".join(difflib.unified_diff(text.splitlines(keepends=True), m.apply(text).splitlines(keepends=True),
                                        f"a/{m.path}", f"b/{m.path}", n=1))


def survivors_of(path: Path) -> list[Mutant]:
    """The survivors of an earlier run, from its report's .json or from the report text's diffs."""
    if path.suffix == ".json":
        data = json.loads(path.read_text())
        return [Mutant.from_json(o["mutant"]) for o in data["outcomes"] if not o["killed"]]
    return survivors_of_text(path.read_text())


def survivors_of_text(report: str) -> list[Mutant]:
    """The survivors listed in a report's text, read back from their diffs."""
    text = report.split("\nsurvivors:\n", 1)[1] if "\nsurvivors:\n" in report else ""
    found = []
    for block in re.split(r"\n(?=--- )", text.strip()):
        head = re.match(r"--- (\S+):(\d+) \((.+)\)$", block.splitlines()[0]) if block.strip() else None
        if head:
            body = [ln for ln in block.splitlines()[1:] if ln.startswith(("-", "+"))]
            old = tuple(ln[1:] for ln in body if ln.startswith("-"))
            new = tuple(ln[1:] for ln in body if ln.startswith("+"))
            found.append(Mutant(head.group(1), int(head.group(2)), head.group(3), old, new))
    return found


def main(chart: str | None, sample_size: int | None, seed: int, jobs: int, report_path: Path | None,
         helm: str, threshold: float | None = None, list_only: bool = False, mutants_file: Path | None = None) -> int:
    """The `invoke mutate` body: returns the exit status.

    With a report path, the outcomes also go to <report>.json; `mutants_file` (such a
    file) judges again exactly the survivors listed there, e.g. after adding tests.
    """
    root = repo_root()
    if mutants_file is not None:
        chosen = survivors_of(mutants_file)
    else:
        chosen = sample(all_mutants(root, chart), sample_size, seed)
    if list_only:
        print("\n".join(m.diff() for m in chosen))
        return 0
    print(f"{len(chosen)} mutants, {jobs} job(s)", flush=True)

    def progress(o: Outcome) -> None:
        print(f"{'killed ' if o.killed else 'SURVIVED'} {o.seconds:5.1f}s {o.mutant.id}", flush=True)

    report = run(chosen, helm, root, jobs=jobs, progress=progress)
    text = report.text()
    print("\n" + text)
    if report_path is not None:
        report_path.write_text(text)
        outcomes = [{"mutant": o.mutant.as_json(), "killed": o.killed, "seconds": round(o.seconds, 1),
                     "detail": o.detail} for o in report.outcomes]
        report_path.with_suffix(".json").write_text(json.dumps({"outcomes": outcomes}, indent=1) + "\n")
    return 1 if threshold is not None and report.rate < threshold else 0
