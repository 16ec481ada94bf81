"""`invoke bench`: how long renders take, and how many helm processes a test run starts.

Not a test: it prints figures. Render times are the median wall time of
several uncached `helm template` runs of each (chart, scenario).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from chartops.charts import Scenario, scenarios
from chartops.helm import Helm
from chartops.paths import repo_root
from chartops.render import Request

# One helm template of the umbrella with the lab overlay must beat half the time the five
# upstream charts take when rendered one by one (0.56 s on the 2-core reference machine).
PLATFORM_BUDGET_S = 0.28
PLATFORM_SUBCHARTS = ("metallb", "ingress-nginx", "nfs-subdir-provisioner", "coredns", "calico")


@dataclass(frozen=True)
class Timing:
    scenario: Scenario
    median_s: float
    ok: bool


def time_render(helm: Helm, scn: Scenario, runs: int, root: Path) -> Timing:
    req = Request(root / "charts" / scn.chart, values_files=tuple(root / f for f in scn.values_files))
    cmd = req.command(helm, None)
    samples, ok = [], True
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, check=False)
        samples.append(time.perf_counter() - start)
        ok = ok and proc.returncode == 0
    return Timing(scn, statistics.median(samples), ok)


def render_times(helm: Helm, runs: int = 5, chart: str | None = None, root: Path | None = None) -> list[Timing]:
    root = root or repo_root()
    return [time_render(helm, s, runs, root) for s in scenarios(root) if chart in (None, s.chart)]


@dataclass(frozen=True)
class SuiteCount:
    helm_processes: int
    distinct_renders: int
    seconds: float
    exit_code: int


def count_suite_renders(root: Path | None = None, extra_args: tuple[str, ...] = (),
                        wrap: Callable[[list[str]], list[str]] | None = None) -> SuiteCount:
    """Run the test suite with a fresh render cache and count helm processes vs distinct renders.
    `wrap` runs it elsewhere, e.g. inside the cluster tier's network namespace."""
    root = root or repo_root()
    with tempfile.TemporaryDirectory(prefix="chartops-bench-") as cache:
        env = dict(os.environ, CHARTOPS_RENDER_CACHE=cache)
        argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra_args]
        start = time.perf_counter()
        proc = subprocess.run(wrap(argv) if wrap else argv, cwd=root, env=env, capture_output=True, text=True,
                              check=False)
        seconds = time.perf_counter() - start
        log = Path(cache) / "helm-calls.log"
        calls = len(log.read_text().splitlines()) if log.exists() else 0
        distinct = len(list(Path(cache).glob("*.json")))
    return SuiteCount(calls, distinct, seconds, proc.returncode)


def report(timings: list[Timing]) -> str:
    lines = [f"{'scenario':60} {'median':>8}"]
    lines += [f"{t.scenario.id:60} {t.median_s:8.3f}" + ("" if t.ok else "  (render failed)") for t in timings]
    return "\n".join(lines)


# --- large inputs: renders whose checks must stay linear -----------------------------

LARGE_BUDGET_S = 10.0


@dataclass(frozen=True)
class LargeTiming:
    label: str
    wall_s: float
    cpu_s: float
    ok: bool


def eck_namespaces(count: int, restricted: bool) -> dict[str, object]:
    """eck-operator values managing `count` namespaces; restricted renders a Role and a RoleBinding in each."""
    names = [f"team-{i:05d}" for i in range(count)]
    if not restricted:
        return {"config": {"managedNamespaces": names}}
    return {"rbac": {"profile": "restricted"}, "webhook": {"enabled": False}, "crds": {"enabled": False},
            "config": {"managedNamespaces": names, "validateStorageClass": False, "exposedNodeLabels": [],
                       "metrics": {"port": 9090}}}


def time_values(helm: Helm, chart: str, values: dict[str, object], label: str, root: Path) -> LargeTiming:
    """One uncached render of generated values: wall time, and helm's CPU time (user + system)."""
    import json
    import resource

    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="chartops-bench-") as f:
        json.dump(values, f)
        f.flush()
        cmd = Request(root / "charts" / chart, values_files=(Path(f.name),)).command(helm, None)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, check=False)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return LargeTiming(label, wall, cpu, proc.returncode == 0)


def large_input_times(helm: Helm, root: Path | None = None) -> list[LargeTiming]:
    root = root or repo_root()
    return [
        time_values(helm, "eck-operator", eck_namespaces(10_000, restricted=False),
                    "eck-operator: 10,000 managed namespaces", root),
        time_values(helm, "eck-operator", eck_namespaces(10_000, restricted=True),
                    "eck-operator: 10,000 managed namespaces, restricted (20,000 Roles/RoleBindings)", root),
    ]


def large_report(timings: list[LargeTiming]) -> str:
    lines = [f"{'large input':80} {'wall':>7} {'cpu':>7}"]
    for t in timings:
        verdict = "" if t.ok else "  (render failed)"
        if t.ok and t.cpu_s >= LARGE_BUDGET_S:
            verdict = f"  OVER the {LARGE_BUDGET_S:.0f} s budget"
        lines.append(f"{t.label:80} {t.wall_s:7.2f} {t.cpu_s:7.2f}{verdict}")
    return "\n".join(lines)
