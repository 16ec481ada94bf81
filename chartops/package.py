"""Packaging charts into dist/: reproducible .tgz files, optionally signed (.prov).

Reproducible means the same chart content gives the same bytes, so a registry
can be asked "do you already hold exactly this?". Helm stamps each file with
its modification time unless SOURCE_DATE_EPOCH is set; we always set it, to a
fixed epoch (or to SOURCE_DATE_EPOCH from the environment when the caller
pins one). A commit time would not do: a commit that touches only
.helmignore'd files, or a revert, changes the time without changing the chart.

Subcharts come in through the symlinks under charts/<chart>/charts/ (helm
follows them and embeds the content), so the umbrella carries every subchart
and each application chart carries common. Library charts are packaged too:
they are not installable, but consumers fetch them with `helm dependency`.
"""

from __future__ import annotations

import os
import tarfile
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


def package_command(helm: Helm, chart: Chart, dest: Path, sign_key: str | None = None,
                    keyring: Path | None = None, passphrase_file: Path | None = None) -> Command:
    """helm package; a key passphrase comes from passphrase_file or HELM_KEY_PASSPHRASE (sent on stdin)."""
    argv = [str(helm.path), "package", str(chart.path), "--destination", str(dest)]
    secret = None
    if sign_key:
        argv += ["--sign", "--key", sign_key]
        if keyring is not None:
            argv += ["--keyring", str(keyring)]
        if passphrase_file is not None:
            argv += ["--passphrase-file", str(passphrase_file)]
        elif os.environ.get("HELM_KEY_PASSPHRASE"):
            argv += ["--passphrase-file", "-"]
            secret = os.environ["HELM_KEY_PASSPHRASE"]
    return Command.of(argv, {"SOURCE_DATE_EPOCH": str(source_date_epoch())}, stdin_secret=secret)


def plan(helm: Helm, charts: Sequence[Chart], dest: Path, sign_key: str | None = None,
         keyring: Path | None = None, passphrase_file: Path | None = None) -> list[Command]:
    """The helm commands that package these charts (shown by `inv --dry package`)."""
    if (keyring is not None or passphrase_file is not None) and not sign_key:
        raise PackageError("--keyring and --passphrase-file need --sign --key NAME (the signing key's name or email)")
    return [package_command(helm, c, dest, sign_key, keyring, passphrase_file) for c in charts]


def package_charts(helm: Helm, charts: Sequence[Chart], dest: Path, sign_key: str | None = None,
                   keyring: Path | None = None, passphrase_file: Path | None = None) -> list[Path]:
    """Package every chart into dest; returns the .tgz paths (a .prov sits next to each when signed)."""
    if sign_key and keyring is not None and not keyring.is_file():
        raise PackageError(
            f"keyring {keyring} does not exist; export the secret key to a legacy keyring: "
            f"gpg --export-secret-keys {sign_key!r} > {keyring}"
        )
    dest.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    for chart, cmd in zip(charts, plan(helm, charts, dest, sign_key, keyring, passphrase_file), strict=True):
        check_dependencies(chart)
        if not chart.version:
            raise PackageError(f"{chart.name}: Chart.yaml has no version; set a SemVer version")
        out = dest / package_name(chart)
        prov = out.with_name(out.name + ".prov")
        prov.unlink(missing_ok=True)  # a stale signature would be pushed next to a new package
        result = cmd.run()
        if result.returncode != 0 or (sign_key and not prov.is_file()):
            out.unlink(missing_ok=True)  # helm leaves an unsigned package behind when signing fails
            hint = (
                " (signing: is the key in the keyring, its passphrase in HELM_KEY_PASSPHRASE or --passphrase-file?)"
                if sign_key else ""
            )
            raise PackageError(f"{chart.name}: helm package failed{hint}:\n{helm_message(result.stderr)}")
        if not out.is_file():
            raise PackageError(f"{chart.name}: helm package succeeded but {out} is missing")
        made.append(out)
    return made


def chart_of(package: Path) -> dict[str, str]:
    """name and version of a packaged chart, read from its Chart.yaml."""
    with tarfile.open(package) as tar:
        for member in tar.getmembers():
            parts = member.name.split("/")
            if len(parts) == 2 and parts[1] == "Chart.yaml":
                fh = tar.extractfile(member)
                if fh is None:
                    break
                meta = yaml.safe_load(fh.read()) or {}
                return {"name": str(meta.get("name", "")), "version": str(meta.get("version", ""))}
    raise PackageError(f"{package} holds no <chart>/Chart.yaml; is it a helm package?")
