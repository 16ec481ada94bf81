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
    """No member or link may point outside dest, and only files, directories and symlinks are made.
    Checked on every Python, so the same rules hold where tarfile has no filters (3.11.2, Debian 12's)."""
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
        _check(tar, dest)
        if hasattr(tarfile, "data_filter"):  # also drops set-id bits and odd modes where it can
            tar.extractall(dest, filter="data")
        else:
            tar.extractall(dest)  # noqa: S202 - checked above
