"""The harness that plays the kubelet: it runs a chart's controller as that chart's pod.

`start()` runs one the way a kubelet would run the chart's container, from the live fake Pod
that kwok made out of the chart's Deployment: argv = command + args (with `$(VAR)` expanded),
env with fieldRefs resolved from that Pod, and its volumes (ConfigMaps, Secrets, the projected
ServiceAccount token with the cluster CA) materialised from the live objects and bind-mounted
at their mountPaths. So a change to the chart is a change to what runs.

Each controller gets its own network namespace (only `lo`, holding the pod's IP) and its own
mount namespace. Inside, 127.0.0.1:6443 is relayed to the apiserver; outside, in the plane's
loopback-only namespace where the fake pods' range is routed to `lo`, connections to the pod's
IP and a port of the container are relayed to the controller (`netns.PodNetwork`). That is how
the apiserver's webhook calls (dialed at pod IP:targetPort with --enable-aggregator-routing) land
on the real webhook servers, and why two controllers that both serve :9443 do not collide.
No namespace involved has any interface but `lo`, so nothing reaches another host.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chartops.paths import repo_root
from chartops.testbed import netns
from chartops.testbed import plane as plane_mod
from chartops.testbed.api import Api
from chartops.testbed.builds import Controller, ControllerError

Obj = dict[str, Any]

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


def _live_pods(api: Api, namespace: str, selector: Mapping[str, str]) -> list[Obj]:
    """The workload's pods that have an IP and are not going away, oldest first."""
    sel = ",".join(f"{k}={v}" for k, v in selector.items())
    pods = api.get(f"/api/v1/namespaces/{namespace}/pods", labelSelector=sel)["items"]
    live = [p for p in pods if p.get("status", {}).get("podIP") and not p["metadata"].get("deletionTimestamp")]
    live.sort(key=lambda p: (p["metadata"]["creationTimestamp"], p["metadata"]["name"]))
    return live


def _live_pod(api: Api, namespace: str, selector: Mapping[str, str]) -> Obj | None:
    live = _live_pods(api, namespace, selector)
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


EGRESS_PORT = 15001  # inside each pod's namespace: where its TCP to other pods' addresses is redirected


def sandbox_script(*, pod_ip: str, addresses: Sequence[str], pod_cidr: str, netup: Path) -> str:
    """Shell run under `unshare --net`: the pod's network namespace, held by `sleep` as a pause
    container holds it. lo gets the pod's addresses; TCP to the rest of the pod range is redirected
    (nftables, inside this namespace only) to the harness's egress relay at 127.0.0.1:EGRESS_PORT,
    which carries it to the pod that owns the address."""
    q = shlex.quote
    lines = ["set -eu", "ip link set lo up"]
    lines += [f"ip addr add {q(a)}/32 dev lo" for a in (pod_ip, *addresses)]
    lines += [f"ip route add local {q(pod_cidr)} dev lo",
              "nft -f - <<'EOF'",
              "table ip chartops_egress {",
              "  chain out {",
              "    type nat hook output priority -100; policy accept;",
              f"    ip daddr {pod_ip} return",
              f"    ip daddr {pod_cidr} meta l4proto tcp redirect to :{EGRESS_PORT}",
              "  }",
              "}",
              "EOF",
              f"touch {q(str(netup))}",
              "exec sleep infinity"]
    return "\n".join(lines) + "\n"


