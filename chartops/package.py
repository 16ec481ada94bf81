"""Packaging charts into dist/: reproducible .tgz files, optionally signed (.prov).

Reproducible means the same chart content gives the same bytes, so a registry
can be asked "do you already hold exactly this?". Helm stamps each file with
its modification time unless SOURCE_DATE_EPOCH is set; we always set it, to a
fixed epoch (or to SOURCE_DATE_EPOCH from the environment when the caller
pins one). A commit time would not do: a commit that touches only
.helmignore'd files, or a revert, changes the time without changing the chart.

Helm also writes a chart's subcharts in Go map order, which changes from run
to run, so the archive helm writes is rewritten with its members sorted by
path (same headers, same content, same gzip header fields). Signing therefore
happens after that rewrite: helm's --sign would sign the unsorted bytes, so
the provenance file (helm's format: Chart.yaml metadata, `...`, the archive's
sha256, clear-signed) is made with gpg, which `helm verify` accepts.

Subcharts come in through the symlinks under charts/<chart>/charts/ (helm
follows them and embeds the content), so the umbrella carries every subchart
and each application chart carries common. Library charts are packaged too:
they are not installable, but consumers fetch them with `helm dependency`.
"""

from __future__ import annotations

import io
import os
import shutil
import struct
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Sequence
from pathlib import Path

import yaml

from chartops.charts import Chart
from chartops.commands import Command, helm_message
from chartops.helm import Helm

# 1980-01-01T00:00:00Z, the reproducible-builds convention (zip's epoch)
FIXED_EPOCH = 315532800


class PackageError(RuntimeError):
    """A chart could not be packaged; the message names the chart and the next step."""


def source_date_epoch() -> int:
    """The time stamped on every file of every package."""
    pinned = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if pinned:
        if not pinned.isdigit():
            raise PackageError(f"SOURCE_DATE_EPOCH={pinned!r} is not a number of seconds; unset it or fix it")
        return int(pinned)
    return FIXED_EPOCH


def package_name(chart: Chart) -> str:
    return f"{chart.name}-{chart.version}.tgz"


def check_dependencies(chart: Chart) -> None:
    """Every dependency must be present under charts/ (the symlink convention)."""
    for dep in chart.meta.get("dependencies") or []:
        name = str(dep.get("name", ""))
        sub = chart.path / "charts" / name
        tgzs = list((chart.path / "charts").glob(f"{name}-*.tgz"))
        if (sub / "Chart.yaml").is_file() or tgzs:
            continue
        repo = str(dep.get("repository", ""))
        hint = (
            f"link it: ln -sfn ../../{repo.removeprefix('file://../')} charts/{chart.name}/charts/{name}"
            if repo.startswith("file://../")
            else f"run: helm dependency build charts/{chart.name}"
        )
        state = "is a broken symlink" if sub.is_symlink() else "is missing"
        raise PackageError(
            f"{chart.name}: dependency {name} ({repo}) {state} under charts/{chart.name}/charts/; {hint}"
        )


def package_command(helm: Helm, chart: Chart, dest: Path) -> Command:
    """helm package into dest (a staging directory: the archive is then rewritten in order, see normalize)."""
    argv = [str(helm.path), "package", str(chart.path), "--destination", str(dest)]
    return Command.of(argv, {"SOURCE_DATE_EPOCH": str(source_date_epoch())})


