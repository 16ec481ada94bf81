"""The built-in control plane of the `cluster` test tier, one or more planes side by side.

A plane is etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok (six fake nodes
shaped like the lab) running as processes inside a network namespace of its own that has nothing
but `lo`: `chartops` for the plane "main", `chartops-<plane>` for the others (CHARTOPS_NETNS
renames the prefix, so a second checkout gets namespaces of its own). So does every client of it.
The apiserver dials admission webhooks at ClusterIPs and pod IPs in private ranges: outside such a
namespace that traffic would leave the machine; inside it, it fails at once ("network is
unreachable") or, for the fake pods' range, which is routed to `lo`, lands on loopback. The tooling
refuses to start anything when the namespace holds any other interface, and never starts a plane
outside it. Since every plane has its own loopback, planes use the same ports and pod addresses.

State (certificates, etcd data, logs, pid files, kubeconfig) lives in `.tools/cluster/` (plane
"main") or `.tools/cluster-<plane>/`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from chartops.paths import repo_root
from chartops.testbed import builds, netns

# the namespace of plane "main"; plane P runs in "<NETNS>-P"
NETNS = os.environ.get("CHARTOPS_NETNS", "chartops")
SERVICE_CIDR = "10.96.0.0/12"
POD_CIDR = "10.244.0.0/16"  # kwok's fake pod addresses; routed to lo inside the namespace
API_PORT = 6443
# kwok's server plays every node's kubelet API (HTTPS, a serving certificate from the cluster CA, as
# with the kubelet's serverTLSBootstrap); each Node reports it as its kubelet port, as kwokctl does
KUBELET_PORT = 10247
ISSUER = "https://kubernetes.default.svc.cluster.local"
ETCD_BINARY = "etcd"  # Debian's etcd-server
_PLANE_NAME = re.compile(r"[a-z][a-z0-9]{0,15}")

# The lab's shape: kubeadm control-plane nodes (tainted) and workers on 10.0.0.0/24.
NODES: tuple[tuple[str, str, bool], ...] = (
    ("cp1", "10.0.0.201", True), ("cp2", "10.0.0.202", True), ("cp3", "10.0.0.203", True),
    ("w1", "10.0.0.211", False), ("w2", "10.0.0.212", False), ("w3", "10.0.0.213", False),
)
COMPONENTS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "volumes")


class PlaneError(RuntimeError):
    """The control plane could not be started, reached or stopped."""


# --- the network namespace ---


def netns_of(plane: str = "main") -> str:
    _check_name(plane)
    return NETNS if plane == "main" else f"{NETNS}-{plane}"


def _check_name(plane: str) -> None:
    if not _PLANE_NAME.fullmatch(plane):
        raise PlaneError(f"control plane name {plane!r}: lower-case letters and digits, at most 16")


def require_loopback_only() -> None:
    if not netns.loopback_only():
        raise PlaneError(
            "refusing to talk to the built-in control plane from a network namespace with interfaces "
            f"{', '.join(name for _, name in socket.if_nameindex())}: run inside "
            f"`ip netns exec {NETNS}` (invoke cluster.run -- CMD), where only lo exists")


def ensure_netns(name: str) -> None:
    """Create the namespace with lo up (idempotent), check that lo is all it has, route the pods' range to lo."""
    try:
        netns.ensure(name, local_routes=[POD_CIDR])
    except netns.NetnsError as err:
        raise PlaneError(str(err)) from err


def enter(plane: str = "main") -> None:
    """Move the calling thread, and what it starts from now on, into the plane's namespace."""
    name = netns_of(plane)
    ensure_netns(name)
    try:
        netns.enter(name)
    except netns.NetnsError as err:
        raise PlaneError(str(err)) from err


def current(root: Path | None = None) -> str:
    """The plane whose namespace the calling thread is in."""
    here = os.stat("/proc/thread-self/ns/net").st_ino
    for name in planes(root):
        path = Path("/run/netns", netns_of(name))
        if path.exists() and path.stat().st_ino == here:
            return name
    raise PlaneError("this thread is in no control plane's network namespace (plane.enter() one first)")


