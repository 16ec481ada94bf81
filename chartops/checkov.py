"""checkov, pinned, in its own virtualenv under .tools/checkov.

checkov pins many libraries (it would downgrade `packaging` and `networkx` in the tooling's
environment), so it lives apart, installed from PyPI the first time it is needed, the way
the pinned helm is. Runs are offline: no guideline download, no update check, no upload.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from chartops.paths import repo_root

PINNED = "checkov==3.3.30"
VERSION = PINNED.split("==")[1]

# everything that would make checkov talk to anything but the local files
OFFLINE_ENV = {
    "BC_SKIP_MAPPING": "TRUE",
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",
    "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false",
    "LOG_LEVEL": "ERROR",
}


class CheckovError(RuntimeError):
    """checkov could not be installed or did not produce a report."""


@dataclass(frozen=True)
class Failure:
    check_id: str
    name: str
    resource: str
    file: str  # relative to the scanned directory

    def __str__(self) -> str:
        return f"{self.check_id} {self.resource} ({self.file}): {self.name}"


def venv_dir(root: Path | None = None) -> Path:
    return (root or repo_root()) / ".tools" / "checkov"


def binary(root: Path | None = None) -> Path:
    return venv_dir(root) / "bin" / "checkov"


def installed_version(path: Path) -> str | None:
    if not path.exists():
        return None
    out = subprocess.run([str(path), "--version"], capture_output=True, text=True, check=False,
                         env=dict(os.environ, **OFFLINE_ENV), timeout=120)
    return out.stdout.strip() if out.returncode == 0 else None


def ensure(root: Path | None = None) -> Path:
    """The pinned checkov, installed into .tools/checkov when missing or of another version."""
    path = binary(root)
    if installed_version(path) == VERSION:
        return path
    venv = venv_dir(root)
    steps = [[sys.executable, "-m", "venv", "--clear", str(venv)],
             [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", PINNED]]
    for cmd in steps:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise CheckovError(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    found = installed_version(path)
    if found != VERSION:
        raise CheckovError(f"installed {PINNED} but {path} reports {found!r}")
    return path


def scan(directory: Path, root: Path | None = None) -> list[Failure]:
    """Failed Kubernetes checks over every manifest in a directory (one checkov process)."""
    cmd = [str(ensure(root)), "--directory", str(directory), "--framework", "kubernetes",
           "--output", "json", "--quiet", "--compact", "--skip-download", "--soft-fail"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False,
                          env=dict(os.environ, **OFFLINE_ENV), timeout=900)
    try:
        report = json.loads(proc.stdout or "null")
    except json.JSONDecodeError as err:
        raise CheckovError(f"checkov printed no JSON report:\n{proc.stdout[-1000:]}\n{proc.stderr[-2000:]}") from err
    if report is None:
        raise CheckovError(f"checkov produced no report:\n{proc.stderr[-2000:]}")
    reports = report if isinstance(report, list) else [report]
    failures: list[Failure] = []
    for rep in reports:
        # a directory with nothing to scan yields a summary without "results"
        for check in (rep.get("results") or {}).get("failed_checks") or []:
            failures.append(Failure(str(check["check_id"]), str(check.get("check_name", "")),
                                    str(check.get("resource", "")), str(check.get("file_path", "")).lstrip("/")))
    return failures
