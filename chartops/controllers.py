"""The charts' real controllers, built from Go modules and run against the built-in control plane.

Each controller is built from a small module under `tools/controllers/<name>/` that pins the
upstream module at the chart's appVersion, and cached as `.tools/controllers/<name>-<version>/`.

`start()` runs one the way a kubelet would run the chart's container, from the live fake Pod
that kwok made out of the chart's Deployment: argv = command + args (with `$(VAR)` expanded),
env with fieldRefs resolved from that Pod, and its volumes (ConfigMaps, Secrets, the projected
ServiceAccount token with the cluster CA) materialised from the live objects and bind-mounted
at their mountPaths. So a change to the chart is a change to what runs.

Each controller gets its own network namespace (only `lo`, holding the pod's IP) and its own
mount namespace. Inside, 127.0.0.1:6443 is relayed to the apiserver; outside, in the
loopback-only `chartops` namespace where the fake pods' range is routed to `lo`, connections
to the pod's IP and a port of the container are relayed to the controller. That is how the
apiserver's webhook calls (dialed at pod IP:targetPort with --enable-aggregator-routing) land
on the real webhook servers, and why two controllers that both serve :9443 do not collide.
No namespace involved has any interface but `lo`, so nothing reaches another host.
"""

from __future__ import annotations

import base64
import ctypes
import json
import os
import re
import select
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from chartops import gotools
from chartops.paths import repo_root

Obj = dict[str, Any]


class ControllerError(RuntimeError):
    """A controller could not be built, started or reached."""


# --- what is built ---


@dataclass(frozen=True)
class Controller:
    name: str  # tools/controllers/<name>, and the binary's name
    chart: str  # the chart whose appVersion pins it
    module: str  # the upstream Go module
    package: str  # its main package
    container: str  # the chart's container that runs it
    ldflags: tuple[str, ...] = ()  # "-X pkg.var={version}" as the upstream Makefile sets them

    def version(self, root: Path | None = None) -> str:
        """The chart's appVersion, with the module's leading `v`."""
        chart = yaml.safe_load((charts_root(root) / self.chart / "Chart.yaml").read_text())
        version = str(chart["appVersion"])
        return version if version.startswith("v") else f"v{version}"

    def pinned(self, root: Path | None = None) -> str:
        """The version tools/controllers/<name>/go.mod requires."""
        gomod = (module_dir(self, root) / "go.mod").read_text()
        found = re.search(rf"^\s*(?:require\s+)?{re.escape(self.module)} (v\S+)", gomod, re.M)
        if not found:
            raise ControllerError(f"tools/controllers/{self.name}/go.mod does not require {self.module}")
        return found.group(1)

    def binary(self, root: Path | None = None) -> Path:
        return cache_dir(root) / f"{self.name}-{self.version(root)}" / self.name


CONTROLLERS: dict[str, Controller] = {
    c.name: c
    for c in (
        Controller("metallb", "metallb", "go.universe.tf/metallb", "go.universe.tf/metallb/controller", "controller"),
        Controller("coredns", "coredns", "github.com/coredns/coredns", "github.com/coredns/coredns", "coredns"),
        Controller("eck", "eck-operator", "github.com/elastic/cloud-on-k8s/v3",
                   "github.com/elastic/cloud-on-k8s/v3/cmd", "manager",
                   ("-X github.com/elastic/cloud-on-k8s/v3/pkg/about.version={bare}",
                    "-X github.com/elastic/cloud-on-k8s/v3/pkg/about.buildSnapshot=false")),
    )
}

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


def charts_root(root: Path | None = None) -> Path:
    return (root or repo_root()) / "charts"


def module_dir(controller: Controller, root: Path | None = None) -> Path:
    return (root or repo_root()) / "tools" / "controllers" / controller.name


def cache_dir(root: Path | None = None) -> Path:
    return (root or repo_root()) / ".tools" / "controllers"


def build(controller: Controller, root: Path | None = None, log: bool = True) -> Path:
    """Build one controller at its chart's appVersion unless the cached binary exists."""
    root = root or repo_root()
    version, pinned = controller.version(root), controller.pinned(root)
    if version != pinned:
        raise ControllerError(f"charts/{controller.chart} has appVersion {version} but tools/controllers/"
                              f"{controller.name}/go.mod pins {controller.module} {pinned}: update the module "
                              f"(go get {controller.module}@{version} && go mod tidy)")
    ldflags = tuple(f.format(version=version, bare=version.lstrip("v")) for f in controller.ldflags)
    tool = gotools.GoTool(controller.name, version, f"controllers/{controller.name}", controller.package, ldflags)
    try:
        return gotools.build(tool, root, log, target=controller.binary(root))
    except gotools.GoToolError as err:
        raise ControllerError(str(err)) from err


def build_all(root: Path | None = None, log: bool = True) -> dict[str, Path]:
    """Every buildable controller, one at a time (each is a CPU-heavy build)."""
    return {name: build(c, root, log) for name, c in CONTROLLERS.items()}