def in_netns(argv: Sequence[str], plane: str = "main") -> list[str]:
    return netns.command(argv, netns_of(plane))


# --- layout ---


def state_dir(root: Path | None = None, plane: str = "main") -> Path:
    return (root or repo_root()) / ".tools" / ("cluster" if plane == "main" else f"cluster-{plane}")


def kubeconfig(root: Path | None = None, plane: str = "main") -> Path:
    return state_dir(root, plane) / "kubeconfig"


def layout_of(root: Path | None = None, plane: str = "main") -> Layout:
    _check_name(plane)
    return Layout(state_dir(root, plane), plane)


@dataclass(frozen=True)
class Layout:
    root: Path
    plane: str = "main"

    @property
    def netns(self) -> str:
        return netns_of(self.plane)

    def port(self, base: int) -> int:
        return base

    @property
    def api_port(self) -> int:
        return self.port(API_PORT)

    def ports(self) -> list[int]:
        """What the plane listens on: etcd, apiserver, kwok, controller-manager, scheduler."""
        return [self.port(p) for p in (2379, 2380, API_PORT, KUBELET_PORT, 10257, 10259)]

    @property
    def pki(self) -> Path:
        return self.root / "pki"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def etcd_data(self) -> Path:
        return self.root / "etcd"

    def pidfile(self, component: str) -> Path:
        return self.run / f"{component}.pid"

    def kubeconfig(self, user: str) -> Path:
        return self.root / ("kubeconfig" if user == "admin" else f"{user}.kubeconfig")


# --- certificates (openssl) ---


def _openssl(*args: str, cwd: Path) -> None:
    proc = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise PlaneError(f"openssl {args[0]} failed: {proc.stderr.strip()}")


def _key(pki: Path, name: str) -> None:
    _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", f"{name}.key", cwd=pki)


def _ca(pki: Path, name: str, cn: str) -> None:
    _key(pki, name)
    _openssl("req", "-x509", "-new", "-key", f"{name}.key", "-subj", f"/CN={cn}", "-days", "3650",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
             "-out", f"{name}.crt", cwd=pki)


def _cert(pki: Path, name: str, subject: str, ca: str, ext: str) -> None:
    _key(pki, name)
    _openssl("req", "-new", "-key", f"{name}.key", "-subj", subject, "-out", f"{name}.csr", cwd=pki)
    (pki / f"{name}.ext").write_text(ext)
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key", "-CAcreateserial",
             "-days", "3650", "-extfile", f"{name}.ext", "-out", f"{name}.crt", cwd=pki)


_CLIENT = "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n"
_SERVER = ("keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"
           "subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,"
           "DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\n")


def _kubelet_cert(pki: Path) -> None:
    """The fake kubelets' serving certificate (kwok's server): every node's address and name, signed by
    the cluster CA, so metrics-server can verify the kubelets as on a cluster with serverTLSBootstrap."""
    if (pki / "kubelet.crt").exists():
        return
    sans = ",".join([f"IP:{ip}" for _, ip, _ in NODES] + [f"DNS:{name}" for name, _, _ in NODES])
    _cert(pki, "kubelet", "/O=system:nodes/CN=system:node:kwok", "ca",
          f"keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName={sans}\n")


def make_pki(pki: Path) -> None:
    """A cluster CA, the apiserver's serving cert, client certs, the front-proxy CA and the SA key pair."""
    if (pki / "done").exists():
        _kubelet_cert(pki)  # a plane made before the fake kubelets served TLS
        return
    pki.mkdir(parents=True, exist_ok=True)
    _ca(pki, "ca", "chartops-cluster-ca")
    _ca(pki, "front-proxy-ca", "chartops-front-proxy-ca")
    _cert(pki, "apiserver", "/CN=kube-apiserver", "ca", _SERVER)
    _cert(pki, "admin", "/O=system:masters/CN=kubernetes-admin", "ca", _CLIENT)
    _cert(pki, "apiserver-kubelet-client", "/O=kubeadm:cluster-admins/CN=kube-apiserver-kubelet-client", "ca",
          _CLIENT)
    _cert(pki, "controller-manager", "/CN=system:kube-controller-manager", "ca", _CLIENT)
    _cert(pki, "scheduler", "/CN=system:kube-scheduler", "ca", _CLIENT)
    _cert(pki, "front-proxy-client", "/CN=front-proxy-client", "front-proxy-ca", _CLIENT)
    _kubelet_cert(pki)
    _key(pki, "sa")
    _openssl("pkey", "-in", "sa.key", "-pubout", "-out", "sa.pub", cwd=pki)
    (pki / "done").write_text("")


