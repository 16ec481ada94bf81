"""sha256 checks of the cached binaries under .tools/, on every use and not only on download.

A pinned binary (helm) is checked against the digest pinned in the code; a binary built
here (the Go tools, the controllers) against the digest recorded next to it at build time,
in `<binary>.sha256` (sha256sum's format, so `sha256sum -c` reads it too).

Hashing a 245 MB kube-apiserver costs a few tenths of a second, so a digest is remembered
for the life of the process by the file's identity: device, inode, size, mtime and ctime
in nanoseconds. Rewriting, replacing or touching the file changes one of them (ctime can't
be set back by a user), so it is hashed again.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

CHUNK = 1 << 20


class ChecksumError(RuntimeError):
    """A cached binary is not the one that was installed or built."""


@lru_cache(maxsize=128)
def _digest(path: str, identity: tuple[int, ...]) -> str:
    """`identity` is part of the cache key only."""
    sha = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK):
            sha.update(block)
    return sha.hexdigest()


def sha256_of(path: Path) -> str:
    """The file's sha256 (hex), hashed once per process while the file stays the same."""
    st = path.stat()
    return _digest(str(path.resolve()), (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))


def record_path(binary: Path) -> Path:
    return binary.with_name(binary.name + ".sha256")


def write_record(binary: Path) -> str:
    """Record the binary's sha256 next to it (at build time); returns the digest."""
    digest = sha256_of(binary)
    staged = binary.with_name(f".{binary.name}.sha256.partial")
    staged.write_text(f"{digest}  {binary.name}\n")
    staged.replace(record_path(binary))
    return digest


def recorded(binary: Path) -> str | None:
    """The digest recorded at build time, None when there is no record."""
    record = record_path(binary)
    if not record.is_file():
        return None
    fields = record.read_text().split()
    return fields[0] if fields else ""


def verify(binary: Path, expected: str, what: str, fix: str) -> Path:
    """The binary when its sha256 is `expected`; else a ChecksumError naming both digests and the fix."""
    actual = sha256_of(binary)
    if actual != expected:
        raise ChecksumError(
            f"{what} at {binary} has sha256 {actual}, not {expected}: it changed after it was "
            f"installed or built (a corrupt disk, a partial copy or tampering), so it is not run. {fix}"
        )
    return binary


def verify_built(binary: Path, what: str, fix: str) -> Path:
    """A binary built here, checked against its build-time record.

    A binary without a record was built before records were kept: its digest is recorded
    now (trust on first use), so a shared cache of earlier builds keeps working.
    """
    expected = recorded(binary)
    if expected is None:
        write_record(binary)
        return binary
    return verify(binary, expected, what, fix)