def binary(name: str, root: Path | None = None) -> Path:
    """The cached binary; raises when it has not been built."""
    path = CONTROLLERS[name].binary(root)
    if not path.is_file():
        raise ControllerError(f"{name} is not built: run chartops.controllers.build_all() (invoke tools)")
    return path


# --- network namespaces: sockets made in one namespace, used from anywhere ---

_CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)
_HOME: list[int] = []  # fd of this process's network namespace (the cluster's)


def home_netns() -> int:
    if not _HOME:
        _HOME.append(os.open("/proc/self/ns/net", os.O_RDONLY | os.O_CLOEXEC))
    return _HOME[0]


def in_netns(fd: int, fn: Callable[[], Any]) -> Any:
    """Run fn in a fresh thread switched into the network namespace `fd`; sockets it makes stay there."""
    result: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        if _libc.setns(fd, _CLONE_NEWNET) != 0:
            errors.append(OSError(ctypes.get_errno(), "setns(CLONE_NEWNET) failed"))
            return
        try:
            result.append(fn())
        except BaseException as err:  # re-raised in the caller
            errors.append(err)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


def _listen(fd: int, addr: tuple[str, int], kind: int = socket.SOCK_STREAM, reuseport: bool = False) -> socket.socket:
    def make() -> socket.socket:
        sock = socket.socket(socket.AF_INET, kind)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuseport:  # beside a server on the wildcard address that sets it too (CoreDNS does)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(addr)
        if kind == socket.SOCK_STREAM:
            sock.listen(64)
        sock.settimeout(0.5)
        return sock

    return in_netns(fd, make)  # type: ignore[no-any-return]


def _connect(fd: int, addr: tuple[str, int], deadline: float) -> socket.socket | None:
    """A connection made in namespace fd, retried until deadline (the server may still be starting)."""

    def make() -> socket.socket | None:
        while True:
            try:
                return socket.create_connection(addr, timeout=2)
            except OSError:
                if time.monotonic() > deadline:
                    return None
                time.sleep(0.1)

    return in_netns(fd, make)  # type: ignore[no-any-return]


def _pump(a: socket.socket, b: socket.socket, stop: threading.Event) -> None:
    """Copy bytes both ways until both sides are done (or stop)."""
    socks = [a, b]
    try:
        for s in socks:
            s.setblocking(True)
        open_ = {a: True, b: True}
        while any(open_.values()) and not stop.is_set():
            readable, _, _ = select.select([s for s in socks if open_[s]], [], [], 0.5)
            for src in readable:
                dst = b if src is a else a
                data = src.recv(65536)
                if data:
                    dst.sendall(data)
                else:
                    open_[src] = False
                    with suppress(OSError):
                        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    finally:
        for s in socks:
            s.close()


