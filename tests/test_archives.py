"""chartops.archives: git-archive streams unpack inside their destination, on every Python the README supports."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from chartops import archives


def _tar(*members: tuple[str, str | None]) -> bytes:
    """members: (name, symlink target or None for a file holding its own name)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name, link in members:
            info = tarfile.TarInfo(name)
            if link is None:
                data = name.encode()
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                info.type, info.linkname = tarfile.SYMTYPE, link
                tar.addfile(info)
    return out.getvalue()


def test_files_and_links_inside_unpack(tmp_path: Path) -> None:
    archives.extract(_tar(("charts/a/Chart.yaml", None), ("charts/b/link", "../a/Chart.yaml")), tmp_path)
    assert (tmp_path / "charts/a/Chart.yaml").read_text() == "charts/a/Chart.yaml"
    assert (tmp_path / "charts/b/link").read_text() == "charts/a/Chart.yaml"


@pytest.mark.parametrize("members", [
    (("../escape", None),),
    (("charts/link", "../../outside"),),
], ids=["parent", "symlink-out"])
@pytest.mark.parametrize("filters", [True, False], ids=["filters", "no-filters"])
def test_members_leaving_the_destination_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     filters: bool, members: tuple[tuple[str, str | None], ...]) -> None:
    """Refused by the project's own check, whether or not this Python's tarfile has filters (3.11.2 has none)."""
    if not filters:
        monkeypatch.delattr(tarfile, "data_filter", raising=False)
    dest = tmp_path / "dest"
    with pytest.raises(archives.ArchiveError, match=f"{members[0][0]!r}"):
        archives.extract(_tar(*members), dest)
    assert not (tmp_path / "escape").exists() and not (tmp_path / "outside").exists()


def test_a_device_or_fifo_member_is_refused(tmp_path: Path) -> None:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        info = tarfile.TarInfo("charts/pipe")
        info.type = tarfile.FIFOTYPE
        tar.addfile(info)
    with pytest.raises(archives.ArchiveError, match="'charts/pipe' is not a file, directory or symlink"):
        archives.extract(out.getvalue(), tmp_path / "dest")
    assert not (tmp_path / "dest" / "charts").exists()