def write_kubeconfig(path: Path, pki: Path, user: str, api_port: int = API_PORT) -> None:
    config = {
        "apiVersion": "v1", "kind": "Config", "current-context": "chartops",
        "clusters": [{"name": "chartops", "cluster": {
            "server": f"https://127.0.0.1:{api_port}", "certificate-authority": str(pki / "ca.crt")}}],
        "users": [{"name": user, "user": {
            "client-certificate": str(pki / f"{user}.crt"), "client-key": str(pki / f"{user}.key")}}],
        "contexts": [{"name": "chartops", "context": {"cluster": "chartops", "user": user}}],
    }
    path.write_text(json.dumps(config, indent=2) + "\n")


# --- processes ---


def plan(root: Path | None = None, plane: str = "main") -> list[list[str]]:
    """Every command `up` runs, for `invoke --dry`."""
    return [in_netns(argv, plane) for argv in commands(layout_of(root, plane), root).values()]


def commands(layout: Layout, root: Path | None = None) -> dict[str, list[str]]:
    """The command line of each component, in start order."""
    pki = layout.pki

    def tool(name: str) -> str:
        return str(builds.TOOLS[name].binary(root))

    peer, client = f"http://127.0.0.1:{layout.port(2380)}", f"http://127.0.0.1:{layout.port(2379)}"
    return {
        "etcd": [ETCD_BINARY, "--name", "chartops", "--data-dir", str(layout.etcd_data),
                 "--listen-client-urls", client, "--advertise-client-urls", client,
                 "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                 "--initial-cluster", f"chartops={peer}", "--log-level", "warn"],
        "kube-apiserver": [
            tool("kube-apiserver"), "--etcd-servers", client,
            "--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1", "--secure-port", str(layout.api_port),
            # the lease/endpoint reconciler cannot advertise a loopback address
            "--endpoint-reconciler-type", "none",
            "--service-cluster-ip-range", SERVICE_CIDR,
            "--authorization-mode", "Node,RBAC", "--allow-privileged=true",
            "--enable-admission-plugins", "NodeRestriction",
            "--client-ca-file", f"{pki}/ca.crt",
            "--tls-cert-file", f"{pki}/apiserver.crt", "--tls-private-key-file", f"{pki}/apiserver.key",
            "--kubelet-client-certificate", f"{pki}/apiserver-kubelet-client.crt",
            "--kubelet-client-key", f"{pki}/apiserver-kubelet-client.key",
            "--service-account-key-file", f"{pki}/sa.pub", "--service-account-signing-key-file", f"{pki}/sa.key",
            "--service-account-issuer", ISSUER, "--api-audiences", ISSUER,
            "--requestheader-client-ca-file", f"{pki}/front-proxy-ca.crt",
            "--requestheader-allowed-names", "front-proxy-client",
            "--requestheader-username-headers", "X-Remote-User", "--requestheader-group-headers", "X-Remote-Group",
            "--requestheader-extra-headers-prefix", "X-Remote-Extra-",
            "--proxy-client-cert-file", f"{pki}/front-proxy-client.crt",
            "--proxy-client-key-file", f"{pki}/front-proxy-client.key",
            # webhooks and APIServices are dialed at the endpoint (pod IP:targetPort), not the ClusterIP
            "--enable-aggregator-routing=true",
            "--profiling=false"],
        "kube-controller-manager": [
            tool("kube-controller-manager"),
            *_component_auth(layout, "controller-manager"), "--bind-address", "127.0.0.1",
            "--secure-port", str(layout.port(10257)),
            "--use-service-account-credentials=true",
            "--service-account-private-key-file", f"{pki}/sa.key", "--root-ca-file", f"{pki}/ca.crt",
            "--cluster-signing-cert-file", f"{pki}/ca.crt", "--cluster-signing-key-file", f"{pki}/ca.key",
            "--controllers", "*,bootstrapsigner,tokencleaner", "--leader-elect=false", "--profiling=false"],
        "kube-scheduler": [tool("kube-scheduler"), *_component_auth(layout, "scheduler"),
                           "--bind-address", "127.0.0.1", "--secure-port", str(layout.port(10259)),
                           "--leader-elect=false", "--profiling=false"],
        "kwok": [tool("kwok"), "--kubeconfig", str(layout.kubeconfig("admin")),
                 "--manage-all-nodes=false", "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
                 "--manage-nodes-with-label-selector=", "--cidr", POD_CIDR, "--node-ip", NODES[0][1],
                 "--server-address", f"127.0.0.1:{layout.port(KUBELET_PORT)}", "--node-port", str(KUBELET_PORT),
                 "--tls-cert-file", f"{pki}/kubelet.crt", "--tls-private-key-file", f"{pki}/kubelet.key",
                 "--config", str(layout.root / "kwok.yaml"),
                 # leases keep the nodes Ready; without them the node controller marks them NotReady
                 # between kwok's status heartbeats and flips every pod's Ready condition to False
                 "--node-lease-duration-seconds=40"],
        # kwok's nodes have no storage: a stand-in binds each Pending claim to a hostPath PV
        "volumes": [sys.executable, "-m", "chartops.testbed.volumes", "--kubeconfig", str(layout.kubeconfig("admin"))],
    }


def _component_auth(layout: Layout, user: str) -> list[str]:
    kc = str(layout.kubeconfig(user))
    return ["--kubeconfig", kc, "--authentication-kubeconfig", kc, "--authorization-kubeconfig", kc]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie child of ours counts as gone
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ", 1)[-1][:1] != "Z"


def _pid(layout: Layout, component: str) -> int | None:
    try:
        pid = int(layout.pidfile(component).read_text())
    except (OSError, ValueError):
        return None
    return pid if _alive(pid) else None


def _start(layout: Layout, component: str, argv: list[str]) -> None:
    log = (layout.logs / f"{component}.log").open("ab")
    proc = subprocess.Popen(in_netns(argv, layout.plane), stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True, cwd=layout.root)
    layout.pidfile(component).write_text(str(proc.pid))


# --- readiness ---


def _kubectl(layout: Layout, *args: str, stdin: str | None = None, root: Path | None = None,
             check: bool = True) -> subprocess.CompletedProcess[str]:
    argv = in_netns([str(builds.path("kubectl", root)), "--kubeconfig", str(layout.kubeconfig("admin")), *args],
                    layout.plane)
    proc = subprocess.run(argv, input=stdin, capture_output=True, text=True, check=False, timeout=120)
    if check and proc.returncode != 0:
        raise PlaneError(f"kubectl {' '.join(args)}: {proc.stderr.strip()}")
    return proc


def _wait(what: str, ready: Callable[[], bool], timeout: float, layout: Layout) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.3)
    raise PlaneError(f"{what} not ready after {timeout:.0f} s; logs in {layout.logs}")


