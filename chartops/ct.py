"""chart-testing (`ct`), the real tool, run on a scratch copy of the charts.

ct lints every chart with each of its `ci/*-values.yaml` (helm lint, yamllint with
ci/lintconf.yaml, yamale with ci/chart_schema.yaml) and installs each ci file as its own release.
It runs `helm dependency build`, which leaves Chart.lock and charts/*.tgz beside the `common`
symlinks, and it wants a git repository with the target branch: so it runs in a throwaway git
copy of charts/ and ci/, never in the work tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from chartops.paths import repo_root
from chartops.testbed import builds

CONFIG = "ci/ct.yaml"


@contextmanager
def scratch_repo(root: Path | None = None) -> Iterator[Path]:
    """A git repository on branch main holding a copy of charts/ and ci/ (symlinks kept)."""
    root = root or repo_root()
    with tempfile.TemporaryDirectory(prefix="chartops-ct-") as tmp:
        copy = Path(tmp)
        for part in ("charts", "ci"):
            shutil.copytree(root / part, copy / part, symlinks=True)
        git = ["git", "-C", str(copy), "-c", "user.name=ct", "-c", "user.email=ct@localhost"]
        for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "charts"]):
            subprocess.run([*git, *args], check=True, capture_output=True)
        yield copy


def env(helm: Path, extra_path: list[Path] | None = None, kubeconfig: Path | None = None) -> dict[str, str]:
    """PATH with helm, ct's helpers (yamllint and yamale from this Python's environment) and kubectl."""
    dirs = [*(extra_path or []), helm.parent, Path(sys.executable).parent]
    path = os.pathsep.join([*(str(d) for d in dirs), os.environ.get("PATH", "")])
    found = dict(os.environ, PATH=path)
    if kubeconfig:
        found["KUBECONFIG"] = str(kubeconfig)
    return found


def lint_command(charts: list[str] | None = None) -> list[str]:
    # every chart, not only those changed against main; the version bump is chartops.lint's check
    selection = ["--charts", ",".join(f"charts/{c}" for c in charts)] if charts else ["--all"]
    return [str(builds.path("ct")), "lint", "--config", CONFIG, *selection, "--check-version-increment=false"]


def install_command(charts: list[str], extra_set: str | None = None, root: Path | None = None) -> list[str]:
    """ct install of these charts; `extra_set` adds to the config's helm-extra-set-args (the flag replaces them)."""
    argv = [str(builds.path("ct")), "install", "--config", CONFIG, "--charts", ",".join(f"charts/{c}" for c in charts)]
    if extra_set:
        config = yaml.safe_load(((root or repo_root()) / CONFIG).read_text())
        argv += ["--helm-extra-set-args", " ".join(filter(None, (config.get("helm-extra-set-args"), extra_set)))]
    return argv


def run(argv: list[str], helm: Path, root: Path | None = None, extra_path: list[Path] | None = None,
        timeout: float = 1800, kubeconfig: Path | None = None) -> subprocess.CompletedProcess[str]:
    with scratch_repo(root) as copy:
        return subprocess.run(argv, cwd=copy, env=env(helm, extra_path, kubeconfig), capture_output=True, text=True,
                              timeout=timeout, check=False)