class Relays:
    """TCP/UDP relays between namespaces, all stopped together."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.sockets: list[socket.socket] = []

    def _thread(self, fn: Callable[[], None]) -> None:
        threading.Thread(target=fn, daemon=True).start()

    def tcp(self, listener: socket.socket, target: Callable[[socket.socket], tuple[int, tuple[str, int]] | None],
            wait: float = 9.0, connected: Callable[[tuple[str, int]], None] | None = None) -> None:
        """Accept on listener; connect each connection to target(conn) = (netns fd, address)."""
        self.sockets.append(listener)

        def serve(conn: socket.socket) -> None:
            where = target(conn)
            out = _connect(where[0], where[1], time.monotonic() + wait) if where else None
            if out is None or where is None:
                conn.close()
                return
            if connected:
                connected(where[1])
            _pump(conn, out, self.stop)

        def accept() -> None:
            while not self.stop.is_set():
                try:
                    conn, _ = listener.accept()
                except TimeoutError:
                    continue
                except OSError:
                    return
                self._thread(lambda c=conn: serve(c))  # type: ignore[misc]

        self._thread(accept)

    def udp(self, listener: socket.socket, fd: int, addr: tuple[str, int]) -> None:
        """Relay each datagram to addr in namespace fd and the answer back."""
        self.sockets.append(listener)

        def answer(data: bytes, client: tuple[str, int]) -> None:
            def ask() -> bytes | None:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                    s.settimeout(5)
                    s.sendto(data, addr)
                    try:
                        return s.recv(65536)
                    except OSError:
                        return None

            reply = in_netns(fd, ask)
            if reply is not None:
                with suppress(OSError):
                    listener.sendto(reply, client)

        def loop() -> None:
            while not self.stop.is_set():
                try:
                    data, client = listener.recvfrom(65536)
                except TimeoutError:
                    continue
                except OSError:
                    return
                self._thread(lambda d=data, c=client: answer(d, c))  # type: ignore[misc]

        self._thread(loop)

    def close(self) -> None:
        self.stop.set()
        for s in self.sockets:
            with suppress(OSError):
                s.close()


class PodNetwork:
    """The fake pods' addresses in the cluster's namespace, relayed to the controllers' namespaces.

    One listener per port on 0.0.0.0 (the pod CIDR is routed to lo), opened as soon as a workload's
    ports are known, so a webhook call that comes before the controller is up waits for it instead
    of being refused: kwok reports the pod Ready at once, where a kubelet would wait for the probe.
    """

    # A kubelet marks a pod Ready only at its first passing readiness probe, seconds after the
    # server came up; kwok marks it Ready at once. So a port is used only once it has accepted
    # connections for SETTLE seconds: a webhook server that has just written its caBundle would
    # otherwise be called before the apiserver has seen that caBundle.
    SETTLE = 2.0

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.pods: dict[str, int | None] = {}  # pod IP -> its controller's netns fd (None: starting)
        self.ports: dict[int, tuple[int, Relays]] = {}  # TCP port -> (users, relay)
        self.up_since: dict[tuple[str, int], float] = {}

    def open(self, ports: Sequence[int]) -> None:
        with self.lock:
            for port in ports:
                users, relays = self.ports.get(port, (0, Relays()))
                if users == 0:
                    relays = Relays()
                    relays.tcp(_listen(home_netns(), ("0.0.0.0", port)),
                               lambda conn, p=port: self._route(conn, p), connected=self._settle)  # type: ignore[misc]
                self.ports[port] = (users + 1, relays)

    def close(self, ports: Sequence[int]) -> None:
        with self.lock:
            for port in ports:
                users, relays = self.ports[port]
                if users <= 1:
                    relays.close()
                    del self.ports[port]
                else:
                    self.ports[port] = (users - 1, relays)

    def register(self, ip: str, fd: int) -> None:
        with self.lock:
            self.pods[ip] = fd
            self.lock.notify_all()

    def forget(self, ip: str) -> None:
        with self.lock:
            self.pods.pop(ip, None)
            self.up_since = {k: v for k, v in self.up_since.items() if k[0] != ip}
            self.lock.notify_all()

    def _settle(self, addr: tuple[str, int]) -> None:
        with self.lock:
            since = self.up_since.setdefault(addr, time.monotonic())
        time.sleep(max(0.0, since + self.SETTLE - time.monotonic()))

    def _route(self, conn: socket.socket, port: int) -> tuple[int, tuple[str, int]] | None:
        ip = conn.getsockname()[0]
        with self.lock:
            # the harness may not have seen the pod's IP yet: wait as long as the apiserver does
            self.lock.wait_for(lambda: self.pods.get(ip) is not None, timeout=9)
            fd = self.pods.get(ip)
        return (fd, (ip, port)) if fd is not None else None


POD_NETWORK = PodNetwork()


# --- the API, as the harness (playing the kubelet) sees it ---


class Api:
    """A few raw REST calls with a kubeconfig's credentials (the admin's by default)."""

    def __init__(self, kubeconfig: Path | str | None = None) -> None:
        import ssl

        from kubernetes import client, config

        path = kubeconfig or os.environ.get("KUBECONFIG") or str(repo_root() / ".tools" / "cluster" / "kubeconfig")
        cfg = client.Configuration()
        config.load_kube_config(config_file=str(path), client_configuration=cfg)  # type: ignore[no-untyped-call]
        self.host = str(cfg.host)
        self.headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if cfg.api_key.get("authorization"):
            self.headers["Authorization"] = str(cfg.api_key["authorization"])
        self.ssl = ssl.create_default_context(cafile=cfg.ssl_ca_cert)
        if cfg.cert_file:
            self.ssl.load_cert_chain(cfg.cert_file, cfg.key_file)

    def call(self, method: str, path: str, body: Any = None, query: Sequence[tuple[str, str]] = ()) -> Any:
        import urllib.error
        import urllib.parse
        import urllib.request

        url = self.host + path + (f"?{urllib.parse.urlencode(list(query))}" if query else "")
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method, headers=self.headers)
        try:
            with urllib.request.urlopen(req, context=self.ssl, timeout=30) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as err:
            if err.code == 404:
                return None
            raise ControllerError(f"{method} {path}: {err.code} {err.read().decode(errors='replace')}") from err

    def get(self, path: str, **query: str) -> Any:
        return self.call("GET", path, query=list(query.items()))


_WORKLOADS = {"Deployment": "deployments", "StatefulSet": "statefulsets", "DaemonSet": "daemonsets"}


def _wait_for(what: str, fn: Callable[[], Any], timeout: float, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = fn()
        if found:
            return found
        if time.monotonic() > deadline:
            raise ControllerError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def _live_pod(api: Api, namespace: str, selector: Mapping[str, str]) -> Obj | None:
    sel = ",".join(f"{k}={v}" for k, v in selector.items())
    pods = api.get(f"/api/v1/namespaces/{namespace}/pods", labelSelector=sel)["items"]
    live = [p for p in pods if p.get("status", {}).get("podIP") and not p["metadata"].get("deletionTimestamp")]
    live.sort(key=lambda p: p["metadata"]["creationTimestamp"])
    return live[-1] if live else None


# --- what a kubelet would give the container ---


def field_value(pod: Obj, path: str) -> str:
    """A downward-API fieldPath of the pod."""
    meta, spec, status = pod["metadata"], pod["spec"], pod.get("status", {})
    keyed = re.fullmatch(r"metadata\.(labels|annotations)\['(.+)'\]", path)
    if keyed:
        return str(meta.get(keyed.group(1), {}).get(keyed.group(2), ""))
    simple = {
        "metadata.name": meta["name"], "metadata.namespace": meta["namespace"], "metadata.uid": meta["uid"],
        "spec.nodeName": spec.get("nodeName", ""), "spec.serviceAccountName": spec.get("serviceAccountName", ""),
        "status.podIP": status.get("podIP", ""), "status.hostIP": status.get("hostIP", ""),
        "status.podIPs": ",".join(i["ip"] for i in status.get("podIPs", [])),
        "status.hostIPs": ",".join(i["ip"] for i in status.get("hostIPs", [])),
    }
    if path not in simple:
        raise ControllerError(f"fieldRef {path} is not supported by the harness")
    return str(simple[path])


_VAR_REF = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")


def expand(text: str, env: Mapping[str, str]) -> str:
    """Kubernetes' $(VAR) expansion in env values, command and args ($$ escapes)."""
    def sub(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        return env.get(m.group(1), m.group(0))

    return _VAR_REF.sub(sub, text)


def _object_data(api: Api, kind: str, namespace: str, name: str) -> dict[str, bytes] | None:
    path = f"/api/v1/namespaces/{namespace}/{'secrets' if kind == 'secret' else 'configmaps'}/{name}"
    obj = api.get(path)
    if obj is None:
        return None
    data: dict[str, bytes] = {}
    if kind == "secret":
        data = {k: base64.b64decode(v) for k, v in (obj.get("data") or {}).items()}
    else:
        data = {k: v.encode() for k, v in (obj.get("data") or {}).items()}
        data |= {k: base64.b64decode(v) for k, v in (obj.get("binaryData") or {}).items()}
    return data


def container_env(api: Api, pod: Obj, container: Obj, api_port: int) -> dict[str, str]:
    namespace = pod["metadata"]["namespace"]
    env: dict[str, str] = {}
    for source in container.get("envFrom") or []:
        kind, ref = ("secret", source["secretRef"]) if "secretRef" in source else ("configMap", source["configMapRef"])
        data = _object_data(api, kind, namespace, ref["name"])
        if data is None and not ref.get("optional"):
            raise ControllerError(f"envFrom {kind} {ref['name']} does not exist")
        env |= {source.get("prefix", "") + k: v.decode() for k, v in (data or {}).items()}
    for var in container.get("env") or []:
        if "valueFrom" not in var:
            env[var["name"]] = expand(var.get("value", ""), env)
            continue
        frm = var["valueFrom"]
        if "fieldRef" in frm:
            env[var["name"]] = field_value(pod, frm["fieldRef"]["fieldPath"])
        elif "secretKeyRef" in frm or "configMapKeyRef" in frm:
            kind = "secret" if "secretKeyRef" in frm else "configMap"
            ref = frm["secretKeyRef" if kind == "secret" else "configMapKeyRef"]
            data = _object_data(api, kind, namespace, ref["name"]) or {}
            if ref["key"] in data:
                env[var["name"]] = data[ref["key"]].decode()
            elif not ref.get("optional"):
                raise ControllerError(f"env {var['name']}: {kind} {ref['name']} has no key {ref['key']}")
        else:
            raise ControllerError(f"env {var['name']}: {sorted(frm)} is not supported by the harness")
    # what the kubelet adds; the Service's ClusterIP is not routed, so point at the apiserver itself
    env.setdefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
    env.setdefault("HOSTNAME", pod["metadata"]["name"])
    env.setdefault("KUBERNETES_SERVICE_HOST", "127.0.0.1")
    env.setdefault("KUBERNETES_SERVICE_PORT", str(api_port))
    env.setdefault("KUBERNETES_SERVICE_PORT_HTTPS", str(api_port))
    return env


def container_argv(binary_path: Path, container: Obj, env: Mapping[str, str]) -> list[str]:
    """command + args; the image's entrypoint (command[0], or the implicit one) is the built binary."""
    command = [expand(a, env) for a in container.get("command") or []]
    args = [expand(a, env) for a in container.get("args") or []]
    return [str(binary_path), *command[1:], *args]


def volume_files(api: Api, pod: Obj, volume: Obj, token: Callable[[Obj], bytes]) -> dict[str, bytes] | None:
    """The files a volume holds (path -> content); None for an empty directory (emptyDir)."""
    namespace = pod["metadata"]["namespace"]

    def keyed(kind: str, src: Obj) -> dict[str, bytes]:
        name = src.get("secretName") or src.get("name") or ""
        data = _object_data(api, kind, namespace, name)
        if data is None:
            if src.get("optional"):
                return {}
            raise ControllerError(f"volume {volume['name']}: {kind} {name} does not exist (yet)")
        items = src.get("items")
        return {i["path"]: data[i["key"]] for i in items if i["key"] in data} if items else data

    def downward(src: Obj) -> dict[str, bytes]:
        return {i["path"]: field_value(pod, i["fieldRef"]["fieldPath"]).encode() for i in src.get("items", [])}

    if "secret" in volume:
        return keyed("secret", volume["secret"])
    if "configMap" in volume:
        return keyed("configMap", volume["configMap"])
    if "downwardAPI" in volume:
        return downward(volume["downwardAPI"])
    if "projected" in volume:
        files: dict[str, bytes] = {}
        for src in volume["projected"].get("sources", []):
            if "secret" in src:
                files |= keyed("secret", src["secret"])
            elif "configMap" in src:
                files |= keyed("configMap", src["configMap"])
            elif "downwardAPI" in src:
                files |= downward(src["downwardAPI"])
            elif "serviceAccountToken" in src:
                files[src["serviceAccountToken"]["path"]] = token(src["serviceAccountToken"])
        return files
    if "emptyDir" in volume:
        return None
    raise ControllerError(f"volume {volume['name']}: type {sorted(set(volume) - {'name'})} is not supported")


def write_files(target: Path, files: Mapping[str, bytes]) -> bool:
    """Write files under target atomically; True when anything changed."""
    changed = False
    for rel, content in files.items():
        path = target / rel
        if path.is_file() and path.read_bytes() == content:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(content)
        tmp.chmod(0o644)
        tmp.replace(path)
        changed = True
    return changed


def _mount_points() -> list[str]:
    return [line.split()[4] for line in Path("/proc/self/mountinfo").read_text().splitlines()]


def _mount_of(path: str, points: Sequence[str]) -> str:
    return max((p for p in points if path == p or path.startswith(p.rstrip("/") + "/")), key=len)


@dataclass(frozen=True)
class Mount:
    source: Path
    target: str  # absolute path in the container
    read_only: bool


def container_script(*, scratch: Path, mounts: Sequence[Mount], pod_ip: str, addresses: Sequence[str],
                     env: Mapping[str, str], argv: Sequence[str], netup: Path, ready: Path) -> str:
    """Shell run under `unshare --net --mount`: lo with the pod's addresses, the container's file
    system (an overlay of / in a tmpfs, so no mount point is ever created on the host) with the
    volumes bound at their mountPaths, then exec of the binary chrooted there."""
    q = shlex.quote
    root = f"{scratch}/root"
    points = _mount_points()
    lines = ["set -eu", "ip link set lo up"]
    lines += [f"ip addr add {q(a)}/32 dev lo" for a in (pod_ip, *addresses)]
    lines += [f"mount -t tmpfs chartops-container {q(str(scratch))}",
              f"mkdir -p {q(root)}"]

    def overlay(lower: str, index: int) -> None:
        up, work = f"{scratch}/upper{index}", f"{scratch}/work{index}"
        lines.append(f"mkdir -p {q(up)} {q(work)}")
        lines.append(f"mount -t overlay overlay -o lowerdir={q(lower)},upperdir={q(up)},workdir={q(work)} "
                     f"{q(root + lower if lower != '/' else root)}")

    overlay("/", 0)
    binds = {"/proc", "/dev", "/sys", _mount_of(str(repo_root()), points)} - {"/"}
    lines += [f"mount --rbind {q(p)} {q(root + p)}" for p in sorted(binds)]
    overlaid = {"/"}
    # resolve symlinks (/var/run -> /run) as the overlay of / will, or mkdir would follow them to the host
    mounts = [Mount(m.source, os.path.realpath(m.target), m.read_only) for m in mounts]
    for m in mounts:  # a mountPath on another file system than / gets its own overlay
        point = _mount_of(m.target, points)
        if point not in overlaid and point not in binds:
            overlaid.add(point)
            overlay(point, len(overlaid))
    for m in sorted(mounts, key=lambda m: m.target.count("/")):
        dest = q(root + m.target)
        if m.source.is_dir():
            lines.append(f"mkdir -p {dest}")
        else:
            lines.append(f"mkdir -p {q(os.path.dirname(root + m.target))} && touch {dest}")
        lines.append(f"mount --bind {q(str(m.source))} {dest}")
        if m.read_only:
            lines.append(f"mount -o remount,bind,ro {dest}")
    lines.append(f"touch {q(str(netup))}")
    lines.append(f"i=0; while [ ! -e {q(str(ready))} ]; do i=$((i+1)); [ $i -le 1200 ] || exit 97; sleep 0.05; done")
    chroot = shutil.which("chroot") or "/usr/sbin/chroot"
    envs = " ".join(q(f"{k}={v}") for k, v in env.items())
    lines.append(f"exec env -i {envs} {q(chroot)} {q(root)} {' '.join(q(a) for a in argv)}")
    return "\n".join(lines) + "\n"


# --- a running controller ---

# Lines in a controller's log that fail a test: RBAC refusals, flags the binary does not know,
# configuration it rejects.
PROBLEMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("RBAC", re.compile(r"forbidden", re.I)),
    ("unknown flag", re.compile(r"flag provided but not defined|unknown (shorthand )?flag", re.I)),
    ("config", re.compile(r"error during parsing|unknown directive|unknown (field|key|property|setting)"
                          r"|invalid (configuration|config)|failed to (parse|load|read) (the )?config", re.I)),
)


