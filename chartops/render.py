"""Rendering charts with `helm template` and parsing what comes out.

Renders are cached on disk, keyed by everything that changes the output (the
chart's files, through the common and subchart symlinks, values, release,
namespace, kube and helm versions), so a test session
renders each (chart, values) pair once even across pytest-xdist workers.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from filelock import FileLock

from chartops.helm import Helm
from chartops.helm import clean_stderr as helm_clean_stderr

KUBE_VERSION = "1.33.0"


class RenderError(RuntimeError):
    """helm template failed; the message is helm's stderr."""

    def __init__(self, chart: str, values_files: Sequence[str], stderr: str) -> None:
        self.chart = chart
        self.values_files = list(values_files)
        self.stderr = stderr
        where = f" with {', '.join(values_files)}" if values_files else ""
        super().__init__(f"helm template {chart}{where} failed:\n{stderr}")


@dataclass(frozen=True)
class Request:
    chart: Path
    values: Mapping[str, Any] = field(default_factory=dict)
    values_files: tuple[Path, ...] = ()
    release: str = "test"
    namespace: str = "default"
    kube_version: str = KUBE_VERSION
    extra_args: tuple[str, ...] = ()

    def command(self, helm: Helm, values_json: Path | None) -> list[str]:
        cmd = [
            str(helm.path), "template", self.release, str(self.chart),
            "--namespace", self.namespace, "--kube-version", self.kube_version,
        ]
        for f in self.values_files:
            cmd += ["--values", str(f)]
        if values_json is not None:
            cmd += ["--values", str(values_json)]
        return cmd + list(self.extra_args)


def chart_files(path: Path) -> list[tuple[str, Path]]:
    """Every file helm reads for a chart, following symlinks (charts/common, vendored subcharts)."""
    found: list[tuple[str, Path]] = []
    seen: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(path, followlinks=True):
        real = os.path.realpath(dirpath)
        if real in seen:  # a symlink loop; helm would refuse it anyway
            dirnames[:] = []
            continue
        seen.add(real)
        dirnames.sort()
        for name in sorted(filenames):
            f = Path(dirpath) / name
            if f.is_file():
                found.append((str(f.relative_to(path)), f))
    return found


_DIGESTS: dict[tuple[tuple[str, int, int, int], ...], str] = {}


def tree_digest(path: Path) -> str:
    """Digest of every file under a chart, symlinked subcharts and common included.

    Memoised by each file's (name, size, mtime, inode), so an edit anywhere, even
    through a symlink, yields a new digest while unchanged trees aren't re-read.
    """
    files = chart_files(path)
    stats = tuple((rel, (st := f.stat()).st_size, st.st_mtime_ns, st.st_ino) for rel, f in files)
    digest = _DIGESTS.get(stats)
    if digest is None:
        h = hashlib.sha256()
        for rel, f in files:
            data = f.read_bytes()
            h.update(f"{rel}\0{len(data)}\0".encode())
            h.update(data)
        digest = _DIGESTS[stats] = h.hexdigest()
    return digest


def cache_key(req: Request, helm_version: str = "") -> str:
    """Everything that changes helm's output: chart files, values, release, namespace, kube and helm versions."""
    payload = {
        "chart": str(req.chart.resolve()),
        "tree": tree_digest(req.chart),
        "values": req.values,
        "files": [[str(f), hashlib.sha256(f.read_bytes()).hexdigest()] for f in req.values_files],
        "release": req.release,
        "namespace": req.namespace,
        "kube": req.kube_version,
        "extra": list(req.extra_args),
        "helm": helm_version,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:32]


class DuplicateKeyError(yaml.YAMLError):
    """A mapping names the same key twice: YAML parsers disagree on which wins."""


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys, as kubectl and Argo CD do (PyYAML keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise DuplicateKeyError(f"duplicate key {key!r} at line {key_node.start_mark.line + 1}")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse(manifest: str) -> list[dict[str, Any]]:
    return [d for d in yaml.load_all(manifest, Loader=_StrictLoader) if isinstance(d, dict)]


def run(req: Request, helm: Helm, workdir: Path, log: Path | None = None) -> subprocess.CompletedProcess[str]:
    values_json = None
    if req.values:
        values_json = workdir / f"values-{os.getpid()}-{time.monotonic_ns()}.json"
        # UTF-8, not \u escapes: helm's YAML parser refuses the surrogate pairs of astral characters
        values_json.write_text(json.dumps(req.values, ensure_ascii=False), encoding="utf-8")
    try:
        if log is not None:
            with log.open("a") as fh:
                fh.write(f"{req.chart.name}\n")
        return subprocess.run(req.command(helm, values_json), capture_output=True, text=True, check=False)
    finally:
        if values_json is not None:
            values_json.unlink(missing_ok=True)


def clean_stderr(stderr: str) -> str:
    """helm's message as users see it (chartops.helm.clean_stderr: no symlink notes, readable schema errors)."""
    return helm_clean_stderr(stderr)


class Renderer:
    """Renders through a cache directory shared by every process of a session."""

    def __init__(self, helm: Helm, cache_dir: Path) -> None:
        self.helm = helm
        self.cache_dir = cache_dir
        cache_dir.mkdir(parents=True, exist_ok=True)
        self.log = cache_dir / "helm-calls.log"

    def render(self, req: Request) -> list[dict[str, Any]]:
        result = self.result(req)
        if not result["ok"]:
            raise RenderError(req.chart.name, [str(f) for f in req.values_files], result["stderr"])
        return list(result["objects"])

    def result(self, req: Request) -> dict[str, Any]:
        key = cache_key(req, f"{self.helm.version} {self.helm.path}")
        entry = self.cache_dir / f"{key}.json"
        with FileLock(str(entry) + ".lock"):
            if entry.exists():
                return dict(json.loads(entry.read_text()))
            proc = run(req, self.helm, self.cache_dir, self.log)
            result: dict[str, Any]
            if proc.returncode == 0:
                result = {"ok": True, "objects": parse(proc.stdout), "stderr": clean_stderr(proc.stderr)}
            else:
                result = {"ok": False, "objects": [], "stderr": clean_stderr(proc.stderr)}
            entry.write_text(json.dumps(result))
            return result

    def helm_calls(self) -> int:
        return len(self.log.read_text().splitlines()) if self.log.exists() else 0
