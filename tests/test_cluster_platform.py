"""The umbrella on a kubeadm-shaped control plane, installed exactly as README.md and
charts/platform/README.md say: the two-step bare-cluster install and the one-step install on a
cluster that has a network, over kubeadm's own CoreDNS objects (written by `kubeadm`, a plain
create), which the release takes over.

Needs a served webhook: step 2 sends MetalLB's pools through its webhook (failurePolicy Fail),
which no fake pod serves. That step is asserted to stop exactly there and then run with
`metallb.webhook.failurePolicy=Ignore`; tests/test_controllers.py runs it with the real webhook.
"""

from __future__ import annotations

import re

import pytest

from chartops.testbed import plane
from tests.cluster_helpers import Kube, kubeadm_coredns_objects, snapshot
from tests.helpers import ROOT

# one xdist worker runs them one after another: they share (and restart) the control plane
pytestmark = [pytest.mark.cluster, pytest.mark.xdist_group("cluster")]

UNSERVED_WEBHOOK = ("--set", "metallb.webhook.failurePolicy=Ignore")


def _readme_block(path: str, heading: str) -> list[str]:
    """The commands of the first console block after a heading, continuation lines joined."""
    text = (ROOT / path).read_text().split(heading, 1)[1]
    block = re.search(r"```console\n(.*?)```", text, re.S)
    assert block, f"{path}: no console block after {heading!r}"
    joined = block.group(1).replace("\\\n", " ")
    return [" ".join(line.split()) for line in joined.splitlines() if line.strip() and not line.startswith("#")]


def _helm(kube: Kube, command: str, *extra: str, check: bool = True):  # type: ignore[no-untyped-def]
    argv = command.split()
    assert argv[0] == "helm", command
    return kube.helm(*argv[1:], *extra, check=check)


def _kubectl(kube: Kube, command: str) -> None:
    argv = command.split()
    assert argv[0] == "kubectl", command
    kube.kubectl(*argv[1:])


@pytest.fixture
def kubeadm_cluster(kube: Kube) -> Kube:
    """A fresh control plane holding kubeadm's CoreDNS objects, as `kubeadm init` leaves them."""
    if kube.builtin:
        plane.up(fresh=True, plane=kube.plane)
    kube.create(kubeadm_coredns_objects(), manager="kubeadm")
    return kube


def test_readme_documents_the_two_step_install() -> None:
    steps = _readme_block("charts/platform/README.md", "## Install order")
    assert [s.split()[:3] for s in steps if s.startswith("helm")] == [
        ["helm", "install", "platform"], ["helm", "upgrade", "platform"]]
    assert _readme_block("README.md", "## Deploying")[0] == steps[0]


def test_two_step_install_on_a_bare_kubeadm_cluster(kubeadm_cluster: Kube) -> None:
    kube = kubeadm_cluster
    steps = _readme_block("charts/platform/README.md", "## Install order")
    step1, step2 = [s for s in steps if s.startswith("helm")]

    # 1. the network and the CoreDNS Corefile, adopting kubeadm's ConfigMap
    _helm(kube, step1)
    corefile = kube.get("configmap", "coredns", "-n", "kube-system")
    assert corefile["metadata"]["annotations"]["meta.helm.sh/release-name"] == "platform"
    assert "harbor.feng.org" in corefile["data"]["Corefile"], "the lab's hosts entries were not written"
    kube.kubectl("wait", "--for=condition=Ready", "nodes", "--all", "--timeout=10m")

    # 2. everything else; the MetalLB pools need the webhook nobody serves here
    refused = _helm(kube, step2, check=False)
    assert refused.returncode != 0
    assert 'failed calling webhook "ipaddresspoolvalidationwebhook.metallb.io"' in refused.stderr, refused.stderr
    _helm(kube, step2, *UNSERVED_WEBHOOK)
    pools = kube.get("ipaddresspools.metallb.io", "-n", "metallb-system")["items"]
    assert [p["spec"]["addresses"] for p in pools], "no pool after step 2"
    svc = [s for s in kube.get("svc", "-n", "ingress-nginx")["items"] if s["spec"]["type"] == "LoadBalancer"]
    assert len(svc) == 1

    # a no-op upgrade changes nothing
    before = snapshot(kube, "platform", "default")
    _helm(kube, step2, *UNSERVED_WEBHOOK)
    after = snapshot(kube, "platform", "default")
    assert before == after, {k: (before.get(k), after.get(k)) for k in before if before.get(k) != after.get(k)}

    # uninstall keeps kubeadm's ConfigMap (with the last Corefile) and the CRDs
    kube.helm("uninstall", "platform", "--wait")
    assert "harbor.feng.org" in kube.get("configmap", "coredns", "-n", "kube-system")["data"]["Corefile"]
    assert kube.exists("crd", "ipaddresspools.metallb.io")
    assert kube.exists("crd", "installations.operator.tigera.io")


def test_one_step_install_on_a_cluster_with_a_network(kubeadm_cluster: Kube) -> None:
    kube = kubeadm_cluster
    text = " ".join((ROOT / "charts/platform/README.md").read_text().split())
    command = ("helm upgrade --install platform ./charts/platform -f values/lab.yaml --take-ownership "
               "--force-conflicts --wait")
    assert command in text
    _helm(kube, command, *UNSERVED_WEBHOOK)
    assert kube.get("configmap", "coredns", "-n", "kube-system")["metadata"]["annotations"][
        "meta.helm.sh/release-name"] == "platform"
    kube.helm("rollback", "platform", "1", "--wait")
    kube.helm("uninstall", "platform", "--wait")


def test_recovery_after_a_one_pass_install_failed_on_a_metallb_hook(kubeadm_cluster: Kube) -> None:
    """The README's recovery: a first install without step 1 stops on a MetalLB hook; step 1 run as
    `helm upgrade`, then step 2, bring the release to deployed."""
    kube = kubeadm_cluster
    text = " ".join((ROOT / "charts/platform/README.md").read_text().split())
    assert "If a first install without step 1 failed on a MetalLB hook, run step 1 as a `helm upgrade`" in text
    step1, step2 = [s for s in _readme_block("charts/platform/README.md", "## Install order") if s.startswith("helm")]
    one_pass = step1.split(" --set ")[0]
    failed = _helm(kube, one_pass, check=False)
    assert failed.returncode != 0 and "ipaddresspoolvalidationwebhook.metallb.io" in failed.stderr, failed.stderr
    _helm(kube, step1.replace("helm install", "helm upgrade", 1))
    _helm(kube, step2, *UNSERVED_WEBHOOK)
    status = kube.helm("status", "platform", "-o", "json").stdout
    assert '"status":"deployed"' in status.replace(" ", ""), status
    kube.helm("uninstall", "platform", "--wait")
