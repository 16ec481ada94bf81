"""`invoke bench`: how long renders take, and how many helm processes a test run starts.

Not a test: it prints figures. Render times are the median wall time of
several uncached `helm template` runs of each (chart, scenario).
"""

from __future__ import annotations

import os
import resource
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
# the upgrade tier (its own plane), timed apart from the rest of the cluster tier
UPGRADE_TIER = ("tests/test_upgrade.py", "tests/test_upgrade_guards.py")
# the monitoring tier (its own plane: the Prometheus Operator, Prometheus and the scraped controllers), apart too
MONITORING_TIER = ("tests/test_monitoring.py",)


def cluster_tier_args() -> tuple[str, ...]:
    """pytest arguments of the cluster tier without the upgrade, monitoring and delivery tiers, one worker."""
    return ("-n", "0", "-m", "cluster",
            *(f"--ignore={f}" for f in (*UPGRADE_TIER, *MONITORING_TIER, DELIVERY_MODULE)))


def monitoring_tier_args() -> tuple[str, ...]:
    return ("-n", "0", "-m", "cluster", *MONITORING_TIER)


def upgrade_tier_args() -> tuple[str, ...]:
    return ("-n", "0", *UPGRADE_TIER)


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


# The umbrella's lab render may cost at most this many times helm's own start-up (`helm version`),
# in CPU time measured in the same run, so the comparison holds on a busy machine too.
STARTUP_RATIO_BUDGET = 3.0


@dataclass(frozen=True)
class StartupRatio:
    render_cpu_s: float
    version_cpu_s: float

    @property
    def ratio(self) -> float:
        return self.render_cpu_s / self.version_cpu_s if self.version_cpu_s else float("inf")

    @property
    def ok(self) -> bool:
        return self.ratio <= STARTUP_RATIO_BUDGET

    def describe(self) -> str:
        verdict = "within" if self.ok else "OVER"
        return (f"platform lab render: {self.render_cpu_s:.3f} s CPU against {self.version_cpu_s:.3f} s for "
                f"`helm version`: {self.ratio:.2f}x, {verdict} the {STARTUP_RATIO_BUDGET:g}x budget (medians)")


def cpu_seconds(cmd: list[str]) -> float:
    """CPU time (user + system) of one run of cmd and its children."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, capture_output=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def startup_ratio(helm: Helm, runs: int = 9, root: Path | None = None) -> StartupRatio:
    """The lab render's CPU time against `helm version`'s, the two runs interleaved so that a
    busy machine slows both alike."""
    root = root or repo_root()
    req = Request(root / "charts" / "platform", values_files=(root / "values" / "lab.yaml",))
    render, version = req.command(helm, None), [str(helm.path), "version"]
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        samples[0].append(cpu_seconds(render))
        samples[1].append(cpu_seconds(version))
    return StartupRatio(statistics.median(samples[0]), statistics.median(samples[1]))


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


def metallb_pools(count: int) -> dict[str, object]:
    """`count` MetalLB pools of one /28 each, none overlapping, all announced over L2."""
    pools = [{"name": f"pool-{i}", "addresses": [f"10.{i // 4096}.{i // 16 % 256}.{i % 16 * 16}/28"]}
             for i in range(count)]
    return {"addressPools": pools, "l2Advertisements": [{"name": "all"}]}


def calico_pools(count: int) -> dict[str, object]:
    """`count` Calico pools of one /24 each inside 10.0.0.0/8, none overlapping."""
    pools = [{"name": f"pool-{i}", "cidr": f"10.{i // 256}.{i % 256}.0/24", "blockSize": 26,
              "encapsulation": "VXLAN"} for i in range(count)]
    return {"ipPools": pools, "global": {"network": {"podCIDR": "10.0.0.0/8"}}}


# (chart, label, values): the large inputs `invoke bench` times
LARGE_INPUTS: tuple[tuple[str, str, Callable[[], dict[str, object]]], ...] = (
    ("eck-operator", "eck-operator: 10,000 managed namespaces", lambda: eck_namespaces(10_000, restricted=False)),
    ("eck-operator", "eck-operator: 10,000 managed namespaces, restricted (20,000 Roles/RoleBindings)",
     lambda: eck_namespaces(10_000, restricted=True)),
    ("metallb", "metallb: 10,000 address pools (overlap check, 10,000 IPAddressPools)", lambda: metallb_pools(10_000)),
    ("calico", "calico: 10,000 IP pools (overlap check, the Installation's pool list)", lambda: calico_pools(10_000)),
)


def large_input_times(helm: Helm, root: Path | None = None, chart: str | None = None) -> list[LargeTiming]:
    root = root or repo_root()
    return [time_values(helm, name, values(), label, root) for name, label, values in LARGE_INPUTS
            if chart in (None, name)]


def large_report(timings: list[LargeTiming]) -> str:
    lines = [f"{'large input':80} {'wall':>7} {'cpu':>7}"]
    for t in timings:
        verdict = "" if t.ok else "  (render failed)"
        if t.ok and t.cpu_s >= LARGE_BUDGET_S:
            verdict = f"  OVER the {LARGE_BUDGET_S:.0f} s budget"
        lines.append(f"{t.label:80} {t.wall_s:7.2f} {t.cpu_s:7.2f}{verdict}")
    return "\n".join(lines)


# --- delivery: push + sign + verify, and Flux from push to Ready (tests/test_delivery_cluster.py) ---

DELIVERY_MODULE = "tests/test_delivery_cluster.py"
BENCH_FILE_ENV = "CHARTOPS_BENCH_FILE"  # where the delivery tests write what they timed (JSON lines)


def record(what: str, seconds: float) -> None:
    """Called by the delivery tests: note a duration when `invoke bench` asked for them (else nothing)."""
    target = os.environ.get(BENCH_FILE_ENV)
    if target:
        import json

        with open(target, "a") as out:
            out.write(json.dumps({"what": what, "seconds": round(seconds, 2)}) + "\n")


def delivery_times(wrap: Callable[[list[str]], list[str]],
                   root: Path | None = None) -> tuple[SuiteCount, dict[str, float]]:
    """Run the delivery cluster tests once (plane flux) and return their wall time and what they timed."""
    import json

    with tempfile.NamedTemporaryFile(prefix="chartops-bench-delivery-", suffix=".jsonl") as figures:
        os.environ[BENCH_FILE_ENV] = figures.name
        try:
            run = count_suite_renders(root, ("-n", "0", "-m", "cluster", DELIVERY_MODULE), wrap=wrap)
        finally:
            os.environ.pop(BENCH_FILE_ENV, None)
        lines = Path(figures.name).read_text().splitlines()
    return run, {d["what"]: float(d["seconds"]) for d in map(json.loads, lines)}