def _pod_metric(name: str, kind: str, value: str, per_container: bool) -> dict[str, object]:
    labels = [{"name": "namespace", "value": "pod.metadata.namespace"}, {"name": "pod", "value": "pod.metadata.name"}]
    if per_container:
        labels.insert(0, {"name": "container", "value": "container.name"})
    return {"name": name, "dimension": "container" if per_container else "pod", "kind": kind, "labels": labels,
            "value": value}


# kwok's simulated kubelet resource metrics (the Prometheus text metrics-server parses from a kubelet's
# /metrics/resource), with each pod's usage taken from its annotations kwok.x-k8s.io/usage-cpu and
# kwok.x-k8s.io/usage-memory (1m and 1Mi without them); a node's usage is its pods'.
KWOK_CONFIG = "---\n".join(json.dumps(doc) + "\n" for doc in (
    {"apiVersion": "kwok.x-k8s.io/v1alpha1", "kind": "Metric", "metadata": {"name": "kubelet-resource-metrics"},
     "spec": {"path": "/metrics/nodes/{nodeName}/metrics/resource", "metrics": [
         {"name": "scrape_error", "dimension": "node", "kind": "gauge", "value": "0"},
         {"name": "node_cpu_usage_seconds_total", "dimension": "node", "kind": "counter",
          "value": 'node.CumulativeUsage("cpu")'},
         {"name": "node_memory_working_set_bytes", "dimension": "node", "kind": "gauge",
          "value": 'node.Usage("memory")'},
         _pod_metric("container_start_time_seconds", "gauge", "pod.SinceSecond()", True),
         _pod_metric("container_cpu_usage_seconds_total", "counter",
                     'pod.CumulativeUsage("cpu", container.name)', True),
         _pod_metric("container_memory_working_set_bytes", "gauge", 'pod.Usage("memory", container.name)', True),
         _pod_metric("pod_cpu_usage_seconds_total", "counter", 'pod.CumulativeUsage("cpu")', False),
         _pod_metric("pod_memory_working_set_bytes", "gauge", 'pod.Usage("memory")', False)]}},
    {"apiVersion": "kwok.x-k8s.io/v1alpha1", "kind": "ClusterResourceUsage",
     "metadata": {"name": "usage-from-annotations"},
     "spec": {"usages": [{"usage": {
         resource: {"expression": f'"kwok.x-k8s.io/usage-{resource}" in pod.metadata.annotations ? '
                                  f'Quantity(pod.metadata.annotations["kwok.x-k8s.io/usage-{resource}"]) : '
                                  f'Quantity("{default}")'}
         for resource, default in (("cpu", "1m"), ("memory", "1Mi"))}}]}},
))


