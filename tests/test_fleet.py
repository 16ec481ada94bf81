"""The fleet: site files (values/sites/), the Flux manifests generated from them (gitops/), and renders
that stay the same under `helm template` (Argo CD)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from chartops import gitops, sites
from chartops.charts import applications
from chartops.helm import find
from tests.helpers import ROOT, renderer

# --- the site files ---


def test_two_sites_are_fed_from_one_registry() -> None:
    fleet = sites.load_all()
    assert {s.name for s in fleet} >= {"lab", "dc2"}
    assert len({s.registry for s in fleet}) == 1, "the example fleet pulls from one Harbor project"
    lab, dc2 = sites.get("lab"), sites.get("dc2")
    lab_pool = sites.values_of(lab.release("platform"))["metallb"]["addressPools"]
    dc2_pool = sites.values_of(dc2.release("platform"))["metallb"]["addressPools"]
    assert lab_pool != dc2_pool, "each site keeps its own address plan"


@pytest.mark.parametrize("site", [p.stem for p in sites.site_files()])
def test_every_site_renders_and_validates(site: str) -> None:
    """Every release of the site renders from charts/ with its merged values, and every object (and each
    Flux object, against Flux's own CRDs from the pinned modules) validates strictly."""
    chosen = sites.get(site)
    assert sites.check(chosen, renderer()) == []
    assert gitops.check_objects(chosen, gitops.flux_crds()) == []


def test_gitops_is_what_the_site_files_give() -> None:
    assert gitops.stale(sites.load_all()) == [], "run `invoke gitops`"


def test_the_lab_release_values_are_the_values_files() -> None:
    """Flux installs the lab with exactly the files a person would pass to helm -f."""
    lab = sites.get("lab")
    objs = [d for f in ("sources.yaml", "releases.yaml")
            for d in yaml.safe_load_all((ROOT / "gitops/lab" / f).read_text()) if d]
    releases = {o["metadata"]["name"]: o for o in objs if o["kind"] == "HelmRelease"}
    sources = {o["metadata"]["name"]: o for o in objs if o["kind"] == "OCIRepository"}
    assert releases["platform"]["spec"]["values"] == yaml.safe_load((ROOT / "values/lab.yaml").read_text())
    assert releases["wordpress"]["spec"]["values"] == yaml.safe_load(
        (ROOT / "values/apps/wordpress-lab.yaml").read_text())
    for name, release in releases.items():
        spec = release["spec"]
        want = lab.release(name)
        assert (spec["releaseName"], spec["targetNamespace"], spec["storageNamespace"]) == (
            name, want.namespace, want.namespace)
        assert spec["chartRef"] == {"kind": "OCIRepository", "name": name}
        source = sources[name]["spec"]
        assert source["url"] == f"oci://harbor.feng.org/apps/{want.chart}"
        assert source["verify"] == {"provider": "cosign", "secretRef": {"name": "cosign-pub"}}
        assert source["secretRef"] == {"name": "harbor-pull"} and source["certSecretRef"] == {"name": "harbor-ca"}
        assert source["ref"] == {"semver": want.version}
    assert releases["es"]["spec"]["dependsOn"] == [{"name": "eck"}]


def test_dc2_lays_its_own_addresses_over_the_lab_and_production(tmp_path: Path) -> None:
    values = sites.values_of(sites.get("dc2").release("platform"))
    production = yaml.safe_load((ROOT / "values/production.yaml").read_text())
    assert values["metallb"]["addressPools"] == [{"name": "dc2-pool", "addresses": ["10.1.0.10-10.1.0.50"]}]
    assert values["ingress-nginx"]["controller"]["service"]["loadBalancerIP"] == "10.1.0.11"
    # production's sizing is kept where dc2 says nothing
    assert values["metallb"]["controller"]["resources"] == production["metallb"]["controller"]["resources"]
    assert values["ingress-nginx"]["controller"]["replicaCount"] == production["ingress-nginx"]["controller"][
        "replicaCount"]


def test_merge_is_helms_layering() -> None:
    base = {"a": {"b": 1, "c": [1, 2]}, "d": "x", "e": {"f": 1}}
    over = {"a": {"c": [3]}, "d": None, "e": {"g": 2}}
    assert sites.merge(base, over) == {"a": {"b": 1, "c": [3]}, "d": None, "e": {"f": 1, "g": 2}}
    assert base == {"a": {"b": 1, "c": [1, 2]}, "d": "x", "e": {"f": 1}}, "merge must not change its input"


@pytest.mark.parametrize(("constraint", "version", "admitted"), [
    ("0.3.x", "0.3.0", True), ("0.3.x", "0.3.17", True), ("0.3.x", "0.4.0", False), ("0.3.x", "1.3.0", False),
    ("0.x", "0.9.1", True), ("0.x", "1.0.0", False), ("0.3.1", "0.3.1", True), ("0.3.1", "0.3.2", False),
    ("0.3.x", "0.3.0-rc.1", False),
])
def test_version_constraints(constraint: str, version: str, admitted: bool) -> None:
    assert sites.admits(constraint, version) is admitted


# --- bad site files: each a clear error naming the file and the key ---

GOOD = (ROOT / "values/sites/lab.yaml").read_text()


def _site_root(tmp_path: Path, text: str, name: str = "lab") -> Path:
    """A repository root whose values/sites holds one site file (charts and values files as in the repo)."""
    root = tmp_path / "repo"
    (root / "values" / "sites").mkdir(parents=True)
    (root / "charts").symlink_to(ROOT / "charts")
    for item in (ROOT / "values").iterdir():
        if item.name != "sites":
            (root / "values" / item.name).symlink_to(item)
    shutil.copy(ROOT / sites.SCHEMA, root / sites.SCHEMA)
    (root / "values" / "sites" / f"{name}.yaml").write_text(text)
    (root / "tools").symlink_to(ROOT / "tools")
    return root


def _error(tmp_path: Path, text: str, name: str = "lab") -> str:
    root = _site_root(tmp_path, text, name)
    with pytest.raises(sites.SiteError) as err:
        sites.load(root / "values" / "sites" / f"{name}.yaml", root)
    return str(err.value)


BAD = {
    "unknown top-level key": (GOOD + "flux: {interval: 1m}\n", "flux: unknown key (allowed: description, interval, "
                                                             "registry, releases, site)"),
    "unknown release key": (GOOD.replace("    chart: wordpress", "    chart: wordpress\n    chrt: wordpress"),
                            "releases.wordpress.chrt: unknown key"),
    "unknown registry key": (GOOD.replace("  url: oci://", "  username: robot\n  url: oci://"),
                             "registry.username: unknown key"),
    "registry without a project": (GOOD.replace("oci://harbor.feng.org/apps", "oci://harbor.feng.org"),
                                   "registry.url: 'oci://harbor.feng.org' is not valid: oci://HOST[:PORT]/PROJECT"),
    "registry over https": (GOOD.replace("oci://harbor.feng.org/apps", "https://harbor.feng.org/apps"),
                            "registry.url: 'https://harbor.feng.org/apps' is not valid"),
    "version range Flux would not follow": (GOOD.replace("version: 0.3.x\n    valuesFiles: [values/apps/mysql",
                                                         "version: '>=0.3'\n    valuesFiles: [values/apps/mysql"),
                                            "releases.mysql.version: '>=0.3' is not valid"),
    "version range without the chart's version": (
        GOOD.replace("version: 0.3.x\n    valuesFiles: [values/apps/mysql", "version: 0.2.x\n    valuesFiles: "
                     "[values/apps/mysql"),
        "releases.mysql.version: '0.2.x' does not admit charts/mysql's version"),
    "wait not a boolean": (GOOD.replace("    wait: false\n", "    wait: 'no'\n"), "releases.platform.wait"),
    "unknown chart": (GOOD.replace("chart: mysql", "chart: postgres"), "releases.mysql.chart: no chart 'postgres'"),
    "library chart": (GOOD.replace("chart: mysql", "chart: common"), "releases.mysql.chart: common is a library"),
    "missing values file": (GOOD.replace("values/apps/mysql-lab.yaml", "values/apps/mysql-prod.yaml"),
                            "releases.mysql.valuesFiles[0]: values/apps/mysql-prod.yaml does not exist"),
    "values file outside values/": (GOOD.replace("values/apps/mysql-lab.yaml", "/etc/passwd"),
                                    "releases.mysql.valuesFiles.0: '/etc/passwd' is not valid"),
    "unknown dependency": (GOOD.replace("dependsOn: [eck]", "dependsOn: [elastic]"),
                           "releases.es.dependsOn: 'elastic' is not a release of this site"),
    "dependency cycle": (GOOD.replace("  platform:\n    chart: platform\n    namespace: default\n",
                                      "  platform:\n    chart: platform\n    namespace: default\n    dependsOn: [eck]\n"),
                         "releases: dependsOn makes a cycle: "),
    "name of another file": (GOOD.replace("site: lab", "site: lab2"), "site: 'lab2' must be the file's name"),
    "null values": (GOOD.replace("    valuesFiles: [values/apps/mysql-lab.yaml]",
                                 "    valuesFiles: [values/apps/mysql-lab.yaml]\n    values: null"),
                    "releases.mysql.values: None is not of type 'object'"),
    "no releases": ("site: lab\nregistry: {url: oci://harbor.feng.org/apps}\nreleases: {}\n",
                    "releases: {} should be non-empty"),
    "not YAML": ("site: [lab\n", "values/sites/lab.yaml: not valid YAML"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_site_file_is_refused_naming_the_key(tmp_path: Path, case: str) -> None:
    text, says = BAD[case]
    message = _error(tmp_path, text)
    assert says in message, message
    assert "values/sites/lab.yaml" in message


def test_the_sites_task_names_an_unknown_site_without_a_traceback() -> None:
    task = subprocess.run([sys.executable, "-m", "invoke", "sites", "--site", "nowhere"], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert task.returncode == 1 and "Traceback" not in task.stderr
    assert "no site 'nowhere' (values/sites/nowhere.yaml); sites: dc2, lab" in task.stderr


def test_every_bad_site_file_is_reported_at_once(tmp_path: Path) -> None:
    root = _site_root(tmp_path, GOOD + "extra: 1\n")
    (root / "values/sites/dc2.yaml").write_text((ROOT / "values/sites/dc2.yaml").read_text().replace(
        "site: dc2", "site: dc3"))
    with pytest.raises(sites.SiteError) as err:
        sites.load_all(root)
    assert "values/sites/dc2.yaml:\n  site: 'dc3' must be the file's name" in str(err.value)
    assert "values/sites/lab.yaml:\n  extra: unknown key" in str(err.value)


def test_gitops_drift_from_a_values_file_is_found(tmp_path: Path) -> None:
    """Change a values file a site names, without regenerating: gitops/ is reported stale, naming the file."""
    root = _site_root(tmp_path, GOOD)
    shutil.copytree(ROOT / "gitops" / "lab", root / "gitops" / "lab")
    lab = sites.load(root / "values/sites/lab.yaml", root)
    assert gitops.stale([lab], root) == []
    apps = root / "values" / "apps"
    apps.unlink()
    shutil.copytree(ROOT / "values" / "apps", apps)
    (apps / "wordpress-lab.yaml").write_text((apps / "wordpress-lab.yaml").read_text() + "replicaCount: 3\n")
    assert gitops.stale([lab], root) == ["gitops/lab/releases.yaml: differs from values/sites/lab.yaml and its values"]
    (root / "gitops" / "old-site").mkdir()
    (root / "gitops" / "lab" / "extra.yaml").write_text("{}\n")
    found = gitops.stale([lab], root)
    assert "gitops/old-site/: no values/sites/old-site.yaml" in found
    assert "gitops/lab/extra.yaml: not generated from any site file" in found
    assert gitops.write([lab], root) == [Path("gitops/lab/releases.yaml")]
    assert "replicaCount: 3" in (root / "gitops/lab/releases.yaml").read_text()


def test_the_gitops_check_task_fails_on_drift(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    from invoke import Context, Exit

    import tasks

    root = _site_root(tmp_path, GOOD)
    shutil.copytree(ROOT / "gitops" / "lab", root / "gitops" / "lab")
    (root / "gitops/lab/sources.yaml").write_text((root / "gitops/lab/sources.yaml").read_text().replace(
        "semver: 0.3.x", "semver: 0.x", 1))
    monkeypatch.setattr(sites, "repo_root", lambda: root)
    monkeypatch.setattr(gitops, "repo_root", lambda: root)
    with pytest.raises(Exit) as err:
        tasks.gitops_task(Context(), check=True)
    assert err.value.code == 1 and "run `invoke gitops`" in str(err.value.message)
    assert "gitops/lab/sources.yaml: differs from values/sites/lab.yaml" in capsys.readouterr().out
    tasks.gitops_task(Context())
    tasks.gitops_task(Context(), check=True)
    assert "semver: 0.3.x" in (root / "gitops/lab/sources.yaml").read_text()


# --- renders that stay the same under `helm template` (Argo CD) ---


def _template(chart: str, files: list[str]) -> str:
    argv = [str(find().path), "template", chart, str(ROOT / "charts" / chart), "--kube-version", "1.33.0"]
    for f in files:
        argv += ["-f", str(ROOT / f)]
    out = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.mark.parametrize("chart", [c.name for c in applications()])
def test_template_mode_renders_are_byte_identical(chart: str) -> None:
    """Two `helm template` renders (no cluster, so no `lookup`) of every chart in its template mode agree
    byte for byte: an Argo CD sync of them changes nothing."""
    files = gitops.template_mode_values(chart)
    assert _template(chart, files) == _template(chart, files)


def _generates_secrets(chart: str) -> bool:
    """Whether two ordinary renders differ: with the chart's defaults (the lab for the umbrella; the first
    ci scenario for a chart whose defaults need values)."""
    argv = [str(find().path), "template", chart, str(ROOT / "charts" / chart), "--kube-version", "1.33.0"]
    files = ["values/lab.yaml"] if chart == "platform" else []
    if not files and subprocess.run(argv, capture_output=True, check=False).returncode != 0:
        files = [str(p.relative_to(ROOT)) for p in sorted((ROOT / "charts" / chart / "ci").glob("*-values.yaml"))[:1]]
    return _template(chart, files) != _template(chart, files)


def test_the_readme_names_the_charts_that_need_a_template_mode() -> None:
    """The charts whose ordinary render changes from one `helm template` to the next are exactly those the
    README lists, and each has its own values file for the template mode."""
    text = (ROOT / "README.md").read_text().split("## Rendering with `helm template` (Argo CD)", 1)[1]
    listed = set(re.findall(r"^\| `([a-z-]+)` \|", text.split("\n## ", 1)[0], re.M))
    needing = {c.name for c in applications() if _generates_secrets(c.name)}
    assert needing == listed
    for chart in needing - {"platform"}:
        assert (ROOT / f"values/apps/{chart}-argocd.yaml").is_file()


def test_the_platform_release_does_not_wait_for_what_its_own_hooks_make() -> None:
    """helm waits before post-install hooks, and the platform's MetalLB pools are hooks: with the wait, the
    ingress Service never got its address and Flux's install of the lab hung (the flux plane showed it).
    Only the platform's HelmRelease turns the wait off; the apps keep it."""
    for site in sites.load_all():
        for release in site.releases:
            spec = gitops.helm_release(site, release)["spec"]
            waits = not spec["install"].get("disableWait") and not spec["upgrade"].get("disableWait")
            assert waits == (release.chart != "platform"), (site.name, release.name, spec)
