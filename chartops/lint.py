"""The checks `ct lint` runs, without ct: helm lint --strict per scenario,
yamllint, a yamale check of Chart.yaml, and a version bump for changed charts."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import yaml

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


def helm_lint_commands(helm: Helm, chart: Chart) -> list[tuple[str, list[str]]]:
    """(label, argv) for each helm lint run: one per ci/ scenario, or the defaults."""
    base = [str(helm.path), "lint", str(chart.path), "--strict", "--kube-version", KUBE_VERSION, "--quiet"]
    files = chart.scenarios
    if chart.is_library or not files:
        return [("defaults", base)]
    return [(f.name, base + ["--values", str(f)]) for f in files]


def _run(label: str, argv: list[str], chart: str) -> Finding | None:
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    if proc.returncode == 0:
        return None
    return Finding(chart, "helm lint", label, clean_stderr(proc.stdout + proc.stderr))


def helm_lint(helm: Helm, charts: Iterable[Chart], jobs: int = 4) -> list[Finding]:
    work = [(label, argv, c.name) for c in charts for label, argv in helm_lint_commands(helm, c)]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return [f for f in pool.map(lambda w: _run(*w), work) if f is not None]


def yaml_files(chart: Chart) -> list[Path]:
    return [chart.path / "Chart.yaml", chart.path / "values.yaml", *chart.scenarios]


def yamllint(charts: Iterable[Chart], root: Path | None = None) -> list[Finding]:
    from yamllint import linter
    from yamllint.config import YamlLintConfig

    conf = YamlLintConfig(file=str((root or repo_root()) / "ci" / "lintconf.yaml"))
    found = []
    for chart in charts:
        for path in yaml_files(chart):
            if not path.exists():
                continue
            for problem in linter.run(path.read_text(), conf, str(path)):
                if problem.level == "error":
                    found.append(Finding(chart.name, "yamllint", f"{path.name}:{problem.line}", problem.message))
    return found


def chart_schema(charts: Iterable[Chart], root: Path | None = None) -> list[Finding]:
    import yamale

    schema = yamale.make_schema(str((root or repo_root()) / "ci" / "chart_schema.yaml"))
    found = []
    for chart in charts:
        data = yamale.make_data(str(chart.path / "Chart.yaml"))
        try:
            yamale.validate(schema, data, strict=True)
        except yamale.YamaleError as err:
            found.append(Finding(chart.name, "Chart.yaml schema", "Chart.yaml", str(err)))
    return found


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
