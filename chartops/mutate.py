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
COPIED = ("charts", "chartops", "tests", "values", "docs", "pyproject.toml", "tasks.py", "README.md")
# chartops modules that are the mutation tester itself or only measure speed (the test bed,
# chartops/testbed/, is not mutated either: it is tested against live planes, which mutation runs exclude)
NOT_MUTATED = {"__init__.py", "mutate.py", "bench.py"}
# cross-cutting test modules, filtered with -k <chart> for a chart's mutants
# (they render the chart's ci scenarios, which its own tests then reuse from the cache: run them first)
CROSS_CUTTING = ("test_schema_cases.py", "test_wiring.py", "test_rbac.py", "test_policy.py", "test_defaults.py",
                 "test_boundaries.py", "test_validate_cases.py", "test_passthrough.py", "test_schema.py")
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

    def text(self) -> str:
        lines = [f"mutants: {len(self.outcomes)}, killed: {self.killed}, survived: {len(self.survivors)}, "
                 f"kill rate: {self.rate:.1%}, {self.seconds:.0f} s"]
        per: dict[str, Counter[bool]] = {}
        for o in self.outcomes:
            per.setdefault(o.mutant.target, Counter())[o.killed] += 1
        lines += [f"  {t}: {c[True]}/{c[True] + c[False]} killed" for t, c in sorted(per.items())]
        if self.baseline_failures:
            lines.append(f"failing before any mutation, so deselected: {', '.join(self.baseline_failures)}")
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
    return dest


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
    return Outcome(m, proc.returncode != 0, time.monotonic() - start, failed[0] if failed else "")


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
    text = path.read_text().split("\nsurvivors:\n", 1)[-1]
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
