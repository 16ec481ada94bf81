"""Flux's source-controller and helm-controller, for the delivery tests: Flux pulling the charts from
the in-cluster registry, verifying their cosign signatures and installing them.

No chart of the suite runs Flux, so both are pinned by their own wrapper module
(tools/controllers/flux/go.mod, one module for the two: they share helm, the Kubernetes libraries and
controller-runtime, so one compile serves both) and run as the pods of flux-system.yaml beside this
file. Their CRDs come from the same modules at test time (chartops.gitops.flux_crds), never committed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from chartops import gitops
from chartops.paths import repo_root
from chartops.testbed.builds import Controller, ControllerError, GoTool

WRAPPER = "flux"  # tools/controllers/flux
MANIFEST = Path(__file__).with_name("flux-system.yaml")
NAMESPACE = "flux-system"
Obj = dict[str, Any]


@dataclass(frozen=True)
class PinnedController(Controller):
    """A controller no chart of ours runs: its version is what the wrapper module pins, and several may
    share one wrapper module."""

    wrapper: str = WRAPPER

    def version(self, root: Path | None = None) -> str:
        return self.pinned(root)

    def module_dir(self, root: Path | None = None) -> Path:
        return (root or repo_root()) / "tools" / "controllers" / self.wrapper

    def tool(self, root: Path | None = None) -> GoTool:
        return GoTool(self.name, self.version(root), f"controllers/{self.wrapper}", self.package, self.ldflags)


SOURCE = PinnedController("source-controller", "flux", "github.com/fluxcd/source-controller",
                          "github.com/fluxcd/source-controller", "manager")
HELM = PinnedController("helm-controller", "flux", "github.com/fluxcd/helm-controller",
                        "github.com/fluxcd/helm-controller", "manager")
CONTROLLERS = (SOURCE, HELM)


def manifest(root: Path | None = None) -> list[Obj]:
    """The flux-system objects, with the images tagged at the pinned versions."""
    text = (MANIFEST.read_text().replace("{source_version}", SOURCE.version(root))
            .replace("{helm_version}", HELM.version(root)))
    return [d for d in yaml.safe_load_all(text) if isinstance(d, dict)]


def crds(root: Path | None = None) -> list[Obj]:
    return gitops.flux_crds(root)


def condition(obj: Obj | None, kind: str) -> Obj:
    """The status condition of that type ({} when absent)."""
    for c in ((obj or {}).get("status") or {}).get("conditions") or []:
        if c.get("type") == kind:
            return dict(c)
    return {}


def ready(obj: Obj | None) -> bool:
    """Ready=True for the object's current generation (a stale Ready from before a change does not count)."""
    cond = condition(obj, "Ready")
    status = (obj or {}).get("status") or {}
    return cond.get("status") == "True" and status.get("observedGeneration") == (obj or {}).get(
        "metadata", {}).get("generation")


def request_reconcile(patch: Callable[[str, str, str, Mapping[str, Any]], Any], kind: str, name: str,
                      force: bool = False) -> str:
    """Ask for a reconcile now (what `flux reconcile` does): the reconcile.fluxcd.io/requestedAt annotation,
    and forceAt too for a HelmRelease whose last attempt failed. Returns the token, which the controller
    echoes in status.lastHandledReconcileAt once it has acted on it."""
    token = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    annotations = {"reconcile.fluxcd.io/requestedAt": token}
    if force:
        annotations["reconcile.fluxcd.io/forceAt"] = token
    patch(kind, NAMESPACE, name, {"metadata": {"annotations": annotations}})
    return token


def wait(what: str, check: Callable[[], Any], timeout: float, interval: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise ControllerError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)
