"""The render cache is keyed by every input of `helm template`, symlinked charts included.

Charts reach `charts/common` and their subcharts through symlinks; an edit
there must change the cache key, or tests and `invoke images` (whose cache
lives on in .tools/) would keep serving renders of the old code.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from chartops.helm import Helm
from chartops.render import Renderer, Request, cache_key
from tests.helpers import CHARTS, renderer

NFS = {"nfs": {"server": "nfs.example.org", "path": "/exports"}}


def _copy_charts(dest: Path, names: list[str]) -> Path:
    """The named charts under dest/charts, with their charts/ symlinks as in the repository."""
    for name in names:
        shutil.copytree(CHARTS / name, dest / "charts" / name, symlinks=True)
    return dest / "charts"


def _part_of(objs: list[dict[str, Any]]) -> set[str]:
    return {o["metadata"]["labels"]["app.kubernetes.io/part-of"] for o in objs if "labels" in o["metadata"]}


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


def test_an_edit_to_common_through_the_symlink_renders_afresh(tmp_path: Path) -> None:
    charts = _copy_charts(tmp_path, ["common", "nfs-subdir-provisioner"])
    assert (charts / "nfs-subdir-provisioner" / "charts" / "common").is_symlink()
    r = Renderer(renderer().helm, tmp_path / "cache")
    req = Request(charts / "nfs-subdir-provisioner", NFS)
    assert _part_of(r.render(req)) == {"platform"}

    _edit(charts / "common" / "templates" / "_labels.tpl", '| default "platform"', '| default "edited"')

    assert _part_of(r.render(req)) == {"edited"}, "a stale render was served after common changed"
    assert r.helm_calls() == 2
    # an edit that keeps the file's size: the key follows content, not just names and sizes
    _edit(charts / "common" / "templates" / "_labels.tpl", '| default "edited"', '| default "tidied"')
    assert _part_of(r.render(req)) == {"tidied"}


def test_an_edit_to_a_subchart_of_the_umbrella_changes_its_key(tmp_path: Path) -> None:
    charts = _copy_charts(tmp_path, ["common", "metallb", "platform"])
    (charts / "platform" / "charts").mkdir(exist_ok=True)
    req = Request(charts / "platform")
    before = cache_key(req)
    _edit(charts / "metallb" / "values.yaml", "\n", "\n# edited\n")
    assert cache_key(req) != before


def test_an_unchanged_tree_keeps_its_key_and_only_one_helm_call(tmp_path: Path) -> None:
    charts = _copy_charts(tmp_path, ["common", "nfs-subdir-provisioner"])
    r = Renderer(renderer().helm, tmp_path / "cache")
    req = Request(charts / "nfs-subdir-provisioner", NFS)
    assert cache_key(req) == cache_key(Request(charts / "nfs-subdir-provisioner", NFS))
    r.render(req)
    r.render(req)
    assert r.helm_calls() == 1


@pytest.mark.parametrize("change", [
    {"values": {"nfs": {"server": "other", "path": "/exports"}}},
    {"release": "other"},
    {"namespace": "other"},
    {"kube_version": "1.32.0"},
    {"extra_args": ("--set", "a=b")},
])
def test_every_request_input_is_in_the_key(change: dict[str, Any]) -> None:
    base = {"chart": CHARTS / "nfs-subdir-provisioner", "values": NFS}
    assert cache_key(Request(**{**base, **change})) != cache_key(Request(**base))  # type: ignore[arg-type]


def test_a_values_file_edit_and_the_helm_version_are_in_the_key(tmp_path: Path) -> None:
    values = tmp_path / "v.yaml"
    values.write_text("nfs: {server: a, path: /b}\n")
    req = Request(CHARTS / "nfs-subdir-provisioner", values_files=(values,))
    before = cache_key(req)
    values.write_text("nfs: {server: a, path: /c}\n")
    assert cache_key(req) != before
    assert cache_key(req, "v4.3.1") != cache_key(req, "v3.18.0")


def test_the_renderer_keys_on_its_helm(tmp_path: Path) -> None:
    real = renderer().helm
    req = Request(CHARTS / "nfs-subdir-provisioner", NFS)
    a = Renderer(real, tmp_path)
    b = Renderer(Helm(real.path, "v0.0.0-other", "test"), tmp_path)
    a.render(req)
    b.render(req)
    assert b.helm_calls() == 2, "a cache entry written by another helm was reused"
