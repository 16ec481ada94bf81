"""Each chart's life on a real API server, run the way its README says.

install --wait, a no-op upgrade that changes nothing, rollback, uninstall that keeps exactly what
the chart marks `helm.sh/resource-policy: keep` (CRDs, generated Secrets, kubeadm's ConfigMap)
and the StatefulSets' PVCs, and a reinstall that reuses the kept Secrets byte for byte.

Fake pods serve nothing here, so a webhook backed by a pod is never reachable: MetalLB's
(failurePolicy Fail) rejects its pools. The documented MetalLB install is asserted to stop exactly
there, after its CRDs and controller exist; the lifecycle then runs with the README's emergency
setting `webhook.failurePolicy=Ignore`. tests/test_controllers.py serves the real webhook.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
import yaml

from tests.cluster_helpers import Kube, Obj, kubeadm_coredns_objects, manifest_objects, snapshot
from tests.helpers import ROOT

# one xdist worker runs them one after another: they share (and restart) the control plane
pytestmark = [pytest.mark.cluster, pytest.mark.xdist_group("cluster")]

METALLB_LAB = ROOT / ".tools" / "cluster" / "metallb-lab.yaml"


@dataclass(frozen=True)
class Case:
    id: str
    release: str
    namespace: str
    # the README's commands, in order; the last one is the install (run with --wait added)
    commands: tuple[str, ...]
    readme: str
    # kinds the README promises to keep on uninstall (the chart must mark them keep)
    kept_kinds: frozenset[str] = frozenset()
    # StatefulSet claims survive uninstall
    pvcs: bool = False
    extra_install_args: tuple[str, ...] = ()
    needs: tuple[str, ...] = field(default=())  # case ids installed first


CASES = [
    Case("nfs-subdir-provisioner", "nfs", "nfs-provisioner",
         ("helm install nfs ./charts/nfs-subdir-provisioner -n nfs-provisioner --create-namespace "
          "--set nfs.server=nfs.feng.org --set nfs.path=/data/sc-nfs",),
         "charts/nfs-subdir-provisioner/README.md"),
    Case("metallb", "metallb", "metallb-system",
         ("kubectl create namespace metallb-system",
          "kubectl label namespace metallb-system pod-security.kubernetes.io/enforce=privileged "
          "pod-security.kubernetes.io/audit=privileged pod-security.kubernetes.io/warn=privileged",
          "helm install metallb charts/metallb -n metallb-system -f lab.yaml --wait --timeout 5m"),
         "charts/metallb/README.md", frozenset({"CustomResourceDefinition"}),
         extra_install_args=("--set", "webhook.failurePolicy=Ignore")),
    Case("calico", "calico", "tigera-operator",
         ("kubectl create namespace tigera-operator",
          "kubectl label namespace tigera-operator pod-security.kubernetes.io/enforce=privileged",
          "helm upgrade --install calico ./charts/calico -n tigera-operator --wait "
          "-f charts/calico/ci/lab-values.yaml"),
         "charts/calico/README.md", frozenset({"CustomResourceDefinition"})),
    Case("coredns", "coredns", "kube-system",
         ("helm install coredns charts/coredns -n kube-system --take-ownership --force-conflicts -f my-dns-values.yaml",),
         "charts/coredns/README.md", frozenset({"ConfigMap"})),
    Case("eck-operator", "eck", "elastic-system",
         ("helm install eck ./charts/eck-operator -n elastic-system --create-namespace "
          "-f values/apps/eck-operator-lab.yaml",),
         "charts/eck-operator/README.md", frozenset({"CustomResourceDefinition"})),
    Case("elasticsearch", "es", "demo",
         ("helm install es ./charts/elasticsearch -n demo --create-namespace -f values/apps/elasticsearch-lab.yaml",),
         "charts/elasticsearch/README.md", needs=("eck-operator",)),
    Case("wordpress", "wordpress", "wordpress",
         ("helm install wordpress ./charts/wordpress -n wordpress --create-namespace "
          "-f values/apps/wordpress-lab.yaml",),
         "README.md", frozenset({"Secret"}), pvcs=True),
    Case("mysql", "mysql", "mysql",
         ("helm install mysql ./charts/mysql -n mysql --create-namespace -f values/apps/mysql-lab.yaml --wait",),
         "charts/mysql/README.md", frozenset({"Secret", "PersistentVolumeClaim"}), pvcs=True),
    Case("ingress-nginx", "ingress-nginx", "ingress-nginx",
         ("helm install ingress-nginx ./charts/ingress-nginx -n ingress-nginx --create-namespace --wait",),
         "charts/ingress-nginx/README.md", frozenset({"Secret"})),
    Case("metrics-server", "metrics-server", "kube-system",
         ("helm install metrics-server ./charts/metrics-server -n kube-system "
          "-f charts/metrics-server/ci/lab-values.yaml",),
         "charts/metrics-server/README.md", frozenset({"Secret"})),
]
BY_ID = {c.id: c for c in CASES}

# files a README names by a placeholder, and what stands in for them here
PLACEHOLDERS = {"lab.yaml": str(METALLB_LAB), "my-dns-values.yaml": "charts/coredns/ci/lab-values.yaml"}


def _argv(command: str) -> list[str]:
    return [PLACEHOLDERS.get(word, word) for word in command.split()]


def _helm_args(argv: list[str]) -> list[str]:
    assert argv[0] == "helm", argv
    return argv[1:]


def _run(kube: Kube, command: str, extra: tuple[str, ...] = ()) -> None:
    argv = _argv(command)
    if argv[0] == "kubectl":
        kube.kubectl(*argv[1:])
        return
    args = _helm_args(argv) + list(extra)
    if "--wait" not in args:
        args.append("--wait")
    kube.helm(*args)


def _upgrade_args(install: str) -> list[str]:
    """The install command as a `helm upgrade` with the same chart and values."""
    args = _helm_args(_argv(install))
    args = [a for a in args if a not in ("--create-namespace", "--take-ownership", "--force-conflicts", "--install")]
    if args[0] == "install":
        args[0] = "upgrade"
    return args


def _kept(objs: list[Obj]) -> list[Obj]:
    return [o for o in objs if (o["metadata"].get("annotations") or {}).get("helm.sh/resource-policy") == "keep"]


def _ref(o: Obj, namespace: str) -> tuple[str, str, str]:
    return o["kind"], o["metadata"].get("namespace", namespace), o["metadata"]["name"]


@pytest.fixture(scope="module")
def lab_cluster(fresh: Kube) -> Kube:
    """The fresh control plane plus what the READMEs assume exists: kubeadm's DNS objects and the
    MetalLB README's lab.yaml (the lab overlay's metallb section)."""
    fresh.create(kubeadm_coredns_objects(), manager="kubeadm")
    lab = yaml.safe_load((ROOT / "values" / "lab.yaml").read_text())["metallb"]
    METALLB_LAB.write_text(yaml.safe_dump(lab))
    return fresh


def test_every_case_runs_the_command_its_readme_gives() -> None:
    for case in CASES:
        text = " ".join((ROOT / case.readme).read_text().replace("\\\n", " ").split())
        for command in case.commands:
            assert command in text, f"{case.readme} no longer says `{command}`: update the case"


def test_metallb_documented_install_stops_at_its_webhook_until_a_controller_serves_it(lab_cluster: Kube) -> None:
    """Needs a served webhook: the pools are post-install hooks sent after the CRDs and the ready
    controller (ordering), and failurePolicy Fail rejects them while nobody answers, instead of
    letting an unchecked pool in. Here nobody can; test_controllers.py runs the real controller."""
    kube, case = lab_cluster, BY_ID["metallb"]
    *prepare, install = case.commands
    for command in prepare:
        _run(kube, command)
    argv = _helm_args(_argv(install))
    proc = kube.helm(*argv, check=False)
    assert proc.returncode != 0, "the pools passed a webhook nobody serves: is failurePolicy still Fail?"
    assert 'failed calling webhook "ipaddresspoolvalidationwebhook.metallb.io"' in proc.stderr, proc.stderr
    crds = [c["metadata"]["name"] for c in kube.get("crd")["items"] if c["metadata"]["name"].endswith(".metallb.io")]
    assert len(crds) == 9, crds
    ready = {d["metadata"]["name"]: d["status"].get("readyReplicas") for d in kube.get("deployment", "-n", case.namespace)["items"]}
    assert ready == {"metallb-controller": 1}, ready
    assert not kube.get("ipaddresspools.metallb.io", "-n", case.namespace)["items"]
    kube.helm("uninstall", case.release, "-n", case.namespace, "--wait")


def test_coredns_takeover_needs_force_conflicts_and_recovers_with_upgrade_install(lab_cluster: Kube) -> None:
    """kubeadm's field manager owns data.Corefile: helm 4's server-side apply stops on it without
    --force-conflicts; the failed install leaves a release record, so the README's recovery is the
    same command as `helm upgrade --install`, not a second `helm install`."""
    kube = lab_cluster
    values = PLACEHOLDERS["my-dns-values.yaml"]
    plain = kube.helm("install", "coredns", "charts/coredns", "-n", "kube-system", "--take-ownership", "-f", values,
                      "--wait", check=False)
    assert plain.returncode != 0
    assert 'conflict with "kubeadm"' in plain.stderr and ".data.Corefile" in plain.stderr, plain.stderr
    again = kube.helm("install", "coredns", "charts/coredns", "-n", "kube-system", "--take-ownership",
                      "--force-conflicts", "-f", values, "--wait", check=False)
    assert "cannot reuse a name that is still in use" in again.stderr, again.stderr
    readme = " ".join((ROOT / "charts/coredns/README.md").read_text().split())
    assert "run the same command as `helm upgrade --install`" in readme
    kube.helm("upgrade", "--install", "coredns", "charts/coredns", "-n", "kube-system", "--take-ownership",
              "--force-conflicts", "-f", values, "--wait")
    assert "harbor.feng.org" in kube.get("configmap", "coredns", "-n", "kube-system")["data"]["Corefile"]
    kube.helm("uninstall", "coredns", "-n", "kube-system", "--wait")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_lifecycle(lab_cluster: Kube, case: Case) -> None:
    kube = lab_cluster
    for need in case.needs:
        for command in BY_ID[need].commands:
            if command.startswith("helm install"):
                command = command.replace("helm install", "helm upgrade --install", 1)
            if command.startswith("kubectl create namespace") and kube.exists("namespace", command.split()[-1]):
                continue
            _run(kube, command, BY_ID[need].extra_install_args)
    *prepare, install = case.commands
    for command in prepare:
        if command.startswith("kubectl create namespace") and kube.exists("namespace", command.split()[-1]):
            continue
        _run(kube, command)

    # install, as the README says (plus --wait)
    _run(kube, install, case.extra_install_args)
    manifest = manifest_objects(kube.helm("get", "manifest", case.release, "-n", case.namespace).stdout)
    hooks = manifest_objects(kube.helm("get", "hooks", case.release, "-n", case.namespace).stdout)
    kept = _kept(manifest + hooks)
    assert case.kept_kinds <= {o["kind"] for o in kept}, (
        f"{case.id}: the README promises to keep {sorted(case.kept_kinds)} on uninstall, "
        f"but only {sorted({o['kind'] for o in kept})} carry helm.sh/resource-policy: keep")

    # a no-op upgrade changes nothing
    before = snapshot(kube, case.release, case.namespace)
    kube.helm(*_upgrade_args(install), *case.extra_install_args, "--wait")
    after = snapshot(kube, case.release, case.namespace)
    changed = {k: (before.get(k), after.get(k)) for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    assert not changed, f"{case.id}: a no-op upgrade changed {changed}"

    # rollback to the first revision
    kube.helm("rollback", case.release, "1", "-n", case.namespace, "--wait")
    status = kube.helm("status", case.release, "-n", case.namespace, "-o", "json").stdout
    assert '"status":"deployed"' in status.replace(" ", ""), status

    # uninstall keeps exactly the kept objects (and claims)
    kept_secrets = {o["metadata"]["name"]: kube.get("secret", o["metadata"]["name"], "-n",
                                                    o["metadata"].get("namespace", case.namespace))["data"]
                    for o in kept if o["kind"] == "Secret"}
    claims = [c["metadata"]["name"] for c in kube.get("pvc", "-n", case.namespace)["items"]]
    kube.helm("uninstall", case.release, "-n", case.namespace, "--wait")
    live = {_ref(o, case.namespace) for o in kube.live(manifest + hooks, case.namespace)}
    gone = [_ref(o, case.namespace) for o in kept if _ref(o, case.namespace) not in live]
    assert not gone, f"{case.id}: uninstall deleted objects marked keep: {gone}"
    left = [_ref(o, case.namespace) for o in manifest if o not in kept and _ref(o, case.namespace) in live]
    assert not left, f"{case.id}: uninstall left objects not marked keep: {left}"
    if case.pvcs:
        assert claims, f"{case.id}: expected StatefulSet/app claims"
    remaining = {c["metadata"]["name"] for c in kube.get("pvc", "-n", case.namespace)["items"]}
    assert set(claims) <= remaining, f"{case.id}: uninstall deleted claims {set(claims) - remaining}"

    # a reinstall adopts the kept objects and reuses the kept Secrets byte for byte
    _run(kube, install, case.extra_install_args)
    for name, data in kept_secrets.items():
        assert kube.get("secret", name, "-n", case.namespace)["data"] == data, f"{case.id}: Secret {name} changed"
    kube.helm("uninstall", case.release, "-n", case.namespace, "--wait")


