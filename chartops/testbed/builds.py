"""Go builds of the test bed: the control plane, kwok and ct, and the charts' real controllers.

Each binary is built from a small Go module under `tools/` (its go.mod and go.sum pin the
upstream module) and cached by version, so a warm machine rebuilds nothing: the tools as
`.tools/go/<name>-<version>/<name>`, the controllers as `.tools/controllers/<name>-<version>/<name>`
at their chart's appVersion. A cold kube-apiserver takes about 7 minutes on 2 cores; the others
reuse its build cache or are small.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from chartops import checksums, cosign, gotoolchain
from chartops.paths import repo_root

KUBE_VERSION = "v1.33.13"
KWOK_VERSION = "v0.7.0"
CT_VERSION = "v3.14.0"
PROMETHEUS_OPERATOR_VERSION = "v0.85.0"
PROMETHEUS_VERSION = "v0.316.0"  # the Go module's version of Prometheus...
PROMETHEUS_RELEASE = "3.16.0"  # ...and the release it is, which the binaries report

_KUBE_LDFLAGS = tuple(
    f"-X {pkg}.{key}={value}"
    for pkg in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version")
    for key, value in (("gitVersion", KUBE_VERSION), ("gitMajor", "1"), ("gitMinor", "33"),
                       ("gitTreeState", "clean"), ("buildDate", "2026-01-01T00:00:00Z"))
)


class GoToolError(RuntimeError):
    """A tool could not be built."""


@dataclass(frozen=True)
class GoTool:
    name: str
    version: str
    module: str  # directory under tools/ holding go.mod
    package: str
    ldflags: tuple[str, ...] = field(default=())
    tags: tuple[str, ...] = field(default=())  # build tags (e.g. those that drop unused plugins)

    def binary(self, root: Path | None = None) -> Path:
        return cache_dir(root) / f"{self.name}-{self.version}" / self.name


def _kube(name: str) -> GoTool:
    return GoTool(name, KUBE_VERSION, "controlplane", f"k8s.io/kubernetes/cmd/{name}", _KUBE_LDFLAGS)


def _promversion(version: str) -> tuple[str, ...]:
    return tuple(f"-X github.com/prometheus/common/version.{key}={value}" for key, value in (
        ("Version", version), ("Revision", "unknown"), ("Branch", "HEAD"), ("BuildUser", "chartops"),
        ("BuildDate", "20260101-00:00:00")))


def _monitoring() -> tuple[GoTool, ...]:
    """The monitoring stack of the monitoring tests, two modules of two binaries each: the operator's
    (operator and config reloader) and Prometheus's (prometheus and promtool, with only the Kubernetes
    service discovery the operator's configurations use)."""
    op, prom = "github.com/prometheus-operator/prometheus-operator", "github.com/prometheus/prometheus"
    op_ld, prom_ld = _promversion(PROMETHEUS_OPERATOR_VERSION.lstrip("v")), _promversion(PROMETHEUS_RELEASE)
    sd = ("remove_all_sd", "enable_kubernetes_sd")
    return (
        GoTool("prometheus-operator", PROMETHEUS_OPERATOR_VERSION, "prometheus-operator", f"{op}/cmd/operator", op_ld),
        GoTool("prometheus-config-reloader", PROMETHEUS_OPERATOR_VERSION, "prometheus-operator",
               f"{op}/cmd/prometheus-config-reloader", op_ld),
        GoTool("prometheus", PROMETHEUS_VERSION, "prometheus", f"{prom}/cmd/prometheus", prom_ld, sd),
        GoTool("promtool", PROMETHEUS_VERSION, "prometheus", f"{prom}/cmd/promtool", prom_ld, sd),
    )


