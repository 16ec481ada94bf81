"""Unpacking the tar streams `git archive` makes of this repository's own history."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path


class ArchiveError(RuntimeError):
    pass


def _inside(root: Path, path: Path) -> bool:
    return os.path.commonpath([root, path]) == str(root)


def _check(tar: tarfile.TarFile, dest: Path) -> None:
    """What tarfile's filters refuse, for Pythons without them (3.11.2, Debian 12's, has none): no member or
    link may point outside dest, and only files, directories and symlinks are made."""
    root = dest.resolve()
    for member in tar.getmembers():
        target = (root / member.name).resolve()
        if os.path.isabs(member.name) or not _inside(root, target):
            raise ArchiveError(f"archive member {member.name!r} would be written outside {dest}")
        if member.issym() and not _inside(root, (target.parent / member.linkname).resolve()):
            raise ArchiveError(f"archive symlink {member.name!r} -> {member.linkname!r} points outside {dest}")
        if not (member.isfile() or member.isdir() or member.issym()):
            raise ArchiveError(f"archive member {member.name!r} is not a file, directory or symlink")


def extract(data: bytes, dest: Path) -> None:
    """Unpack a tar stream into dest, refusing members and links that would point outside it."""
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        if hasattr(tarfile, "data_filter"):
            try:
                tar.extractall(dest, filter="data")
            except tarfile.FilterError as err:
                raise ArchiveError(str(err)) from err
        else:
            _check(tar, dest)
            tar.extractall(dest)  # noqa: S202 - checked above
