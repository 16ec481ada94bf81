"""Session set-up shared by every test process.

The controller picks one render-cache directory for the session and passes it
to the xdist workers through the environment, so each (chart, values) pair is
rendered once per session whatever the number of workers.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests.cluster_helpers import Kube


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return  # workers inherit the controller's cache directory
    if not os.environ.get("CHARTOPS_RENDER_CACHE"):
        os.environ["CHARTOPS_RENDER_CACHE"] = tempfile.mkdtemp(prefix="chartops-render-")


# The modules whose cluster tests share a control plane, and that plane. Under xdist each plane's
# tests go to one worker, one after another (the planes restart between modules); the planes run
# side by side, each in a loopback-only network namespace of its own (chartops.testbed.plane).
# (xdist's own `loadgroup` does not group under pytest 9: its nodeid suffix is lost.)
PLANE_OF_MODULE = {
    "test_cluster.py": "main", "test_cluster_lifecycle.py": "main", "test_cluster_platform.py": "main",
    "test_cluster_rbac.py": "main", "test_controllers.py": "controllers", "test_ct.py": "ct",
    "test_monitoring.py": "monitoring",
    "test_metrics_server_cluster.py": "controllers", "test_eck_operator_webhook.py": "controllers",
    "test_upgrade.py": "upgrade", "test_upgrade_guards.py": "upgrade", "test_net_validators.py": "netval",
    "test_cluster_validators.py": "validators", "test_cluster_lookup.py": "validators",
    "test_delivery_cluster.py": "flux",
    "test_edge.py": "edge", "test_gateway_crds.py": "gwapi",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A cluster test outside the modules above would run beside its plane's other tests: refuse it."""
    loose = [item.nodeid for item in items
             if "cluster" in item.keywords and Path(str(item.fspath)).name not in PLANE_OF_MODULE]
    if loose:
        raise pytest.UsageError("cluster tests outside tests/conftest.py's PLANE_OF_MODULE: " + ", ".join(loose))


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """Load scheduling where a plane's modules form one unit of work and every other test is its own."""
    from xdist.scheduler import LoadScopeScheduling

    class PlaneScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = Path(nodeid.split("::", 1)[0]).name
            return f"plane:{PLANE_OF_MODULE[module]}" if module in PLANE_OF_MODULE else nodeid

    return PlaneScheduling(config, log)


def _builtin() -> bool:
    """True when the tests use the built-in control plane (KUBECONFIG unset or pointing at it)."""
    from chartops.testbed import plane

    current = os.environ.get("KUBECONFIG")
    return not current or Path(current).resolve() == plane.kubeconfig().resolve()


def builtin_or_kubeconfig(plane: str = "main", fresh: bool = False) -> Kube:
    """The cluster KUBECONFIG names, or a plane of the built-in control plane, started; this thread
    (and every client it starts) moves into the plane's loopback-only network namespace. Skips when
    this process is not in a loopback-only namespace to begin with."""
    from chartops.testbed import netns
    from chartops.testbed import plane as plane_mod
    from tests.helpers import renderer

    if not _builtin():
        return Kube(Path(os.environ["KUBECONFIG"]), builtin=False, plane=plane)
    if not netns.loopback_only():
        pytest.skip(f"the built-in control plane is reached only from inside network namespace {plane_mod.NETNS}: "
                    "run `invoke test` (or `invoke cluster.run -- pytest ...`), or set KUBECONFIG to a cluster")
    plane_mod.link_clients(renderer().helm.path)
    plane_mod.enter(plane)
    plane_mod.up(plane=plane, fresh=fresh)
    return Kube(plane_mod.kubeconfig(plane=plane), builtin=True, plane=plane)


@pytest.fixture(scope="module")
def kube(request: pytest.FixtureRequest) -> Kube:
    """A live cluster: the module's plane of the built-in control plane (PLANE_OF_MODULE; the test
    process works inside its loopback-only network namespace from here on), or the one KUBECONFIG names."""
    return builtin_or_kubeconfig(PLANE_OF_MODULE.get(Path(str(request.path)).name, "main"))


@pytest.fixture(scope="module")
def fresh(kube: Kube) -> Kube:
    """The built-in control plane started over from an empty etcd, for tests that own the whole cluster
    (CRDs, kube-system); on another cluster, the cluster as it is."""
    from chartops.testbed import plane

    if kube.builtin:
        plane.up(fresh=True, plane=kube.plane)
    return kube


_SKIPPED: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Remember every skipped test: in CI each one is a failure (the project installs what tests need)."""
    if report.skipped:
        _SKIPPED.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skip means something the project should have set up is missing: fail the run."""
    if os.environ.get("CI") and not os.environ.get("PYTEST_XDIST_WORKER") and _SKIPPED:
        print(f"\nCI: {len(_SKIPPED)} test(s) skipped; CI runs every test:")
        for nodeid in _SKIPPED:
            print(f"  {nodeid}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