TOOLS: dict[str, GoTool] = {
    t.name: t
    for t in (
        _kube("kube-apiserver"),
        _kube("kube-controller-manager"),
        _kube("kube-scheduler"),
        # kubectl of the server's own minor: the pinned helm package's kubectl is 1.37, outside the skew policy
        _kube("kubectl"),
        GoTool("kwok", KWOK_VERSION, "kwok", "sigs.k8s.io/kwok/cmd/kwok"),
        GoTool("ct", CT_VERSION, "ct", "github.com/helm/chart-testing/v3/ct",
               (f"-X github.com/helm/chart-testing/v3/ct/cmd.Version={CT_VERSION}",)),
        *_monitoring(),
        # signs the pushed charts (invoke push) and verifies them (verify-published); chartops.cosign runs it
        GoTool("cosign", cosign.VERSION, "cosign", "github.com/sigstore/cosign/v3/cmd/cosign",
               (f"-X sigs.k8s.io/release-utils/version.gitVersion={cosign.VERSION}",
                "-X sigs.k8s.io/release-utils/version.gitTreeState=clean")),
    )
}


def cache_dir(root: Path | None = None) -> Path:
    return (root or repo_root()) / ".tools" / "go"


def build_command(tool: GoTool, out: Path) -> list[str]:
    ldflags = " ".join(("-s", "-w", *tool.ldflags))
    tags = ["-tags", ",".join(tool.tags)] if tool.tags else []
    return ["go", "build", "-trimpath", *tags, "-ldflags", ldflags, "-o", str(out), tool.package]


def missing(root: Path | None = None) -> list[GoTool]:
    return [t for t in TOOLS.values() if not t.binary(root).is_file()]


def verified(binary: Path, name: str) -> Path:
    """A built binary, checked against the sha256 recorded when it was built (on every use: hashed
    once per process while the file stays the same). One built before records were kept is
    recorded now."""
    try:
        return checksums.verify_built(binary, f"the built {name}",
                                      f"Rebuild it: rm -r {binary.parent} && invoke tools")
    except checksums.ChecksumError as err:
        raise GoToolError(str(err)) from err


# A cold build of the largest tools (kube-apiserver, Traefik) writes a few GiB to Go's build cache
# and work directory. Checked before each build: CI once ran out of disk half-way through one, and
# Go then printed a thousand mkdir errors instead of saying so.
MIN_FREE_BYTES = 4 << 30
_NO_SPACE = "no space left on device"


def go_places(go: gotoolchain.Go, env: dict[str, str], target: Path) -> dict[str, Path]:
    """Where a build writes: Go's build cache, its work directory, the module cache and the binary."""
    proc = subprocess.run([str(go.path), "env", "GOCACHE", "GOTMPDIR", "GOMODCACHE"], env=env,
                          capture_output=True, text=True, check=False, timeout=60)
    cache, tmp, mod = ([*proc.stdout.splitlines(), "", "", ""] if proc.returncode == 0 else ["", "", ""])[:3]
    places = {"Go's build cache (GOCACHE)": cache, "Go's work directory (GOTMPDIR)": tmp or tempfile.gettempdir(),
              "the module cache (GOMODCACHE)": mod, "the built binary": str(target.parent)}
    return {what: Path(where) for what, where in places.items() if where}


def check_space(places: dict[str, Path], need: int = MIN_FREE_BYTES) -> None:
    """Refuse to start a build where any place it writes to has less than `need` bytes free."""
    short = []
    for what, place in places.items():
        existing = next((p for p in (place, *place.parents) if p.exists()), Path("/"))
        free = shutil.disk_usage(existing).free
        if free < need:
            short.append(f"{what} at {place} has {free / 2**30:.1f} GiB free")
    if short:
        raise GoToolError(
            f"not enough disk for a Go build (it needs about {need / 2**30:.0f} GiB free): " + "; ".join(short)
            + ". Free some space (Go's build cache is only a cache: `go clean -cache` empties it) and run"
            " `invoke tools` again.")


