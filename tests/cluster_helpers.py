"""Clients of a live cluster for the `cluster` tier.

By default that is the built-in control plane (chartops.testbed.plane), whose clients must run
inside its loopback-only network namespace: `invoke test` starts pytest there, and the `kube`
fixture moves the test process into the namespace of its module's plane. With
KUBECONFIG pointing at another cluster (kind elsewhere) the same tests run against that one.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from chartops import gotoolchain
from chartops.testbed import builds, harness, netns, plane
from tests.helpers import ROOT, renderer

Obj = dict[str, Any]


class CommandFailed(AssertionError):
    """A client command failed; the message holds its argv and output."""


@dataclass
class Kube:
    kubeconfig: Path
    builtin: bool
    plane: str = "main"  # the built-in control plane's plane (chartops.testbed.plane)
    namespaces: list[str] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ, KUBECONFIG=str(self.kubeconfig), HELM_CACHE_HOME=str(ROOT / ".tools" / "helm-cache"))
        if self.builtin:
            env["PATH"] = f"{plane.bin_dir()}:{env.get('PATH', '')}"
        return env

    def run(self, argv: list[str], input: str | None = None, check: bool = True,
            timeout: float = 600) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(argv, input=input, capture_output=True, text=True, env=self.env, timeout=timeout,
                              cwd=ROOT, check=False)
        if check and proc.returncode != 0:
            raise CommandFailed(f"{' '.join(argv)} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n"
                                f"{proc.stderr[-3000:]}")
        return proc

    @property
    def kubectl_path(self) -> str:
        return str(builds.path("kubectl")) if self.builtin else "kubectl"

    def kubectl(self, *args: str, input: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run([self.kubectl_path, *args], input=input, check=check)

    def helm(self, *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return self.run([str(renderer().helm.path), *args], check=check, timeout=timeout)

    def get(self, *args: str) -> Obj:
        out: Obj = json.loads(self.kubectl("get", *args, "-o", "json").stdout)
        return out

    def exists(self, *args: str) -> bool:
        return self.kubectl("get", *args, check=False).returncode == 0

    def apply(self, objs: Obj | Iterable[Obj], manager: str = "chartops-test", *extra: str) -> None:
        items = [objs] if isinstance(objs, dict) else list(objs)
        body = json.dumps({"apiVersion": "v1", "kind": "List", "items": items})
        self.kubectl("apply", "--server-side", "--field-manager", manager, *extra, "-f", "-", input=body)

    def create(self, objs: Iterable[Obj], manager: str) -> None:
        """A plain create (no server-side apply), as kubeadm writes its objects."""
        body = json.dumps({"apiVersion": "v1", "kind": "List", "items": list(objs)})
        self.kubectl("create", "--field-manager", manager, "-f", "-", input=body)

    def namespace(self, prefix: str = "t", labels: dict[str, str] | None = None) -> str:
        name = f"{prefix}-{uuid.uuid4().hex[:6]}"
        self.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels or {}}})
        self.namespaces.append(name)
        return name

    def wait_for(self, what: str, check: Callable[[], bool], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            time.sleep(0.5)
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")

    # --- a release's objects ---

    def live(self, refs: Iterable[Obj], namespace: str) -> list[Obj]:
        """The objects named by `refs` (manifest objects) that exist, as the API server holds them:
        one kubectl call per namespace instead of one per object."""
        groups: dict[str, list[Obj]] = {}
        for ref in refs:
            groups.setdefault(ref["metadata"].get("namespace", namespace), []).append(ref)
        found: list[Obj] = []
        for ns, items in groups.items():
            body = json.dumps({"apiVersion": "v1", "kind": "List", "items": items})
            out = self.kubectl("get", "-f", "-", "-n", ns, "--ignore-not-found", "-o", "json", input=body).stdout
            if out.strip():
                data = json.loads(out)
                found += data.get("items", [data]) if data.get("kind") == "List" else [data]
        return found

    def release_objects(self, release: str, namespace: str, hooks: bool = True) -> list[Obj]:
        """The live objects of a release's manifest (and hooks)."""
        refs = manifest_objects(self.helm("get", "manifest", release, "-n", namespace).stdout)
        if hooks:
            refs += manifest_objects(self.helm("get", "hooks", release, "-n", namespace).stdout)
        return self.live(refs, namespace)


def _group(api_version: str) -> str:
    return api_version.split("/")[0] if "/" in api_version else ""


def snapshot(kube: Kube, release: str, namespace: str) -> dict[str, Any]:
    """What a no-op upgrade must not change: every object's resourceVersion and generation (hook Jobs
    aside), the pod-template hashes of its workloads (ReplicaSets, ControllerRevisions) and Secret data."""
    objs = kube.release_objects(release, namespace)
    state: dict[str, Any] = {}
    for o in objs:
        annotations = o["metadata"].get("annotations") or {}
        if o["kind"] == "Job" and "helm.sh/hook" in annotations:
            # a hook Job runs again on every upgrade by design (helm re-creates it); what it
            # changes is caught by the other objects of the snapshot
            continue
        key = f"{o['kind']}/{o['metadata'].get('namespace', '')}/{o['metadata']['name']}"
        state[key] = (o["metadata"]["resourceVersion"], o["metadata"].get("generation"))
        if o["kind"] == "Secret":
            state[key + "#data"] = o.get("data")
    namespaces = {o["metadata"].get("namespace") for o in objs} - {None}
    for ns in sorted(namespaces):
        for kind in ("replicasets", "controllerrevisions"):
            items = kube.get(kind, "-n", ns)["items"]
            state[f"{kind}/{ns}"] = sorted(i["metadata"]["name"] for i in items)
    return state


