"""The pinned clients' links (plane.link_clients): `invoke test` and every xdist worker make them at the
same time, so making them must never fail and a client must never find one missing."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from chartops.testbed import builds, plane


@pytest.fixture
def binaries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    tools = tmp_path / "tools"
    tools.mkdir()
    for name in ("kubectl", "ct", "kwok", "helm"):
        (tools / name).write_text(name)
    monkeypatch.setattr(builds, "path", lambda name, root=None: tools / name)
    return tools


def test_links_made_side_by_side_never_fail_and_never_vanish(tmp_path: Path, binaries: Path) -> None:
    root = tmp_path / "repo"
    bin_dir = plane.link_clients(binaries / "helm", root)
    stop = threading.Event()
    missing: list[str] = []

    def read() -> None:
        while not stop.is_set():
            for name in ("kubectl", "helm"):
                if not (bin_dir / name).exists():
                    missing.append(name)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            # a changed target each round, so every call replaces every link
            other = binaries / "other-helm"
            other.write_text("helm 2")
            list(pool.map(lambda i: plane.link_clients(binaries / "helm" if i % 2 else other, root), range(400)))
    finally:
        stop.set()
        reader.join()
    assert not missing, f"a client found a link missing {len(missing)} times"
    assert sorted(p.name for p in bin_dir.iterdir()) == ["ct", "helm", "kubectl", "kwok"]  # no leftovers
    assert (bin_dir / "kubectl").read_text() == "kubectl"