def gpg_commands(package: Path, body: Path, home: Path | None, sign_key: str, keyring: Path | None = None,
                 passphrase_file: Path | None = None) -> list[Command]:
    """gpg clear-signing body into <package>.prov; a legacy keyring is first imported into a throwaway home.

    Without a keyring the user's own GnuPG home (and agent) holds the key. The passphrase comes from
    passphrase_file or HELM_KEY_PASSPHRASE (on stdin), as for helm.
    """
    base = ["gpg", "--batch", "--yes", "--no-tty", "--pinentry-mode", "loopback"]
    if home is not None:
        base += ["--homedir", str(home)]
    cmds = [Command.of(base + ["--import", str(keyring)])] if keyring is not None else []
    argv = base + ["--local-user", sign_key, "--digest-algo", "SHA512", "--armor"]
    secret = None
    if passphrase_file is not None:
        argv += ["--passphrase-file", str(passphrase_file)]
    elif os.environ.get("HELM_KEY_PASSPHRASE"):
        argv += ["--passphrase-fd", "0"]
        secret = os.environ["HELM_KEY_PASSPHRASE"]
    else:
        argv += ["--passphrase", ""]
    argv += ["--output", str(package.with_name(package.name + ".prov")), "--clearsign", str(body)]
    return cmds + [Command.of(argv, stdin_secret=secret)]


def plan(helm: Helm, charts: Sequence[Chart], dest: Path, sign_key: str | None = None,
         keyring: Path | None = None, passphrase_file: Path | None = None) -> list[str]:
    """What packaging these charts runs, as lines for `inv --dry package` (in-process steps as comments)."""
    if (keyring is not None or passphrase_file is not None) and not sign_key:
        raise PackageError("--keyring and --passphrase-file need --sign --key NAME (the signing key's name or email)")
    lines: list[str] = []
    for chart in charts:
        out = dest / package_name(chart)
        lines += [package_command(helm, chart, Path("<staging>")).show(),
                  f"# rewrite <staging>/{out.name} with its members sorted by path into {out} (in-process)"]
        if sign_key:
            body = Path(f"<tmp>/{out.name}.provenance")
            lines.append(f"# write {body}: {out.name}'s Chart.yaml metadata, '...', its sha256 (in-process)")
            home = Path("<tmp>/gnupg") if keyring is not None else None
            lines += [c.show() for c in gpg_commands(out, body, home, sign_key, keyring, passphrase_file)]
    return lines


def _gzip_fields(raw: bytes) -> tuple[bytes, bytes]:
    """The FEXTRA and FCOMMENT fields of a gzip header (helm marks its archives with both)."""
    if raw[:3] != b"\x1f\x8b\x08":
        raise PackageError("not a gzip file")
    flags, pos, extra, comment = raw[3], 10, b"", b""
    if flags & 4:
        (length,) = struct.unpack("<H", raw[pos:pos + 2])
        extra, pos = raw[pos + 2:pos + 2 + length], pos + 2 + length
    if flags & 8:
        pos = raw.index(b"\0", pos) + 1
    if flags & 16:
        end = raw.index(b"\0", pos)
        comment = raw[pos:end]
    return extra, comment


def gzip_bytes(data: bytes, extra: bytes = b"", comment: bytes = b"") -> bytes:
    """gzip with a fixed header: mtime 0, no file name, the given extra and comment fields."""
    flags = (4 if extra else 0) | (16 if comment else 0)
    header = b"\x1f\x8b\x08" + bytes([flags]) + struct.pack("<I", 0) + b"\x02\xff"
    if extra:
        header += struct.pack("<H", len(extra)) + extra
    if comment:
        header += comment + b"\0"
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    body = deflate.compress(data) + deflate.flush()
    return header + body + struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)


def normalize(src: Path, dest: Path) -> None:
    """Rewrite a helm archive with its members sorted by path; headers and contents stay as helm wrote them."""
    raw = src.read_bytes()
    extra, comment = _gzip_fields(raw)
    out = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:gz") as tar, \
            tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as new:
        members = sorted(tar.getmembers(), key=lambda m: m.name.split("/"))
        for member in members:
            data = tar.extractfile(member) if member.isfile() else None
            member.pax_headers = {}
            new.addfile(member, data)
    staged = dest.with_name(f".{dest.name}.partial")
    staged.write_bytes(gzip_bytes(out.getvalue(), extra, comment))
    staged.replace(dest)