def problems(log: str) -> list[str]:
    """`<kind>: <line>` for every log line that shows the chart misconfigured the controller."""
    found = []
    for line in log.splitlines():
        for kind, pattern in PROBLEMS:
            if pattern.search(line):
                found.append(f"{kind}: {line.strip()[:400]}")
                break
    return found


def _ports(spec: Obj) -> tuple[list[int], list[int]]:
    """TCP and UDP ports to relay: every container port and every probe port."""
    tcp: set[int] = set()
    udp: set[int] = set()
    for c in spec.get("containers", []):
        named = {p["name"]: p["containerPort"] for p in c.get("ports", []) if p.get("name")}
        for p in c.get("ports", []):
            (udp if p.get("protocol") == "UDP" else tcp).add(int(p["containerPort"]))
        for kind in ("livenessProbe", "readinessProbe", "startupProbe"):
            probe = c.get(kind) or {}
            port = (probe.get("httpGet") or probe.get("tcpSocket") or {}).get("port")
            if port is not None:
                tcp.add(int(named.get(port, port)) if isinstance(port, str) else int(port))
    return sorted(tcp), sorted(udp)


@dataclass
class Running:
    controller: Controller
    pod: Obj
    container: Obj
    proc: subprocess.Popen[bytes]
    workdir: Path
    netns: int
    tcp_ports: list[int]
    relays: Relays = field(default_factory=Relays)
    stopping: threading.Event = field(default_factory=threading.Event)
    queries: dict[str, list[str]] = field(default_factory=dict)  # fake upstream DNS address -> names asked

    @property
    def ip(self) -> str:
        return str(self.pod["status"]["podIP"])

    @property
    def log_path(self) -> Path:
        return self.workdir / "container.log"

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")

    def problems(self) -> list[str]:
        return problems(self.logs())

    def alive(self) -> bool:
        return self.proc.poll() is None

    def probe(self, kind: str = "readinessProbe") -> bool:
        """Run the chart's probe against the real process, at the pod's IP (httpGet or tcpSocket)."""
        probe = self.container.get(kind)
        if not probe:
            raise ControllerError(f"container {self.container['name']} has no {kind}")
        named = {p["name"]: p["containerPort"] for p in self.container.get("ports", []) if p.get("name")}
        spec = probe.get("httpGet") or probe.get("tcpSocket") or {}
        port = int(named.get(spec["port"], spec["port"]))
        try:
            if "tcpSocket" in probe:
                socket.create_connection((self.ip, port), timeout=probe.get("timeoutSeconds", 1) + 2).close()
                return True
            import ssl
            import urllib.request

            scheme = probe["httpGet"].get("scheme", "HTTP").lower()
            url = f"{scheme}://{self.ip}:{port}{probe['httpGet'].get('path', '/')}"
            ctx = ssl._create_unverified_context()  # a kubelet does not verify probe certificates either
            with urllib.request.urlopen(url, timeout=probe.get("timeoutSeconds", 1) + 2, context=ctx) as resp:
                return 200 <= int(resp.status) < 400
        except OSError:
            return False

    def wait_ready(self, timeout: float = 60, kind: str = "readinessProbe") -> None:
        def ready() -> bool:
            if not self.alive():
                raise ControllerError(f"{self.controller.name} exited ({self.proc.returncode}):\n"
                                      f"{self.logs()[-3000:]}")
            return self.probe(kind)

        _wait_for(f"{self.controller.name}'s {kind}", ready, timeout, interval=0.5)

    def serve_dns(self, address: str, answer: str) -> None:
        """A stand-in upstream DNS server at address:53 inside the controller's namespace: it answers
        every A question with `answer` and records the names asked in self.queries[address]."""
        sock = _listen(self.netns, (address, 53), socket.SOCK_DGRAM, reuseport=True)
        self.relays.sockets.append(sock)
        asked = self.queries.setdefault(address, [])

        def loop() -> None:
            while not self.relays.stop.is_set():
                try:
                    data, client = sock.recvfrom(4096)
                except TimeoutError:
                    continue
                except OSError:
                    return
                with suppress(Exception):
                    name, _ = _dns_question(data, 12)
                    asked.append(name)
                    sock.sendto(dns_answer(data, answer), client)

        threading.Thread(target=loop, daemon=True).start()

    def stop(self) -> None:
        self.stopping.set()
        if self.proc.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.relays.close()
        POD_NETWORK.forget(self.ip)
        POD_NETWORK.close(self.tcp_ports)
        with suppress(OSError):
            os.close(self.netns)


