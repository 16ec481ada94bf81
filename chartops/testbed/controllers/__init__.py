"""The charts' real controllers, one module per controller family.

Each family module declares its `Controller` (the upstream Go module pinned at the chart's
appVersion, the chart's container that runs it) and what tests need to drive it beside the
harness (stand-in servers, clients). This package collects them.
"""

from __future__ import annotations

from pathlib import Path

from chartops.testbed.builds import Controller, ControllerError
from chartops.testbed.controllers import coredns, eck, flux, metallb, metrics_server, traefik

CONTROLLERS: dict[str, Controller] = {
    c.name: c for c in (metallb.CONTROLLER, coredns.CONTROLLER, eck.CONTROLLER, metrics_server.CONTROLLER,
                        traefik.CONTROLLER)}

# Controllers no chart of ours runs, pinned by their own wrapper module: Flux, for the delivery tests.
PINNED: dict[str, Controller] = {c.name: c for c in flux.CONTROLLERS}

# Charts whose controller cannot be built here, and why (checked on the Go module proxy).
UNBUILDABLE: dict[str, str] = {
    "nfs-subdir-provisioner": (
        "sigs.k8s.io/nfs-subdir-external-provisioner (and its go.mod path "
        "github.com/kubernetes-sigs/nfs-subdir-external-provisioner) at v4.0.2: proxy.golang.org answers "
        "403 'This module version is not available', and so does its library "
        "sigs.k8s.io/sig-storage-lib-external-provisioner; direct VCS access is not allowed"),
    "calico": (
        "github.com/tigera/operator v1.42.3 (the operator of Calico v3.32.1) downloads, but its go.mod "
        "replaces github.com/tigera/operator/api with ./api, a nested module the module zip leaves out, and "
        "proxy.golang.org answers 403 for github.com/tigera/operator/api at every version"),
}


def get(name: str) -> Controller:
    try:
        return CONTROLLERS[name] if name in CONTROLLERS else PINNED[name]
    except KeyError:
        raise ControllerError(f"no controller {name!r}: one of {', '.join([*CONTROLLERS, *PINNED])}") from None


def build_all(root: Path | None = None, log: bool = True) -> dict[str, Path]:
    """Every buildable controller, one at a time (each is a CPU-heavy build)."""
    return {name: c.build(root, log) for name, c in [*CONTROLLERS.items(), *PINNED.items()]}


__all__ = ["CONTROLLERS", "PINNED", "UNBUILDABLE", "Controller", "ControllerError", "build_all", "get"]
