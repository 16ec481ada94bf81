"""Upgrade guards on a real API server: one test per guarded field.

Each plants the live object as an earlier release left it (the chart's own render with the old
value in that field), then installs the chart over it: the install must stop before anything is
applied with the guard's message (object, field, both values, why, the commands that fix it), never
the API server's "Forbidden" or "field is immutable". The same chart and values install cleanly
once the old object is gone, and render offline (`helm template` looks nothing up).

The real-upgrade cases go further: a StorageClass change refused and then fixed with the commands
the message gives (the bound claim survives), a StatefulSet volume size change, Elasticsearch
8.14.0 -> 9.5.0 refused and -> 8.18.x allowed, MySQL's data-directory downgrade and skipped LTS,
ECK older than its CRDs.
"""

from __future__ import annotations

import copy
import json
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from chartops.render import clean_stderr
from tests.cluster_helpers import Kube
from tests.helpers import CHARTS, ROOT, render

pytestmark = [pytest.mark.cluster]

Obj = dict[str, Any]


def _helm_error(kube: Kube, *args: str) -> str:
    """helm's message for a command that must fail."""
    proc = kube.helm(*args, check=False)
    assert proc.returncode != 0, f"helm {' '.join(args[:3])} passed although a guard should have stopped it"
    return clean_stderr(proc.stderr)


def _assert_guard_message(message: str, ref: str, field: str) -> None:
    assert "nothing was applied" in message, message
    assert ref in message and f"field {field}" in message, message
    assert "Why:" in message and "Fix:" in message, message
    assert "Forbidden" not in message and "immutable" not in message.split("Why:")[0], message


def _set(path: str, value: Any) -> Callable[[Obj], None]:
    keys = path.split(".")

    def mutate(obj: Obj) -> None:
        target = obj
        for key in keys[:-1]:
            target = target.setdefault(key, {})
        target[keys[-1]] = value
    return mutate


@dataclass(frozen=True)
class Guard:
    id: str
    chart: str
    values: dict[str, Any]
    kind: str
    name: str | None  # the object's name in the render (None: the only one of its kind)
    field: str  # as the message names it
    old: Callable[[Obj], None]  # turns the rendered object into what an older release left


def _nfs(name: str) -> dict[str, Any]:
    return {"nfs": {"server": "nfs.feng.org", "path": "/data/x"},
            "storageClasses": [{"name": f"guard-{name}", "archiveOnDelete": True}]}


# the provisioner's own mount through a PersistentVolume and its claim (an inline nfs volume takes no options)
NFS_MOUNT = {"nfs": {"server": "nfs.feng.org", "path": "/data/x", "mountOptions": ["nfsvers=4.1"]},
             "storageClasses": [{"name": "guard-mount"}]}
WORDPRESS = {"mysql": {"enabled": False}, "externalDatabase": {"host": "db.example", "password": "x"}}


