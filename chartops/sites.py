"""The fleet: one site file per cluster under values/sites/, checked against a strict schema of our own.

A site file says which registry the cluster's Flux pulls from (and the Secrets holding the robot
account, the registry's CA and the cosign public key), and which releases it runs: chart, namespace,
the versions to follow, and the values (files of this repository, then inline overrides). From it
come the site's Flux manifests (chartops.gitops) and the renders `invoke sites` checks.

Merging follows helm's `-f a -f b`: maps merge key by key, lists and scalars replace, and null
removes a key from the chart's defaults (helm drops null keys when it coalesces).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from chartops.charts import Chart, discover
from chartops.paths import repo_root
from chartops.registry import Registry, RegistryError

SITES_DIR = Path("values") / "sites"
SCHEMA = SITES_DIR / "site.schema.json"

Values = dict[str, Any]


class SiteError(ValueError):
    """A site file is wrong; the message names the file and the key."""


@dataclass(frozen=True)
class Release:
    name: str
    chart: str
    namespace: str
    version: str  # X.Y.Z, X.Y.x or X.x
    values_files: tuple[str, ...] = ()
    values: Values = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()
    timeout: str = "10m"
    wait: bool = True  # False: Flux's disableWait (the platform's pools come from post-install hooks)


@dataclass(frozen=True)
class Site:
    name: str
    path: Path
    registry: str
    pull_secret: str
    ca_secret: str
    cosign_secret: str
    interval: str
    releases: tuple[Release, ...]
    description: str = ""

    def release(self, name: str) -> Release:
        for r in self.releases:
            if r.name == name:
                return r
        raise KeyError(f"site {self.name} has no release {name!r}")


def schema(root: Path | None = None) -> dict[str, Any]:
    return dict(json.loads(((root or repo_root()) / SCHEMA).read_text()))


def _where(path: Sequence[Any]) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def schema_errors(data: Any, site_schema: Mapping[str, Any]) -> list[str]:
    """Each violation as `key.path: what is wrong`, unknown keys named one by one."""
    validator = jsonschema.Draft202012Validator(site_schema)
    out: list[str] = []
    for err in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        where = list(err.absolute_path)
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            allowed = sorted(err.schema.get("properties") or {})
            known = set(allowed)
            for key in sorted(k for k in err.instance if k not in known):
                hint = f" (allowed: {', '.join(allowed)})" if allowed else ""
                out.append(f"{_where([*where, key])}: unknown key{hint}")
        elif err.validator == "required":
            out.append(f"{_where(where)}: {err.message}")
        elif err.validator == "pattern":
            what = err.schema.get("description", "")
            out.append(f"{_where(where)}: {err.instance!r} is not valid" + (f": {what}" if what else ""))
        else:
            out.append(f"{_where(where)}: {err.message}")
    return out


def load(path: Path, root: Path | None = None) -> Site:
    """A site file, checked: schema, name, registry address, charts, versions, values files, dependencies."""
    root = root or repo_root()
    shown = path.relative_to(root) if path.is_absolute() and path.is_relative_to(root) else path
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise SiteError(f"{shown}: not valid YAML: {err}") from None
    except OSError as err:
        raise SiteError(f"{shown}: {err.strerror}") from None
    problems = schema_errors(data, schema(root))
    if problems:
        raise SiteError(f"{shown}:\n  " + "\n  ".join(problems))
    reg = data["registry"]
    site = Site(
        name=data["site"], path=path, registry=reg["url"].rstrip("/"),
        pull_secret=reg.get("pullSecret", "harbor-pull"), ca_secret=reg.get("caSecret", "harbor-ca"),
        cosign_secret=reg.get("cosignSecret", "cosign-pub"), interval=data.get("interval", "10m"),
        description=data.get("description", ""),
        releases=tuple(
            Release(name, r["chart"], r["namespace"], r["version"], tuple(r.get("valuesFiles", [])),
                    r.get("values") or {}, tuple(r.get("dependsOn", [])), r.get("timeout", "10m"),
                    bool(r.get("wait", True)))
            for name, r in data["releases"].items()),
    )
    problems = list(_semantic_problems(site, root))
    if problems:
        raise SiteError(f"{shown}:\n  " + "\n  ".join(problems))
    return site


def _semantic_problems(site: Site, root: Path) -> Iterator[str]:
    if site.name != site.path.stem:
        yield f"site: {site.name!r} must be the file's name ({site.path.stem!r})"
    try:
        Registry(site.registry)
    except RegistryError as err:
        yield f"registry.url: {err}"
    charts = {c.name: c for c in discover(root)}
    names = {r.name for r in site.releases}
    for r in site.releases:
        key = f"releases.{r.name}"
        chart = charts.get(r.chart)
        if chart is None:
            yield f"{key}.chart: no chart {r.chart!r} under charts/ (one of {', '.join(sorted(charts))})"
        elif chart.is_library:
            yield f"{key}.chart: {r.chart} is a library chart; it cannot be installed"
        elif not admits(r.version, chart.version):
            yield (f"{key}.version: {r.version!r} does not admit charts/{r.chart}'s version {chart.version}: "
                   f"the site would never run the chart this repository holds")
        for i, f in enumerate(r.values_files):
            if not (root / f).is_file():
                yield f"{key}.valuesFiles[{i}]: {f} does not exist"
        for dep in r.depends_on:
            if dep not in names:
                yield f"{key}.dependsOn: {dep!r} is not a release of this site ({', '.join(sorted(names))})"
            elif dep == r.name:
                yield f"{key}.dependsOn: a release cannot depend on itself"
    cycle = _cycle(site)
    if cycle:
        yield f"releases: dependsOn makes a cycle: {' -> '.join(cycle)}"


def _cycle(site: Site) -> list[str]:
    deps = {r.name: [d for d in r.depends_on if d != r.name] for r in site.releases}
    state: dict[str, int] = {}

    def visit(name: str, trail: list[str]) -> list[str]:
        if state.get(name) == 1:
            return [*trail[trail.index(name):], name]
        if state.get(name) == 2:
            return []
        state[name] = 1
        for dep in deps.get(name, []):
            found = visit(dep, [*trail, name])
            if found:
                return found
        state[name] = 2
        return []

    for name in deps:
        found = visit(name, [])
        if found:
            return found
    return []


_VERSION = re.compile(r"(\d+)\.(?:(\d+)\.(\d+|x)|x)")


def admits(constraint: str, version: str) -> bool:
    """Whether X.Y.Z / X.Y.x / X.x (Flux's semver ranges of that form) admits a release version."""
    want, have = _VERSION.fullmatch(constraint), re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", version)
    if not want or not have:
        return False
    major, minor, patch = want.groups()
    if int(major) != int(have.group(1)):
        return False
    if minor is not None and int(minor) != int(have.group(2)):
        return False
    return patch in (None, "x") or int(patch) == int(have.group(3))


def merge(base: Values, over: Mapping[str, Any]) -> Values:
    """helm's -f layering: maps merge, everything else replaces (null included: helm drops it later)."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def values_of(release: Release, root: Path | None = None) -> Values:
    """The release's values: its files in order, then its inline values."""
    root = root or repo_root()
    merged: Values = {}
    for f in release.values_files:
        merged = merge(merged, yaml.safe_load((root / f).read_text()) or {})
    return merge(merged, release.values)


def site_files(root: Path | None = None) -> list[Path]:
    return sorted(((root or repo_root()) / SITES_DIR).glob("*.yaml"))


def load_all(root: Path | None = None) -> list[Site]:
    """Every site; all problems of all files in one error."""
    sites, problems = [], []
    for path in site_files(root):
        try:
            sites.append(load(path, root))
        except SiteError as err:
            problems.append(str(err))
    if problems:
        raise SiteError("\n".join(problems))
    return sites


def get(name: str, root: Path | None = None) -> Site:
    path = (root or repo_root()) / SITES_DIR / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(p.stem for p in site_files(root)) or "none"
        raise SiteError(f"no site {name!r} (values/sites/{name}.yaml); sites: {known}")
    return load(path, root)


def chart_of(release: Release, root: Path | None = None) -> Chart:
    return Chart((root or repo_root()) / "charts" / release.chart)


def render_request(release: Release, root: Path | None = None) -> Any:
    """The helm template of a release from charts/, as the site's Flux installs it."""
    from chartops.render import Request

    return Request(chart_of(release, root).path, values=values_of(release, root), release=release.name,
                   namespace=release.namespace)


def check(site: Site, renderer: Any, extra_crds: Sequence[dict[str, Any]] = (),
          root: Path | None = None) -> list[str]:
    """Every release renders with its values, and every object validates strictly (Kubernetes 1.33 and
    the CRDs the site's charts render, plus extra_crds); problems as lines naming the release."""
    from chartops.render import RenderError
    from chartops.validate import CRDCatalog, UnknownKind, errors

    problems: list[str] = []
    rendered: dict[str, list[dict[str, Any]]] = {}
    for release in site.releases:
        try:
            rendered[release.name] = renderer.render(render_request(release, root))
        except RenderError as err:
            problems.append(f"{site.name}/{release.name} ({release.chart}): does not render: {err.stderr.strip()}")
    catalog = CRDCatalog()
    catalog.extend(extra_crds)
    for objs in rendered.values():
        catalog.extend(objs)
    for name, objs in rendered.items():
        for obj in objs:
            try:
                problems += [f"{site.name}/{name}: {line}" for line in errors(obj, catalog)]
            except UnknownKind as err:
                problems.append(f"{site.name}/{name}: {err}")
    return problems


def plan(site_list: Sequence[Site], helm: Any, root: Path | None = None) -> list[str]:
    """What `invoke sites` runs, for `inv --dry sites` (in-process steps as comments)."""
    import shlex

    lines = [f"# check values/sites/*.yaml against {SCHEMA} and the charts (in-process)"]
    for site in site_list:
        for release in site.releases:
            req = render_request(release, root)
            files = " ".join(f"-f {f}" for f in release.values_files)
            argv = [str(helm.path), "template", release.name, str(req.chart.relative_to(root or repo_root())),
                    "--namespace", release.namespace, "--kube-version", req.kube_version]
            inline = " + the site's inline values" if release.values else ""
            lines.append(f"{shlex.join(argv)} {files}  # {site.name}{inline}".replace("  #", " #"))
        lines.append(f"# validate {site.name}'s objects (Kubernetes 1.33 + rendered CRDs) and its Flux objects "
                     "(Flux's CRDs from tools/controllers/flux) (in-process)")
    lines.append("# compare gitops/<site>/ with what the site files give (in-process)")
    return lines
