"""Lint: the real `ct lint` (helm lint --strict with each ci/ file, yamllint with ci/lintconf.yaml,
yamale with ci/chart_schema.yaml), plus what ct cannot do here: `helm lint` of the library chart
(ct excludes it: it can't be installed) and the version bump of changed charts against the
merge-base (ct checks it only for charts it sees changed against its target branch, which on
main's own CI is none)."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from chartops import ct
from chartops.charts import Chart
from chartops.helm import Helm
from chartops.paths import repo_root
from chartops.render import KUBE_VERSION, clean_stderr


@dataclass(frozen=True)
class Finding:
    chart: str
    check: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.chart}: {self.check} failed ({self.where}):\n  " + self.message.replace("\n", "\n  ")


def library_lint_command(helm: Helm, chart: Chart) -> list[str]:
    return [str(helm.path), "lint", str(chart.path), "--strict", "--kube-version", KUBE_VERSION, "--quiet"]


def commands(helm: Helm, charts: list[Chart], select: bool = False) -> list[list[str]]:
    """What `ct_lint` runs, for `invoke --dry` (ct runs in a scratch git copy of charts/ and ci/)."""
    apps = [c.name for c in charts if not c.is_library]
    found = [ct.lint_command(apps if select else None)] if apps else []
    return found + [library_lint_command(helm, c) for c in charts if c.is_library]


# ct's closing summary: ` ✔︎ name => (version: ...)` or ` ✖︎ name => ...`
_SUMMARY = re.compile(r"^\s*(✔︎|✖︎)\s+(\S+) =>", re.M)


def ct_lint(helm: Helm, charts: Iterable[Chart], root: Path | None = None, select: bool = False) -> list[Finding]:
    charts = list(charts)
    found: list[Finding] = []
    apps = [c.name for c in charts if not c.is_library]
    if apps:
        proc = ct.run(ct.lint_command(apps if select else None), helm.path, root)
        out = clean_stderr(proc.stdout + "\n" + proc.stderr)
        failed = {name for mark, name in _SUMMARY.findall(proc.stdout + proc.stderr) if mark == "✖︎"}
        for name in sorted(failed & set(apps)):
            found.append(Finding(name, "ct lint", "ci/ct.yaml", _section(out, name)))
        if proc.returncode != 0 and not failed:
            found.append(Finding("ct", "ct lint", "ci/ct.yaml", out[-4000:]))
    for chart in charts:
        if chart.is_library:
            lib = subprocess.run(library_lint_command(helm, chart), capture_output=True, text=True, check=False)
            if lib.returncode != 0:
                found.append(Finding(chart.name, "helm lint", "defaults", clean_stderr(lib.stdout + lib.stderr)))
    return found


def _section(out: str, name: str) -> str:
    """ct's output about one chart (from its first 'Linting chart' line), or the tail."""
    lines = [line for line in out.splitlines() if f"charts/{name}" in line or "Error" in line or "[ERROR]" in line]
    return "\n".join(lines[-40:]) or out[-3000:]


def _git(root: Path, *args: str) -> str | None:
    proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None


def merge_base(root: Path, target: str = "main") -> str | None:
    """The commit to compare against, or None when there is no such base (then the check is skipped)."""
    head = _git(root, "rev-parse", "HEAD")
    base = _git(root, "merge-base", "HEAD", target)
    return base if base and base != head else None


def semver_key(version: str) -> tuple[int, int, int, int, str]:
    core, _, pre = version.split("+", 1)[0].partition("-")
    major, minor, patch = (int(x) for x in core.split("."))
    return major, minor, patch, 0 if pre else 1, pre


def version_bumps(charts: Iterable[Chart], root: Path | None = None, target: str = "main") -> list[Finding]:
    """Charts changed since the merge-base with `target` must carry a higher version than there."""
    root = root or repo_root()
    base = merge_base(root, target)
    if base is None:
        return []
    found = []
    for chart in charts:
        rel = chart.path.relative_to(root)
        if not _git(root, "diff", "--name-only", base, "--", str(rel)):
            continue
        old_text = _git(root, "show", f"{base}:{rel}/Chart.yaml")
        if old_text is None:
            continue  # a new chart
        old = str(yaml.safe_load(old_text)["version"])
        if semver_key(chart.version) <= semver_key(old):
            message = f"chart changed since {base[:12]} but version {chart.version} is not above {old}; bump it"
            found.append(Finding(chart.name, "version bump", "Chart.yaml", message))
    return found
