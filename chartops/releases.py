"""The previous released version of each chart, taken from git history.

A chart's releases are the versions its `Chart.yaml` carried on the checkout's first-parent
history (main's own line: a merged branch counts as its merge commit). The previous release of a
chart is the newest version below the working tree's one, as it stood at the newest commit that
still carried it (the last state of that version before the bump). A chart with no lower version
in history is new: `previous` returns None.

`extract` writes a commit's `charts/` and `values/` into a scratch directory with `git archive`,
so each chart's `charts/common -> ../../common` symlink resolves to the library of that same
commit. It needs the history: a shallow clone fails with a message saying how to get it.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from chartops import archives
from chartops.paths import repo_root

# what an older chart needs beside itself: its siblings (common, the umbrella's subcharts) and the overlays
ARCHIVED = ("charts", "values")


class ReleaseError(RuntimeError):
    """The history needed to find or extract a previous release is missing."""


@dataclass(frozen=True)
class Release:
    chart: str
    version: str
    commit: str

    def describe(self) -> str:
        return f"{self.chart} {self.version} (commit {self.commit[:12]})"


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False, text=False)


def _out(proc: subprocess.CompletedProcess[bytes]) -> str:
    return proc.stdout.decode().strip()


def semver_key(version: str) -> tuple[int, int, int, int, str]:
    """Sort key of a SemVer version (a pre-release sorts before its release; build metadata ignored)."""
    core, _, pre = version.split("+", 1)[0].partition("-")
    major, minor, patch = (int(x) for x in core.split("."))
    return major, minor, patch, 0 if pre else 1, pre


def require_history(root: Path | None = None) -> None:
    """Fail clearly outside a git checkout or in a shallow clone, where older versions are missing."""
    root = root or repo_root()
    shallow = _git(root, "rev-parse", "--is-shallow-repository")
    if shallow.returncode != 0:
        raise ReleaseError(f"{root} is not a git checkout: the previous release of each chart is read from git "
                           "history; work in a clone of the repository")
    if _out(shallow) == "true":
        raise ReleaseError(f"{root} is a shallow clone: the previous release of each chart is read from git "
                           "history, which a shallow clone lacks. Run `git fetch --unshallow` "
                           "(in CI: clone with the full history, e.g. actions/checkout's fetch-depth: 0)")


def _version_at(root: Path, commit: str, chart: str) -> str | None:
    proc = _git(root, "show", f"{commit}:charts/{chart}/Chart.yaml")
    if proc.returncode != 0:
        return None
    meta = yaml.safe_load(proc.stdout.decode())
    return str(meta["version"]) if isinstance(meta, dict) and "version" in meta else None


def current_version(chart: str, root: Path | None = None) -> str:
    meta = yaml.safe_load(((root or repo_root()) / "charts" / chart / "Chart.yaml").read_text())
    return str(meta["version"])


def previous(chart: str, root: Path | None = None) -> Release | None:
    """The newest version of `chart` below the working tree's, at the newest commit holding it;
    None when history has no lower version (a new chart)."""
    root = root or repo_root()
    require_history(root)
    current = semver_key(current_version(chart, root))
    # commits that changed Chart.yaml, newest first; each one's version holds until the next change
    log = _git(root, "log", "--first-parent", "--format=%H", "HEAD", "--", f"charts/{chart}/Chart.yaml")
    if log.returncode != 0:
        raise ReleaseError(f"git log of charts/{chart}/Chart.yaml failed: {log.stderr.decode().strip()}")
    newer: str | None = None  # the commit that moved away from the run of equal versions being read
    run_version: str | None = None
    last: str | None = None
    for commit in _out(log).split():
        version = _version_at(root, commit, chart)
        if version is None:
            return None  # the chart did not exist before this point
        if version != run_version:
            newer, run_version = last, version
        last = commit
        if semver_key(version) < current:
            # the newest commit still at `version`: the first parent of the change away from it
            holder = "HEAD" if newer is None else f"{newer}^1"
            return Release(chart, version, _out(_git(root, "rev-parse", holder)))
    return None


def extract(release: Release, scratch: Path, root: Path | None = None) -> Path:
    """`charts/` and `values/` of the release's commit under scratch/<commit>, once per commit; the
    directory returned holds `charts/<chart>` ready for helm."""
    root = root or repo_root()
    target = scratch / release.commit[:12]
    done = target / ".extracted"
    if done.exists():
        return target
    archive = _git(root, "archive", "--format=tar", release.commit, *ARCHIVED)
    if archive.returncode != 0:
        raise ReleaseError(f"git archive of {release.describe()} failed: {archive.stderr.decode().strip()}")
    target.mkdir(parents=True, exist_ok=True)
    archives.extract(archive.stdout, target)
    done.write_text(release.commit + "\n")
    return target


def changelog_recreates(chart: str, version: str, kinds: Iterable[str], text: str | None = None,
                        root: Path | None = None) -> set[str]:
    """The workload kinds CHANGELOG.md says `chart` `version` deletes and re-creates on upgrade: those named
    in a bullet that also names the chart, the version and "recreates", e.g.
    `- **Breaking** mysql 0.4.0 recreates the StatefulSet (its selector changed): ...`."""
    if text is None:
        text = ((root or repo_root()) / "CHANGELOG.md").read_text()
    found: set[str] = set()
    for bullet in re.split(r"\n(?=\s*[-*] )", text):
        names = re.search(rf"(?<![\w-]){re.escape(chart)}(?![\w-])", bullet)
        dated = re.search(rf"(?<![\w.]){re.escape(version)}(?![\w.])", bullet)
        if names and dated and re.search(r"\brecreates?\b", bullet, re.I):
            found |= {kind for kind in kinds if re.search(rf"\b{kind}\b", bullet)}
    return found