RUNNING: list[Running] = []  # every controller start() made in this process, for stop_all()


def stop_all() -> None:
    """Stop every controller this process started (test teardown)."""
    while RUNNING:
        RUNNING.pop().stop()


def run_dir(root: Path | None = None) -> Path:
    return (root or repo_root()) / ".tools" / "cluster" / "controllers"


def start(name: str, namespace: str, kind: str, workload: str, *, api: Api | None = None,
          addresses: Sequence[str] = (), node_resolv_conf: str = "nameserver 192.0.2.53\n",
          timeout: float = 120, api_port: int = 6443, root: Path | None = None) -> Running:
    """Run the controller `name` as the container of the live pod of workload (kind/name in namespace).

    addresses: extra addresses on the controller's lo (e.g. a stand-in upstream DNS server's).
    node_resolv_conf: the node's resolv.conf, for dnsPolicy Default (192.0.2.53 reaches nothing).
    """
    controller = CONTROLLERS[name]
    path = binary(name, root)
    api = api or Api()
    base = f"/apis/apps/v1/namespaces/{namespace}/{_WORKLOADS[kind]}/{workload}"
    wl = _wait_for(f"{kind} {namespace}/{workload}", lambda: api.get(base), timeout)
    tcp, udp = _ports(wl["spec"]["template"]["spec"])
    POD_NETWORK.open(tcp)  # before the pod exists: a webhook call waits for us instead of being refused
    try:
        pod = _wait_for(f"a pod of {kind} {namespace}/{workload} with an IP",
                        lambda: _live_pod(api, namespace, wl["spec"]["selector"]["matchLabels"]), timeout)
        return _launch(controller, path, api, pod, tcp, udp, addresses, node_resolv_conf, api_port, root)
    except BaseException:
        POD_NETWORK.close(tcp)
        raise


