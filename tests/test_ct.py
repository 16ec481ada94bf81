"""chart-testing, the real tool: `ct lint` (offline; `invoke lint` runs it on every chart) and
`ct install` of every chart's ci/ files with ci/ct.yaml on the cluster tier's control plane.

ct installs each ci file as a new release in a new namespace, one after another on the same
cluster, uninstalling each before the next: what a chart keeps (CRDs, kubeadm's ConfigMap) must
not stop the next install of it. Needs a served webhook: MetalLB's pools go through its webhook
(failurePolicy Fail) and no fake pod serves it, so here its ci files install with
`webhook.failurePolicy=Ignore` (tests/test_controllers.py runs the real webhook).
"""

from __future__ import annotations

import shutil
import subprocess
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from chartops import ct, lint
from chartops.charts import Chart, discover
from chartops.testbed import plane
from tests.cluster_helpers import Kube, kubeadm_coredns_objects
from tests.conftest import builtin_or_kubeconfig
from tests.helpers import ROOT, renderer

UNSERVED_WEBHOOK = {"metallb": "--set=webhook.failurePolicy=Ignore",
                    "platform": "--set=metallb.webhook.failurePolicy=Ignore"}


def test_ct_lint_names_the_chart_whose_ci_file_fails(tmp_path: Path) -> None:
    for part in ("charts", "ci"):
        shutil.copytree(ROOT / part, tmp_path / part, symlinks=True)
    (tmp_path / "charts/nfs-subdir-provisioner/ci/broken-values.yaml").write_text("nfs:\n  server: 10.0.0.1\n  pathh: /x\n")
    findings = lint.ct_lint(renderer().helm, [Chart(tmp_path / "charts/nfs-subdir-provisioner")], root=tmp_path,
                            select=True)
    assert [f.chart for f in findings] == ["nfs-subdir-provisioner"]
    assert "pathh" in findings[0].message


@pytest.fixture(scope="module")
def ct_cluster() -> Kube:
    """What kind (the workflow's cluster) starts with, kubeadm's CoreDNS objects included. On the
    built-in control plane that is a second plane of its own (in a network namespace of its own), so ct's
    releases and the tests that restart the first plane run side by side."""
    kube = builtin_or_kubeconfig(plane="ct", fresh=True)
    kube.create(kubeadm_coredns_objects(), manager="kubeadm")
    # ingress-nginx's cert-manager scenario needs cert-manager's API (the workflow installs cert-manager)
    kube.kubectl("apply", "--server-side", "-f", str(ROOT / "tests/fixtures/cert-manager-api.yaml"))
    return kube


# ct installs one chart at a time; charts that share cluster-scoped objects (CRDs, kubeadm's ConfigMap,
# the IngressClass, fixed ClusterRole names: the platform holds most of them) stay in one lane, and the
# lanes run side by side
LANES = [
    ["platform", "metallb", "calico", "coredns", "ingress-nginx", "metrics-server", "nfs-subdir-provisioner"],
    # traefik first: its Gateway API CRDs (kept) serve the apps' gateway scenarios
    ["traefik", "eck-operator", "elasticsearch", "wordpress"],
    ["mysql"],
]


FIRST_FAILURES: dict[str, str] = {}


@pytest.fixture(scope="module")
def ct_results(ct_cluster: Kube) -> dict[str, subprocess.CompletedProcess[str]]:
    """`ct install` of every chart, the lanes in parallel, each chart's result kept for its test."""
    extra = [plane.bin_dir()] if ct_cluster.builtin else []

    def install(chart: str) -> subprocess.CompletedProcess[str]:
        argv = ct.install_command([chart], UNSERVED_WEBHOOK.get(chart))

        def run() -> subprocess.CompletedProcess[str]:
            return ct.run(argv, renderer().helm.path, extra_path=extra, timeout=1200, kubeconfig=ct_cluster.kubeconfig)

        proc = run()
        if proc.returncode != 0:
            # seen once, on a loaded 2-core machine, for wordpress and not reproduced: a chart that fails gets
            # a second run, and its test reports the first failure as a warning; two failures fail it
            FIRST_FAILURES[chart] = _failure(proc)
            proc = run()
        return proc

    def lane(charts: list[str]) -> dict[str, subprocess.CompletedProcess[str]]:
        return {chart: install(chart) for chart in charts}

    results: dict[str, subprocess.CompletedProcess[str]] = {}
    with ThreadPoolExecutor(max_workers=len(LANES)) as pool:
        for done in pool.map(lane, LANES):
            results.update(done)
    return results


def _failure(proc: subprocess.CompletedProcess[str]) -> str:
    """What ct said went wrong: its error lines and each scenario it ran (the pod descriptions that follow
    a failure can push them far above the tail), then the tail."""
    out = proc.stdout + proc.stderr
    said = [line for line in out.splitlines()
            if any(k in line for k in ("Error", "error:", "FAILED", "failed", "Installing chart", "Upgrading chart",
                                       "values file", "timed out", "deadline"))]
    return "\n".join(said[-60:]) + "\n---- the tail ----\n" + out[-4000:]


def test_every_chart_is_in_one_lane() -> None:
    charts = sorted(c.name for c in discover() if not c.is_library)
    assert sorted(c for lane in LANES for c in lane) == charts


@pytest.mark.cluster
@pytest.mark.xdist_group("ct")
@pytest.mark.parametrize("chart", [c.name for c in discover() if not c.is_library])
def test_ct_install_passes(ct_results: dict[str, subprocess.CompletedProcess[str]], chart: str) -> None:
    proc = ct_results[chart]
    first = FIRST_FAILURES.get(chart)
    assert proc.returncode == 0, (f"first run:\n{first}\n==== second run ====\n" if first else "") + _failure(proc)
    if first:
        warnings.warn(f"ct install of {chart} passed only on its second run; the first said:\n{first}", stacklevel=1)
    assert "All charts installed successfully" in proc.stdout + proc.stderr
