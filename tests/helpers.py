"""Render charts in tests and ask small questions of the objects.

`render()` runs `helm template` once per distinct (chart, values, release,
namespace) in a session; every pytest-xdist worker shares the same on-disk
cache, set up by conftest.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import jmespath

from chartops import helm as helm_mod
from chartops.paths import repo_root
from chartops.render import Renderer, RenderError, Request

ROOT = repo_root()
CHARTS = ROOT / "charts"
VALUES = ROOT / "values"

Obj = dict[str, Any]

__all__ = ["RenderError", "render", "render_error", "of_kind", "one", "containers", "pod_spec", "q", "ROOT"]


@lru_cache(maxsize=1)
def renderer() -> Renderer:
    cache = Path(os.environ.get("CHARTOPS_RENDER_CACHE", ROOT / ".tools" / "render-cache"))
    return Renderer(helm_mod.find(ROOT), cache)


def _request(
    chart: str,
    values: Mapping[str, Any] | None,
    values_files: Sequence[str | Path],
    release: str,
    namespace: str,
) -> Request:
    files = tuple(Path(f) if Path(f).is_absolute() else ROOT / f for f in values_files)
    return Request(CHARTS / chart, dict(values or {}), files, release, namespace)


def render(
    chart: str,
    values: Mapping[str, Any] | None = None,
    values_files: Sequence[str | Path] = (),
    release: str = "test",
    namespace: str = "default",
) -> list[Obj]:
    """Objects of `helm template`; raises RenderError with helm's message on failure.

    values_files are relative to the repository root (e.g. "values/lab.yaml").
    Treat the result as read-only: it is shared by every test that asks for it.
    """
    return renderer().render(_request(chart, values, values_files, release, namespace))


def render_error(
    chart: str,
    values: Mapping[str, Any] | None = None,
    values_files: Sequence[str | Path] = (),
    release: str = "test",
    namespace: str = "default",
) -> str:
    """helm's error message for a render that must fail; fails the test if it renders."""
    try:
        render(chart, values, values_files, release, namespace)
    except RenderError as err:
        return err.stderr
    raise AssertionError(f"{chart} rendered although it should have failed (values={values}, files={values_files})")


def of_kind(objs: Iterable[Obj], kind: str) -> list[Obj]:
    return [o for o in objs if o.get("kind") == kind]


def one(objs: Iterable[Obj], kind: str, name: str | None = None) -> Obj:
    """The single object of a kind (and name); fails clearly when there are none or several."""
    found = [o for o in of_kind(objs, kind) if name is None or o["metadata"]["name"] == name]
    names = [o["metadata"]["name"] for o in of_kind(objs, kind)]
    assert len(found) == 1, f"expected one {kind}{' ' + name if name else ''}, found {len(found)} among {names}"
    return found[0]


POD_TEMPLATE_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}


def pod_spec(obj: Obj) -> Obj | None:
    """The pod spec of a workload, a Pod or a CronJob; None for other kinds."""
    kind = obj.get("kind")
    spec = obj.get("spec") or {}
    if kind == "Pod":
        return dict(spec)
    if kind in POD_TEMPLATE_KINDS:
        return dict(spec.get("template", {}).get("spec", {}))
    if kind == "CronJob":
        return dict(spec.get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec", {}))
    return None


def containers(obj: Obj, init: bool = True) -> list[Obj]:
    spec = pod_spec(obj) or {}
    found = list(spec.get("containers") or [])
    if init:
        found += list(spec.get("initContainers") or [])
    return found


def q(expression: str, data: Any) -> Any:
    """jmespath query, as Airflow's chart tests use it."""
    return jmespath.search(expression, data)