def container_script(*, scratch: Path, mounts: Sequence[Mount], env: Mapping[str, str], argv: Sequence[str],
                     ready: Path) -> str:
    """Shell run under `unshare --mount` inside the pod's network namespace: the container's file
    system (an overlay of / in a tmpfs, so no mount point is ever created on the host) with the
    volumes bound at their mountPaths, then exec of the binary chrooted there."""
    q = shlex.quote
    root = f"{scratch}/root"
    points = _mount_points()
    lines = ["set -eu", f"mount -t tmpfs chartops-container {q(str(scratch))}", f"mkdir -p {q(root)}"]

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
    # the binary at a path of its own: a volume at its directory's path (a pod's /tmp, with the checkout
    # under /tmp) would hide it otherwise
    if argv and os.path.isabs(argv[0]) and os.path.isfile(argv[0]):
        inside = f"/.chartops-bin/{os.path.basename(argv[0])}"
        lines += [f"mkdir -p {q(root + '/.chartops-bin')} && touch {q(root + inside)}",
                  f"mount --bind {q(argv[0])} {q(root + inside)}", f"mount -o remount,bind,ro {q(root + inside)}"]
        argv = [inside, *argv[1:]]
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
    """A chart's pod run by the harness: its main container (the controller) and any other containers
    given binaries, all in the pod's network namespace and sharing its volumes."""

    controller: Controller
    pod: Obj
    container: Obj  # the main container's spec
    proc: subprocess.Popen[bytes]  # the main container's process
    workdir: Path
    own_netns: int  # fd of the pod's own namespace
    tcp_ports: list[int]
    pods: netns.PodNetwork  # the plane's pod network, which relays the pod's TCP ports
    relays: netns.Relays = field(default_factory=netns.Relays)
    stopping: threading.Event = field(default_factory=threading.Event)
    queries: dict[str, list[str]] = field(default_factory=dict)  # stand-in upstream DNS address -> names asked
    sidecars: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)  # other containers, by name
    sandbox: subprocess.Popen[bytes] | None = None  # holds the pod's network namespace

    @property
    def ip(self) -> str:
        return str(self.pod["status"]["podIP"])

    @property
    def log_path(self) -> Path:
        return self.workdir / "container.log"

    def logs(self, container: str | None = None) -> str:
        """The main container's log, or another container's by name."""
        path = self.log_path if container in (None, self.container["name"]) else self.workdir / f"{container}.log"
        return path.read_text(errors="replace")

    def problems(self) -> list[str]:
        return problems(self.logs()) + [f"{name}: {line}" for name in self.sidecars
                                        for line in problems(self.logs(name))]

    def alive(self, container: str | None = None) -> bool:
        proc = self.proc if container in (None, self.container["name"]) else self.sidecars[str(container)]
        return proc.poll() is None

    def probe(self, kind: str = "readinessProbe", container: Obj | None = None) -> bool:
        """Run the chart's probe against the real process, at the pod's IP (httpGet or tcpSocket)."""
        container = container or self.container
        probe = container.get(kind)
        if not probe:
            raise ControllerError(f"container {container['name']} has no {kind}")
        named = {p["name"]: p["containerPort"] for p in container.get("ports", []) if p.get("name")}
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

    def stop(self) -> None:
        if self.stopping.is_set():  # stopped already (a test's own stop, then stop_all)
            return
        self.stopping.set()
        for proc in (self.proc, *self.sidecars.values(), *([self.sandbox] if self.sandbox else [])):
            _kill(proc)
        self.relays.close()
        self.pods.forget(self.ip)
        self.pods.close(self.tcp_ports)
        with suppress(OSError):
            os.close(self.own_netns)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


RUNNING: list[Running] = []  # every pod start() made in this process, for stop_all()


def stop_all() -> None:
    """Stop every controller this process started (test teardown)."""
    while RUNNING:
        RUNNING.pop().stop()


def run_dir(root: Path | None = None, plane: str = "main") -> Path:
    return plane_mod.state_dir(root, plane) / "controllers"


def start(controller: Controller | str, namespace: str, kind: str, workload: str, *, plane: str | None = None,
          api: Api | None = None, addresses: Sequence[str] = (), node_resolv_conf: str = "nameserver 192.0.2.53\n",
          timeout: float = 120, api_port: int = 6443, root: Path | None = None,
          binaries: Mapping[str, Path] | None = None) -> Running:
    """Run the controller as the container of the live pod of workload (kind/name in namespace), on the
    plane whose namespace the calling thread is in (default: found from that namespace).

    addresses: extra addresses on the pod's lo (e.g. a stand-in upstream DNS server's).
    node_resolv_conf: the node's resolv.conf, for dnsPolicy Default (192.0.2.53 reaches nothing).
    binaries: the binary of each container (init containers included) to run, by container name; default
    the controller's own binary for its container. Containers without one are not run (as today's pods of
    one container); init containers run to completion first, in order, like a kubelet runs them.
    """
    if isinstance(controller, str):
        from chartops.testbed import controllers  # the families import this module

        controller = controllers.get(controller)
    binaries = dict(binaries) if binaries is not None else {controller.container: controller.built(root)}
    plane = plane or plane_mod.current(root)
    api = api or Api(plane_mod.kubeconfig(root, plane))
    pods = netns.pod_network()
    base = f"/apis/apps/v1/namespaces/{namespace}/{_WORKLOADS[kind]}/{workload}"
    wl = _wait_for(f"{kind} {namespace}/{workload}", lambda: api.get(base), timeout)
    tcp, udp = _ports(wl["spec"]["template"]["spec"])
    pods.open(tcp)  # before the pod exists: a webhook call waits for us instead of being refused
    try:
        pod = _wait_for(f"a pod of {kind} {namespace}/{workload} with an IP",
                        lambda: _live_pod(api, namespace, wl["spec"]["selector"]["matchLabels"]), timeout)
        return _launch(controller, binaries, api, pods, pod, tcp, udp, addresses, node_resolv_conf, api_port,
                       run_dir(root, plane))
    except BaseException:
        pods.close(tcp)
        raise


def _spawn(argv: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)