def node_manifest() -> str:
    items = []
    for name, ip, control_plane in NODES:
        labels = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
                  "type": "kwok"}
        taints = []
        if control_plane:
            labels["node-role.kubernetes.io/control-plane"] = ""
            labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
            taints = [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]
        capacity = {"cpu": "4", "memory": "16Gi", "pods": "110", "ephemeral-storage": "100Gi"}
        items.append({
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": labels, "annotations": {
                "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0",
                # where metrics-server finds this node's resource metrics on kwok's server
                "metrics.k8s.io/resource-metrics-path": f"/metrics/nodes/{name}/metrics/resource"}},
            "spec": {"taints": taints},
            "status": {"allocatable": capacity, "capacity": capacity,
                       "addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}]},
        })
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": items})


# --- the public operations ---


@dataclass(frozen=True)
class Status:
    running: dict[str, int | None]
    ready: bool

    def describe(self) -> str:
        lines = [f"{name:<24} {'pid ' + str(pid) if pid else 'stopped'}" for name, pid in self.running.items()]
        lines.append(f"apiserver /readyz: {'ok' if self.ready else 'not ready'}")
        return "\n".join(lines)


def status(root: Path | None = None, plane: str = "main") -> Status:
    layout = layout_of(root, plane)
    running = {c: _pid(layout, c) for c in COMPONENTS}
    ready = False
    if running["kube-apiserver"] and netns.exists(layout.netns):
        probe = in_netns(["python3", "-c", _READYZ_PROBE, str(layout.pki), str(layout.api_port)], plane)
        ready = subprocess.run(probe, capture_output=True, check=False).returncode == 0
    return Status(running, ready)


# /readyz from inside the namespace (status may be asked from outside it)
_READYZ_PROBE = """
import ssl, sys, urllib.request
pki, port = sys.argv[1], sys.argv[2]
ctx = ssl.create_default_context(cafile=pki + "/ca.crt")
ctx.load_cert_chain(pki + "/admin.crt", pki + "/admin.key")
urllib.request.urlopen("https://127.0.0.1:" + port + "/readyz", context=ctx, timeout=10)
"""


_LOCKS: dict[Path, FileLock] = {}