def provenance_body(package: Path) -> str:
    """What helm signs: the chart's metadata, a YAML document end, and the archive's sha256."""
    import hashlib

    meta = chart_metadata(package)
    digest = hashlib.sha256(package.read_bytes()).hexdigest()
    files = yaml.safe_dump({"files": {package.name: f"sha256:{digest}"}}, sort_keys=True)
    return yaml.safe_dump(meta, sort_keys=True) + "\n...\n" + files


def sign(package: Path, sign_key: str, keyring: Path | None = None, passphrase_file: Path | None = None) -> Path:
    """Write <package>.prov with gpg; helm verify / helm install --verify check it."""
    if shutil.which("gpg") is None:
        raise PackageError("signing needs gpg: apt-get install -y gnupg")
    prov = package.with_name(package.name + ".prov")
    with tempfile.TemporaryDirectory(prefix="chartops-sign-") as tmp:
        body = Path(tmp) / f"{package.name}.provenance"
        body.write_text(provenance_body(package))
        home = Path(tmp) / "gnupg" if keyring is not None else None
        if home is not None:
            home.mkdir(mode=0o700)
        try:
            for cmd in gpg_commands(package, body, home, sign_key, keyring, passphrase_file):
                result = cmd.run()
                if result.returncode != 0:
                    prov.unlink(missing_ok=True)
                    raise PackageError(
                        f"{chart_of(package)['name']}: signing with {sign_key!r} failed (is the key in the "
                        "keyring, its passphrase in HELM_KEY_PASSPHRASE or --passphrase-file?):\n"
                        + result.stderr.strip())
        finally:
            if home is not None:
                subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], capture_output=True,
                               check=False)
    return prov


def package_charts(helm: Helm, charts: Sequence[Chart], dest: Path, sign_key: str | None = None,
                   keyring: Path | None = None, passphrase_file: Path | None = None) -> list[Path]:
    """Package every chart into dest; returns the .tgz paths (a .prov sits next to each when signed)."""
    plan(helm, charts, dest, sign_key, keyring, passphrase_file)  # refuses flags that only go with signing
    if sign_key and keyring is not None and not keyring.is_file():
        raise PackageError(
            f"keyring {keyring} does not exist; export the secret key to a legacy keyring: "
            f"gpg --export-secret-keys {sign_key!r} > {keyring}"
        )
    dest.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    for chart in charts:
        check_dependencies(chart)
        if not chart.version:
            raise PackageError(f"{chart.name}: Chart.yaml has no version; set a SemVer version")
        out = dest / package_name(chart)
        prov = out.with_name(out.name + ".prov")
        prov.unlink(missing_ok=True)  # a stale signature would be pushed next to a new package
        with tempfile.TemporaryDirectory(prefix="chartops-package-") as staging:
            result = package_command(helm, chart, Path(staging)).run()
            made_by_helm = Path(staging) / out.name
            if result.returncode != 0:
                raise PackageError(f"{chart.name}: helm package failed:\n{helm_message(result.stderr)}")
            if not made_by_helm.is_file():
                raise PackageError(f"{chart.name}: helm package succeeded but wrote no {out.name}")
            normalize(made_by_helm, out)
        if sign_key:
            try:
                sign(out, sign_key, keyring, passphrase_file)
            except PackageError:
                out.unlink(missing_ok=True)  # never leave an unsigned package where a signed one was asked for
                raise
        made.append(out)
    return made


def chart_metadata(package: Path) -> dict[str, object]:
    """The packaged chart's Chart.yaml."""
    with tarfile.open(package) as tar:
        for member in tar.getmembers():
            parts = member.name.split("/")
            if len(parts) == 2 and parts[1] == "Chart.yaml":
                fh = tar.extractfile(member)
                if fh is None:
                    break
                meta = yaml.safe_load(fh.read()) or {}
                if isinstance(meta, dict):
                    return meta
    raise PackageError(f"{package} holds no <chart>/Chart.yaml; is it a helm package?")


def chart_of(package: Path) -> dict[str, str]:
    """name and version of a packaged chart, read from its Chart.yaml."""
    meta = chart_metadata(package)
    return {"name": str(meta.get("name", "")), "version": str(meta.get("version", ""))}
