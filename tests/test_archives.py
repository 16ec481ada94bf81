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


@pytest.fixture(params=["with filters", "without filters"])
def python(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run each case as on a Python with tarfile's filters and as on 3.11.2 (none)."""
    if request.param == "without filters":
        monkeypatch.delattr(tarfile, "data_filter", raising=False)
    elif not hasattr(tarfile, "data_filter"):
        pytest.fail("this Python has no tarfile filters: run the suite on 3.11.4 or newer too")
    return str(request.param)


def test_files_and_links_inside_unpack(python: str, tmp_path: Path) -> None:
    archives.extract(_tar(("charts/a/Chart.yaml", None), ("charts/b/link", "../a/Chart.yaml")), tmp_path)
    assert (tmp_path / "charts/a/Chart.yaml").read_text() == "charts/a/Chart.yaml"
    assert (tmp_path / "charts/b/link").read_text() == "charts/a/Chart.yaml"


@pytest.mark.parametrize("members", [
    (("../escape", None),),
    (("charts/link", "../../outside"),),
], ids=["parent", "symlink-out"])
def test_members_leaving_the_destination_are_refused(python: str, tmp_path: Path,
                                                     members: tuple[tuple[str, str | None], ...]) -> None:
    dest = tmp_path / "dest"
    with pytest.raises(archives.ArchiveError):
        archives.extract(_tar(*members), dest)
    assert not (tmp_path / "escape").exists() and not (tmp_path / "outside").exists()