def _lock(layout: Layout) -> FileLock:
    """One starter or stopper of a plane at a time (test workers share it); reentrant in a process."""
    path = layout.root.with_name(layout.root.name + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    return _LOCKS.setdefault(path, FileLock(str(path)))


def up(root: Path | None = None, fresh: bool = False, timeout: float = 90.0, plane: str = "main") -> Status:
    """Start whatever is not running (all of it with `fresh`, from an empty etcd). Idempotent."""
    with _lock(layout_of(root, plane)):
        return _up(root, fresh, timeout, plane)


def _up(root: Path | None, fresh: bool, timeout: float, plane: str) -> Status:
    layout = layout_of(root, plane)
    if fresh:
        down(root, wipe=True, plane=plane)
    current = status(root, plane)
    if all(current.running.values()):
        # every process runs: a slow /readyz (a loaded machine) is waited for, never "fixed" by a
        # restart that would pull the plane from under the tests using it
        deadline = time.monotonic() + timeout
        while not current.ready and time.monotonic() < deadline and all(current.running.values()):
            time.sleep(1)
            current = status(root, plane)
        if current.ready:
            return current
    if any(current.running.values()):
        down(root, plane=plane)  # a partial plane: start over with the data kept
    ensure_netns(layout.netns)
    for name in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "kubectl"):
        builds.path(name, root)  # raises when `invoke tools` has not built it
    for binary in (ETCD_BINARY, "openssl"):
        if shutil.which(binary) is None:
            raise PlaneError(f"{binary} is missing: run `invoke tools` (Debian packages etcd-server, openssl)")
    deadline = time.monotonic() + 20  # a plane just stopped may hold its ports a moment longer
    while (busy := sorted(set(netns.listening(layout.netns)) & set(layout.ports()))) and time.monotonic() < deadline:
        time.sleep(0.2)
    if busy:
        raise PlaneError(f"ports {busy} are taken inside network namespace {layout.netns}: another control plane "
                         f"(another checkout's?) runs there; stop it with its `invoke cluster.down`")
    for d in (layout.logs, layout.run):
        d.mkdir(parents=True, exist_ok=True)
    make_pki(layout.pki)
    (layout.root / "kwok.yaml").write_text(KWOK_CONFIG)
    for user in ("admin", "controller-manager", "scheduler"):
        write_kubeconfig(layout.kubeconfig(user), layout.pki, user, layout.api_port)
    cmds = commands(layout, root)
    started = time.monotonic()
    _start(layout, "etcd", cmds["etcd"])
    _start(layout, "kube-apiserver", cmds["kube-apiserver"])
    probe = in_netns(["python3", "-c", _READYZ_PROBE, str(layout.pki), str(layout.api_port)], plane)

    def api_ready() -> bool:
        if not _pid(layout, "kube-apiserver"):
            raise PlaneError(f"kube-apiserver exited; see {layout.logs / 'kube-apiserver.log'}")
        return subprocess.run(probe, capture_output=True, check=False).returncode == 0

    _wait("kube-apiserver", api_ready, timeout, layout)
    for component in ("kube-controller-manager", "kube-scheduler", "kwok", "volumes"):
        _start(layout, component, cmds[component])
    _kubectl(layout, "apply", "--server-side", "--field-manager", "chartops-cluster", "-f", "-",
             stdin=node_manifest(), root=root)

    def nodes_ready() -> bool:
        out = _kubectl(layout, "get", "nodes", "-o", "json", root=root, check=False).stdout
        try:
            items = json.loads(out)["items"]
        except (ValueError, KeyError):
            return False
        ready = [n for n in items for c in n.get("status", {}).get("conditions", [])
                 if c["type"] == "Ready" and c["status"] == "True"]
        return len(ready) == len(NODES)

    def default_sa() -> bool:
        return _kubectl(layout, "get", "serviceaccount", "default", "-n", "default", root=root,
                        check=False).returncode == 0

    _wait("six kwok nodes", nodes_ready, timeout, layout)
    _wait("the default ServiceAccount (controller-manager)", default_sa, timeout, layout)
    result = status(root, plane)
    (layout.run / "started-in").write_text(f"{time.monotonic() - started:.1f}\n")
    return result


