"""The released packages: what each published chart version's .tgz was, and whether today's
tooling still makes those bytes.

A registry refuses other bytes under a published version (chartops.registry), so a change of
archive format (tar headers, member order, gzip settings, how helm writes Chart.yaml) would make
every push of an unchanged chart fail. The record of what was published is `released.yaml`,
committed beside the charts: chart -> version -> the package's sha256, the commit its chart source
came from, and the helm that packaged it. `invoke push --record` writes it at release time, for
every package the registry took or already held, after re-making each from the commit's source.

Why a committed record, and not the previous release re-packaged from git history with the
previous tooling: the record is what the registry really holds (its digest is the chart layer's
digest), it needs neither the old tooling nor the old helm to be runnable, and it survives any
later change of the code that would be under test. The commit in each entry still lets the
check re-make the package from the released source with today's tooling (`check`).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from chartops import archives
from chartops.charts import Chart
from chartops.helm import Helm
from chartops.package import FIXED_EPOCH, package_charts
from chartops.paths import repo_root

RECORD = "released.yaml"
HEADER = """\
# The chart packages published to the registry: chart -> version -> the .tgz's sha256, the commit
# whose charts/ it was packaged from, and the helm that packaged it. Written by
# `invoke push --registry ... --record` at release time (commit the change); never edited by hand.
# tests/test_released.py re-packages every entry's source with today's tooling and wants these
# bytes: a registry refuses other bytes under a published version.
"""


class ReleasedError(RuntimeError):
    """The record cannot be written or read; the message says what to do."""


@dataclass(frozen=True)
class Entry:
    chart: str
    version: str
    sha256: str  # "sha256:<hex>", as the registry names the layer
    commit: str
    helm: str

    def as_yaml(self) -> dict[str, str]:
        return {"sha256": self.sha256, "commit": self.commit, "helm": self.helm}


@dataclass(frozen=True)
class Mismatch:
    entry: Entry
    got: str | None  # the sha256 today's tooling makes; None when it could not make one
    detail: str = ""

    def __str__(self) -> str:
        e = self.entry
        if self.got is None:
            return f"{e.chart} {e.version}: {self.detail}"
        return (f"{e.chart} {e.version}: the source of commit {e.commit[:12]} now packages to {self.got}, but "
                f"{e.sha256} was published (with helm {e.helm}); every push of this unchanged chart would be "
                "refused: make packaging write the released bytes again")


def record_path(root: Path | None = None) -> Path:
    return (root or repo_root()) / RECORD


def load(root: Path | None = None) -> list[Entry]:
    path = record_path(root)
    if not path.is_file():
        return []
    data: Any = yaml.safe_load(path.read_text()) or {}
    entries = []
    for chart, versions in sorted(data.items()):
        for version, fields in sorted((versions or {}).items()):
            entries.append(Entry(str(chart), str(version), str(fields["sha256"]), str(fields["commit"]),
                                 str(fields.get("helm", ""))))
    return entries


def save(entries: Iterable[Entry], root: Path | None = None) -> Path:
    data: dict[str, dict[str, dict[str, str]]] = {}
    for e in sorted(entries, key=lambda e: (e.chart, e.version)):
        data.setdefault(e.chart, {})[e.version] = e.as_yaml()
    path = record_path(root)
    staged = path.with_name(f".{path.name}.partial")
    staged.write_text(HEADER + yaml.safe_dump(data, sort_keys=True, default_flow_style=False))
    staged.replace(path)
    return path


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)


def source_commit(root: Path | None = None) -> str:
    """HEAD, when charts/ holds no uncommitted change (a record must name the source it came from)."""
    root = root or repo_root()
    head = _git(root, "rev-parse", "--verify", "HEAD")
    if head.returncode != 0:
        raise ReleasedError(f"{root} is not a git checkout with a commit; a release is recorded from one")
    dirty = _git(root, "status", "--porcelain", "--untracked-files=all", "--", "charts")
    if dirty.stdout.strip():
        changed = ", ".join(line[3:] for line in dirty.stdout.decode().splitlines()[:5])
        raise ReleasedError(f"charts/ has uncommitted changes ({changed}): commit them, then package and push "
                            "again, so the record names the source the packages came from")
    return head.stdout.decode().strip()


def export_charts(root: Path, commit: str, dest: Path) -> Path:
    """charts/ as of `commit`, written under dest (symlinks kept); returns dest/charts."""
    archive = _git(root, "archive", "--format=tar", commit, "charts")
    if archive.returncode != 0:
        raise ReleasedError(f"commit {commit[:12]} is not in this clone's history ({archive.stderr.decode().strip()}); "
                            "a shallow clone? run `git fetch --unshallow`")
    archives.extract(archive.stdout, dest)
    return dest / "charts"


def remake(helm: Helm, root: Path, commit: str, charts: Sequence[str], dest: Path) -> dict[str, Path]:
    """Package these charts from `commit`'s source with today's tooling, into dest."""
    with tempfile.TemporaryDirectory(prefix="chartops-released-") as tmp:
        source = export_charts(root, commit, Path(tmp))
        missing = [c for c in charts if not (source / c / "Chart.yaml").is_file()]
        if missing:
            raise ReleasedError(f"commit {commit[:12]} has no charts/{', charts/'.join(missing)}")
        made = package_charts(helm, [Chart(source / c) for c in charts], dest)
    return dict(zip(charts, made, strict=True))


def _released_epoch() -> None:
    pinned = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if pinned and pinned != str(FIXED_EPOCH):
        raise ReleasedError(f"SOURCE_DATE_EPOCH={pinned} is set: released packages carry the fixed epoch "
                            f"{FIXED_EPOCH} so that they can be made again; unset it")


def check(helm: Helm, entries: Sequence[Entry], root: Path | None = None) -> list[Mismatch]:
    """Re-make every entry's package from its commit with today's tooling; what differs."""
    root = root or repo_root()
    _released_epoch()
    out: list[Mismatch] = []
    by_commit: dict[str, list[Entry]] = {}
    for e in entries:
        by_commit.setdefault(e.commit, []).append(e)
    for commit, group in by_commit.items():
        with tempfile.TemporaryDirectory(prefix="chartops-remade-") as tmp:
            try:
                made = remake(helm, root, commit, [e.chart for e in group], Path(tmp))
            except ReleasedError as err:
                out += [Mismatch(e, None, str(err)) for e in group]
                continue
            for e in group:
                got = "sha256:" + hashlib.sha256(made[e.chart].read_bytes()).hexdigest()
                if got != e.sha256:
                    out.append(Mismatch(e, got))
    return out


def current(entries: Sequence[Entry], chart: str, version: str) -> Entry | None:
    return next((e for e in entries if (e.chart, e.version) == (chart, version)), None)


def drift(entries: Sequence[Entry], chart: str, version: str, digest: str) -> str | None:
    """Why a package of `chart` `version` with this digest can't be pushed, when that version was
    released with other bytes; None when it was not released or is the same."""
    e = current(entries, chart, version)
    if e is None or e.sha256 == digest:
        return None
    return (f"{chart} {version} was released as {e.sha256} (released.yaml) and this package is {digest}: "
            f"the registry will refuse it; bump `version` in charts/{chart}/Chart.yaml")


def record(helm: Helm, published: Sequence[tuple[str, str, str]], root: Path | None = None) -> list[Entry]:
    """Add (chart, version, sha256) of published packages to released.yaml, after re-making each
    from HEAD's committed charts/ and finding the same bytes; returns the new entries."""
    root = root or repo_root()
    _released_epoch()
    commit = source_commit(root)
    entries = load(root)
    new: list[Entry] = []
    for chart, version, digest in published:
        known = current(entries, chart, version)
        if known is not None:
            if known.sha256 != digest:
                raise ReleasedError(f"{chart} {version} is recorded as {known.sha256} but the registry holds "
                                    f"{digest}: released.yaml and the registry disagree; check which is right")
            continue
        new.append(Entry(chart, version, digest, commit, helm.version))
    if not new:
        return []
    mismatches = check(helm, new, root)
    if mismatches:
        raise ReleasedError(
            "not recorded: the pushed packages are not what the committed charts/ packages to "
            "(was dist/ packaged from another tree? run `invoke package` again):\n  "
            + "\n  ".join(f"{m.entry.chart} {m.entry.version}: pushed {m.entry.sha256}, HEAD makes {m.got}"
                          if m.got else str(m) for m in mismatches))
    save([*entries, *new], root)
    return new
