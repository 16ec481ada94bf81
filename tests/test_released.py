"""Packages of an unchanged chart stay byte-identical to the ones released: released.yaml records
each published package's sha256 and source commit, and today's tooling must make those bytes again
(a registry refuses other bytes under a published version)."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from chartops import helm as helm_mod
from chartops import package, released
from chartops.charts import Chart, get
from tests.helpers import ROOT

NFS = "nfs-subdir-provisioner"


@pytest.fixture(scope="module")
def helm() -> helm_mod.Helm:
    return helm_mod.find()


@pytest.fixture(autouse=True)
def released_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


def digest(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_released_package_is_made_again_byte_for_byte(helm: helm_mod.Helm) -> None:
    entries = released.load()
    assert {e.chart for e in entries} >= {"common", "platform", NFS}, "released.yaml records the previous release"
    mismatches = released.check(helm, entries)
    assert not mismatches, "\n".join(map(str, mismatches))


def _gzip_level_6(data: bytes, extra: bytes = b"", comment: bytes = b"") -> bytes:
    import gzip

    return gzip.compress(data, compresslevel=6, mtime=0)


def _gnu_tar(src: Path, dest: Path) -> None:
    with tarfile.open(src) as tar, tarfile.open(dest, "w:gz", format=tarfile.GNU_FORMAT) as out:
        for member in sorted(tar.getmembers(), key=lambda m: m.name):
            out.addfile(member, tar.extractfile(member) if member.isfile() else None)


def _helm_order(src: Path, dest: Path) -> None:
    shutil.copyfile(src, dest)  # the archive as helm wrote it (subcharts in map order, Go's gzip)


def _mode_0755(src: Path, dest: Path) -> None:
    with tarfile.open(src) as tar:
        members = [(m, tar.extractfile(m).read() if m.isfile() else b"") for m in tar.getmembers()]  # type: ignore[union-attr]
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as out:
        for member, data in members:
            member.mode = 0o755
            out.addfile(member, io.BytesIO(data))
    dest.write_bytes(package.gzip_bytes(buf.getvalue(), *package._gzip_fields(src.read_bytes())))


FORMAT_CHANGES: dict[str, tuple[str, Callable[..., object]]] = {
    "gzip level 6": ("gzip_bytes", _gzip_level_6),
    "GNU tar headers": ("normalize", _gnu_tar),
    "helm's own archive": ("normalize", _helm_order),
    "file modes 0755": ("normalize", _mode_0755),
}


@pytest.mark.parametrize("change", list(FORMAT_CHANGES))
def test_a_change_of_archive_format_is_caught_naming_the_chart(
    helm: helm_mod.Helm, monkeypatch: pytest.MonkeyPatch, change: str,
) -> None:
    name, replacement = FORMAT_CHANGES[change]
    monkeypatch.setattr(package, name, replacement)
    entries = [e for e in released.load() if e.chart in ("common", "platform")]
    mismatches = released.check(helm, entries)
    charts = {m.entry.chart for m in mismatches}
    assert charts == {"common", "platform"}, change
    text = str(mismatches[0])
    assert mismatches[0].entry.sha256 in text and str(mismatches[0].got) in text
    assert "every push of this unchanged chart would be refused" in text


def test_a_release_commit_missing_from_history_is_reported(helm: helm_mod.Helm) -> None:
    entry = released.Entry("common", "0.0.1", "sha256:" + "0" * 64, "0" * 40, "v4.3.1")
    (mismatch,) = released.check(helm, [entry])
    assert mismatch.got is None and "not in this clone's history" in str(mismatch) and "--unshallow" in str(mismatch)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", *args],
                          check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A checkout holding common and the nfs chart (linked to common as in this repository), committed."""
    root = tmp_path / "repo"
    for name in ("common", NFS):
        shutil.copytree(get(name).path, root / "charts" / name, symlinks=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-qm", "charts")
    return root


def pushed(helm: helm_mod.Helm, repo: Path, dest: Path) -> list[tuple[str, str, str]]:
    made = package.package_charts(helm, [Chart(repo / "charts" / n) for n in ("common", NFS)], dest)
    return [(package.chart_of(p)["name"], package.chart_of(p)["version"], digest(p)) for p in made]


def test_record_adds_the_pushed_packages_with_their_commit(helm: helm_mod.Helm, repo: Path, tmp_path: Path) -> None:
    published = pushed(helm, repo, tmp_path / "dist")
    new = released.record(helm, published, repo)
    head = git(repo, "rev-parse", "HEAD")
    assert [(e.chart, e.version, e.sha256, e.commit, e.helm) for e in new] == [
        (c, v, d, head, helm.version) for c, v, d in published]
    assert released.load(repo) == new
    assert released.record(helm, published, repo) == [], "recording the same release again adds nothing"
    assert released.check(helm, released.load(repo), repo) == []


def test_a_changed_chart_after_the_release_is_still_checked_against_its_released_source(
    helm: helm_mod.Helm, repo: Path, tmp_path: Path,
) -> None:
    """The next commits change the chart (and bump it): the released entry is made from its own commit."""
    released.record(helm, pushed(helm, repo, tmp_path / "dist"), repo)
    chart_yaml = repo / "charts" / NFS / "Chart.yaml"
    chart_yaml.write_text(chart_yaml.read_text().replace(f"version: {get(NFS).version}", "version: 9.9.9"))
    (repo / "charts" / NFS / "templates" / "NOTES.txt").write_text("changed\n")
    git(repo, "commit", "-qam", "next release")
    assert released.check(helm, released.load(repo), repo) == []


def test_record_refuses_uncommitted_charts(helm: helm_mod.Helm, repo: Path, tmp_path: Path) -> None:
    published = pushed(helm, repo, tmp_path / "dist")
    (repo / "charts" / NFS / "templates" / "extra.yaml").write_text("# not committed\n")
    with pytest.raises(released.ReleasedError, match=r"uncommitted changes \(charts/nfs-subdir-provisioner/templates"):
        released.record(helm, published, repo)
    assert not released.record_path(repo).exists()


def test_record_refuses_packages_that_head_does_not_make(helm: helm_mod.Helm, repo: Path, tmp_path: Path) -> None:
    """dist/ packaged from an edit that was then reverted, say: the record would name the wrong source."""
    notes = repo / "charts" / NFS / "templates" / "NOTES.txt"
    original = notes.read_text()
    notes.write_text(original + "an edit\n")
    published = pushed(helm, repo, tmp_path / "dist")
    notes.write_text(original)
    with pytest.raises(released.ReleasedError, match=f"not recorded(.|\n)*{NFS} {get(NFS).version}: pushed"):
        released.record(helm, published, repo)
    assert not released.record_path(repo).exists()


def test_record_refuses_an_entry_the_registry_contradicts(helm: helm_mod.Helm, repo: Path, tmp_path: Path) -> None:
    published = pushed(helm, repo, tmp_path / "dist")
    released.record(helm, published, repo)
    chart, version, _ = published[0]
    with pytest.raises(released.ReleasedError, match="released.yaml and the registry disagree"):
        released.record(helm, [(chart, version, "sha256:" + "1" * 64)], repo)


def test_record_refuses_a_custom_source_date_epoch(helm: helm_mod.Helm, repo: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    with pytest.raises(released.ReleasedError, match="SOURCE_DATE_EPOCH=1700000000"):
        released.record(helm, [], repo)


def test_packaging_a_released_version_with_other_bytes_warns_to_bump() -> None:
    entries = [released.Entry("common", "0.2.0", "sha256:aa", "c" * 40, "v4.3.1")]
    assert released.drift(entries, "common", "0.2.0", "sha256:aa") is None
    assert released.drift(entries, "common", "0.3.0", "sha256:bb") is None
    warning = released.drift(entries, "common", "0.2.0", "sha256:bb")
    assert warning is not None and "bump `version` in charts/common/Chart.yaml" in warning


def test_a_dry_run_push_with_record_says_what_it_would_record(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "invoke", "--dry", "push", "--registry", "oci://harbor.feng.org/apps",
                          "--chart", "common", "--dest", str(tmp_path), "--record"],
                         cwd=ROOT, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert f"to {ROOT / 'released.yaml'} (in-process)" in out.stdout