def down(root: Path | None = None, wipe: bool = False, plane: str = "main") -> None:
    """Stop every component (reverse order), strays of an earlier start included; with `wipe`,
    forget etcd's data too."""
    layout = layout_of(root, plane)
    with _lock(layout):
        _down(layout, wipe)


def _strays(layout: Layout) -> list[int]:
    """Component processes whose command line names this plane's state directory (after the pid files' ones
    are stopped: strays of a start whose pid files were overwritten)."""
    marker = str(layout.root) + "/"
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        argv0 = Path(cmdline.split(" ", 1)[0]).name
        component = argv0 in COMPONENTS or argv0 == ETCD_BINARY or "-m chartops.testbed.volumes" in cmdline
        if marker in cmdline and component:
            found.append(int(proc.name))
    return found


def _down(layout: Layout, wipe: bool) -> None:
    for component in reversed(COMPONENTS):
        pid = _pid(layout, component)
        if pid:
            os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for component in reversed(COMPONENTS):
        pid = _pid(layout, component)
        while pid and _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if pid and _alive(pid):
            os.killpg(pid, signal.SIGKILL)
        layout.pidfile(component).unlink(missing_ok=True)
    for pid in _strays(layout):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if wipe:
        shutil.rmtree(layout.etcd_data, ignore_errors=True)


# --- clients ---


def bin_dir(root: Path | None = None) -> Path:
    """kubectl of the server's minor, helm and ct side by side, for PATH inside the namespace."""
    return state_dir(root) / "bin"


def link_clients(helm: Path, root: Path | None = None) -> Path:
    target = bin_dir(root)
    target.mkdir(parents=True, exist_ok=True)
    for name, binary in (("kubectl", builds.path("kubectl", root)), ("ct", builds.path("ct", root)),
                         ("kwok", builds.path("kwok", root)), ("helm", helm)):
        link, want = target / name, binary.resolve()
        if link.is_symlink() and Path(os.readlink(link)) == want:
            continue
        # a new link under a name of its own, renamed over the old one: the xdist workers and `invoke test`
        # link at the same time, and a client must never find the name missing
        fresh = target / f".{name}.{os.getpid()}.{threading.get_ident()}"
        fresh.unlink(missing_ok=True)
        fresh.symlink_to(want)
        os.replace(fresh, link)
    return target


def client_env(root: Path | None = None, plane: str = "main") -> dict[str, str]:
    """What a client inside the namespace needs: the kubeconfig and the pinned clients first on PATH."""
    return {"KUBECONFIG": str(kubeconfig(root, plane)), "PATH": f"{bin_dir(root)}:{os.environ.get('PATH', '')}"}


def wrap(argv: Sequence[str], root: Path | None = None, plane: str = "main") -> list[str]:
    """argv run inside the plane's namespace as a client of it."""
    return in_netns(["env", *(f"{k}={v}" for k, v in client_env(root, plane).items()), *argv], plane)


def running(root: Path | None = None, plane: str = "main") -> bool:
    """Whether any of the plane's processes is alive (no /readyz probe: cheap)."""
    layout = layout_of(root, plane)
    return any(_pid(layout, c) for c in COMPONENTS)


@contextmanager
def stopping_started(root: Path | None = None, keep: bool = False) -> Iterator[list[str]]:
    """Around a test run: on the way out (failures and interrupts too), stop every plane that was
    not running on the way in, i.e. the ones the run started, unless `keep`. Yields the list the
    stopped (or, with `keep`, the kept) planes' names are put in."""
    before = {name for name in planes(root) if running(root, name)}
    touched: list[str] = []
    try:
        yield touched
    finally:
        touched += [name for name in planes(root) if name not in before and running(root, name)]
        if not keep:
            for name in touched:
                down(root, plane=name)


def planes(root: Path | None = None) -> list[str]:
    """The planes that have state in this checkout (running or not)."""
    base = state_dir(root)
    found = ["main"] if base.is_dir() else []
    found += sorted(d.name.removeprefix("cluster-") for d in base.parent.glob("cluster-*")
                    if d.is_dir() and _PLANE_NAME.fullmatch(d.name.removeprefix("cluster-")))
    return found