def _launch(controller: Controller, binaries: Mapping[str, Path], api: Api, pods: netns.PodNetwork, pod: Obj,
            tcp: list[int], udp: list[int], addresses: Sequence[str], node_resolv_conf: str, api_port: int,
            runs: Path) -> Running:
    spec, meta = pod["spec"], pod["metadata"]
    containers = {c["name"]: c for c in spec["containers"]}
    inits = [c for c in spec.get("initContainers") or [] if c["name"] in binaries]
    if controller.container not in containers:
        raise ControllerError(f"pod {meta['name']} has no container {controller.container}: {sorted(containers)}")
    unknown = set(binaries) - set(containers) - {c["name"] for c in spec.get("initContainers") or []}
    if unknown:
        raise ControllerError(f"pod {meta['name']} has no container {sorted(unknown)}: {sorted(containers)}")
    workdir = runs / f"{controller.name}-{meta['namespace']}-{meta['name']}"
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

    # the pod's network namespace first, as a pause container holds it
    netup = workdir / "netup"
    (workdir / "sandbox.sh").write_text(sandbox_script(pod_ip=pod["status"]["podIP"], addresses=addresses,
                                                       pod_cidr=plane_mod.POD_CIDR, netup=netup))
    sandbox = _spawn(["unshare", "--net", "--", "/bin/sh", str(workdir / "sandbox.sh")], workdir / "sandbox.log")
    try:
        _wait_for("the pod's network namespace", lambda: netup.exists() or sandbox.poll() is not None, 15, 0.05)
        if sandbox.poll() is not None:
            raise ControllerError(f"{controller.name}: setting up the pod's network failed:\n"
                                  f"{(workdir / 'sandbox.log').read_text()[-3000:]}")
        own = os.open(f"/proc/{sandbox.pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    except BaseException:
        _kill(sandbox)
        raise

    def run(container: Obj, log: Path) -> tuple[subprocess.Popen[bytes], Path]:
        """One container in the pod's namespace, in a mount namespace of its own; it waits for `ready`."""
        name = container["name"]
        mounts = []
        for vm in container.get("volumeMounts", []):
            source = workdir / "volumes" / vm["name"]
            if vm.get("subPath"):
                source = source / vm["subPath"]
            mounts.append(Mount(source, vm["mountPath"], bool(vm.get("readOnly"))))
        mounts += [Mount(etc / "resolv.conf", "/etc/resolv.conf", True), Mount(etc / "hosts", "/etc/hosts", True)]
        env = container_env(api, pod, container, api_port)
        argv = container_argv(binaries[name], container, env)
        ready = workdir / f"{name}.ready"
        scratch = workdir / f"scratch-{name}"
        scratch.mkdir()
        script = workdir / f"{name}.sh"
        script.write_text(container_script(scratch=scratch, mounts=mounts, env=env, argv=argv, ready=ready))
        proc = _spawn(["nsenter", f"--net=/proc/{sandbox.pid}/ns/net", "--", "unshare", "--mount", "--propagation",
                       "private", "--", "/bin/sh", str(script)], log)
        return proc, ready

    running: Running | None = None
    relays = netns.Relays()
    try:
        # inside: the apiserver at 127.0.0.1:6443 and the egress relay; outside: the pod's UDP ports
        # (TCP ones go by the pod network)
        relays.tcp(netns.listen(own, ("127.0.0.1", api_port)), lambda _c: (pods.home, ("127.0.0.1", api_port)))
        relays.tcp(netns.listen(own, ("127.0.0.1", EGRESS_PORT)), pods.egress, wait=2.0,
                   source=lambda _c: str(pod["status"]["podIP"]))  # the target pod sees this pod's address
        for init in inits:  # to completion, in order, before the other containers start
            proc, ready = run(init, workdir / f"{init['name']}.log")
            ready.touch()
            try:
                code = proc.wait(120)
            except subprocess.TimeoutExpired:
                _kill(proc)
                code = -1
            if code != 0:
                raise ControllerError(f"{controller.name}: init container {init['name']} exited {code}:\n"
                                      f"{(workdir / (init['name'] + '.log')).read_text()[-3000:]}")
        main, main_ready = run(containers[controller.container], workdir / "container.log")
        running = Running(controller, pod, containers[controller.container], main, workdir, own, tcp, pods,
                          relays=relays, sandbox=sandbox)
        RUNNING.append(running)
        readies = [main_ready]
        for name in binaries:
            if name in containers and name != controller.container:
                running.sidecars[name], ready = run(containers[name], workdir / f"{name}.log")
                readies.append(ready)
    except BaseException:
        if running is None:
            relays.close()
            _kill(sandbox)
            with suppress(OSError):
                os.close(own)
        raise
    for port in udp:
        running.relays.udp(netns.listen(pods.home, (running.ip, port), socket.SOCK_DGRAM), own, (running.ip, port))
    pods.register(running.ip, own)

    def resync() -> None:  # Secret and ConfigMap volumes follow their objects, as a kubelet's do
        while not running.stopping.wait(1.0):
            with suppress(Exception):
                sync()

    threading.Thread(target=resync, daemon=True).start()
    for ready in readies:
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


def iter_problems(runs: Sequence[Running]) -> Iterator[str]:
    for run in runs:
        for line in run.problems():
            yield f"{run.controller.chart}: {line}"
