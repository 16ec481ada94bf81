"""Chart discovery: which charts exist, their metadata and ci/ scenarios."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from chartops.paths import charts_dir


@dataclass(frozen=True)
class Chart:
    path: Path

    @property
    def name(self) -> str:
        return self.path.name

    @cached_property
    def meta(self) -> dict[str, Any]:
        data = yaml.safe_load((self.path / "Chart.yaml").read_text())
        return data if isinstance(data, dict) else {}

    @property
    def version(self) -> str:
        return str(self.meta.get("version", ""))

    @property
    def is_library(self) -> bool:
        return self.meta.get("type") == "library"

    @property
    def scenarios(self) -> list[Path]:
        """ci/*-values.yaml, the chart-testing convention."""
        return sorted((self.path / "ci").glob("*-values.yaml"))

    @property
    def dependencies(self) -> list[str]:
        return [str(d["name"]) for d in self.meta.get("dependencies") or []]


def discover(root: Path | None = None) -> list[Chart]:
    """Every chart under charts/, libraries included, in dependency order (dependencies first)."""
    found = {p.parent.name: Chart(p.parent) for p in sorted(charts_dir(root).glob("*/Chart.yaml"))}
    ordered: list[Chart] = []

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if name in trail:
            raise ValueError(f"dependency cycle: {' -> '.join(trail + (name,))}")
        chart = found.get(name)
        if chart is None or chart in ordered:
            return
        for dep in chart.dependencies:
            visit(dep, trail + (name,))
        ordered.append(chart)

    for name in found:
        visit(name, ())
    return ordered


def get(name: str, root: Path | None = None) -> Chart:
    for chart in discover(root):
        if chart.name == name:
            return chart
    known = ", ".join(c.name for c in discover(root))
    raise KeyError(f"no chart named {name!r} under charts/ (known: {known})")


def applications(root: Path | None = None) -> list[Chart]:
    """Charts that render objects (not libraries)."""
    return [c for c in discover(root) if not c.is_library]


@dataclass(frozen=True)
class Scenario:
    """One render the suite checks: a chart with values files (repo-relative paths)."""

    chart: str
    values_files: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        if not self.values_files:
            return f"{self.chart}:defaults"
        names = (Path(f).name.removesuffix(".yaml").removesuffix("-values") for f in self.values_files)
        return f"{self.chart}:" + "+".join(names)


BASE_OVERLAY = "values/lab.yaml"


def overlay_target(path: Path, chart_names: list[str]) -> str | None:
    """values/<env>.yaml targets the platform umbrella; values/apps/<chart>-<env>.yaml targets <chart>."""
    if path.parent.name == "apps":
        matches = [n for n in chart_names if path.stem == n or path.name.startswith(f"{n}-")]
        return max(matches, key=len) if matches else None
    return "platform" if "platform" in chart_names else None


def scenarios(root: Path | None = None) -> list[Scenario]:
    """Every ci/ scenario of every chart (defaults where a chart has none), and every overlay under values/.

    Environment overlays other than lab.yaml are layered on values/lab.yaml, as users run them.
    """
    base = root or charts_dir().parent
    charts = applications(root)
    names = [c.name for c in charts]
    found: list[Scenario] = []
    for chart in charts:
        files = chart.scenarios
        if files:
            found += [Scenario(chart.name, (str(f.relative_to(base)),)) for f in files]
        else:
            found.append(Scenario(chart.name))
    values_dir = base / "values"
    for path in sorted(values_dir.rglob("*.yaml")) if values_dir.is_dir() else []:
        if path.parent.name == "sites":
            continue  # site files (chartops.sites), not values: `invoke sites` renders what they name
        target = overlay_target(path, names)
        if target is None:
            continue
        rel = str(path.relative_to(base))
        if path.parent == values_dir and rel != BASE_OVERLAY and (base / BASE_OVERLAY).exists():
            found.append(Scenario(target, (BASE_OVERLAY, rel)))
        else:
            found.append(Scenario(target, (rel,)))
    return found