def _launch(controller: Controller, path: Path, api: Api, pod: Obj, tcp: list[int], udp: list[int],
            addresses: Sequence[str], node_resolv_conf: str, api_port: int, root: Path | None) -> Running:
    spec, meta = pod["spec"], pod["metadata"]
    containers = {c["name"]: c for c in spec["containers"]}
    if controller.container not in containers:
        raise ControllerError(f"pod {meta['name']} has no container {controller.container}: {sorted(containers)}")
    container = containers[controller.container]
    workdir = run_dir(root) / f"{controller.name}-{meta['namespace']}-{meta['name']}"
    shutil.rmtree(workdir, ignore_errors=True)
    (workdir / "volumes").mkdir(parents=True)
    tokens: dict[str, bytes] = {}

    def token(src: Obj) -> bytes:
        key = json.dumps(src, sort_keys=True)
        if key not in tokens:
            body: Obj = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {
                "expirationSeconds": max(int(src.get("expirationSeconds", 3607)), 3600),
                "boundObjectRef": {"apiVersion": "v1", "kind": "Pod", "name": meta["name"], "uid": meta["uid"]}}}
            if src.get("audience"):
                body["spec"]["audiences"] = [src["audience"]]
            sa = spec.get("serviceAccountName", "default")
            made = api.call("POST", f"/api/v1/namespaces/{meta['namespace']}/serviceaccounts/{sa}/token", body)
            tokens[key] = made["status"]["token"].encode()
        return tokens[key]

    volumes = {v["name"]: v for v in spec.get("volumes", [])}

    def sync() -> None:
        for vname, volume in volumes.items():
            files = volume_files(api, pod, volume, token)
            target = workdir / "volumes" / vname
            target.mkdir(exist_ok=True)
            if files:
                write_files(target, files)

    sync()
    mounts = []
    for vm in container.get("volumeMounts", []):
        source = workdir / "volumes" / vm["name"]
        if vm.get("subPath"):
            source = source / vm["subPath"]
        mounts.append(Mount(source, vm["mountPath"], bool(vm.get("readOnly"))))
    # the kubelet's own files: resolv.conf by dnsPolicy, hosts
    etc = workdir / "etc"
    etc.mkdir()
    if spec.get("dnsPolicy", "ClusterFirst") == "Default":
        (etc / "resolv.conf").write_text(node_resolv_conf)
    else:
        ns = meta["namespace"]
        (etc / "resolv.conf").write_text(f"nameserver 10.96.0.10\nsearch {ns}.svc.cluster.local svc.cluster.local "
                                         "cluster.local\noptions ndots:5\n")
    (etc / "hosts").write_text(f"127.0.0.1\tlocalhost\n{pod['status']['podIP']}\t{meta['name']}\n")
    mounts += [Mount(etc / "resolv.conf", "/etc/resolv.conf", True), Mount(etc / "hosts", "/etc/hosts", True)]

    env = container_env(api, pod, container, api_port)
    argv = container_argv(path, container, env)
    netup, ready = workdir / "netup", workdir / "ready"
    script = workdir / "container.sh"
    (workdir / "scratch").mkdir()
    script.write_text(container_script(scratch=workdir / "scratch", mounts=mounts, pod_ip=pod["status"]["podIP"],
                                       addresses=addresses, env=env, argv=argv, netup=netup, ready=ready))
    log = (workdir / "container.log").open("wb")
    proc = subprocess.Popen(["unshare", "--net", "--mount", "--propagation", "private", "--", "/bin/sh", str(script)],
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    log.close()
    try:
        _wait_for("the controller's namespaces", lambda: netup.exists() or proc.poll() is not None, 15, 0.05)
        if proc.poll() is not None:
            raise ControllerError(f"{controller.name}: setting up the container failed:\n"
                                  f"{(workdir / 'container.log').read_text()[-3000:]}")
        netns = os.open(f"/proc/{proc.pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    except BaseException:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    running = Running(controller, pod, container, proc, workdir, netns, tcp)
    RUNNING.append(running)
    # inside: the apiserver at 127.0.0.1:6443; outside: the pod's UDP ports (TCP ones go by POD_NETWORK)
    running.relays.tcp(_listen(netns, ("127.0.0.1", api_port)),
                       lambda _c: (home_netns(), ("127.0.0.1", api_port)))
    for port in udp:
        running.relays.udp(_listen(home_netns(), (running.ip, port), socket.SOCK_DGRAM), netns, (running.ip, port))
    POD_NETWORK.register(running.ip, netns)

    def resync() -> None:  # Secret and ConfigMap volumes follow their objects, as a kubelet's do
        while not running.stopping.wait(1.0):
            with suppress(Exception):
                sync()

    threading.Thread(target=resync, daemon=True).start()
    ready.touch()
    return running


@dataclass
class Launch:
    """start() in the background, for installs whose hooks need the webhook while helm runs."""

    thread: threading.Thread
    result: list[Running | BaseException]

    def wait(self, timeout: float = 180) -> Running:
        self.thread.join(timeout)
        if not self.result:
            raise ControllerError(f"the controller did not start within {timeout:.0f} s")
        found = self.result[0]
        if isinstance(found, BaseException):
            raise found
        return found


def launch(name: str, namespace: str, kind: str, workload: str, **kwargs: Any) -> Launch:
    result: list[Running | BaseException] = []

    def run() -> None:
        try:
            result.append(start(name, namespace, kind, workload, **kwargs))
        except BaseException as err:
            result.append(err)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return Launch(thread, result)


# --- DNS on the wire, just enough to ask CoreDNS and to stand in for its upstreams ---


def _dns_name(name: str) -> bytes:
    return b"".join(bytes([len(p)]) + p.encode() for p in name.rstrip(".").split(".")) + b"\0"


def _dns_question(msg: bytes, offset: int) -> tuple[str, int]:
    """The (possibly compressed) name at offset and the offset after it."""
    labels: list[str] = []
    end: int | None = None
    while True:
        n = msg[offset]
        if n & 0xC0 == 0xC0:
            end = end or offset + 2
            offset = ((n & 0x3F) << 8) | msg[offset + 1]
            continue
        if n == 0:
            return ".".join(labels), end or offset + 1
        labels.append(msg[offset + 1:offset + 1 + n].decode())
        offset += n + 1


def dns_answer(query: bytes, address: str) -> bytes:
    """A reply to query that answers an A question with address."""
    _, end = _dns_question(query, 12)
    qtype = struct.unpack("!H", query[end:end + 2])[0]
    question = query[12:end + 4]
    answers = b""
    if qtype == 1:
        answers = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 30, 4) + socket.inet_aton(address)
    return query[:2] + struct.pack("!HHHHH", 0x8180, 1, 1 if answers else 0, 0, 0) + question + answers


def dns_query(server: str, name: str, qtype: int = 1, port: int = 53, timeout: float = 5) -> tuple[int, list[str]]:
    """(rcode, answers) of one UDP question; answers are A addresses and CNAME targets."""
    ident = os.getpid() & 0xFFFF
    query = struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0) + _dns_name(name) + struct.pack("!HH", qtype, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(query, (server, port))
        msg = s.recv(65536)
    rcode = msg[3] & 0x0F
    ancount = struct.unpack("!H", msg[6:8])[0]
    _, offset = _dns_question(msg, 12)
    offset += 4
    answers = []
    for _ in range(ancount):
        _, offset = _dns_question(msg, offset)
        rtype, _cls, _ttl, length = struct.unpack("!HHIH", msg[offset:offset + 10])
        offset += 10
        if rtype == 1:
            answers.append(socket.inet_ntoa(msg[offset:offset + 4]))
        elif rtype == 5:
            answers.append(_dns_question(msg, offset)[0])
        offset += length
    return rcode, answers


def iter_problems(runs: Sequence[Running]) -> Iterator[str]:
    for run in runs:
        for line in run.problems():
            yield f"{run.controller.chart}: {line}"
