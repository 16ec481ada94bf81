"""chartops.releases (the previous release of each chart, from git history) and the offline side of
the upgrade guards: what they parse, that `helm template` looks nothing up, and that every template
making a guarded kind is guarded."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from chartops import releases
from chartops.charts import applications
from chartops.render import Request
from tests.helpers import CHARTS, ROOT, render, render_error, renderer


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", *args],
                          check=True, capture_output=True, text=True).stdout.strip()


def _chart(repo: Path, name: str, version: str, note: str = "") -> None:
    chart = repo / "charts" / name
    (chart / "templates").mkdir(parents=True, exist_ok=True)
    (chart / "Chart.yaml").write_text(yaml.safe_dump({"apiVersion": "v2", "name": name, "version": version}))
    (chart / "templates" / "cm.yaml").write_text(f"# {note}\n")


def _commit(repo: Path, message: str) -> str:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)
    return _git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """app 0.1.0 (two commits), then 0.2.0 (two commits); common alongside, linked as charts do."""
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _chart(repo, "common", "0.1.0", "common one")
    _chart(repo, "app", "0.1.0", "first")
    (repo / "charts/app/charts").mkdir()
    (repo / "charts/app/charts/common").symlink_to("../../common")
    (repo / "values").mkdir()
    (repo / "values/lab.yaml").write_text("lab: one\n")
    _commit(repo, "app 0.1.0")
    _chart(repo, "app", "0.1.0", "fixed before the bump")
    _chart(repo, "common", "0.1.0", "common two")
    _commit(repo, "app: a fix at 0.1.0")
    _chart(repo, "app", "0.2.0", "second")
    _commit(repo, "app 0.2.0")
    _chart(repo, "app", "0.2.0", "second, more")
    _commit(repo, "app: more at 0.2.0")
    return repo


def test_the_previous_release_is_the_newest_commit_of_the_version_before(repo: Path) -> None:
    fix = _git(repo, "rev-parse", "HEAD~2")
    assert releases.previous("app", repo) == releases.Release("app", "0.1.0", fix)


def test_a_bump_in_the_work_tree_makes_the_committed_version_the_previous_one(repo: Path) -> None:
    _chart(repo, "app", "0.3.0", "uncommitted")
    assert releases.previous("app", repo) == releases.Release("app", "0.2.0", _git(repo, "rev-parse", "HEAD"))


def test_a_merged_branch_counts_as_its_merge_commit(repo: Path) -> None:
    before = _git(repo, "rev-parse", "HEAD")
    _git(repo, "checkout", "-q", "-b", "feature")
    _chart(repo, "app", "0.2.0", "feature work, not bumped yet")
    _commit(repo, "feature: work")
    _chart(repo, "app", "0.3.0", "feature bumped")
    _commit(repo, "feature: bump")
    _git(repo, "checkout", "-q", "main")
    _git(repo, "merge", "-q", "--no-ff", "-m", "merge feature", "feature")
    # the feature branch's 0.2.0 commit never was main's: main's last 0.2.0 is the merge's first parent
    assert releases.previous("app", repo) == releases.Release("app", "0.2.0", before)


def test_a_new_chart_has_no_previous_release(repo: Path) -> None:
    _chart(repo, "fresh", "0.1.0")
    _commit(repo, "fresh 0.1.0")
    assert releases.previous("fresh", repo) is None
    _chart(repo, "fresh", "0.2.0")
    assert releases.previous("fresh", repo) == releases.Release("fresh", "0.1.0", _git(repo, "rev-parse", "HEAD"))


def test_the_extracted_release_resolves_common_of_its_own_commit(repo: Path, tmp_path: Path) -> None:
    release = releases.previous("app", repo)
    assert release is not None
    tree = releases.extract(release, tmp_path / "scratch", repo)
    assert (tree / "charts/app/templates/cm.yaml").read_text() == "# fixed before the bump\n"
    assert (tree / "charts/app/charts/common/templates/cm.yaml").read_text() == "# common two\n"
    assert (tree / "values/lab.yaml").read_text() == "lab: one\n"
    assert releases.extract(release, tmp_path / "scratch", repo) == tree  # once per commit


def test_a_shallow_clone_fails_saying_how_to_get_the_history(repo: Path, tmp_path: Path) -> None:
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow)], check=True)
    with pytest.raises(releases.ReleaseError, match=r"shallow clone.*git fetch --unshallow"):
        releases.previous("app", shallow)


def test_outside_a_checkout_it_fails_saying_so(tmp_path: Path) -> None:
    _chart(tmp_path, "app", "0.1.0")
    with pytest.raises(releases.ReleaseError, match="not a git checkout"):
        releases.previous("app", tmp_path)


def test_every_chart_of_this_repository_has_a_release_before_the_work_tree() -> None:
    """CI clones with history: the tier finds each chart's previous release (the round's new charts aside)."""
    for chart in applications():
        release = releases.previous(chart.name)
        if release is not None:
            assert releases.semver_key(release.version) < releases.semver_key(chart.version)


CHANGELOG = """
## Unreleased
- **Breaking** `mysql` 0.4.0 recreates the StatefulSet: its selector lost the component label.
  Run `kubectl delete statefulset ... --cascade=orphan` first.