def secrets_data(kube: Kube, namespace: str, names: Iterable[str]) -> dict[str, Any]:
    return {n: kube.get("secret", n, "-n", namespace).get("data") for n in names}


def manifest_objects(text: str) -> list[Obj]:
    return [d for d in yaml.safe_load_all(text) if d]


KUBEADM_COREFILE = """.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30 {
       disable success cluster.local
       disable denial cluster.local
    }
    loop
    reload
    loadbalance
}
"""


def kubeadm_coredns_objects() -> list[Obj]:
    """kube-system's DNS objects as `kubeadm init` (v1.33) writes them."""
    labels = {"k8s-app": "kube-dns"}
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "coredns", "namespace": "kube-system"}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "coredns", "namespace": "kube-system"},
         "data": {"Corefile": KUBEADM_COREFILE}},
        {"apiVersion": "v1", "kind": "Service",
         "metadata": {"name": "kube-dns", "namespace": "kube-system",
                      "labels": {**labels, "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS"},
                      "annotations": {"prometheus.io/port": "9153", "prometheus.io/scrape": "true"}},
         "spec": {"clusterIP": "10.96.0.10", "selector": labels, "ports": [
             {"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
             {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
             {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153}]}},
        {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"name": "coredns", "namespace": "kube-system", "labels": labels},
         "spec": {"replicas": 2, "selector": {"matchLabels": labels},
                  "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
                  "template": {"metadata": {"labels": labels}, "spec": {
                      "priorityClassName": "system-cluster-critical", "serviceAccountName": "coredns",
                      "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"},
                                      {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}],
                      "nodeSelector": {"kubernetes.io/os": "linux"},
                      "containers": [{
                          "name": "coredns", "image": "registry.k8s.io/coredns/coredns:v1.12.0",
                          "args": ["-conf", "/etc/coredns/Corefile"],
                          "resources": {"limits": {"memory": "170Mi"}, "requests": {"cpu": "100m", "memory": "70Mi"}},
                          "ports": [{"containerPort": 53, "name": "dns", "protocol": "UDP"},
                                    {"containerPort": 53, "name": "dns-tcp", "protocol": "TCP"},
                                    {"containerPort": 9153, "name": "metrics", "protocol": "TCP"}],
                          "volumeMounts": [{"name": "config-volume", "mountPath": "/etc/coredns", "readOnly": True}],
                      }],
                      "volumes": [{"name": "config-volume", "configMap": {
                          "name": "coredns", "items": [{"key": "Corefile", "path": "Corefile"}]}}],
                  }}}},
    ]


# --- installs as the READMEs document them, past MetalLB's webhook ---


def readme_commands(path: str, heading: str) -> list[str]:
    """The helm commands of the first console block after a heading (continuations joined)."""
    text = (ROOT / path).read_text().split(heading, 1)[1]
    block = re.search(r"```console\n(.*?)```", text, re.S)
    assert block, f"{path}: no console block after {heading!r}"
    lines = block.group(1).replace("\\\n", " ").splitlines()
    return [" ".join(line.split()) for line in lines if line.startswith("helm ")]


def helm_command(kube: Kube, command: str, *extra: str) -> None:
    argv = command.split()
    assert argv[0] == "helm", command
    kube.helm(*argv[1:], *extra, timeout=900)


def helm_past_metallb_webhook(kube: Kube, command: str, started: harness.Launch) -> harness.Running:
    """Run an install whose hooks need MetalLB's webhook. kwok reports the controller's pod Ready as
    soon as it exists, where a kubelet waits for its readiness probe (initialDelaySeconds 10), so
    helm --wait reaches the pool hooks a second after the pod appears, before the real controller
    has made its certificate and put its CA into the webhook configuration. When the hook fails
    for exactly that reason, the command runs once more (what a user does on a real cluster whose
    webhook was not ready): from then on every call goes through the real webhook."""
    argv = command.split()
    assert argv[0] == "helm", command
    first = kube.helm(*argv[1:], check=False, timeout=900)
    run = started.wait()
    if first.returncode != 0:
        early = re.search(r'failed calling webhook "\w+validationwebhook\.metallb\.io".*'
                          r"(x509: certificate signed by unknown authority|connection refused)", first.stderr)
        assert early, first.stderr[-3000:]
        run.wait_ready()
        kube.wait_for("the CA in MetalLB's webhook configuration", lambda: all(
            w["clientConfig"].get("caBundle") for w in
            kube.get("validatingwebhookconfiguration", "metallb-webhook-configuration")["webhooks"]))
        time.sleep(netns.PodNetwork.SETTLE)
        helm_command(kube, command)
    return run


def lb_ingress(kube: Kube, name: str, namespace: str) -> list[str]:
    svc = kube.get("service", name, "-n", namespace)
    return [i.get("ip", "") for i in svc.get("status", {}).get("loadBalancer", {}).get("ingress", [])]


def go_module_dir(module: str, version: str) -> Path:
    """A module's files from the Go module cache (downloaded through the module proxy if missing):
    upstream YAML the tests compare with (CRDs), never committed here."""
    with tempfile.TemporaryDirectory() as scratch:  # outside any module: only the named one is fetched
        argv, env = gotoolchain.command(["mod", "download", "-json", f"{module}@{version}"])
        out = subprocess.run(argv, cwd=scratch, capture_output=True, text=True, check=False,
                             env={**env, "GOFLAGS": "-mod=mod"})
    if out.returncode != 0:
        raise AssertionError(f"go mod download {module}@{version}: {out.stdout}{out.stderr}")
    return Path(json.loads(out.stdout)["Dir"])