def build(tool: GoTool, root: Path | None = None, log: bool = True, target: Path | None = None) -> Path:
    """Build one tool unless its cached binary exists (at `target`, default its place under
    .tools/go); return the binary's path, checked against its build-time sha256."""
    root = root or repo_root()
    target = target or tool.binary(root)
    if target.is_file():
        return verified(target, tool.name)
    try:
        go = gotoolchain.find(root)
    except gotoolchain.GoToolchainError as err:
        raise GoToolError(f"building {tool.name}: {err}") from err
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    started = time.monotonic()
    if log:
        print(f"building {tool.name} {tool.version} with {go.describe()} (cold builds take minutes)...",
              file=sys.stderr, flush=True)
    env = dict(os.environ, CGO_ENABLED="0", GOFLAGS="-mod=readonly", **go.env())
    places = go_places(go, env, target)
    check_space(places)
    argv = [str(go.path), *build_command(tool, partial)[1:]]
    proc = subprocess.run(argv, cwd=root / "tools" / tool.module, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        partial.unlink(missing_ok=True)
        if _NO_SPACE in proc.stderr.lower():
            where = "; ".join(f"{what}: {place}" for what, place in places.items())
            raise GoToolError(f"go build of {tool.package} ran out of disk space ({where}). Free some space"
                              " (`go clean -cache` empties Go's build cache, which is only a cache) and run"
                              f" `invoke tools` again. Go's last words:\n{proc.stderr.strip()[-600:]}")
        raise GoToolError(f"go build of {tool.package} failed:\n{proc.stderr.strip()[-4000:]}")
    partial.replace(target)
    checksums.write_record(target)
    seconds = time.monotonic() - started
    target.with_name("build-seconds").write_text(f"{seconds:.0f}\n")
    if log:
        print(f"built {target} in {seconds:.0f} s", file=sys.stderr, flush=True)
    return target


def plan(wanted: list[GoTool | Controller], root: Path | None = None) -> list[str]:
    """The go build commands `invoke tools` would run for what is not built yet (for `inv --dry`)."""
    lines = []
    for item in wanted:
        target = item.binary(root)
        if target.is_file():
            continue
        tool = item.tool(root) if isinstance(item, Controller) else item
        lines.append(f"(cd tools/{tool.module} && {shlex.join(build_command(tool, target))})")
        lines.append(f"# record the sha256 of {target} in {checksums.record_path(target)}")
    return gotoolchain.plan(root) + lines if lines else []


def build_all(root: Path | None = None) -> dict[str, Path]:
    return {name: build(tool, root) for name, tool in TOOLS.items()}


# Modules the cluster tier reads files from (CRDs it compares the charts' copies with) but builds nothing
# from: fetched by `invoke tools`, since the tests run in loopback-only namespaces that can't reach the proxy.
REFERENCE_MODULES = (("sigs.k8s.io/gateway-api", "v1.6.3"),)

PREFETCH_JOBS = 6  # module downloads wait on the proxy, not the CPU


def prefetch(wanted: list[GoTool | Controller], root: Path | None = None) -> list[str]:
    """Download the module sources of the tools not built yet, several modules at once, so that the
    builds after it (one at a time: they use every core) wait on the CPU only. `go list -deps` loads
    exactly the packages a build compiles, so it fetches what the build needs and no more.
    The reference modules (REFERENCE_MODULES) are fetched too. Returns the failures; the build of that
    tool reports them again with its own error."""
    root = root or repo_root()
    todo = [i.tool(root) if isinstance(i, Controller) else i for i in wanted if not i.binary(root).is_file()]
    try:
        go = gotoolchain.find(root)
    except gotoolchain.GoToolchainError as err:
        return [str(err)]
    env = dict(os.environ, CGO_ENABLED="0", GOFLAGS="-mod=readonly", **go.env())

    def fetch(tool: GoTool) -> str:
        tags = ["-tags", ",".join(tool.tags)] if tool.tags else []
        proc = subprocess.run([str(go.path), "list", "-deps", *tags, "-f", "{{.ImportPath}}", tool.package],
                              cwd=root / "tools" / tool.module, env=env, capture_output=True, text=True, check=False)
        return "" if proc.returncode == 0 else f"{tool.name}: {proc.stderr.strip()[-500:]}"

    def reference(module: tuple[str, str]) -> str:
        proc = subprocess.run([str(go.path), "mod", "download", f"{module[0]}@{module[1]}"], cwd=root,
                              env=dict(env, GOFLAGS="-mod=mod"), capture_output=True, text=True, check=False)
        return "" if proc.returncode == 0 else f"{module[0]}@{module[1]}: {proc.stderr.strip()[-500:]}"

    with ThreadPoolExecutor(max_workers=PREFETCH_JOBS) as pool:
        return [e for e in [*pool.map(fetch, todo), *pool.map(reference, REFERENCE_MODULES)] if e]


def path(name: str, root: Path | None = None) -> Path:
    """The cached binary of a tool; raises when it has not been built (`invoke tools`)."""
    binary = TOOLS[name].binary(root)
    if not binary.is_file():
        raise GoToolError(f"{name} {TOOLS[name].version} is not built: run `invoke tools`")
    return verified(binary, name)


def build_times(root: Path | None = None) -> dict[str, float | None]:
    """Seconds each cached tool took to build cold (None: built before times were kept)."""
    times: dict[str, float | None] = {}
    for name, tool in TOOLS.items():
        record = tool.binary(root).with_name("build-seconds")
        times[name] = float(record.read_text()) if record.is_file() else None
    return times


# --- the charts' real controllers ---


class ControllerError(RuntimeError):
    """A controller could not be built, started or reached."""


@dataclass(frozen=True)
class Controller:
    """A chart's controller, built at the chart's appVersion from tools/controllers/<name>/go.mod."""

    name: str  # tools/controllers/<name>, and the binary's name
    chart: str  # the chart whose appVersion pins it
    module: str  # the upstream Go module
    package: str  # its main package
    container: str  # the chart's container that runs it
    ldflags: tuple[str, ...] = ()  # "-X pkg.var={version}" as the upstream Makefile sets them

    def version(self, root: Path | None = None) -> str:
        """The chart's appVersion, with the module's leading `v`."""
        chart = yaml.safe_load(((root or repo_root()) / "charts" / self.chart / "Chart.yaml").read_text())
        version = str(chart["appVersion"])
        return version if version.startswith("v") else f"v{version}"

    def module_dir(self, root: Path | None = None) -> Path:
        return (root or repo_root()) / "tools" / "controllers" / self.name

    def pinned(self, root: Path | None = None) -> str:
        """The version tools/controllers/<name>/go.mod requires."""
        gomod = (self.module_dir(root) / "go.mod").read_text()
        found = re.search(rf"^\s*(?:require\s+)?{re.escape(self.module)} (v\S+)", gomod, re.M)
        if not found:
            raise ControllerError(f"tools/controllers/{self.name}/go.mod does not require {self.module}")
        return found.group(1)

    def binary(self, root: Path | None = None) -> Path:
        return controllers_dir(root) / f"{self.name}-{self.version(root)}" / self.name

    def tool(self, root: Path | None = None) -> GoTool:
        """The go build of this controller (ldflags filled in with the version)."""
        version = self.version(root)
        ldflags = tuple(f.format(version=version, bare=version.lstrip("v")) for f in self.ldflags)
        return GoTool(self.name, version, f"controllers/{self.name}", self.package, ldflags)

    def build(self, root: Path | None = None, log: bool = True) -> Path:
        """Build at the chart's appVersion unless the cached binary exists."""
        root = root or repo_root()
        version, pinned = self.version(root), self.pinned(root)
        if version != pinned:
            raise ControllerError(f"charts/{self.chart} has appVersion {version} but tools/controllers/{self.name}/"
                                  f"go.mod pins {self.module} {pinned}: update the module "
                                  f"(go get {self.module}@{version} && go mod tidy)")
        try:
            return build(self.tool(root), root, log, target=self.binary(root))
        except GoToolError as err:
            raise ControllerError(str(err)) from err

    def built(self, root: Path | None = None) -> Path:
        """The cached binary; raises when it has not been built."""
        path = self.binary(root)
        if not path.is_file():
            raise ControllerError(f"{self.name} is not built: run `invoke tools`")
        try:
            return verified(path, self.name)
        except GoToolError as err:
            raise ControllerError(str(err)) from err


def controllers_dir(root: Path | None = None) -> Path:
    return (root or repo_root()) / ".tools" / "controllers"