- mysql 0.4.1: a Deployment for the exporter (nothing recreated).
- `mysql-operator` 0.4.0 recreates its Deployment.
"""


@pytest.mark.parametrize(("chart", "version", "kinds"), [
    ("mysql", "0.4.0", {"StatefulSet"}),
    ("mysql", "0.4.1", set()),  # no "recreates"
    ("mysql", "0.4.10", set()),
    ("mysql-operator", "0.4.0", {"Deployment"}),
    ("wordpress", "0.4.0", set()),
])
def test_the_changelog_names_what_a_release_recreates(chart: str, version: str, kinds: set[str]) -> None:
    assert releases.changelog_recreates(chart, version, ("Deployment", "StatefulSet", "DaemonSet"),
                                        text=CHANGELOG) == kinds


# --- the guards offline ---


def _probe(values: dict[str, object]) -> dict[str, str]:
    objs = renderer().render(Request(ROOT / "tests/fixtures/common-probe", {"upgradeProbe": values}))
    return dict(next(o for o in objs if o["metadata"]["name"] == "upgrade-probe")["data"])


def test_versions_and_image_tags_are_read_as_releases() -> None:
    data = _probe({"versions": ["8.4.11-oraclelinux9", "8.4", "v3.5.0", "lts", "9.5.0"],
                   "images": ["docker.io/library/mysql:8.4.11@sha256:" + "a" * 64, "registry:5000/x/mysql",
                              "registry:5000/mysql:8.0.40"]})
    assert [data[f"version-{i}"] for i in range(5)] == ["8.4.11", "8.4.0", "3.5.0", "", "9.5.0"]
    assert [data[f"tag-{i}"] for i in range(3)] == ["8.4.11", "", "8.0.40"]
    assert data["live"] == "", "helm template must not count as a live cluster"


def test_mysql_refuses_an_image_without_clone() -> None:
    message = render_error("mysql", {"image": {"tag": "8.0.16"}})
    assert 'image.tag "8.0.16" is MySQL 8.0.16, older than 8.0.17' in message and "CLONE" in message
    render("mysql", {"image": {"tag": "8.0.17"}})
    render("mysql", {"image": {"tag": "lts"}})  # names no version: not checked


def test_eck_refuses_an_operator_older_than_the_crds_it_installs() -> None:
    message = render_error("eck-operator", {"image": {"tag": "3.4.0"}})
    assert 'image.tag "3.4.0" is ECK 3.4.0, older than the CRDs this chart installs (ECK 3.5.0)' in message
    render("eck-operator", {"image": {"tag": "3.4.0"}, "crds": {"enabled": False}})


GUARDED = re.compile(r"^kind: (StorageClass|StatefulSet|Deployment|DaemonSet|Service|PersistentVolumeClaim|"
                     r"PersistentVolume|IngressClass|RoleBinding|ClusterRoleBinding)\s*$", re.M)


def _makers(templates: Path) -> list[str]:
    """Template files that render a guarded kind themselves, or through a helper of the chart that does."""
    helpers = set()
    for tpl in templates.rglob("*.tpl"):
        for body in re.split(r'\{\{-?\s*define "', tpl.read_text())[1:]:
            name, _, text = body.partition('"')
            if GUARDED.search(text):
                helpers.add(name)
    found = []
    for path in templates.rglob("*.yaml"):
        text = path.read_text()
        includes = set(re.findall(r'include "([^"]+)"', text))
        if GUARDED.search(text) or includes & helpers:
            found.append(str(path.relative_to(templates)))
    return sorted(found)


@pytest.mark.parametrize("chart", sorted(c.name for c in applications()))
def test_every_template_making_a_guarded_kind_is_guarded(chart: str) -> None:
    templates = CHARTS / chart / "templates"
    validate = (templates / "validate.yaml").read_text() if (templates / "validate.yaml").exists() else ""
    listed = re.search(r'include "common\.upgrade\.guard" \(dict "templates" \(list ([^)]*)\)', validate)
    guarded = sorted(re.findall(r'"([^"]+)"', listed.group(1))) if listed else []
    missing = sorted(set(_makers(templates)) - set(guarded))
    assert not missing, f"{chart}: templates/validate.yaml does not guard {missing}, which make guarded kinds"
    assert all((templates / f).is_file() for f in guarded), f"{chart}: the guard lists a template that is gone"