def _claim_storage(size: str) -> Callable[[Obj], None]:
    def mutate(obj: Obj) -> None:
        obj["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] = size
    return mutate


GUARDS = [
    Guard("storageclass-provisioner", "nfs-subdir-provisioner", _nfs("prov"), "StorageClass", None, "provisioner",
          _set("provisioner", "fuseim.pri/ifs")),
    Guard("storageclass-parameters", "nfs-subdir-provisioner", _nfs("params"), "StorageClass", None, "parameters",
          _set("parameters", {"archiveOnDelete": "false"})),
    Guard("storageclass-reclaimpolicy", "nfs-subdir-provisioner", _nfs("reclaim"), "StorageClass", None,
          "reclaimPolicy", _set("reclaimPolicy", "Retain")),
    Guard("storageclass-volumebindingmode", "nfs-subdir-provisioner", _nfs("binding"), "StorageClass", None,
          "volumeBindingMode", _set("volumeBindingMode", "WaitForFirstConsumer")),
    Guard("statefulset-selector", "mysql", {"architecture": "standalone"}, "StatefulSet", None, "spec.selector",
          lambda o: (o["spec"]["selector"]["matchLabels"].update(old="yes"),
                     o["spec"]["template"]["metadata"]["labels"].update(old="yes"))),
    Guard("statefulset-servicename", "mysql", {"architecture": "standalone"}, "StatefulSet", None,
          "spec.serviceName", _set("spec.serviceName", "mysql-old-headless")),
    Guard("statefulset-podmanagementpolicy", "mysql", {"architecture": "standalone"}, "StatefulSet", None,
          "spec.podManagementPolicy", _set("spec.podManagementPolicy", "Parallel")),
    Guard("statefulset-volumeclaimtemplates", "mysql", {"architecture": "standalone"}, "StatefulSet", None,
          "spec.volumeClaimTemplates[data] storage size", _claim_storage("4Gi")),
    Guard("deployment-selector", "nfs-subdir-provisioner", _nfs("deploy"), "Deployment", None, "spec.selector",
          lambda o: (o["spec"]["selector"]["matchLabels"].update(app="nfs-client-provisioner"),
                     o["spec"]["template"]["metadata"]["labels"].update(app="nfs-client-provisioner"))),
    Guard("daemonset-selector", "metallb", {"config": {"asHooks": False}}, "DaemonSet", None, "spec.selector",
          lambda o: (o["spec"]["selector"]["matchLabels"].update(component="speaker"),
                     o["spec"]["template"]["metadata"]["labels"].update(component="speaker"))),
    Guard("service-clusterip", "mysql", {"architecture": "standalone"}, "Service", "g-mysql-headless",
          "spec.clusterIP", lambda o: o["spec"].pop("clusterIP")),
    Guard("service-loadbalancerclass", "ingress-nginx", {"controller": {"service": {"type": "LoadBalancer"}}},
          "Service", "g-ingress-nginx-controller", "spec.loadBalancerClass",
          _set("spec.loadBalancerClass", "example.com/other-lb")),
    Guard("pvc-accessmodes", "wordpress", WORDPRESS,
          "PersistentVolumeClaim", None, "spec.accessModes", _set("spec.accessModes", ["ReadWriteMany"])),
    Guard("pvc-size", "wordpress", WORDPRESS,
          "PersistentVolumeClaim", None, "spec.resources.requests.storage",
          _set("spec.resources.requests", {"storage": "20Gi"})),
    Guard("persistentvolume-source", "nfs-subdir-provisioner", NFS_MOUNT, "PersistentVolume", None, "spec.nfs",
          _set("spec.nfs", {"server": "old-nfs.feng.org", "path": "/data/x"})),
    Guard("pvc-volumename", "nfs-subdir-provisioner", NFS_MOUNT, "PersistentVolumeClaim", None, "spec.volumeName",
          _set("spec.volumeName", "old-volume")),
    Guard("ingressclass-controller", "ingress-nginx", {"controller": {"ingressClass": {"name": "guard-nginx"}}},
          "IngressClass", None, "spec.controller", _set("spec.controller", "example.com/other-controller")),
    Guard("rolebinding-roleref", "mysql", {}, "RoleBinding", None, "roleRef",
          _set("roleRef.name", "view")),
    Guard("clusterrolebinding-roleref", "nfs-subdir-provisioner", _nfs("crb"), "ClusterRoleBinding", None,
          "roleRef", _set("roleRef.name", "view")),
]


def _object(objs: list[Obj], guard: Guard) -> Obj:
    found = [o for o in objs if o["kind"] == guard.kind and (guard.name is None or o["metadata"]["name"] == guard.name)]
    assert len(found) == 1, f"{guard.id}: expected one {guard.kind} {guard.name or ''} in the render"
    return found[0]


def _ref(obj: Obj) -> str:
    ns = obj["metadata"].get("namespace")
    return f'{obj["kind"]} "{ns}/{obj["metadata"]["name"]}"' if ns else f'{obj["kind"]} "{obj["metadata"]["name"]}"'


def _key(obj: Obj) -> tuple[str, str, str]:
    return obj["kind"], obj["metadata"].get("namespace", ""), obj["metadata"]["name"]


def _values_file(values: dict[str, Any]) -> str:
    f = tempfile.NamedTemporaryFile("w", suffix=".yaml", prefix="guard-values-", delete=False)
    with f:
        json.dump(values, f)
    return f.name


@pytest.mark.parametrize("guard", GUARDS, ids=lambda g: g.id)
def test_guard_stops_an_install_over_a_live_object_with_the_old_value(kube: Kube, guard: Guard) -> None:
    ns = kube.namespace("guard")
    release = "g"
    objs = render(guard.chart, guard.values, release=release, namespace=ns)  # helm template: nothing looked up
    target = _object(objs, guard)
    planted = copy.deepcopy(target)
    guard.old(planted)
    others = [o for o in objs if o is not target]
    existing = {_key(o) for o in kube.live(others, ns)}  # kept by earlier releases (CRDs, namespaces)
    kube.create([planted], manager="an-older-release")
    args = (release, str(CHARTS / guard.chart), "-n", ns, "-f", _values_file(guard.values), "--take-ownership")

    message = _helm_error(kube, "install", *args)
    _assert_guard_message(message, _ref(planted), guard.field)
    assert kube.helm("status", release, "-n", ns, check=False).returncode != 0, "a release record was written"
    applied = {_key(o) for o in kube.live(others, ns)} - existing
    assert not applied, f"{guard.id}: applied before the guard stopped the install: {sorted(applied)}"

    # the same install passes over no old object
    where = ["-n", planted["metadata"]["namespace"]] if planted["metadata"].get("namespace") else []
    kube.kubectl("delete", guard.kind.lower(), planted["metadata"]["name"], *where, "--wait=true")
    kube.helm("install", *args)
    kube.helm("uninstall", release, "-n", ns)


# --- real upgrades ---


def _revisions(kube: Kube, release: str, ns: str) -> int:
    return len(json.loads(kube.helm("history", release, "-n", ns, "-o", "json").stdout))


def _fix_commands(message: str) -> list[str]:
    """The kubectl lines of a guard's Fix section, as a user would paste them."""
    return [line.strip() for line in message.split("Fix:", 1)[1].splitlines() if line.strip().startswith("kubectl ")]


def _run_shell(kube: Kube, command: str, cwd: str) -> None:
    proc = subprocess.run(["bash", "-c", command], cwd=cwd, env=kube.env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"`{command}` failed: {proc.stderr}"


def test_storageclass_change_stops_before_anything_is_applied_and_the_documented_fix_upgrades(kube: Kube) -> None:
    """The issue's case: a StorageClass whose provisioner moved. The upgrade stops with the guard's
    message, nothing changes, the commands it gives replace the class, the same upgrade then passes,
    and the claim bound through the old class stays bound."""
    ns = kube.namespace("guard-sc")
    chart = str(CHARTS / "nfs-subdir-provisioner")
    base = ["--set", "nfs.server=nfs.feng.org", "--set", "nfs.path=/data/sc", "--set", "storageClasses[0].name=guard-sc"]
    kube.helm("install", "nfs", chart, "-n", ns, *base, "--set", "provisionerName=fuseim.pri/ifs")
    kube.apply({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data", "namespace": ns},
                "spec": {"storageClassName": "guard-sc", "accessModes": ["ReadWriteMany"],
                         "resources": {"requests": {"storage": "1Gi"}}}})
    kube.wait_for("the claim bound", lambda: kube.get("pvc", "data", "-n", ns)["status"].get("phase") == "Bound")
    claim_uid = kube.get("pvc", "data", "-n", ns)["metadata"]["uid"]
    upgrade = ("upgrade", "nfs", chart, "-n", ns, *base, "--set", "provisionerName=k8s-sigs.io/nfs-subdir-external-provisioner")

    message = _helm_error(kube, *upgrade)
    _assert_guard_message(message, 'StorageClass "guard-sc"', "provisioner")
    assert '"fuseim.pri/ifs"' in message and '"k8s-sigs.io/nfs-subdir-external-provisioner"' in message
    assert _revisions(kube, "nfs", ns) == 1, "the failed upgrade left a release revision"
    assert kube.get("storageclass", "guard-sc")["provisioner"] == "fuseim.pri/ifs"
    env = {e["name"]: e.get("value") for e in
           kube.get("deployment", "-n", ns, "-l", "app.kubernetes.io/instance=nfs")["items"][0]
           ["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["PROVISIONER_NAME"] == "fuseim.pri/ifs", "the Deployment was changed before the guard stopped"

    commands = _fix_commands(message)
    assert commands == ["kubectl get storageclass guard-sc -o yaml > storageclass-guard-sc.yaml    # a copy, to go back",
                        "kubectl delete storageclass guard-sc"], commands
    with tempfile.TemporaryDirectory() as tmp:
        for command in commands:
            _run_shell(kube, command, tmp)
    kube.helm(*upgrade)
    assert kube.get("storageclass", "guard-sc")["provisioner"] == "k8s-sigs.io/nfs-subdir-external-provisioner"
    claim = kube.get("pvc", "data", "-n", ns)
    assert claim["metadata"]["uid"] == claim_uid and claim["status"]["phase"] == "Bound"
    kube.helm("uninstall", "nfs", "-n", ns)


def test_statefulset_volume_size_change_gets_the_guards_message_and_its_fix_grows_the_claim(kube: Kube) -> None:
    """Bad input: a bigger `persistence.size` would hit the API server's "Forbidden: updates to
    statefulset spec for fields other than ..."; the guard says what to do instead, and doing it works."""
    ns = kube.namespace("guard-vct")
    kube.apply({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "guard-expandable"},
                "provisioner": "example.com/expandable", "allowVolumeExpansion": True})
    chart = str(CHARTS / "mysql")
    base = ("-n", ns, "--set", "architecture=standalone", "--set", "persistence.storageClass=guard-expandable")
    kube.helm("install", "db", chart, *base, "--wait", "--timeout", "2m")
    upgrade = ("upgrade", "db", chart, *base, "--set", "persistence.size=20Gi")

    message = _helm_error(kube, *upgrade)
    _assert_guard_message(message, f'StatefulSet "{ns}/db-mysql"', "spec.volumeClaimTemplates[data] storage size")
    assert '"8Gi"' in message and '"20Gi"' in message
    assert "updates to statefulset spec" not in message
    assert _revisions(kube, "db", ns) == 1
    pod_uid = kube.get("pod", "db-mysql-0", "-n", ns)["metadata"]["uid"]

    with tempfile.TemporaryDirectory() as tmp:
        for command in _fix_commands(message):
            _run_shell(kube, command, tmp)
    kube.helm(*upgrade)
    sts = kube.get("statefulset", "db-mysql", "-n", ns)
    assert sts["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] == "20Gi"
    assert kube.get("pvc", "data-db-mysql-0", "-n", ns)["spec"]["resources"]["requests"]["storage"] == "20Gi"
    assert kube.get("pod", "db-mysql-0", "-n", ns)["metadata"]["uid"] == pod_uid, "the orphaned pod was not kept"
    kube.helm("uninstall", "db", "-n", ns)


@pytest.fixture(scope="module")
def eck_crds(kube: Kube) -> None:
    """The Elastic CRDs, from the eck-operator chart (kept from earlier releases are adopted)."""
    ns = kube.namespace("guard-eck")
    kube.helm("upgrade", "--install", "guard-eck", str(CHARTS / "eck-operator"), "-n", ns, "--take-ownership",
              "--set", "fullnameOverride=guard-eck", "--wait", "--timeout", "2m")


def test_elasticsearch_refuses_8_14_to_9_5_and_takes_8_18(kube: Kube, eck_crds: None) -> None:
    """The seed's my-es-cluster runs 8.14.0; the lab overlay asks for 9.5.0."""
    ns = kube.namespace("guard-es")
    args = ("es", str(CHARTS / "elasticsearch"), "-n", ns, "-f", str(ROOT / "values/apps/elasticsearch-lab.yaml"),
            "--set", f"namespaceOverride={ns}")
    kube.helm("install", *args, "--set", "version=8.14.0")
    message = _helm_error(kube, "upgrade", *args)  # the overlay's 9.5.0
    assert "version 9.5.0 is not an upgrade Elastic supports from the running 8.14.0" in message, message
    assert f"Elasticsearch {ns}/my-es-cluster" in message and "nothing was applied" in message
    assert "--set version=<the latest 8.19 patch" in message, "the supported path is spelled out"
    assert kube.get("elasticsearch", "my-es-cluster", "-n", ns)["spec"]["version"] == "8.14.0"
    assert _revisions(kube, "es", ns) == 1

    kube.helm("upgrade", *args, "--set", "version=8.18.8")
    assert kube.get("elasticsearch", "my-es-cluster", "-n", ns)["spec"]["version"] == "8.18.8"
    # 9.0 would do from 8.18, 9.5 needs 8.19
    assert "to 9.1 and later from 8.19" in _helm_error(kube, "upgrade", *args)
    kube.helm("upgrade", *args, "--set", "version=8.19.10")
    kube.helm("upgrade", *args)
    assert kube.get("elasticsearch", "my-es-cluster", "-n", ns)["spec"]["version"] == "9.5.0"
    # and never back
    assert "Elasticsearch never runs on data a newer version wrote" in _helm_error(
        kube, "upgrade", *args, "--set", "version=9.4.0")
    kube.helm("uninstall", "es", "-n", ns)


def test_elasticsearch_refuses_a_node_set_claim_change_ECK_would_reject(kube: Kube, eck_crds: None) -> None:
    ns = kube.namespace("guard-esvct")
    args = ("es", str(CHARTS / "elasticsearch"), "-n", ns, "-f", str(ROOT / "values/apps/elasticsearch-lab.yaml"),
            "--set", f"namespaceOverride={ns}")
    kube.helm("install", *args)
    message = _helm_error(kube, "upgrade", *args, "--set", "nodeSets[0].storage.storageClass=other")
    assert 'node set "default", field volumeClaimTemplates[elasticsearch-data].spec.storageClassName' in message
    assert "rename the node set" in message and "nothing was applied" in message
    kube.helm("upgrade", *args, "--set", "nodeSets[0].storage.size=5Gi")  # growing is ECK's business
    kube.helm("uninstall", "es", "-n", ns)


def test_mysql_refuses_to_take_the_data_directory_back_a_series(kube: Kube) -> None:
    ns = kube.namespace("guard-mysql")
    args = ("db", str(CHARTS / "mysql"), "-n", ns, "--set", "architecture=standalone")
    kube.helm("install", *args)  # 8.4 LTS
    message = _helm_error(kube, "upgrade", *args, "--set", "image.tag=8.0.40")
    assert "would run MySQL 8.0 on a data directory that MySQL 8.4 wrote" in message, message
    assert f"StatefulSet {ns}/db-mysql runs docker.io/library/mysql:8.4" in message
    assert "Keep image.tag at 8.4.x or later" in message and "mysqldump" in message
    assert _revisions(kube, "db", ns) == 1
    kube.helm("upgrade", *args, "--set", "image.tag=8.4.10")  # within the LTS series, back one patch is fine
    kube.helm("uninstall", "db", "-n", ns)


def test_mysql_refuses_to_skip_an_lts_series(kube: Kube) -> None:
    ns = kube.namespace("guard-mysql-lts")
    args = ("db", str(CHARTS / "mysql"), "-n", ns, "--set", "architecture=standalone")
    kube.helm("install", *args, "--set", "image.tag=8.0.40")
    message = _helm_error(kube, "upgrade", *args, "--set", "image.tag=9.7.0")
    assert "8.4 LTS lies between: upgrade to the latest 8.4.x first" in message, message
    kube.helm("upgrade", *args)  # 8.0 -> 8.4 LTS
    kube.helm("upgrade", *args, "--set", "image.tag=9.7.0")
    kube.helm("uninstall", "db", "-n", ns)


def test_eck_refuses_an_operator_older_than_the_installed_crds(kube: Kube, eck_crds: None) -> None:
    crd = "elasticsearches.elasticsearch.k8s.elastic.co"
    ns = kube.namespace("guard-eck-old")
    args = ("eck", str(CHARTS / "eck-operator"), "-n", ns, "--take-ownership", "--set", "fullnameOverride=guard-eck-old")
    original = kube.get("crd", crd)["metadata"]["labels"]["app.kubernetes.io/version"]
    kube.kubectl("label", "crd", crd, "app.kubernetes.io/version=3.9.1", "--overwrite")
    try:
        message = _helm_error(kube, "install", *args)
        assert "would run ECK 3.5.0, but the cluster's Elastic CRDs come from ECK 3.9.1" in message, message
        assert "ECK supports no downgrade" in message and "nothing was applied" in message
        assert kube.get("crd", crd)["metadata"]["labels"]["app.kubernetes.io/version"] == "3.9.1"
    finally:
        kube.kubectl("label", "crd", crd, f"app.kubernetes.io/version={original}", "--overwrite")
    kube.helm("install", *args)
    kube.helm("uninstall", "eck", "-n", ns)


# --- the lab's leftovers the platform's NOTES point at ---


def _seed_ingress_nginx() -> list[Obj]:
    """What upstream's deploy.yaml left in the hand-built lab (the objects the NOTES look for)."""
    ns, labels = "ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx",
                                   "app.kubernetes.io/instance": "ingress-nginx", "app.kubernetes.io/component": "controller"}
    meta = {"namespace": ns, "labels": labels}
    rbac = "rbac.authorization.k8s.io"
    objs: list[Obj] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": {"app.kubernetes.io/name": "ingress-nginx"}}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
         "metadata": {"name": "nginx", "labels": labels}, "spec": {"controller": "k8s.io/ingress-nginx"}},
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "ingress-nginx-controller", **meta},
         "spec": {"selector": {"matchLabels": labels}, "template": {"metadata": {"labels": labels}, "spec": {
             "containers": [{"name": "controller", "image": "registry.k8s.io/ingress-nginx/controller:v1.10.1"}]}}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ingress-nginx-controller", **meta},
         "spec": {"type": "LoadBalancer", "loadBalancerIP": "10.0.0.12", "externalTrafficPolicy": "Local",
                  "selector": labels, "ports": [{"name": "http", "port": 80}]}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ingress-nginx-controller-admission", **meta},
         "spec": {"selector": labels, "ports": [{"name": "https-webhook", "port": 443, "targetPort": 8443}]}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ingress-nginx-controller", **meta}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "ingress-nginx", **meta}},
        {"apiVersion": f"{rbac}/v1", "kind": "ClusterRole", "metadata": {"name": "ingress-nginx", "labels": labels},
         "rules": [{"apiGroups": [""], "resources": ["services"], "verbs": ["get"]}]},
        {"apiVersion": f"{rbac}/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "ingress-nginx", "labels": labels},
         "roleRef": {"apiGroup": rbac, "kind": "ClusterRole", "name": "ingress-nginx"},
         "subjects": [{"kind": "ServiceAccount", "name": "ingress-nginx", "namespace": ns}]},
        {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
         "metadata": {"name": "ingress-nginx-admission", "labels": labels},
         "webhooks": [{"name": "validate.nginx.ingress.kubernetes.io", "admissionReviewVersions": ["v1"],
                       "sideEffects": "None", "failurePolicy": "Fail",
                       "clientConfig": {"service": {"namespace": ns, "name": "ingress-nginx-controller-admission",
                                                    "path": "/networking/v1/ingresses"}},
                       "rules": [{"apiGroups": ["networking.k8s.io"], "apiVersions": ["v1"],
                                  "operations": ["CREATE", "UPDATE"], "resources": ["ingresses"]}]}]},
    ]
    return objs


def test_platform_notes_find_the_labs_ingress_nginx_and_their_commands_remove_it_keeping_the_namespace(
        kube: Kube) -> None:
    """The lab's deploy.yaml ingress-nginx and IPVS kube-proxy without strictARP, as the seed left them:
    the NOTES say both, the removal commands they print leave the Namespace (where the release's
    controller runs) and the adopted IngressClass, and the next upgrade's NOTES are quiet about it."""
    kube.apply(_seed_ingress_nginx(), "kubectl-client-side-apply", "--force-conflicts")
    kube.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kube-proxy", "namespace": "kube-system"},
                "data": {"config.conf": "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n"
                                        "mode: ipvs\nipvs:\n  strictARP: false\n"}}, "kubeadm")
    ns = kube.namespace("platform-mig")
    args = ("platform", str(CHARTS / "platform"), "-n", ns, "-f", str(ROOT / "values/lab.yaml"),
            "--set", "calico.enabled=false,coredns.enabled=false,nfs-subdir-provisioner.enabled=false",
            "--set", "metrics-server.enabled=false,metallb.webhook.failurePolicy=Ignore")
    try:
        kube.helm("install", *args, "--take-ownership", "--force-conflicts", "--wait", "--timeout", "2m")  # as documented
        notes = kube.helm("get", "notes", "platform", "-n", ns).stdout
        assert "WARNING: kube-proxy runs in IPVS mode without strictARP" in notes, notes
        assert "kubectl -n kube-system get configmap kube-proxy -o jsonpath='{.data.config\\.conf}'" in notes
        warning = notes.split("WARNING: a manifest-installed ingress-nginx", 1)
        assert len(warning) == 2, notes
        assert "Do NOT `kubectl delete -f deploy.yaml`" in warning[1]
        commands = [line.strip() for line in warning[1].splitlines() if line.strip().startswith("kubectl ")]
        assert commands[:2] == ["kubectl delete validatingwebhookconfiguration ingress-nginx-admission",
                                "kubectl -n ingress-nginx delete service ingress-nginx-controller"], commands
        assert not [c for c in commands if " namespace " in c or "ingressclass" in c], commands
        with tempfile.TemporaryDirectory() as tmp:
            for command in commands:
                _run_shell(kube, command, tmp)

        assert kube.exists("namespace", "ingress-nginx")
        assert kube.exists("deployment", "platform-ingress-nginx-controller", "-n", "ingress-nginx")
        owner = kube.get("ingressclass", "nginx")["metadata"]["annotations"]["meta.helm.sh/release-name"]
        assert owner == "platform", "the IngressClass was not adopted by the release"
        for kind, name, where in (("deployment", "ingress-nginx-controller", "ingress-nginx"),
                                  ("service", "ingress-nginx-controller", "ingress-nginx"),
                                  ("clusterrole", "ingress-nginx", ""),
                                  ("validatingwebhookconfiguration", "ingress-nginx-admission", "")):
            assert not kube.exists(kind, name, *(["-n", where] if where else [])), f"{kind} {name} is still there"
        kube.helm("upgrade", *args)
        assert "manifest-installed ingress-nginx" not in kube.helm("get", "notes", "platform", "-n", ns).stdout
    finally:
        kube.helm("uninstall", "platform", "-n", ns, check=False)
        kube.kubectl("delete", "configmap", "kube-proxy", "-n", "kube-system", "--ignore-not-found")
        kube.kubectl("delete", "validatingwebhookconfiguration", "ingress-nginx-admission", "--ignore-not-found")
